// Call against call: our call and each peer's call alternate in one process on the same
// operands (ours, peer, peak; then peak, peer, ours; ... after a warm-up), and the figure is
// the median over the rounds of the per-round ratio ours ÷ peer, with its interquartile range.
// Each round's calls run moments apart under the same load, so a shared machine's drift (its
// peak loop alone varies 2× between moments) cancels in each ratio instead of landing in one
// engine's median. The ceiling loop takes part in every round the same way, so "% of peak" is
// a per-round ratio too. The absolute medians are kept beside the ratios, with the machine's
// state: the peak loop's median and the cores the process got (CPU time ÷ wall time over the
// timed calls, all on this one thread: about 1 on a free core, less where it was descheduled).
// Works in Node and in browsers (no node: import).
import { type BenchRecord, type CaseKey, type Work, errorRecord, makeRecord, metricFor } from './record.js';
import type { BenchMode, Prepared } from './runner.js';

/** Median and quartiles of a sample (linear interpolation between order statistics). */
export interface Spread { median: number; q1: number; q3: number; n: number }

/** The q-quantile (0..1) of ascending `sorted`, interpolating linearly (R's type 7). */
export function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h), hi = Math.ceil(h);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** Median and interquartile range of xs (NaN entries are left out). */
export function spread(xs: readonly number[]): Spread {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return { median: quantile(s, 0.5), q1: quantile(s, 0.25), q3: quantile(s, 0.75), n: s.length };
}

/** A record's timing from per-round times (ms): their median, median absolute deviation and count. */
export function timingOf(ts: readonly number[]): { medianMs: number; madMs: number; samples: number } {
  const s = spread(ts);
  return { medianMs: s.median, madMs: spread(ts.map((t) => Math.abs(t - s.median))).median, samples: s.n };
}

/** Per-round speed ratios a ÷ b from per-round times: bMs[i] / aMs[i] (the rounds must pair up). */
export function pairRatios(aMs: readonly number[], bMs: readonly number[]): number[] {
  if (aMs.length !== bMs.length) throw new RangeError(`pairRatios: ${aMs.length} times against ${bMs.length}: the rounds do not pair up`);
  return aMs.map((a, i) => bMs[i] / a);
}

/** One contender's timed function; `before` runs untimed before each timed call (e.g. a fresh operand). */
export interface Timed { fn: () => unknown; before?: () => unknown }

export interface InterleaveOptions {
  rounds: number;
  /** Untimed rounds first (JIT, caches, a library's lazy setup). */
  warmup: number;
  /** A sample repeats a short call until it lasts this long (default 2 ms). */
  minSampleMs?: number;
  /** Time cap: after this many ms of timed rounds, stop once `minRounds` are done (warm-up: after a quarter of it, once one is done). */
  maxMs?: number;
  minRounds?: number;
  /** Clock (default performance.now). */
  now?: () => number;
}

const settle = async (r: unknown): Promise<void> => {
  if (r instanceof Promise) await r;
};

/** Calls per sample for `t` to last minSampleMs (1 when it has a `before`: each call is timed alone). */
async function repsFor(t: Timed, minMs: number, now: () => number): Promise<number> {
  if (t.before) return 1;
  let calls = 0;
  const t0 = now();
  while (calls < 1000 && now() - t0 < minMs) {
    await settle(t.fn());
    calls++;
  }
  return Math.max(1, Math.ceil((minMs * calls) / Math.max(now() - t0, 1e-3)));
}

async function sample(t: Timed, reps: number, now: () => number): Promise<number> {
  if (t.before) await settle(t.before());
  const t0 = now();
  for (let i = 0; i < reps; i++) await settle(t.fn());
  return (now() - t0) / reps;
}

/**
 * times[c][i]: the per-call milliseconds of contender c in round i. Within a round every
 * contender runs one sample; the order reverses every other round, so no contender always
 * runs first (right after another engine's cache traffic) or last.
 */
