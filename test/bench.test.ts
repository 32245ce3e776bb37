// The benchmark tooling, with no timing asserted: the report generator on a fixed set of
// records (tables, ratio columns, % of peak, targets, regressions, charts), the runner's
// error records, and `gaaf bench --smoke --json` producing valid records.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildReport, regressions, suiteTable, targets, writeReport } from '../bench/report.js';
import { type BenchRecord, type BenchResults, makeRecord, metricValue, runCase } from '../src/bench/index.js';
import { missingChromium } from './browser.js';
import { testNeeds } from './requirements.js';
import { init } from '../src/index.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** A record with the rate `v` of its metric (1 ms per call). */
function rec(suite: string, name: string, engine: string, size: number, v: number, metric: 'gflops' | 'gbps' | 'samplesPerSec' = 'gflops'): BenchRecord {
  const work = metric === 'gflops' ? { flop: v * 1e6 } : metric === 'gbps' ? { bytes: v * 1e6 } : { samples: v / 1000 };
  return makeRecord({ suite, name, engine, size }, work, { medianMs: 1, madMs: 0.02, samples: 10 }, metric);
}

const RECORDS: BenchRecord[] = [
  rec('peak', 'f32x4 mul+add', 'simd', 0, 60),
  rec('gemm', 'A·B', 'simd', 256, 48), rec('gemm', 'A·B', 'scalar', 256, 1.6), rec('gemm', 'A·B', 'tfjs-wasm', 256, 32), rec('gemm', 'A·B', 'tfjs-cpu', 256, 0.8),
  rec('gemm', 'A·Bᵀ', 'simd', 256, 45), rec('gemm', 'A·Bᵀ', 'scalar', 256, 1.5), rec('gemm', 'A·Bᵀ', 'tfjs-wasm', 256, 3), rec('gemm', 'A·Bᵀ', 'tfjs-cpu', 256, 0.5),
  rec('act', 'gaaf tanh fwd', 'simd', 65536, 12, 'gbps'), rec('act', 'gaaf tanh fwd', 'scalar', 65536, 3, 'gbps'),
  { ...rec('act', 'gaaf tanh fwd', 'tfjs-wasm', 65536, 0, 'gbps'), error: 'no GAAF activation in TF.js' },
  rec('train', 'mlp-base', 'simd', 128, 9000, 'samplesPerSec'), rec('train', 'mlp-base', 'tfjs-wasm', 128, 900, 'samplesPerSec'),
  rec('train', 'mlp-base', 'tfjs-cpu', 128, 300, 'samplesPerSec'),
];
const RESULTS: BenchResults = { date: '2026-01-01T00:00:00.000Z', quick: true, mode: 'quick', command: 'npm run bench -- --quick', machine: { cpu: 'Test CPU', cores: 2, node: 'v20.0.0', wasm: { simd: true, relaxedSimd: false } }, records: RECORDS };

test('records: rates from the median time, in the record\'s metric', () => {
  const r = rec('gemm', 'A·B', 'simd', 256, 48);
  assert.equal(r.gflops, 48);
  assert.equal(metricValue(r), 48);
  assert.equal(metricValue(rec('act', 'x', 'simd', 1, 12, 'gbps')), 12);
  assert.equal(metricValue(rec('train', 'x', 'simd', 1, 9000, 'samplesPerSec')), 9000);
  assert.ok(Number.isNaN(metricValue(RECORDS[11])), 'an error record has no rate');
});

