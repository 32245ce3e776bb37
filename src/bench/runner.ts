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

/**
 * What a sample's time is: 'wall' (performance.now) or 'cpu', this process's CPU time (user +
 * system, where the host reports it: Node; elsewhere wall time). CPU time leaves out the time
 * a process spent descheduled on a machine shared with other work; it suits cases that run on
 * the calling thread only. GAAF_BENCH_CLOCK=wall in Node's environment makes every case wall.
 */
export type Clock = 'wall' | 'cpu';

type Proc = { cpuUsage?: () => { user: number; system: number }; env?: Record<string, string | undefined> };
const proc = (globalThis as { process?: Proc }).process;
const cpuNowMs = proc?.cpuUsage && proc.env?.GAAF_BENCH_CLOCK !== 'wall'
  ? (): number => {
    const u = proc.cpuUsage!();
    return (u.user + u.system) / 1000;
  }
  : null;

/** The clock a case asking for `c` gets here. */
export const clockFor = (c: Clock | undefined): Clock => (c === 'cpu' && cpuNowMs ? 'cpu' : 'wall');

export interface Case extends CaseKey {
  work: Work;
  metric?: Metric;
  /** Default 'wall'; the clock used is recorded in params.clock when a case asks for one. */
  clock?: Clock;
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

/** Shortest time one tinybench sample should take. */
export const MIN_SAMPLE_MS = 1;
const now = (): number => globalThis.performance.now();

/** How many calls one sample needs to last MIN_SAMPLE_MS, from a few untimed-for-the-record calls. */
async function repetitions(fn: () => unknown): Promise<{ reps: number; callMs: number }> {
  let calls = 0;
  const t0 = now();
  let t = t0;
  while (calls < 1000 && t - t0 < MIN_SAMPLE_MS) {
    const r = fn();
    if (r instanceof Promise) await r;
    calls++;
    t = now();
  }
  const callMs = (t - t0) / calls;
  if (calls === 1) return { reps: 1, callMs };
  return { reps: Math.min(10000, Math.max(1, Math.ceil((MIN_SAMPLE_MS * calls) / Math.max(t - t0, 1e-3)))), callMs };
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
    // Calls shorter than MIN_SAMPLE_MS are timed in batches of `reps` per sample, so that a
    // browser's coarse timer (5 µs to 100 µs) and the timer overhead do not swamp them.
    // The calibration calls are a warm-up too: calls of seconds need no more than that one,
    // calls of tens of milliseconds one more.
    const { reps, callMs } = await repetitions(p.fn);
    // Always an async function: tinybench awaits only a function it sees as async, and a
    // function that returns a promise (Model.fit) would otherwise start its next call early.
    const fn = async () => {
      for (let i = 0; i < reps; i++) {
        const r = p.fn();
        if (r instanceof Promise) await r;
      }
    };
    const clock = clockFor(c.clock);
    const bench = new Bench({
      time: b.time,
      iterations: c.iterations ?? b.iterations,
      warmup: callMs < 1000,
      warmupTime: b.warmupTime,
      warmupIterations: callMs > 50 ? 1 : b.warmupIterations,
      throws: true,
      ...(clock === 'cpu' ? { now: cpuNowMs! } : {}),
    });
    bench.add(`${c.suite} ${c.name} ${c.engine} ${c.size}`, fn);
    await bench.run();
    const res = bench.tasks[0].result;
    if (res.state !== 'completed') {
      return errorRecord(c, `did not complete: ${res.state}${'error' in res ? `: ${String(res.error)}` : ''}`, metric);
    }
    const medianMs = res.latency.p50 / reps;
    if (!(medianMs > 0)) return errorRecord(c, 'faster than the timer can measure', metric);
    const params = { ...c.params, ...(reps > 1 ? { callsPerSample: reps } : {}), ...(c.clock ? { clock } : {}) };
    const key = { ...c, ...(p.impl ? { impl: p.impl } : {}), ...(Object.keys(params).length ? { params } : {}) };
    return makeRecord(key, c.work, { medianMs, madMs: res.latency.mad / reps, samples: res.latency.samplesCount }, metric);
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
