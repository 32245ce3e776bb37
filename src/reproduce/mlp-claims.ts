// The summary of the MLP report: each claim of the paper, its numbers and ours, and whether
// it holds in this run.
import type { MeanSd } from './measure.js';
import type { ModelKey, ModelSummary, ReproduceResults } from './experiment.js';
import { fix, share } from './format.js';
import { PAPER_GAAF_GRAD, PAPER_TABLE1, PAPER_TABLE3 } from './paper.js';

export function find(r: ReproduceResults, k: ModelKey): ModelSummary | undefined {
  return r.summary.find((s) => s.model === k);
}


/** Difference of two means in units of its standard error (Welch); null with fewer than 2 seeds. */
function zScore(a: MeanSd, b: MeanSd): number | null {
  if (a.sd === null || b.sd === null) return null;
  const se = Math.sqrt(a.sd ** 2 / a.n + b.sd ** 2 / b.n);
  return se > 0 ? (a.mean - b.mean) / se : null;
}

function verdict(holds: boolean, z: number | null, what: string): string {
  if (!holds) return `no${z !== null ? ` (${fix(z, 1)} SE)` : ''}`;
  if (z === null) return `yes, ${what} (one seed: no spread to judge it)`;
  return Math.abs(z) >= 2 ? `yes (${fix(z, 1)} SE)` : `in direction only (${fix(z, 1)} SE, within noise)`;
}

export interface Claim {
  claim: string;
  paper: string;
  ours: string;
  holds: string;
}