test('suite table: one column per engine, ours ÷ each peer, % of the peak, and a note for a missing kernel', () => {
  const gemm = suiteTable(RECORDS, 'gemm', RECORDS[0]).split('\n');
  assert.match(gemm[0], /\| kernel \| size \| unit \| simd \| scalar \| tfjs-wasm \| tfjs-cpu \| \*\*simd ÷ scalar\*\* \| \*\*simd ÷ tfjs-wasm\*\* \| \*\*simd ÷ tfjs-cpu\*\* \| % of peak \(simd\) \|/);
  const ab = gemm.find((l) => l.startsWith('| A·B |'))!;
  assert.deepEqual(ab.split('|').slice(-5, -1).map((s) => s.trim()), ['**30×**', '**1.5×**', '**60×**', '80%']);
  assert.match(ab, /48\.0<sub> ±2%<\/sub>/);
  const act = suiteTable(RECORDS, 'act', RECORDS[0]);
  assert.match(act, /\| gaaf tanh fwd \| 64K \| GB\/s \| 12\.0<sub> ±2%<\/sub> \| 3\.00<sub> ±2%<\/sub> \| n\/a¹ \| \*\*4\.0×\*\* \| – \|/);
  assert.match(act, /n\/a¹: no GAAF activation in TF\.js\./);
  assert.doesNotMatch(act, /% of peak/, 'GB/s kernels have no percentage of the flop peak');
});

