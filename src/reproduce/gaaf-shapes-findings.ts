// The gaaf-shapes experiment's findings, computed from its runs: per configuration the means
// over seeds, and for each question the paired comparisons (the same seeds: test accuracy by
// compare.ts where the runs hold per-sample predictions, else pairedT at n − 1 df; verdictOf)
// and the sentences that answer it. Every
// sentence is built from these numbers; none is fixed text about the outcome.
import { compareAccuracy } from './compare.js';
import type { TestPredictions } from './predictions.js';
import { type MeanSd, meanSd } from './measure.js';
import type { ShapeConfig, ShapeRun, ShapesResults } from './gaaf-shapes.js';
import { type PairedT, type Verdict, pairedT, verdictOf } from './stats.js';

export interface ConfigSummary {
  key: string;
  label: string;
  lr: number;
  seeds: number;
  testAccuracy: MeanSd;
  bestEpoch: MeanSd;
  /** Mean over seeds of the mean saturation share over the hidden activation layers. */
  saturation: MeanSd;
  /** Mean |∂E/∂W| of the first Dense kernel. */
  gradInfoFirst: MeanSd;
  /** Flatness group: the loss increase per ε (mean over seeds of each run's mean over draws). */
  flatness: Array<{ level: number; increase: MeanSd }> | null;
  trainLoss: MeanSd | null;
}

export interface Comparison {
  a: string;
  b: string;
  /** What is compared: test accuracy (A − B > 0 claimed) or the loss increase at ε (A − B < 0 claimed: A flatter). */
  metric: string;
  t: PairedT;
  verdict: Verdict;
  sentence: string;
}

export interface Findings {
  summaries: ConfigSummary[];
  K: { comparisons: Comparison[]; agree: boolean | null; sentence: string } | null;
  shape: { comparisons: Comparison[]; sentences: string[] } | null;
  relu: { comparisons: Comparison[]; sentences: string[] } | null;
  sigmoid: { comparisons: Comparison[]; sentences: string[] } | null;
  flatness: { comparisons: Comparison[]; sentences: string[] } | null;
  /** Which tuned configurations chose a rate at an edge of the grid. */
  lrEdges: string;
}

