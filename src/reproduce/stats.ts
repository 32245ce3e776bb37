// The statistics behind the reports' verdicts: Student's t interval of paired per-seed
// differences (at n − 1 degrees of freedom), McNemar's exact test on the per-sample test
// predictions of two models trained with the same seed, and a paired bootstrap over seeds and
// test samples. Pure functions of numbers; the verdict rule at the end turns them into words.
import { Rng } from '../rng.js';

/**
 * ln Γ(x) for x > 0: Lanczos approximation (g = 7, n = 9; the coefficients of Numerical
 * Recipes 3rd ed. §6.1 / Boost), relative error below 1e-15 for x ≥ 0.5; reflection below.
 */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (Numerical Recipes §6.4, modified Lentz). */
function betaCf(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a - 1 + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + 1 + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), x in [0, 1]. */
export function betaInc(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaCf(a, b, x)) / a : 1 - (front * betaCf(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with df degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * betaInc(df / 2, 0.5, df / (df + t * t));
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with df degrees of freedom (bisection on tCdf to 1e-12). */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) throw new RangeError(`gaaf: tQuantile needs p in (0, 1) and df > 0, got p ${p}, df ${df}`);
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** An interval at a confidence level; null bounds when it cannot be computed (one seed). */
export interface Interval {
  lo: number | null;
  hi: number | null;
  level: number;
}

/** Student's t on paired differences: mean, its standard error and the interval at n − 1 df. */
export interface PairedT extends Interval {
  n: number;
  mean: number;
  /** Sample standard deviation of the differences (n − 1); null with one pair. */
  sd: number | null;
  se: number | null;
  df: number;
  /** Two-sided p-value of mean = 0; null with one pair or zero spread. */
  p: number | null;
}

export function pairedT(diffs: readonly number[], level = 0.95): PairedT {
  const n = diffs.length;
  const mean = n ? diffs.reduce((a, b) => a + b, 0) / n : NaN;
  if (n < 2) return { n, mean, sd: null, se: null, df: n - 1, p: null, lo: null, hi: null, level };
  const sd = Math.sqrt(diffs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const se = sd / Math.sqrt(n);
  const q = tQuantile(0.5 + level / 2, n - 1);
  const p = se > 0 ? 2 * (1 - tCdf(Math.abs(mean / se), n - 1)) : null;
  return { n, mean, sd, se, df: n - 1, p, lo: mean - q * se, hi: mean + q * se, level };
}

/** McNemar's exact test: b = samples only A gets right, c = only B; two-sided binomial p at ½. */
export interface McNemar {
  b: number;
  c: number;
  p: number;
}

export function mcnemarExact(b: number, c: number): McNemar {
  const n = b + c;
  if (n === 0) return { b, c, p: 1 };
  const k = Math.min(b, c);
  let tail = 0;
  for (let i = 0; i <= k; i++) tail += Math.exp(lnGamma(n + 1) - lnGamma(i + 1) - lnGamma(n - i + 1) - n * Math.LN2);
  return { b, c, p: Math.min(1, 2 * tail) };
}

/** McNemar on two 0/1 correctness vectors over the same test samples. */
export function mcnemarOn(a: ArrayLike<number>, bOk: ArrayLike<number>): McNemar {
  let b = 0;
  let c = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && !bOk[i]) b++;
    else if (!a[i] && bOk[i]) c++;
  }
  return mcnemarExact(b, c);
}

export interface Bootstrap extends Interval {
  /** The observed mean difference of accuracy (A − B), over seeds and samples. */
  mean: number;
  reps: number;
}

/**
 * Paired bootstrap of the accuracy difference A − B: each replicate draws the seeds with
 * replacement and, independently, the test samples with replacement (the same samples for
 * every seed: the test set is shared), and takes the mean difference; the interval is the
 * percentile interval. a[s][i] and b[s][i] are 1 when the model trained with seed s gets test
 * sample i right. Deterministic for a given `seed`.
 */
export function pairedBootstrap(a: ArrayLike<number>[], b: ArrayLike<number>[], o: { reps?: number; level?: number; seed?: number } = {}): Bootstrap {
  const reps = o.reps ?? 2000;
  const level = o.level ?? 0.95;
  const S = a.length;
  if (S === 0 || S !== b.length) throw new RangeError(`gaaf: pairedBootstrap needs the same non-zero number of seeds for both models, got ${a.length} and ${b.length}`);
  const n = a[0].length;
  const d = a.map((x, s) => {
    if (x.length !== n || b[s].length !== n) throw new RangeError(`gaaf: pairedBootstrap: seed ${s} has ${x.length} and ${b[s].length} samples, expected ${n}`);
    const out = new Int8Array(n);
    for (let i = 0; i < n; i++) out[i] = (x[i] ? 1 : 0) - (b[s][i] ? 1 : 0);
    return out;
  });
  let total = 0;
  for (const x of d) for (let i = 0; i < n; i++) total += x[i];
  const mean = total / (S * n);
  const rng = new Rng(o.seed ?? 0x626f6f74);
  const stats = new Float64Array(reps);
  const w = new Float64Array(S);
  for (let r = 0; r < reps; r++) {
    w.fill(0);
    for (let s = 0; s < S; s++) w[rng.int(S)] += 1;
    let sum = 0;
    for (let k = 0; k < n; k++) {
      const i = rng.int(n);
      for (let s = 0; s < S; s++) if (w[s]) sum += w[s] * d[s][i];
    }
    stats[r] = sum / (S * n);
  }
  stats.sort();
  const at = (q: number): number => stats[Math.min(reps - 1, Math.max(0, Math.round(q * (reps - 1))))];
  return { mean, reps, level, lo: at((1 - level) / 2), hi: at((1 + level) / 2) };
}

/**
 * The verdict on a claim "A − B has the sign `direction`", from the intervals that bear on it
 * (each must exclude 0 on the claimed side for a "yes"):
 * - yes: the mean is on the claimed side and every interval lies entirely on that side;
 * - in direction only: the mean is on the claimed side, but an interval reaches 0;
 * - within noise: the mean is on the other side (or 0), but an interval reaches 0;
 * - no: the mean is on the other side and every interval lies entirely on that side.
 * An interval with null bounds (one seed) cannot exclude 0.
 */
export type Verdict = 'yes' | 'in direction only' | 'within noise' | 'no';

export function verdictOf(mean: number, intervals: readonly Interval[], direction: 1 | -1): Verdict {
  const side = (x: number | null): number => (x === null ? 0 : Math.sign(x) * direction);
  const excludes = (iv: Interval, s: number): boolean => iv.lo !== null && iv.hi !== null && side(iv.lo) === s && side(iv.hi) === s;
  const m = Math.sign(mean) * direction;
  if (m > 0) return intervals.length > 0 && intervals.every((iv) => excludes(iv, 1)) ? 'yes' : 'in direction only';
  return intervals.length > 0 && intervals.every((iv) => excludes(iv, -1)) ? 'no' : 'within noise';
}