test('% of peak uses the ceiling measured just before the suite when the run has one', () => {
  const before = { ...rec('peak', 'f32x4 mul+add', 'simd', 0, 48), params: { before: 'gemm' } };
  const ab = suiteTable([...RECORDS, before], 'gemm', before).split('\n').find((l) => l.startsWith('| A·B |'))!;
  assert.match(ab, /\| 100% \|$/);
  const md = buildReport({ ...RESULTS, records: [...RECORDS, before] }).markdown;
  assert.match(md, /The same loop just before the gemm suite: 48\.0 GFLOP\/s \(±2%\); that suite's % of peak uses this one\./);
  assert.match(md, /\| A·B \| 256 \|.*\| 100% \|/);
  assert.equal(targets([...RECORDS, before]).find((t) => /85%/.test(t.target))!.measured, '94% to 100%');
});

test('targets: checked against the ratios of the run', () => {
  const t = targets(RECORDS);
  const row = (s: RegExp) => t.find((x) => s.test(x.target))!;
  assert.deepEqual(row(/1\.2× tfjs-wasm's plain A·B/), { target: row(/1\.2×/).target, measured: '1.4× to 1.5×', met: true });
  assert.equal(row(/85%/).measured, '75% to 80%');
  assert.equal(row(/85%/).met, false);
  assert.equal(row(/10× tfjs-wasm/).measured, '15×');
  assert.equal(row(/8× tfjs-wasm/).measured, '10×');
  assert.equal(row(/20× tfjs-cpu/).met, true);
});

test('regressions: ours slower than the baseline by more than the threshold, peers ignored', () => {
  const slower: BenchResults = {
    ...RESULTS,
    records: RECORDS.map((r) => (r.name === 'A·B' && (r.engine === 'simd' || r.engine === 'tfjs-wasm') ? rec(r.suite, r.name, r.engine, r.size, metricValue(r) / 2) : r)),
  };
  const g = regressions(slower, RESULTS, 0.1);
  assert.equal(g.length, 1);
  assert.equal(g[0].record.engine, 'simd');
  assert.equal(g[0].change, -0.5);
  assert.equal(regressions(RESULTS, RESULTS).length, 0);
  const md = buildReport(slower, { baseline: RESULTS }).markdown;
  assert.match(md, /## Regressions[\s\S]*\*\*1 of our records is\*\* slower by more than 10%/);
  // a drop within the measurements' spread is noise, not a regression
  const noisy = { ...slower, records: slower.records.map((r) => ({ ...r, madMs: 0.3 * r.medianMs })) };
  assert.equal(regressions(noisy, RESULTS, 0.1).length, 0);
  assert.match(md, /\| gemm \| A·B \| 256 \| simd \| 48\.0 \| 24\.0 \| \*\*-50%\*\* \|/);
});

test('REPORT.md and its SVG charts are written, and every linked chart exists', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaaf-bench-'));
  try {
    const r = await writeReport(RESULTS, dir, { notes: ['Provisional.'] });
    const md = readFileSync(join(dir, 'REPORT.md'), 'utf8');
    for (const h of ['# SIMD benchmark report', '## The ceiling', '## Targets', '## GEMM', '## Whole training', 'Command: `npm run bench -- --quick`', 'Provisional.', '**60.0 GFLOP/s**']) {
      assert.ok(md.includes(h), `REPORT.md lacks ${h}`);
    }
    assert.deepEqual(r.charts.map((c) => c.file).sort(), ['act-gbps.svg', 'gemm-gflops.svg', 'gemm-percent-of-peak.svg', 'train-samples-per-sec.svg']);
    for (const m of md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) {
      const svg = readFileSync(join(dir, m[1]), 'utf8');
      assert.match(svg, /^<svg[\s\S]*<\/svg>$/);
    }
    assert.match(readFileSync(join(dir, 'gemm-gflops.svg'), 'utf8'), /tfjs-wasm/, 'the GEMM chart has a legend entry per engine');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runner: a missing kernel and a failing case become error records, not crashes', async () => {
  const key = { suite: 's', name: 'k', engine: 'e', size: 1 };
  const none = await runCase({ ...key, work: { flop: 1 }, prepare: () => 'no such kernel' }, 'smoke');
  assert.equal(none.error, 'no such kernel');
  const bad = await runCase({ ...key, work: { flop: 1 }, prepare: () => ({ fn: () => { throw new Error('boom'); } }) }, 'smoke');
  assert.match(bad.error!, /boom/);
  const ok = await runCase({ ...key, work: { bytes: 8 }, prepare: () => ({ fn: () => Math.sqrt(2) }) }, 'smoke');
  assert.equal(ok.error, undefined);
  assert.ok(ok.samples >= 2 && ok.gbps! > 0);
});

test('npm run bench -- cnn-train --smoke: the SVHN and the residual CNN train on 1 and 2 threads; tfjs-wasm says why it cannot', () => {
  const out = mkdtempSync(join(tmpdir(), 'gaaf-cnn-train-'));
  const file = join(out, 'results.json');
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../bench/run.ts', import.meta.url)), 'cnn-train', '--smoke', '--out', out, '--results', file],
    { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  rmSync(out, { recursive: true, force: true });
  const cnn = j.records.filter((x) => x.suite === 'cnn-train');
  for (const name of ['svhn-cnn 8×8×1', 'residual-cnn 8×8×1']) {
    for (const engine of ['simd', 'tfjs-cpu']) {
      const xs = cnn.filter((x) => x.name === name && x.engine === engine);
      assert.ok(xs.length >= 1 && xs.every((x) => x.error === undefined && metricValue(x) > 0), `${name} ${engine}: ${JSON.stringify(xs.map((x) => x.error))}`);
    }
    assert.match(cnn.find((x) => x.name === name && x.engine === 'tfjs-wasm')?.error ?? '', /Conv2DBackpropFilter/, `${name} tfjs-wasm`);
  }
  const two = cnn.find((x) => x.name === 'residual-cnn 8×8×1' && x.engine === 'simd-2t');
  assert.ok(two && two.error === undefined && two.params?.threads === 2, `residual on 2 threads: ${two?.error}`);
});

test('gaaf bench --smoke --json: valid records for every kernel suite (conv included) and the ceiling', () => {
  const r = spawnSync(process.execPath, [cli, 'bench', '--smoke', '--json', '--no-progress'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as BenchResults;
  assert.equal(j.mode, 'smoke');
  assert.equal(j.machine.wasm?.simd, true);
  assert.ok((j.machine.cores ?? 0) >= 1);
  assert.deepEqual([...new Set(j.records.map((x) => x.suite))], ['peak', 'gemm', 'act', 'optim', 'conv']);
  for (const x of j.records) {
    assert.equal(x.error, undefined, `${x.suite} ${x.name} ${x.engine}: ${x.error}`);
    assert.ok(['simd', 'scalar'].includes(x.engine));
    assert.ok(x.medianMs > 0 && x.samples >= 1 && x.madMs >= 0, `${x.name}: timings`);
    assert.ok(metricValue(x) > 0 && Number.isFinite(metricValue(x)), `${x.name}: rate`);
  }
  for (const name of ['A·B', 'A·Bᵀ', 'Aᵀ·B', 'tanh fwd', 'gaaf tanh fwd', 'gaaf tanh bwd', 'dropout fwd', 'softmax-xent fwd+bwd', 'sgd momentum', 'adam',
    '6×6×3→4 forward', '6×6×3→4 backward-data', '6×6×3→4 backward-filter']) {
    assert.deepEqual(j.records.filter((x) => x.name === name).map((x) => x.engine).sort(), ['scalar', 'simd'], name);
  }
  // conv: CPU-time samples where Node reports them, the scalar reference at its own batch
  for (const x of j.records.filter((r) => r.suite === 'conv')) {
    assert.equal(x.params?.clock, 'cpu', x.name);
    assert.equal(x.params?.batch, x.engine === 'scalar' ? 1 : 2, x.name);
  }
  const table = spawnSync(process.execPath, [cli, 'bench', 'gemm', '--smoke', '--no-progress'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /SIMD peak \(register-only f32x4 mul\+add, no memory traffic\): \d+\.\d GFLOP\/s/);
  assert.match(table.stdout, /gemm +A·Bᵀ +17 +GFLOP\/s +[\d.]+ +[\d.]+ +[\d.]+× +\d+%/);
  const bad = spawnSync(process.execPath, [cli, 'bench', 'nosuch'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown suite 'nosuch' \(available: gemm, act, optim, conv\)/);
});

test('bench/ results are not shipped: the package files list only dist and the Wasm build', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  assert.ok(!pkg.files.some((f: string) => f.startsWith('bench')));
  assert.ok(pkg.dependencies.tinybench, 'gaaf bench needs tinybench at run time');
  assert.ok(!pkg.dependencies['@tensorflow/tfjs-core'], 'TF.js is a benchmark devDependency only');
  assert.ok(existsSync(cli));
});

test("'gaaf/bench' is the page-ready entry point for the demo's bench page", async () => {
  const m = await import('gaaf/bench');
  for (const f of ['runKernelBench', 'formatKernelTable', 'kernelCases', 'machineInfo']) assert.equal(typeof (m as Record<string, unknown>)[f], 'function', f);
  assert.deepEqual(Object.keys(m.KERNEL_SUITES), ['gemm', 'act', 'optim', 'conv']);
  assert.equal(m.kernelCases('smoke', ['gemm'])[0].suite, 'peak', 'the ceiling comes first');
});

test('bench page server: COOP/COEP headers, and nothing outside dist/, build/, tinybench and the page', async () => {
  const { serve } = await import('../bench/serve.js');
  const server = await serve();
  try {
    const { port } = server.address() as import('node:net').AddressInfo;
    const get = (p: string) => fetch(`http://127.0.0.1:${port}${p}`);
    const wasm = await get('/build/gaaf.wasm');
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.equal(wasm.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(wasm.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.equal((await get('/bench/browser/index.html')).status, 200);
    assert.equal((await get('/node_modules/tinybench/dist/index.js')).headers.get('content-type'), 'text/javascript; charset=utf-8');
    for (const p of ['/package.json', '/src/binding.ts', '/../../etc/passwd', '/%2e%2e/package.json', '/node_modules/commander/package.json']) {
      assert.equal((await get(p)).status, 404, p);
    }
  } finally {
    server.close();
  }
});

testNeeds(missingChromium, 'npm run bench:browser --smoke: the same records from headless Chromium', {}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaaf-bench-browser-'));
  try {
    const out = join(dir, 'chromium.json');
    const script = fileURLToPath(new URL('../bench/browser.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, '--smoke', '--suites', 'gemm', '--out', out], { encoding: 'utf8', timeout: 90_000 });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
    assert.match(j.machine.browser ?? '', /^Chromium \d+/);
    assert.equal(j.machine.wasm?.simd, true);
    assert.equal(j.machine.wasm?.threads, true, 'the page is cross-origin isolated');
    assert.deepEqual([...new Set(j.records.map((x) => x.suite))], ['peak', 'gemm']);
    for (const x of j.records) {
      assert.equal(x.host, 'chromium');
      assert.equal(x.error, undefined);
      assert.ok(metricValue(x) > 0, `${x.name} ${x.engine}`);
    }
    const md = buildReport({ ...RESULTS, records: [...RECORDS, ...j.records] }).markdown;
    assert.match(md, /\| chromium-simd \| chromium-scalar \|/);
    assert.match(md, /The same loop in chromium: [\d.]+ GFLOP\/s/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
