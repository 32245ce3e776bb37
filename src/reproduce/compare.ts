// The paired comparison of two models trained with the same seeds and tested on the same test
// set: the per-seed differences of test accuracy with Student's t interval at n − 1 degrees of
// freedom, McNemar's exact test per seed on the per-sample predictions, and the paired bootstrap
// over seeds and test samples; the verdict needs every interval on the claimed side of 0
// (stats.ts verdictOf). Also the paired t of any per-seed quantity (epochs, gradient
// information, saturation shares). Independent of the experiments' result types: it takes
// plain {seed, testAccuracy, predictions} records, which the MLP's and the CNN's runs are.
import { correctOf, type TestPredictions } from './predictions.js';
import { type Bootstrap, type McNemar, type PairedT, type Verdict, mcnemarOn, pairedBootstrap, pairedT, verdictOf } from './stats.js';

/** One model's run with one seed: what a paired comparison reads. */
export interface SeedRun {
  seed: number;
  testAccuracy: number;
  predictions: TestPredictions;
}

export interface SeedMcNemar extends McNemar {
  seed: number;
}

export interface AccuracyComparison {
  /** The seeds both models ran, in the order of `a`. */
  seeds: number[];
  testCount: number;
  /** "A − B" has the claimed sign `direction`. */
  direction: 1 | -1;
  /** Per-seed A − B of test accuracy (fractions), and Student's t over them. */
  diffs: number[];
  t: PairedT;
  /** b: test samples only A gets right, c: only B, per seed. */
  mcnemar: SeedMcNemar[];
  bootstrap: Bootstrap;
  verdict: Verdict;
  /** One sentence stating the numbers above and the verdict. */
  sentence: string;
}

export interface CompareOptions {
  direction?: 1 | -1;
  level?: number;
  reps?: number;
  /** The bootstrap's seed (deterministic). */
  seed?: number;
}

const MINUS = '\u2212';
/** A signed number with `d` decimals and a typographic minus ("+0.84", "−1.07"). */
export const signed = (x: number, d = 2): string => (Number.isFinite(x) ? `${x < 0 ? MINUS : '+'}${Math.abs(x).toFixed(d)}` : '–');
const count = (n: number): string => n.toLocaleString('en-US');
/** A p-value in two significant digits, or "< 0.001". */
export const pValue = (p: number | null): string => (p === null ? '–' : p < 0.001 ? '< 0.001' : p.toPrecision(2));
const interval = (lo: number | null, hi: number | null, scale: number, d: number): string =>
  lo === null || hi === null ? 'none (one seed)' : `[${signed(scale * lo, d)}, ${signed(scale * hi, d)}]`;

/** The pairs of runs with the same seed, in the order of `a`; an error when no seed is shared or the test sets differ. */
function pairs<T extends { seed: number }>(a: readonly T[], b: readonly T[], what: string): Array<[T, T]> {
  const out: Array<[T, T]> = [];
  for (const x of a) {
    const y = b.find((r) => r.seed === x.seed);
    if (y) out.push([x, y]);
  }
  if (out.length === 0) throw new RangeError(`gaaf: ${what}: the two models share no seed (${a.map((r) => r.seed).join(', ')} vs ${b.map((r) => r.seed).join(', ')})`);
  return out;
}

/**
 * Compares the test accuracy of model A against model B over the seeds both ran, for the
 * claim that A − B has the sign `direction` (default +1: A is more accurate).
 */
export function compareAccuracy(a: readonly SeedRun[], b: readonly SeedRun[], o: CompareOptions = {}): AccuracyComparison {
  const direction = o.direction ?? 1;
  const level = o.level ?? 0.95;
  const ps = pairs(a, b, 'compareAccuracy');
  const n = ps[0][0].predictions.count;
  const ca: Uint8Array[] = [];
  const cb: Uint8Array[] = [];
  for (const [x, y] of ps) {
    if (x.predictions.count !== n || y.predictions.count !== n) {
      throw new RangeError(`gaaf: compareAccuracy: seed ${x.seed} has ${x.predictions.count} and ${y.predictions.count} test predictions, expected ${n} (the same test set)`);
    }
    ca.push(correctOf(x.predictions, `seed ${x.seed} (A)`));
    cb.push(correctOf(y.predictions, `seed ${y.seed} (B)`));
  }
  const diffs = ps.map(([x, y]) => x.testAccuracy - y.testAccuracy);
  const t = pairedT(diffs, level);
  const mcnemar = ps.map(([x], i) => ({ seed: x.seed, ...mcnemarOn(ca[i], cb[i]) }));
  const bootstrap = pairedBootstrap(ca, cb, { reps: o.reps, level, seed: o.seed });
  const verdict = verdictOf(t.mean, [t, bootstrap], direction);
  const cmp = { seeds: ps.map(([x]) => x.seed), testCount: n, direction, diffs, t, mcnemar, bootstrap, verdict };
  return { ...cmp, sentence: accuracySentence(cmp) };
}

