// The summary of the MLP report: each claim of the paper, its numbers and ours, and the
// verdict of the paired comparison over seeds (compare.ts): test accuracy by the t interval
// of the per-seed differences and the paired bootstrap over seeds and test samples; the
// per-seed quantities (epochs, gradient information, saturation shares, net variance) by the
// t interval at n − 1 degrees of freedom.
import { type AccuracyComparison, type PairedComparison, compareAccuracy, comparePaired, signed } from './compare.js';
import type { ModelKey, ModelSummary, ReproduceResults, RunResult } from './experiment.js';
import { fix, share } from './format.js';
import { PAPER_GAAF_GRAD, PAPER_TABLE1, PAPER_TABLE3 } from './paper.js';
import type { Verdict } from './stats.js';

export function find(r: ReproduceResults, k: ModelKey): ModelSummary | undefined {
  return r.summary.find((s) => s.model === k);
}

export const runsOf = (r: ReproduceResults, k: ModelKey): RunResult[] => r.runs.filter((x) => x.model === k);

/** A per-seed quantity of one model's runs, for comparePaired. */
export const perSeed = (r: ReproduceResults, k: ModelKey, f: (x: RunResult) => number): Array<{ seed: number; value: number }> =>
  runsOf(r, k).map((x) => ({ seed: x.seed, value: f(x) }));

/** Accuracy of model a against b over their shared seeds (the claim: a − b has sign `direction`). */
export const accuracyOf = (r: ReproduceResults, a: ModelKey, b: ModelKey, direction: 1 | -1 = 1): AccuracyComparison =>
  compareAccuracy(runsOf(r, a), runsOf(r, b), { direction });

/** The paper's §5.1 GAAF figures, which the paper gives "for the three layers" without naming them, in both readings. */
export const GAAF_READINGS = {
  forward: { label: 'read as Layers 1, 2, 3', values: { Layer1: PAPER_GAAF_GRAD.Layer1, Layer2: PAPER_GAAF_GRAD.Layer2, Layer3: PAPER_GAAF_GRAD.Layer3 } },
  reverse: { label: "read in Table 1's row order (Layer3, Layer2, Layer1)", values: { Layer1: PAPER_GAAF_GRAD.Layer3, Layer2: PAPER_GAAF_GRAD.Layer2, Layer3: PAPER_GAAF_GRAD.Layer1 } },
} as const;

export const METHOD =
  'Verdicts come from paired comparisons over the seeds, which give every model the same initial weights and minibatch order: ' +
  '**yes** when the mean difference is on the claimed side and every interval excludes 0; **in direction only** when it is on the claimed side but an interval reaches 0; ' +
  '**within noise** when it is on the other side (or 0) and an interval reaches 0; **no** when every interval lies on the other side. ' +
  'For test accuracy the intervals are the 95% Student t interval of the per-seed differences at n − 1 degrees of freedom and the 95% paired bootstrap over seeds and test samples ' +
  '(the seeds share one test set: the t interval counts only seed-to-seed noise, the bootstrap also the sampling of the test set); McNemar\'s exact p on the per-sample predictions of each seed is given beside. ' +
  'For per-seed quantities (epochs, gradient information as per-seed ratios, saturation shares, net variance) the interval is the 95% t interval at n − 1 degrees of freedom. ' +
  'With one seed there is no interval, so no "yes".';

export interface Claim {
  claim: string;
  paper: string;
  ours: string;
  holds: string;
  /** Sentences stating the comparison's numbers. */
  detail: string[];
}

const ORDER: Verdict[] = ['yes', 'in direction only', 'within noise', 'no'];

/** One verdict for several comparisons that must all hold (e.g. every layer): the weakest, with the layers named when they differ. */
function allOf(parts: Array<{ name: string; verdict: Verdict }>): string {
  const worst = parts.reduce((w, p) => (ORDER.indexOf(p.verdict) > ORDER.indexOf(w) ? p.verdict : w), 'yes' as Verdict);
  if (parts.every((p) => p.verdict === worst)) return parts.length > 1 ? `${worst}, in each (${parts.map((p) => p.name).join(', ')})` : worst;
  return `${worst} (${parts.map((p) => `${p.name} ${p.verdict}`).join('; ')})`;
}

const pts = (x: number): string => `${signed(100 * x)} points`;

