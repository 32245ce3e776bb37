// `gaaf bench` and the demo's bench page: runs the kernel suites and the SIMD ceiling on this
// machine (Node or a browser), SIMD against the scalar reference, with no TF.js: gemm, act
// and optim (./kernels.ts) and conv (./conv.ts, with depthwise rows from ./dwconv.ts).
//
//   import { runKernelBench, formatKernelTable } from 'gaaf/bench';
//   const results = await runKernelBench({ mode: 'quick', onRecord: (r, done, total) => ... });
//   pre.textContent = formatKernelTable(results);
import { init, setThreads, threads } from '../binding.js';
import { machineInfo } from '../machine.js';
import { type BenchRecord, type BenchResults, METRIC_UNITS, metricValue } from './record.js';
import { type BenchMode, type Case, runCases } from './runner.js';
import { convCases } from './conv.js';
import { depthwiseCases } from './dwconv.js';
import { actCases, gemmCases, optimCases, peakCases } from './kernels.js';
import { runPairCases } from './pairs.js';
import { precisionPairCases } from './precision.js';

export * from './record.js';
export { type BenchMode, type Case, type Clock, type Prepared, BUDGETS, clockFor, runCase, runCases } from './runner.js';
export { GEMM_VARIANTS, SIZES, peakCases, gemmCases, actCases, optimCases, uniform } from './kernels.js';
export { CONV_PASSES, CONV_SIZES, type ConvLayer, type ConvPass, convCases, convFlop, convGeom } from './conv.js';
export { precisionPairCases, runPrecisionPairs } from './precision.js';
export { DEPTHWISE_SIZES, type DepthwiseLayer, depthwiseCases, depthwiseFlop, depthwiseGeom } from './dwconv.js';
export { machineInfo, wasmFeatures } from '../machine.js';

/** The suites of `gaaf bench`, by name; each is a list of cases for a mode. */
export const KERNEL_SUITES: Readonly<Record<string, (mode: BenchMode) => Case[]>> = {
  gemm: gemmCases,
  act: actCases,
  optim: optimCases,
  conv: (mode) => [...convCases(mode), ...depthwiseCases(mode)],
};

export interface KernelBenchOptions {
  mode?: BenchMode;
  /** Suite names from KERNEL_SUITES (default: all). The ceiling always runs first. */
  suites?: readonly string[];
  onRecord?: (r: BenchRecord, done: number, total: number) => void;
  /** Recorded in the results, e.g. the command line. */
  command?: string;
  /** Where this runs, written into each record: 'node' (default in Node) or a browser, e.g. 'chromium'. */
  host?: string;
}

/** The cases of the named kernel suites, the ceiling first. Throws on an unknown name. */
export function kernelCases(mode: BenchMode, suites: readonly string[] = Object.keys(KERNEL_SUITES)): Case[] {
  const unknown = suites.filter((s) => !KERNEL_SUITES[s]);
  if (unknown.length) throw new RangeError(`gaaf bench: unknown suite '${unknown.join("', '")}' (available: ${Object.keys(KERNEL_SUITES).join(', ')})`);
  return [...peakCases(), ...suites.flatMap((s) => KERNEL_SUITES[s](mode))];
}

export async function runKernelBench(opts: KernelBenchOptions = {}): Promise<BenchResults> {
  await init(); // loads the Wasm module if the caller has not
  const mode = opts.mode ?? 'full';
  const cases = kernelCases(mode, opts.suites).map((c) => (opts.host ? { ...c, host: opts.host } : c));
  // One thread: SIMD ÷ scalar and % of the (one-core) peak only mean something there; the
  // repository's `npm run bench -- threads` measures the thread speedup.
  const before = threads();
  await setThreads(1);
  let records: BenchRecord[];
  try {
    records = await runCases(cases, { mode, onRecord: opts.onRecord });
  } finally {
    await setThreads(before);
  }
  return { date: new Date().toISOString(), quick: mode !== 'full', mode, command: opts.command, machine: await machineInfo(), records };
}

/**
 * The fast suite (src/bench/precision.ts): the relaxed-SIMD build against the deterministic
 * build, call against call, on one thread of this page or process. Every record is an error
 * that says why where relaxed SIMD does not validate.
 */
export async function runPrecisionBench(opts: Omit<KernelBenchOptions, 'suites'> = {}): Promise<BenchResults> {
  const mode = opts.mode ?? 'full';
  const cases = precisionPairCases(mode).map((c) => (opts.host ? { ...c, host: opts.host } : c));
  let done = 0; // each case gives our record and the peer's
  const records = await runPairCases(cases, mode, (r) => opts.onRecord?.(r, ++done, 2 * cases.length));
  return { date: new Date().toISOString(), quick: mode !== 'full', mode, command: opts.command, machine: await machineInfo(), records };
}

/** The ceiling record of a run, if it has one (older files called it suite 'gemm', name 'peak'). */
export function peakRecord(records: readonly BenchRecord[]): BenchRecord | undefined {
  return records.find((r) => !r.error && (r.suite === 'peak' || r.name === 'peak'));
}

const fmt = (v: number): string => (!Number.isFinite(v) ? '-' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** The clock a record's samples were timed with. */
const clockOf = (r: BenchRecord): unknown => r.params?.clock ?? 'wall';

/** A plain-text table: each kernel and size, SIMD and scalar, SIMD ÷ scalar and % of the peak (timed on the same clock). */
export function formatKernelTable(results: BenchResults): string {
  const recs = results.records;
  const peak = peakRecord(recs);
  const head = ['suite', 'kernel', 'size', 'unit', 'SIMD', 'scalar', 'SIMD ÷ scalar', '% of peak'];
  const rows: string[][] = [];
  for (const r of recs) {
    if (r.engine !== 'simd' || r === peak || r.host === 'chromium') continue;
    const ref = recs.find((q) => q.engine === 'scalar' && q.suite === r.suite && q.name === r.name && q.size === r.size && q.host === r.host);
    const v = metricValue(r);
    const s = ref ? metricValue(ref) : NaN;
    const m = r.metric ?? 'gflops';
    rows.push([r.suite, r.name, String(r.size), METRIC_UNITS[m], r.error ? `(${r.error})` : fmt(v), fmt(s),
      Number.isFinite(v / s) ? `${(v / s).toFixed(1)}×` : '-', m === 'gflops' && peak && clockOf(r) === clockOf(peak) ? `${(100 * v / peak.gflops).toFixed(0)}%` : '']);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const m = results.machine;
  const otherClock = peak ? [...new Set(recs.filter((r) => r.engine === 'simd' && clockOf(r) !== clockOf(peak)).map((r) => r.suite))] : [];
  const out = [
    `${m.cpu ?? m.browser ?? 'unknown CPU'}, ${m.cores ?? '?'} cores, ${m.node ? `Node ${m.node}` : ''}; Wasm ${Object.entries(m.wasm ?? {}).map(([k, v]) => `${k} ${v ? 'yes' : 'no'}`).join(', ')}`,
    peak ? `SIMD peak (register-only f32x4 mul+add, no memory traffic): ${peak.gflops.toFixed(1)} GFLOP/s` : 'SIMD peak: not measured',
    ...(otherClock.length ? [`${otherClock.join(', ')}: timed in ${String(clockOf(recs.find((r) => otherClock.includes(r.suite))!))} time, the peak in ${String(clockOf(peak!))} time, so no % of peak`] : []),
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ];
  return out.join('\n');
}