export async function interleave(contenders: readonly Timed[], o: InterleaveOptions): Promise<number[][]> {
  const now = o.now ?? (() => globalThis.performance.now());
  const minMs = o.minSampleMs ?? 2;
  const reps: number[] = [];
  for (const c of contenders) reps.push(await repsFor(c, minMs, now));
  const times: number[][] = contenders.map(() => []);
  const cap = o.maxMs ?? Infinity, minRounds = Math.min(o.rounds, o.minRounds ?? 5);
  let r = 0;
  const round = async (keep: boolean): Promise<void> => {
    const order = contenders.map((_, i) => i);
    if (r++ % 2) order.reverse();
    for (const i of order) {
      const ms = await sample(contenders[i], reps[i], now);
      if (keep) times[i].push(ms);
    }
  };
  const tw = now();
  for (let w = 0; w < o.warmup && !(w >= 1 && now() - tw > cap / 4); w++) await round(false);
  const t0 = now();
  for (let k = 1; k <= o.rounds; k++) {
    await round(true);
    if (k >= minRounds && now() - t0 > cap) break;
  }
  return times;
}

/** A peer of a pair case: its engine and how to set it up (a string: it has no such kernel). */
export interface PairPeer {
  engine: string;
  /**
   * The peer's work per call where it differs from ours (one of our own kernels run beside a
   * model step, say): then its ratio is of flop rates, (ours' flop ÷ ours' time) ÷ (the peer's
   * flop ÷ its time) per round, and both works must count flops.
   */
  work?: Work;
  prepare: () => Prepared & { before?: () => unknown } | string | Promise<Prepared & { before?: () => unknown } | string>;
}

export interface PairCase extends CaseKey {
  work: Work;
  /** Our call (engine `engine`, e.g. 'simd'). */
  prepare: () => Prepared | Promise<Prepared>;
  peers: readonly PairPeer[];
  /** The ceiling loop, interleaved too: the machine's state, and "% of peak" for flop-counted work. */
  peak?: { fn: () => unknown; flop: number };
  /** Rounds instead of the mode's (fewer for calls of seconds). */
  rounds?: number;
}

/** Rounds per mode, and the time cap per case (at least 5 rounds are timed whatever it takes). */
export const PAIR_ROUNDS: Readonly<Record<BenchMode, { rounds: number; warmup: number; maxMs: number }>> = {
  full: { rounds: 41, warmup: 5, maxMs: 20000 },
  quick: { rounds: 15, warmup: 3, maxMs: 5000 },
  smoke: { rounds: 3, warmup: 1, maxMs: Infinity },
};