export function claims(r: ReproduceResults): Claim[] {
  const base = find(r, 'base');
  const drop = find(r, 'dropout');
  const gaaf = find(r, 'gaaf');
  const out: Claim[] = [];
  const hid = r.hiddenLayers;
  const ratio = (a: ModelSummary, b: ModelSummary, layers: string[]): number[] => layers.map((l) => a.gradInfo[l].mean / b.gradInfo[l].mean);
  const ratios = (xs: number[]): string => xs.map((x) => `×${fix(x, 1)}`).join(', ');
  const gradClaim = (m: ModelSummary, claim: string, paperRatios: number[]): Claim => {
    const rs = ratio(m, base!, r.layers);
    // per layer: above base by the means, and by at least 2 standard errors over seeds?
    const judge = (l: string): { above: boolean; z: number | null } => ({
      above: m.gradInfo[l].mean > base!.gradInfo[l].mean,
      z: zScore(m.gradInfo[l], base!.gradInfo[l]),
    });
    const weak = (l: string): boolean => {
      const j = judge(l);
      return !j.above || (j.z !== null && j.z < 2);
    };
    const describe = (l: string): string => {
      const j = judge(l);
      const rr = m.gradInfo[l].mean / base!.gradInfo[l].mean;
      return `${l} ×${fix(rr, 2)}${j.z !== null ? `, ${fix(j.z, 1)} SE` : ''}${j.above ? ', within noise' : ', below base'}`;
    };
    const extra = r.layers.filter((l) => !hid.includes(l));
    const hidBad = hid.filter(weak);
    const extraBad = extra.filter(weak);
    let holds: string;
    if (hid.some((l) => !judge(l).above)) holds = `no: ${hidBad.map(describe).join('; ')}`;
    else if (hidBad.length) holds = `in direction only: ${hidBad.map(describe).join('; ')}`;
    else holds = extraBad.length === 0 ? 'yes, in every layer' : `yes in Layers 1-3; not in the logits layer, which the paper does not report (${extraBad.map(describe).join('; ')})`;
    if (!hidBad.length && extraBad.length === 0 && hid.every((l) => judge(l).z === null)) holds += ' (one seed: no spread to judge it)';
    return { claim, paper: `${ratios(paperRatios)} (Layers 1-3)`, ours: `${ratios(rs)} (${r.layers.join(', ')})`, holds };
  };
  const L3 = ['Layer1', 'Layer2', 'Layer3'] as const;
  if (base && drop) {
    out.push(gradClaim(drop, 'Dropout increases the gradient information in every layer (Table 1)', L3.map((l) => PAPER_TABLE1.dropout[l] / PAPER_TABLE1.base[l])));
  }
  if (base && gaaf) {
    out.push(gradClaim(gaaf, "GAAF increases the gradient information in the paper's three layers (§5.1; paper ratios against Table 1's base)",
      L3.map((l) => PAPER_GAAF_GRAD[l] / PAPER_TABLE1.base[l])));
  }
  if (drop?.netVariance) {
    const v = r.layers.map((l) => drop.netVariance![l].mean);
    const last = v[v.length - 1];
    out.push({
      claim: 'Dropout gives the nets variance: zero in Layer1, largest in the last layer (Table 2)',
      paper: '0, 1.07, 1.07, 1.97',
      ours: v.map((x) => fix(x, 2)).join(', '),
      holds: v[0] === 0 && v.slice(1).every((x) => x > 0) && v.slice(1, -1).every((x) => x < last) ? 'yes' : 'no',
    });
  }
  const satClaim = (m: ModelSummary, label: string, fig: string): Claim => {
    const diffs = hid.map((l) => m.saturation[l].mean - base!.saturation[l].mean);
    return {
      claim: `${label} pushes more nets into tanh's saturation area, in every hidden layer (${fig})`,
      paper: 'yes (from the figures; no numbers)',
      ours: `|z| > ${r.protocol.saturationThreshold}: ${hid.map((l) => `${share(base!.saturation[l].mean)} → ${share(m.saturation[l].mean)}`).join(', ')}`,
      holds: diffs.every((d) => d > 0) ? 'yes' : diffs.some((d) => d > 0) ? 'in some layers' : 'no',
    };
  };
  if (base && drop) out.push(satClaim(drop, 'Dropout', 'Figure 2'));
  if (base && gaaf) out.push(satClaim(gaaf, 'GAAF', 'Figure 5'));
  if (drop) {
    const s = hid.map((l) => drop.saturation[l].mean);
    out.push({
      claim: 'With dropout, higher layers have more nets in the saturation area (§3)',
      paper: 'yes (from Figure 2)',
      ours: s.map(share).join(', '),
      holds: s.every((x, i) => i === 0 || x > s[i - 1]) ? 'yes' : 'no',
    });
  }
  const accClaim = (m: ModelSummary, label: string, paperM: { accuracy: number }): Claim => {
    const d = m.testAccuracy.mean - base!.testAccuracy.mean;
    return {
      claim: `${label} improves test accuracy over the base model (Table 3)`,
      paper: `${fix(paperM.accuracy - PAPER_TABLE3.base.accuracy, 2)} points`,
      ours: `${d >= 0 ? '+' : ''}${fix(100 * d, 2)} points`,
      holds: verdict(d > 0, zScore(m.testAccuracy, base!.testAccuracy), 'by the means'),
    };
  };
  if (base && drop) out.push(accClaim(drop, 'Dropout', PAPER_TABLE3.dropout));
  if (base && gaaf) out.push(accClaim(gaaf, 'GAAF', PAPER_TABLE3.gaaf));
  if (drop && gaaf) {
    const d = gaaf.epochs.mean - drop.epochs.mean;
    const z = zScore(drop.epochs, gaaf.epochs);
    out.push({
      claim: 'GAAF needs fewer epochs than dropout (Table 3)',
      paper: `${PAPER_TABLE3.gaaf.epochs} vs ${PAPER_TABLE3.dropout.epochs}`,
      ours: `${fix(gaaf.epochs.mean, 1)} vs ${fix(drop.epochs.mean, 1)} (${d <= 0 ? '' : '+'}${fix(d, 1)})`,
      holds: verdict(d < 0, z, 'by the means'),
    });
  }
  if (base && drop && gaaf) {
    const order = [base, gaaf, drop].map((m) => m.epochs.mean);
    out.push({
      claim: 'Epochs to converge: base < GAAF < dropout (Table 3)',
      paper: `${PAPER_TABLE3.base.epochs} < ${PAPER_TABLE3.gaaf.epochs} < ${PAPER_TABLE3.dropout.epochs}`,
      ours: `${order.map((x) => fix(x, 1)).join(', ')}`,
      holds: order[0] < order[1] && order[1] < order[2] ? 'yes' : 'no',
    });
  }
  return out;
}