const pp = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(2)}`;
const interval = (t: PairedT, f: (x: number) => string): string => (t.lo === null ? 'one seed, no interval' : `95% CI ${f(t.lo)} to ${f(t.hi!)}`);

/** The verdict in words (a mean of exactly 0 is "within noise" with no direction to name). */
const words = (v: Verdict, mean: number): string => (v === 'within noise' && mean === 0 ? 'within noise (no difference)' : VERDICT_WORDS[v]);

const VERDICT_WORDS: Readonly<Record<Verdict, string>> = {
  yes: 'yes',
  'in direction only': 'in direction only (the interval reaches 0)',
  'within noise': 'within noise (the other way, but the interval reaches 0)',
  no: 'no (the other way, the interval excludes 0)',
};

function summarize(c: ShapeConfig & { lr: { lr: number } }, runs: ShapeRun[]): ConfigSummary {
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const flat = runs.every((r) => r.flatness) && runs.length
    ? runs[0].flatness!.increase.map((f, i) => ({ level: f.level, increase: meanSd(runs.map((r) => r.flatness!.increase[i].mean)) }))
    : null;
  return {
    key: c.key, label: c.label, lr: c.lr.lr, seeds: runs.length,
    testAccuracy: meanSd(runs.map((r) => r.testAccuracy)),
    bestEpoch: meanSd(runs.map((r) => r.bestEpoch)),
    saturation: meanSd(runs.map((r) => mean(Object.values(r.saturation)))),
    gradInfoFirst: meanSd(runs.map((r) => r.gradInfo[0] ?? NaN)),
    flatness: flat,
    trainLoss: flat ? meanSd(runs.map((r) => r.flatness!.loss)) : null,
  };
}

/** The runs of a and b paired by seed (seeds both have). */
function paired(runs: ShapeRun[], a: string, b: string, f: (r: ShapeRun) => number): number[] {
  const of = (k: string): Map<number, ShapeRun> => new Map(runs.filter((r) => r.config === k).map((r) => [r.seed, r]));
  const ra = of(a);
  const rb = of(b);
  return [...ra.keys()].filter((s) => rb.has(s)).sort((x, y) => x - y).map((s) => f(ra.get(s)!) - f(rb.get(s)!));
}

function accuracyComparison(r: ShapesResults, label: Map<string, string>, a: string, b: string): Comparison | null {
  const d = paired(r.runs, a, b, (x) => x.testAccuracy);
  if (d.length === 0) return null;
  const ra = r.runs.filter((x) => x.config === a);
  const rb = r.runs.filter((x) => x.config === b);
  if ([...ra, ...rb].every((x) => x.predictions)) {
    // the per-sample predictions are there: the t interval, McNemar per seed and the paired bootstrap (compare.ts)
    const c = compareAccuracy(ra as Array<ShapeRun & { predictions: TestPredictions }>, rb as Array<ShapeRun & { predictions: TestPredictions }>);
    return { a, b, metric: 'test accuracy', t: c.t, verdict: c.verdict, sentence: `${label.get(a)} beats ${label.get(b)}: ${words(c.verdict, c.t.mean)}; ${c.sentence}.` };
  }
  const t = pairedT(d);
  const verdict = verdictOf(t.mean, [t], 1);
  return {
    a, b, metric: 'test accuracy', t, verdict,
    sentence: `${label.get(a)} beats ${label.get(b)}: ${words(verdict, t.mean)}; the difference is ${pp(t.mean)} points over ${d.length} paired seed(s) (${interval(t, pp)}; ` +
      'these results hold no per-sample predictions, so no McNemar test or bootstrap).',
  };
}

function flatComparison(r: ShapesResults, label: Map<string, string>, a: string, b: string, li: number): Comparison | null {
  const d = paired(r.runs, a, b, (x) => (x.flatness ? x.flatness.increase[li].mean : NaN)).filter(Number.isFinite);
  if (d.length === 0) return null;
  const level = r.runs.find((x) => x.flatness)!.flatness!.increase[li].level;
  const t = pairedT(d);
  const verdict = verdictOf(t.mean, [t], -1);
  const f = (x: number): string => x.toExponential(2);
  return {
    a, b, metric: `validation-loss increase at ε = ${level}`, t, verdict,
    sentence: `${label.get(a)} sits in a flatter minimum than ${label.get(b)} (a smaller loss increase at ε = ${Math.round(level * 100)}%): ` +
      `${words(verdict, t.mean)}; the difference of the increases is ${f(t.mean)} (${interval(t, f)}).`,
  };
}

const yes = (c: Comparison | null | undefined): boolean => c?.verdict === 'yes';

/** Computes the findings from the runs of `r`. */
export function findingsOf(r: ShapesResults): Findings {
  const label = new Map(r.configs.map((c) => [c.key, c.label]));
  const have = (k: string): boolean => r.runs.some((x) => x.config === k);
  const summaries = r.configs.map((c) => summarize(c, r.runs.filter((x) => x.config === c.key)));
  const sum = new Map(summaries.map((s) => [s.key, s]));
  const cmp = (a: string, b: string): Comparison | null => (have(a) && have(b) ? accuracyComparison(r, label, a, b) : null);
  const list = (xs: Array<Comparison | null>): Comparison[] => xs.filter((x): x is Comparison => x !== null);

  // K: each K against the surrogate, both ways (agreement = no verdict of 'yes' or 'no' either way)
  let K: Findings['K'] = null;
  const ks = ['bell-K1e2', 'bell-c3', 'bell-K1e6'].filter(have);
  if (have('surrogate') && ks.length) {
    const comparisons = list(ks.map((k) => cmp(k, 'surrogate')));
    const decided = comparisons.filter((c) => c.verdict === 'yes' || c.verdict === 'no');
    const spread = Math.max(...comparisons.map((c) => Math.abs(c.t.mean)));
    const intervals = comparisons.every((c) => c.t.lo !== null);
    const agree = intervals ? decided.length === 0 : null;
    // the scale: how far GAAF itself moves the accuracy from the base, where both ran
    const scale = have('tanh') ? cmp('bell-c3', 'tanh') : null;
    const against = scale ? `; for scale, GAAF K = 1e4 against the tanh base: ${pp(scale.t.mean)} points` : '';
    // the same bits: a K whose runs end with the surrogate's very weights
    const bits = ks.map((k) => {
      const sur = new Map(r.runs.filter((x) => x.config === 'surrogate').map((x) => [x.seed, x.weightsSha256]));
      const mine = r.runs.filter((x) => x.config === k && sur.has(x.seed));
      return `${k === 'bell-c3' ? 'K = 1e4' : `K = ${k.slice(6)}`}: ${mine.filter((x) => x.weightsSha256 === sur.get(x.seed)).length} of ${mine.length}`;
    });
    const accSame = ks.map((k) => {
      const sur = new Map(r.runs.filter((x) => x.config === 'surrogate').map((x) => [x.seed, x.testAccuracy]));
      const mine = r.runs.filter((x) => x.config === k && sur.has(x.seed));
      return `${k === 'bell-c3' ? 'K = 1e4' : `K = ${k.slice(6)}`}: ${mine.filter((x) => x.testAccuracy === sur.get(x.seed)).length} of ${mine.length}`;
    });
    const same = ` Seeds with exactly the surrogate's test accuracy: ${accSame.join(', ')}; with its trained weights bit for bit: ${bits.join(', ')}.`;
    const sentence = agree === null
      ? `With one seed there is no interval: the K configurations differ from the surrogate by up to ${(100 * spread).toFixed(2)} points, which this run cannot call agreement or not.`
      : agree
        ? `K = ${ks.map((k) => (k === 'bell-c3' ? '1e4' : k.slice(6))).join(', ')} and the surrogate (forward tanh exactly, backward tanh′ + s) agree: no paired difference in test accuracy excludes 0 (largest mean difference ${(100 * spread).toFixed(2)} points${against}). ` +
          'GAAF acts as a surrogate gradient here: what it changes is the backward pass, φ′ + s, and the sawtooth\'s < 0.5/K in the forward pass does not matter.'
        : `K matters here: ${decided.map((c) => `${label.get(c.a)} against the surrogate, ${pp(c.t.mean)} points (${c.verdict})`).join('; ')}; GAAF does not act as a pure surrogate gradient in this run.`;
    K = { comparisons, agree, sentence: sentence + same };
  }

  // shape: every GAAF tanh shape against the base at 1×, 1.5× and 2× its learning rate
  let shape: Findings['shape'] = null;
  const shapes = ['bell-c0.5', 'bell-c1', 'bell-c3', 'bell-c10', 'ring-c2'].filter(have);
  const bases = ['tanh', 'tanh-lr1.5', 'tanh-lr2'].filter(have);
  if (shapes.length && bases.length) {
    const comparisons = list(shapes.flatMap((s) => bases.map((b) => cmp(s, b))));
    const sentences = shapes.map((s) => {
      const cs = comparisons.filter((c) => c.a === s);
      const beats = cs.filter(yes).map((c) => label.get(c.b));
      const m = sum.get(s)!;
      return `${label.get(s)} (lr ${Number(m.lr.toPrecision(12))}, test ${(100 * m.testAccuracy.mean).toFixed(2)}%, saturation share ${(100 * m.saturation.mean).toFixed(1)}%): ` +
        (beats.length ? `beats ${beats.join(' and ')} (verdict yes); ` : 'beats no base variant with a verdict of yes; ') +
        cs.map((c) => `against ${label.get(c.b)} ${pp(c.t.mean)} points (${c.verdict})`).join(', ') + '.';
    });
    const best = [...shapes, ...bases].map((k) => sum.get(k)!).sort((x, y) => y.testAccuracy.mean - x.testAccuracy.mean)[0];
    sentences.push(`The highest mean test accuracy of the group is ${best.label}'s, ${(100 * best.testAccuracy.mean).toFixed(2)}%.`);
    const lrBases = bases.filter((b) => b !== 'tanh');
    const find = (a: string, b: string): Comparison | undefined => comparisons.find((c) => c.a === a && c.b === b);
    // the larger steps themselves against the base at 1×
    const steps = list(lrBases.map((b) => (have('tanh') ? cmp(b, 'tanh') : null)));
    for (const c of steps) sentences.push(`The larger step alone: ${c.sentence}`);
    const beats1 = have('tanh') ? shapes.filter((x) => yes(find(x, 'tanh'))) : [];
    if (!have('tanh')) sentences.push('The base at 1× did not run: no gain over it to explain.');
    else if (!beats1.length) sentences.push('No GAAF shape beats the base at 1× with a verdict of yes, so there is no gain for a larger step or the saturation area to explain in this run.');
    for (const x of beats1) {
      const matched = lrBases.filter((b) => !yes(find(x, b)));
      sentences.push(matched.length
        ? `${label.get(x)} beats the base at 1× (yes), but not ${matched.map((b) => `${label.get(b)} (${find(x, b)?.verdict ?? 'not compared'})`).join(' or ')}: the larger step alone is not beaten, so this run cannot tell the added gradient from a larger step.`
        : `${label.get(x)} beats the base at 1× and at every larger learning rate tried (yes each time): the added gradient, not a larger step, accounts for its gain.`);
    }
    shape = { comparisons: [...comparisons, ...steps], sentences };
  }

  const group = (pairs: Array<[string, string]>): { comparisons: Comparison[]; sentences: string[] } | null => {
    const comparisons = list(pairs.map(([a, b]) => cmp(a, b)));
    return comparisons.length ? { comparisons, sentences: comparisons.map((c) => c.sentence) } : null;
  };
  const relu = group([
    ['relu-shifted', 'relu'], ['relu-bump', 'relu'], ['leaky', 'relu'], ['relu-bump', 'relu-shifted'], ['relu-bump', 'leaky'],
    ['relu-shifted-bn', 'relu-bn'], ['relu-bump-bn', 'relu-bn'], ['leaky-bn', 'relu-bn'], ['relu-bump-bn', 'relu-shifted-bn'], ['relu-bn', 'relu'],
  ]);
  const sigmoid = group([['sigmoid-h1', 'sigmoid'], ['sigmoid-h0.25', 'sigmoid'], ['sigmoid-h1', 'sigmoid-h0.25']]);

  // flatness: dropout and GAAF against the base, at every ε; the accuracy beside it
  let flatness: Findings['flatness'] = null;
  const flat = ['tanh', 'tanh-dropout', 'bell-c3'].filter((k) => sum.get(k)?.flatness);
  if (flat.includes('tanh') && flat.length > 1) {
    const levels = sum.get('tanh')!.flatness!.length;
    const comparisons = list(flat.filter((k) => k !== 'tanh').flatMap((k) => Array.from({ length: levels }, (_, li) => flatComparison(r, label, k, 'tanh', li))));
    const sentences: string[] = [];
    for (const k of flat.filter((x) => x !== 'tanh')) {
      const cs = comparisons.filter((c) => c.a === k);
      const last = cs[cs.length - 1];
      const flatter = cs.filter((c) => c.verdict === 'yes').length;
      const acc = cmp(k, 'tanh');
      sentences.push(`${label.get(k)} against the base: flatter (verdict yes) at ${flatter} of ${cs.length} perturbation sizes; at the largest, ${last.sentence.replace(/^.*?: /, '')} ` +
        `Its test accuracy: ${acc ? `${pp(acc.t.mean)} points (${acc.verdict})` : 'not compared'}, its saturation share ${(100 * sum.get(k)!.saturation.mean).toFixed(1)}% against the base's ${(100 * sum.get('tanh')!.saturation.mean).toFixed(1)}%.`);
    }
    // the scale: the largest mean increase at the largest ε against the trained loss
    const rel = flat.map((k) => { const m = sum.get(k)!; return Math.abs(m.flatness!.at(-1)!.increase.mean) / m.trainLoss!.mean; });
    const top = Math.max(...rel);
    const eps = sum.get('tanh')!.flatness!.at(-1)!.level;
    sentences.push(`At ε = ${Math.round(100 * eps)}% the mean loss increase is at most ${(100 * top).toFixed(2)}% of the trained loss for any of these models` +
      (top < 0.01 ? ': all sit in minima that are flat at this scale.' : '.'));
    const byFlat = [...flat].sort((x, y) => sum.get(x)!.flatness!.at(-1)!.increase.mean - sum.get(y)!.flatness!.at(-1)!.increase.mean);
    const byAcc = [...flat].sort((x, y) => sum.get(y)!.testAccuracy.mean - sum.get(x)!.testAccuracy.mean);
    const same = byFlat.every((k, i) => k === byAcc[i]);
    sentences.push(`Ordered by flatness at the largest ε (flattest first): ${byFlat.map((k) => label.get(k)).join(', ')}; by mean test accuracy: ${byAcc.map((k) => label.get(k)).join(', ')}. ` +
      (same ? 'The two orders agree, as the flat-minimum explanation predicts.' : 'The two orders differ: flatness alone does not rank these models\' accuracy here.'));
    flatness = { comparisons, sentences };
  }
  const grid = r.protocol.lrGrid;
  const edges = r.configs.filter((c) => !c.lrOf && (c.lr.lr === Math.min(...grid) || c.lr.lr === Math.max(...grid)));
  const lrEdges = edges.length
    ? `The chosen learning rate is at an edge of the grid (${grid.join(', ')}) for ${edges.map((c) => `${c.label} (${c.lr.lr})`).join(', ')}: a rate beyond the grid might have done better there.`
    : `Every tuned configuration chose a rate inside the grid (${grid.join(', ')}).`;
  return { summaries, K, shape, relu, sigmoid, flatness, lrEdges };
}