type Proc = { cpuUsage?: () => { user: number; system: number } };
const cpuMs = (): number | null => {
  const u = (globalThis as { process?: Proc }).process?.cpuUsage?.();
  return u ? (u.user + u.system) / 1000 : null;
};

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Runs one pair case: a record for ours and one per peer (each with its median time and MAD
 * over the rounds), the peers' records carrying ours ÷ peer (params.ratio, ratioQ1, ratioQ3),
 * ours carrying % of peak (params.peakPct, peakPctQ1, peakPctQ3) and the machine's state
 * (params.peakGflops: the ceiling's median; params.cpuPerWall: the cores the process got).
 */
export async function runPairCase(c: PairCase, mode: BenchMode): Promise<BenchRecord[]> {
  const metric = metricFor(c.work);
  const key = (engine: string, impl?: string): CaseKey => ({ suite: c.suite, name: c.name, engine, size: c.size, ...(impl ? { impl } : {}), ...(c.host ? { host: c.host } : {}), ...(c.params ? { params: c.params } : {}) });
  const disposers: Array<() => void | Promise<void>> = [];
  const out: BenchRecord[] = [];
  try {
    let ours: Prepared;
    try {
      ours = await c.prepare();
    } catch (e) {
      return [errorRecord(key(c.engine, c.impl), `setup failed: ${(e as Error).message}`, metric)];
    }
    if (ours.dispose) disposers.push(ours.dispose);
    const peers: Array<{ engine: string; work?: Work; p: Prepared & { before?: () => unknown } }> = [];
    for (const peer of c.peers) {
      if (peer.work && !(peer.work.flop && c.work.flop)) throw new RangeError(`pair case ${c.name}: peer ${peer.engine} has work of its own, so both works must count flops`);
      let p: Awaited<ReturnType<PairPeer['prepare']>>;
      try {
        p = await peer.prepare();
      } catch (e) {
        p = `setup failed: ${(e as Error).message}`;
      }
      if (typeof p === 'string') out.push(errorRecord(key(peer.engine), p, metric));
      else {
        if (p.dispose) disposers.push(p.dispose);
        peers.push({ engine: peer.engine, work: peer.work, p });
      }
    }
    const contenders: Timed[] = [{ fn: ours.fn }, ...peers.map(({ p }) => ({ fn: p.fn, before: p.before })), ...(c.peak ? [{ fn: c.peak.fn }] : [])];
    const { rounds: most, warmup, maxMs } = { ...PAIR_ROUNDS[mode], ...(c.rounds ? { rounds: c.rounds } : {}) };
    const w0 = globalThis.performance.now(), c0 = cpuMs();
    const times = await interleave(contenders, { rounds: most, warmup, maxMs });
    const c1 = cpuMs(), w1 = globalThis.performance.now();
    const rounds = times[0].length;
    const state: Record<string, number> = { rounds, warmupRounds: warmup };
    if (c0 !== null && c1 !== null) state.cpuPerWall = round3((c1 - c0) / (w1 - w0));
    if (c.peak) {
      const peakMs = times[times.length - 1];
      const pk = spread(peakMs.map((ms) => c.peak!.flop / ms / 1e6));
      Object.assign(state, { peakGflops: round3(pk.median), peakGflopsQ1: round3(pk.q1), peakGflopsQ3: round3(pk.q3) });
      if (c.work.flop) {
        const pct = spread(peakMs.map((pms, i) => (100 * (c.work.flop! / times[0][i])) / (c.peak!.flop / pms)));
        Object.assign(state, { peakPct: round3(pct.median), peakPctQ1: round3(pct.q1), peakPctQ3: round3(pct.q3) });
      }
    }
    const withState = (k: CaseKey, extra: Record<string, number | string> = {}): CaseKey => ({ ...k, params: { ...k.params, ...state, ...extra } });
    out.unshift(makeRecord(withState(key(c.engine, ours.impl ?? c.impl)), c.work, timingOf(times[0]), metric));
    peers.forEach(({ engine, work, p }, j) => {
      // per-call speed; with a work of the peer's own, of flop rates (the time ratio times ours' flop ÷ the peer's)
      const scale = work ? c.work.flop! / work.flop! : 1;
      const r = spread(pairRatios(times[0], times[1 + j]).map((q) => q * scale));
      out.push(makeRecord(withState(key(engine, p.impl), { vs: c.engine, ratio: round3(r.median), ratioQ1: round3(r.q1), ratioQ3: round3(r.q3) }), work ?? c.work, timingOf(times[1 + j]), work ? metricFor(work) : metric));
    });
    return out;
  } catch (e) {
    return [...out, errorRecord(key(c.engine, c.impl), `failed: ${(e as Error).message}`, metric)];
  } finally {
    for (const d of disposers.reverse()) await d();
  }
}

/** Runs the pair cases in order. */
export async function runPairCases(cases: readonly PairCase[], mode: BenchMode, onRecord?: (r: BenchRecord) => void): Promise<BenchRecord[]> {
  const out: BenchRecord[] = [];
  for (const c of cases) {
    const rs = await runPairCase(c, mode);
    rs.forEach((r) => onRecord?.(r));
    out.push(...rs);
  }
  return out;
}
