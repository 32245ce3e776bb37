// The demo's bench page: gaaf's kernel suites in this browser (dist/bundle/gaaf-bench.js, the
// same code and records as `gaaf bench`). `?mode=smoke&autorun=1` runs at once (tests).
const $ = (id) => document.getElementById(id);
const bench = import('../dist/bundle/gaaf-bench.js');
const state = { running: false, done: false, records: 0, error: null };
window.__bench = state;

async function run(mode) {
  if (state.running) return;
  Object.assign(state, { running: true, done: false, records: 0, error: null });
  $('run').disabled = true;
  $('table').textContent = '';
  try {
    const { runKernelBench, formatKernelTable } = await bench;
    const results = await runKernelBench({
      mode,
      host: 'browser',
      onRecord: (r, done, total) => {
        state.records = done;
        $('status').textContent = `${done}/${total}: ${r.suite} ${r.name}${r.size ? ` ${r.size}` : ''} (${r.engine})`;
      },
    });
    $('status').textContent = `done: ${results.records.length} measurements`;
    $('table').textContent = formatKernelTable(results);
    state.done = true;
  } catch (e) {
    state.error = String(e?.message ?? e);
    $('status').textContent = `failed: ${state.error}`;
    console.error(e);
  } finally {
    state.running = false;
    $('run').disabled = false;
  }
}

$('controls').addEventListener('submit', (e) => {
  e.preventDefault();
  run($('mode').value);
});
const q = new URLSearchParams(location.search);
if (q.get('autorun')) run(q.get('mode') ?? 'quick');