/** The sentence of an accuracy comparison: the difference, both intervals, McNemar per seed, the verdict. */
export function accuracySentence(c: Omit<AccuracyComparison, 'sentence'>): string {
  const { t, bootstrap: bs, mcnemar, testCount: n } = c;
  const lvl = Math.round(100 * t.level);
  const k = Math.abs(t.mean) * n;
  const images = Math.abs(k - Math.round(k)) < 1e-6 ? count(Math.round(k)) : `${k.toFixed(1)}`;
  const below = mcnemar.filter((m) => m.p < 0.05).length;
  const mc = mcnemar.length === 1
    ? `McNemar exact p ${pValue(mcnemar[0].p)} (${mcnemar[0].b} test samples only A gets right, ${mcnemar[0].c} only B)`
    : `McNemar exact p per seed ${mcnemar.map((m) => pValue(m.p)).join(', ')} (below 0.05 on ${below} of ${mcnemar.length})`;
  const tPart = t.n < 2
    ? 'one seed, so no t interval'
    : `${lvl}% t interval over ${t.n} seeds ${interval(t.lo, t.hi, 100, 2)} at ${t.df} df`;
  return `${signed(100 * t.mean)} points (${images} of ${count(n)} test samples${Math.abs(k - Math.round(k)) < 1e-6 ? '' : ' on average'}), ${tPart}; ${mc}; ` +
    `paired bootstrap over seeds and test samples ${interval(bs.lo, bs.hi, 100, 2)}: ${c.verdict}`;
}

export interface PairedComparison {
  seeds: number[];
  direction: 1 | -1;
  a: number[];
  b: number[];
  diffs: number[];
  t: PairedT;
  verdict: Verdict;
  sentence: string;
}

/**
 * The paired t comparison of a per-seed quantity (epochs to converge, a layer's gradient
 * information or saturation share): per-seed A − B, Student's t interval at n − 1 df, and the
 * verdict on "A − B has the sign `direction`". `format` prints a value or difference of it.
 */
export function comparePaired(a: ReadonlyArray<{ seed: number; value: number }>, b: ReadonlyArray<{ seed: number; value: number }>,
  o: { direction?: 1 | -1; level?: number; format?: (x: number) => string; unit?: string; relative?: boolean } = {}): PairedComparison {
  const direction = o.direction ?? 1;
  const ps = pairs(a, b, 'comparePaired');
  const va = ps.map(([x]) => x.value);
  const vb = ps.map(([, y]) => y.value);
  // relative: the per-seed log ratio (gradient information is compared as a ratio)
  const diffs = ps.map(([x, y]) => (o.relative ? Math.log(x.value / y.value) : x.value - y.value));
  const t = pairedT(diffs, o.level ?? 0.95);
  const verdict = verdictOf(t.mean, [t], direction);
  const f = o.format ?? ((x: number) => signed(x, 2));
  const unit = o.unit ? ` ${o.unit}` : '';
  const lvl = Math.round(100 * t.level);
  const tPart = t.n < 2 ? 'one seed, so no t interval'
    : diffs.every((d) => d === diffs[0]) ? `the same on all ${t.n} seeds, so the t interval has no width`
    : o.relative
      ? `${lvl}% t interval of the per-seed ratio ${t.lo === null ? '' : `[×${Math.exp(t.lo).toFixed(2)}, ×${Math.exp(t.hi!).toFixed(2)}]`} over ${t.n} seeds at ${t.df} df`
      : `${lvl}% t interval over ${t.n} seeds [${f(t.lo!)}, ${f(t.hi!)}]${unit} at ${t.df} df`;
  const head = o.relative ? `×${Math.exp(t.mean).toFixed(2)} (geometric mean of the per-seed ratios)` : `${f(t.mean)}${unit}`;
  return { seeds: ps.map(([x]) => x.seed), direction, a: va, b: vb, diffs, t, verdict, sentence: `${head}, ${tPart}: ${verdict}` };
}