export function claims(r: ReproduceResults): Claim[] {
  const base = find(r, 'base');
  const drop = find(r, 'dropout');
  const gaaf = find(r, 'gaaf');
  const out: Claim[] = [];
  const hid = r.hiddenLayers;
  const ratios = (xs: number[]): string => xs.map((x) => `×${fix(x, 1)}`).join(', ');
  const L3 = ['Layer1', 'Layer2', 'Layer3'] as const;
  const gradClaim = (k: ModelKey, claim: string, paper: string): Claim => {
    const cs = r.layers.map((l) => ({ l, c: comparePaired(perSeed(r, k, (x) => x.gradInfo[l]), perSeed(r, 'base', (x) => x.gradInfo[l]), { relative: true }) }));
    const inHidden = cs.filter((x) => hid.includes(x.l));
    const extra = cs.filter((x) => !hid.includes(x.l));
    return {
      claim,
      paper,
      ours: `${ratios(cs.map((x) => Math.exp(x.c.t.mean)))} (${r.layers.join(', ')})`,
      holds: allOf(inHidden.map((x) => ({ name: x.l, verdict: x.c.verdict }))) +
        (extra.length ? `; ${extra.map((x) => `${x.l}, which the paper does not report: ${x.c.verdict}`).join('; ')}` : ''),
      detail: cs.map((x) => `${x.l}: ${x.c.sentence}`),
    };
  };
  if (base && drop) {
    out.push(gradClaim('dropout', 'Dropout increases the gradient information in every layer (Table 1)',
      `${ratios(L3.map((l) => PAPER_TABLE1.dropout[l] / PAPER_TABLE1.base[l]))} (Layers 1-3)`));
  }
  if (base && gaaf) {
    const read = (w: keyof typeof GAAF_READINGS): string => `${ratios(L3.map((l) => GAAF_READINGS[w].values[l] / PAPER_TABLE1.base[l]))} ${GAAF_READINGS[w].label}`;
    out.push(gradClaim('gaaf', "GAAF increases the gradient information in the paper's three layers (§5.1, ratios to Table 1's base)",
      `${read('forward')}; ${read('reverse')}; the paper does not say which (above base in all three either way)`));
  }
  if (drop?.netVariance) {
    const v = r.layers.map((l) => drop.netVariance![l].mean);
    const last = r.layers[r.layers.length - 1];
    const cs = r.layers.slice(1, -1).map((l) => ({ l, c: comparePaired(perSeed(r, 'dropout', (x) => x.netVariance![last]), perSeed(r, 'dropout', (x) => x.netVariance![l]), { format: (y) => signed(y, 2) }) }));
    const zero = runsOf(r, 'dropout').every((x) => x.netVariance![r.layers[0]] === 0);
    out.push({
      claim: 'Dropout gives the nets variance: zero in Layer1, largest in the last layer (Table 2)',
      paper: '0, 1.07, 1.07, 1.97',
      ours: v.map((x) => fix(x, 2)).join(', '),
      holds: `${r.layers[0]} zero: ${zero ? 'yes (every seed)' : 'no'}; ${last} largest: ${allOf(cs.map((x) => ({ name: `vs ${x.l}`, verdict: x.c.verdict })))}`,
      detail: cs.map((x) => `${last} − ${x.l}: ${x.c.sentence}`),
    });
  }
  const satClaim = (k: ModelKey, m: ModelSummary, label: string, fig: string): Claim => {
    const cs = hid.map((l) => ({ l, c: comparePaired(perSeed(r, k, (x) => x.histograms[l].saturationFraction), perSeed(r, 'base', (x) => x.histograms[l].saturationFraction), { format: (y) => signed(100 * y, 2), unit: 'points' }) }));
    return {
      claim: `${label} pushes more nets into tanh's saturation area, in every hidden layer (${fig})`,
      paper: 'yes (from the figures; no numbers)',
      ours: `|z| > ${r.protocol.saturationThreshold}: ${hid.map((l) => `${share(base!.saturation[l].mean)} → ${share(m.saturation[l].mean)}`).join(', ')}`,
      holds: allOf(cs.map((x) => ({ name: x.l, verdict: x.c.verdict }))),
      detail: cs.map((x) => `${x.l}: ${x.c.sentence}`),
    };
  };
  if (base && drop) out.push(satClaim('dropout', drop, 'Dropout', 'Figure 2'));
  if (base && gaaf) out.push(satClaim('gaaf', gaaf, 'GAAF', 'Figure 5'));
  if (drop && hid.length > 1) {
    const cs = hid.slice(1).map((l, i) => ({ name: `${l} − ${hid[i]}`, c: comparePaired(perSeed(r, 'dropout', (x) => x.histograms[l].saturationFraction), perSeed(r, 'dropout', (x) => x.histograms[hid[i]].saturationFraction), { format: (y) => signed(100 * y, 2), unit: 'points' }) }));
    out.push({
      claim: 'With dropout, higher layers have more nets in the saturation area (§3)',
      paper: 'yes (from Figure 2)',
      ours: hid.map((l) => share(drop.saturation[l].mean)).join(', '),
      holds: allOf(cs.map((x) => ({ name: x.name, verdict: x.c.verdict }))),
      detail: cs.map((x) => `${x.name}: ${x.c.sentence}`),
    });
  }
  const accClaim = (k: ModelKey, label: string, paperM: { accuracy: number }): Claim => {
    const c = accuracyOf(r, k, 'base');
    return {
      claim: `${label} improves test accuracy over the base model (Table 3)`,
      paper: `${signed(paperM.accuracy - PAPER_TABLE3.base.accuracy)} points`,
      ours: pts(c.t.mean),
      holds: c.verdict,
      detail: [c.sentence],
    };
  };
  if (base && drop) out.push(accClaim('dropout', 'Dropout', PAPER_TABLE3.dropout));
  if (base && gaaf) out.push(accClaim('gaaf', 'GAAF', PAPER_TABLE3.gaaf));
  const epochs = (a: ModelKey, b: ModelKey, direction: 1 | -1): PairedComparison =>
    comparePaired(perSeed(r, a, (x) => x.bestEpoch), perSeed(r, b, (x) => x.bestEpoch), { direction, format: (y) => signed(y, 1), unit: 'epochs' });
  const capped = (k: ModelKey): number => runsOf(r, k).filter((x) => !x.stoppedEarly).length;
  const capNote = (ks: ModelKey[]): string[] => {
    const c = ks.filter((k) => capped(k) > 0);
    return c.length ? [`${c.map((k) => `${find(r, k)!.label}: ${capped(k)} of ${runsOf(r, k).length} runs`).join(', ')} hit the ${r.protocol.maxEpochs}-epoch cap, so their epochs are lower bounds`] : [];
  };
  if (drop && gaaf) {
    const e = epochs('gaaf', 'dropout', -1);
    const acc = accuracyOf(r, 'gaaf', 'dropout');
    out.push({
      claim: 'GAAF needs fewer epochs than dropout (Table 3), at the same accuracy ("improves the test accuracy as much as the dropout model", §5.1)',
      paper: `${PAPER_TABLE3.gaaf.epochs} vs ${PAPER_TABLE3.dropout.epochs} epochs, ${signed(PAPER_TABLE3.gaaf.accuracy - PAPER_TABLE3.dropout.accuracy)} points`,
      ours: `${fix(gaaf.epochs.mean, 1)} vs ${fix(drop.epochs.mean, 1)} epochs, ${pts(acc.t.mean)}`,
      holds: `fewer epochs: ${e.verdict}${capped('gaaf') + capped('dropout') ? ` (${capped('gaaf') + capped('dropout')} of the runs at the epoch cap: lower bounds)` : ''}; test accuracy GAAF − dropout ${pts(acc.t.mean)}` +
        (acc.t.mean < 0 ? `, so the epochs were saved at a loss of accuracy (GAAF more accurate than dropout: ${acc.verdict})` : ` (GAAF more accurate than dropout: ${acc.verdict})`),
      detail: [`GAAF − dropout epochs: ${e.sentence}`, `GAAF − dropout test accuracy: ${acc.sentence}`, ...capNote(['gaaf', 'dropout'])],
    });
  }
  if (base && drop && gaaf) {
    const lo = epochs('gaaf', 'base', 1);
    const hi = epochs('dropout', 'gaaf', 1);
    out.push({
      claim: 'Epochs to converge: base < GAAF < dropout (Table 3)',
      paper: `${PAPER_TABLE3.base.epochs} < ${PAPER_TABLE3.gaaf.epochs} < ${PAPER_TABLE3.dropout.epochs}`,
      ours: `${[base, gaaf, drop].map((m) => fix(m.epochs.mean, 1)).join(', ')}`,
      holds: allOf([{ name: 'base < GAAF', verdict: lo.verdict }, { name: 'GAAF < dropout', verdict: hi.verdict }]) +
        (capped('base') + capped('gaaf') + capped('dropout') ? `; ${capped('base') + capped('gaaf') + capped('dropout')} runs at the epoch cap (lower bounds)` : ''),
      detail: [`GAAF − base: ${lo.sentence}`, `dropout − GAAF: ${hi.sentence}`, ...capNote(['base', 'gaaf', 'dropout'])],
    });
  }
  return out;
}
