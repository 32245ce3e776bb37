// Runs benchmark cases with tinybench, one case at a time (its operands are set up just
// before it and freed just after), and turns each into a BenchRecord. Cases come from the
// suites in ./kernels.ts and, in the repository's bench/, from the TF.js peers; the runner
// does not care which engine a case belongs to. Works in Node and in browsers.
import { Bench } from 'tinybench';
import { type BenchRecord, type CaseKey, type Metric, type Work, errorRecord, makeRecord, metricFor } from './record.js';

/** How long to measure: 'full' (reports), 'quick' (under two minutes), 'smoke' (tests: tiny sizes, a few calls). */
export type BenchMode = 'full' | 'quick' | 'smoke';

/** The function to time, and how to free what it uses. */
export interface Prepared {
  fn: () => unknown;
  dispose?: () => void | Promise<void>;
  /** What ran, when only known after setup (e.g. a library's version and build). */
  impl?: string;
}

export interface Case extends CaseKey {
  work: Work;
  metric?: Metric;
  /** Sets up operands and returns the timed function, or a string: this engine has no such kernel. */
  prepare: () => Prepared | string | Promise<Prepared | string>;
  /** Minimum timed calls, instead of the mode's (fewer for calls that take seconds; a training epoch's steps). */
  iterations?: number;
}

export interface Budget {
  time: number;
  iterations: number;
  warmupTime: number;
  warmupIterations: number;
}

export const BUDGETS: Readonly<Record<BenchMode, Budget>> = {
  full: { time: 500, iterations: 10, warmupTime: 100, warmupIterations: 3 },
  quick: { time: 120, iterations: 4, warmupTime: 30, warmupIterations: 1 },
  smoke: { time: 2, iterations: 2, warmupTime: 0, warmupIterations: 1 },
};

export interface RunOptions {
  mode: BenchMode;
  /** Called after each case with its record, the number done and the total. */
  onRecord?: (r: BenchRecord, done: number, total: number) => void;
}

/** Runs one case: tinybench median and MAD of the per-call latency. */
export async function runCase(c: Case, mode: BenchMode): Promise<BenchRecord> {
  const metric = c.metric ?? metricFor(c.work);
  let p: Prepared | string;
  try {
    p = await c.prepare();
  } catch (e) {
    return errorRecord(c, `setup failed: ${(e as Error).message}`, metric);
  }
  if (typeof p === 'string') return errorRecord(c, p, metric);
  const b = BUDGETS[mode];
  try {
    const bench = new Bench({
      time: b.time,
      iterations: c.iterations ?? b.iterations,
      warmupTime: b.warmupTime,
      warmupIterations: b.warmupIterations,
      throws: true,
    });
    bench.add(`${c.suite} ${c.name} ${c.engine} ${c.size}`, p.fn);
    await bench.run();
    const res = bench.tasks[0].result;
    if (res.state !== 'completed') {
      return errorRecord(c, `did not complete: ${res.state}${'error' in res ? `: ${String(res.error)}` : ''}`, metric);
    }
    return makeRecord(p.impl ? { ...c, impl: p.impl } : c, c.work, { medianMs: res.latency.p50, madMs: res.latency.mad, samples: res.latency.samplesCount }, metric);
  } catch (e) {
    return errorRecord(c, `failed: ${(e as Error).message}`, metric);
  } finally {
    await p.dispose?.();
  }
}

/** Runs the cases in order and returns one record each. */
export async function runCases(cases: readonly Case[], opts: RunOptions): Promise<BenchRecord[]> {
  const out: BenchRecord[] = [];
  for (const c of cases) {
    const r = await runCase(c, opts.mode);
    out.push(r);
    opts.onRecord?.(r, out.length, cases.length);
  }
  return out;
}
