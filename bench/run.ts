// npm run bench [-- SUITE ...] [-- --quick] [--baseline FILE] [--data DIR] [--out DIR]
//   Runs the SIMD ceiling and the suites (bench/suites.ts: gemm, act, optim, train, ...) with
//   tinybench, writes every record with machine info to bench/results/<timestamp>.json, and
//   REPORT.md with its SVG charts to --out (default bench/results/).
// npm run bench -- --from FILE [--from FILE2 ...] [--baseline FILE] [--out DIR]
//   Only (re)writes the report from results files (e.g. a Node run and a bench:browser run).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { init, setThreads } from '../src/binding.js';
import { formatKernelTable, machineInfo, peakCases, peakRecord, runCases } from '../src/bench/index.js';
import type { BenchRecord, BenchResults } from '../src/bench/record.js';
import type { BenchMode } from '../src/bench/runner.js';
import { writeReport } from './report.js';
import { SUITES } from './suites.js';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

interface Opts { quick: boolean; smoke: boolean; baseline?: string; data?: string; out: string; results?: string; from: string[]; threshold: number; note: string[] }

/** Reads a results file, with a clear error naming the file when it is not one. */
export function readResults(file: string): BenchResults {
  let j: BenchResults;
  try {
    j = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`bench: cannot read results file ${file}: ${(e as Error).message}`);
  }
  if (!j || !Array.isArray(j.records)) throw new Error(`bench: ${file} is not a results file (no "records" array)`);
  return j;
}

const program = new Command('npm run bench --')
  .argument('[suite...]', `suites to run (default: all): ${Object.keys(SUITES).join(', ')}`)
  .option('--quick', 'short run (under two minutes)', false)
  .addOption(new Option('--smoke', 'tiny sizes, a few calls (tests)').default(false).hideHelp())
  .option('--baseline <file>', 'earlier results JSON: flag our kernels that got slower')
  .option('--threshold <fraction>', 'slowdown flagged as a regression', Number, 0.1)
  .option('--data <dir>', 'training data (IDX files) for the train suite, e.g. /usr/share/datasets/fashion-mnist')
  .option('--out <dir>', 'where REPORT.md and the charts go', RESULTS)
  .option('--results <file>', 'where the results JSON goes (default: bench/results/<timestamp>.json)')
  .option('--from <file>', 'only write the report, from these results files (repeatable)', (v: string, a: string[]) => [...a, v], [] as string[])
  .option('--note <text>', 'a line for the top of the report (repeatable)', (v: string, a: string[]) => [...a, v], [] as string[])
  .action(async (names: string[], o: Opts) => {
    const baseline = o.baseline ? readResults(o.baseline) : undefined;
    let results: BenchResults;
    if (o.from.length) {
      const all = o.from.map(readResults);
      results = { ...all[0], records: all.flatMap((r) => r.records), command: all.map((r) => r.command).filter(Boolean).join(' and ') || undefined };
      for (const r of all.slice(1)) if (r.machine.browser) results.machine = { ...results.machine, browser: r.machine.browser };
    } else {
      for (const n of names) if (!SUITES[n]) throw new Error(`bench: unknown suite '${n}' (available: ${Object.keys(SUITES).join(', ')})`);
      await init();
      const mode: BenchMode = o.smoke ? 'smoke' : o.quick ? 'quick' : 'full';
      const chosen = names.length ? names : Object.keys(SUITES);
      const t0 = performance.now();
      const records: BenchRecord[] = [];
      const progress = (r: BenchRecord | null): void => {
        if (!r) return;
        const v = r.error ? `(${r.error})` : r.metric === 'samplesPerSec' ? `${r.samplesPerSec!.toFixed(0)} samples/s` : r.metric === 'gbps' ? `${r.gbps!.toFixed(2)} GB/s` : `${r.gflops.toFixed(2)} GFLOP/s`;
        process.stderr.write(`  ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s  ${r.suite.padEnd(6)} ${r.name.padEnd(22)} ${String(r.size).padStart(8)}  ${r.engine.padEnd(10)} ${v}\n`);
      };
      process.stderr.write(`bench: the SIMD ceiling, then ${chosen.join(', ')} (${mode})\n`);
      records.push(...(await runCases(peakCases(), { mode, onRecord: progress })));
      for (const s of chosen) {
        // the ceiling again just before each flop-counted suite, so its % of peak compares
        // measurements taken under the same load (a shared machine's load drifts)
        if (s !== 'train' && s !== chosen[0]) records.push(...(await runCases(peakCases().map((c) => ({ ...c, params: { before: s } })), { mode, onRecord: progress })));
        // Every suite but 'threads' measures one thread, as its peers run (tfjs-wasm in Node is
        // single-threaded); the threads suite sets its own counts and compares them.
        await setThreads(1);
        records.push(...(await SUITES[s]({ quick: mode !== 'full', mode, progress, data: o.data })));
      }
      const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
      results = { date: new Date().toISOString(), quick: mode !== 'full', mode, command, machine: await machineInfo(), records };
      mkdirSync(RESULTS, { recursive: true });
      const file = o.results ?? `${RESULTS}${results.date.replace(/[:.]/g, '-')}.json`;
      writeFileSync(`${file}.tmp`, JSON.stringify(results, null, 2) + '\n');
      renameSync(`${file}.tmp`, file);
      process.stderr.write(`bench: ${records.length} records in ${((performance.now() - t0) / 1000).toFixed(0)} s, written to ${relative(process.cwd(), file)}\n`);
      console.log(formatKernelTable(results));
    }
    const report = await writeReport(results, o.out, { baseline, regressionThreshold: o.threshold, notes: o.note });
    process.stderr.write(`bench: wrote ${relative(process.cwd(), o.out) || '.'}/REPORT.md and ${report.charts.length} charts\n`);
    if (!peakRecord(results.records)) process.stderr.write('bench: warning: no SIMD peak in these results\n');
    if (report.regressions.length) {
      process.stderr.write(`bench: ${report.regressions.length} of our records got slower than the baseline:\n`);
      for (const g of report.regressions) process.stderr.write(`  ${g.record.suite} ${g.record.name} ${g.record.size} ${g.record.engine}: ${(100 * g.change).toFixed(0)}%\n`);
      process.exitCode = 3;
    }
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
