// `gaaf bench [--quick] [--json] [suite...]`: the kernel suites and the SIMD ceiling on the
// user's machine, with a progress bar on stderr (or a line per case when stderr is not a terminal).
import cliProgress from 'cli-progress';
import { formatKernelTable, runKernelBench } from './index.js';
import type { BenchMode } from './runner.js';

export interface BenchCliOptions {
  quick: boolean;
  smoke: boolean;
  json: boolean;
  progress: boolean;
}

export async function benchCli(suites: string[], o: BenchCliOptions, command: string): Promise<void> {
  const mode: BenchMode = o.smoke ? 'smoke' : o.quick ? 'quick' : 'full';
  const tty = process.stderr.isTTY && o.progress;
  const bar = tty
    ? new cliProgress.SingleBar({ format: ' {bar} {value}/{total} | {case}', clearOnComplete: true, hideCursor: true, stream: process.stderr },
      cliProgress.Presets.shades_classic)
    : null;
  let started = false;
  const results = await runKernelBench({
    mode,
    suites: suites.length ? suites : undefined,
    command,
    onRecord: (r, done, total) => {
      const what = `${r.suite} ${r.name} ${r.size || ''} ${r.engine}`.replace(/\s+/g, ' ');
      if (bar) {
        if (!started) bar.start(total, 0, { case: what });
        started = true;
        bar.update(done, { case: what });
      } else if (o.progress) {
        process.stderr.write(`gaaf bench: ${String(done).padStart(String(total).length)}/${total} ${what}${r.error ? `: ${r.error}` : ''}\n`);
      }
    },
  });
  bar?.stop();
  if (o.json) process.stdout.write(JSON.stringify(results) + '\n');
  else process.stdout.write(formatKernelTable(results) + '\n');
}
