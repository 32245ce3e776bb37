// "Where and why our numbers differ from the paper's" in the MLP report: one paragraph per
// measurement, every sentence of it computed from the run it describes (the explanation of
// the epoch counts reads that run's training-loss curves, accuracies and saturation shares).
import type { ModelKey, ReproduceResults } from './experiment.js';
import { exp, fix } from './format.js';
import { GAAF_READINGS, accuracyOf, find, runsOf } from './mlp-claims.js';
import { PAPER_TABLE1 } from './paper.js';
import { gaafText, shapeAt, shapeName } from './gaaf-describe.js';

/** The mean training loss per epoch of a model's runs, over the epochs every run of both models reached. */
export function lossCurves(r: ReproduceResults, a: ModelKey, b: ModelKey): { epochs: number; a: number[]; b: number[] } {
  const ra = runsOf(r, a);
  const rb = runsOf(r, b);
  const epochs = Math.min(...[...ra, ...rb].map((x) => x.curve.length));
  const mean = (runs: typeof ra, e: number): number => runs.reduce((s, x) => s + x.curve[e].loss, 0) / runs.length;
  return { epochs, a: Array.from({ length: epochs }, (_, e) => mean(ra, e)), b: Array.from({ length: epochs }, (_, e) => mean(rb, e)) };
}

/** Share of a layer's test-set nets beyond the histogram's range (|z| ≥ max), pooled over a model's seeds. */
export function beyondRange(r: ReproduceResults, k: ModelKey, layer: string): number {
  const h = find(r, k)!.histograms[layer];
  return (h.underflow + h.overflow) / h.total;
}

/**
 * Why a model with fewer epochs to converge than another got there: from the training-loss
 * curves, the test accuracies and (for GAAF) the nets beyond the shape function's reach.
 */
export function epochsExplanation(r: ReproduceResults, fast: ModelKey, slow: ModelKey): string {
  const f = find(r, fast)!;
  const s = find(r, slow)!;
  const c = lossCurves(r, fast, slow);
  const above = c.a.filter((x, e) => x > c.b[e]).length;
  const acc = accuracyOf(r, fast, slow);
  const last = c.epochs - 1;
  const loss = (x: number): string => (x < 0.01 ? exp(x) : fix(x, 3));
  const lossWords = `${f.label}'s mean training loss is ${above > c.epochs / 2 ? `above ${s.label}'s at ${above}` : `below ${s.label}'s at ${c.epochs - above}`} of the ${c.epochs} epochs every run of both reached ` +
    `(epoch 1: ${loss(c.a[0])} against ${loss(c.b[0])}; epoch ${c.epochs}: ${loss(c.a[last])} against ${loss(c.b[last])})`;
  const accWords = `its test accuracy minus ${s.label}'s is ${acc.sentence}`;
  let sat = '';
  if (fast === 'gaaf' && r.hiddenLayers.length && beyondRange(r, fast, r.hiddenLayers[0]) >= 0.01) {
    const l = r.hiddenLayers[0];
    const edge = r.protocol.histogram.max;
    // s at the edge bounds it beyond: the bell falls with |x|, and so does the ring past its peak at √c
    const g = r.protocol.gaaf;
    const sEdge = shapeAt('tanh', g, edge);
    const small = sEdge < 0.01 && (shapeName('tanh', g) === 'bell' || Math.sqrt(g.c!) <= edge);
    sat = ` On the test set, ${fix(100 * beyondRange(r, fast, l), 1)}% of ${l}'s nets lie beyond |z| ≥ ${edge} in the GAAF model (${s.label}: ${fix(100 * beyondRange(r, slow, l), 1)}%), ` +
      `where tanh' < ${exp(1 - Math.tanh(edge) ** 2, 0)} and the shape function, ${gaafText('tanh', g)}, is ` +
      (small ? `below ${exp(sEdge, 0)}, so GAAF adds almost no gradient there either.` : `still ${fix(shapeAt('tanh', g, edge), 3)} at |z| = ${edge}, so GAAF's gradient there is not small.`);
  }
  const stalled = acc.t.mean < 0 && above > c.epochs / 2;
  const faster = acc.t.mean >= 0 && above < c.epochs / 2;
  const capF = runsOf(r, fast).filter((x) => !x.stoppedEarly).length;
  const capS = runsOf(r, slow).filter((x) => !x.stoppedEarly).length;
  const cap = r.protocol.maxEpochs;
  const verdict = faster && capF > 0
    ? `So ${f.label}'s training loss falls faster and its best epoch comes earlier, at a test accuracy that is not lower; but ${capF} of ${f.label}'s ${runsOf(r, fast).length} runs${capS ? ` and ${capS} of ${s.label}'s ${runsOf(r, slow).length}` : ''} stopped at the ${cap}-epoch cap, not on the patience rule, so their epoch counts are lower bounds and which model converges first is not established.`
    : faster && capS > 0
      ? `So ${f.label} did converge faster here: its training loss falls below ${s.label}'s and its test accuracy is not lower (${capS} of ${s.label}'s ${runsOf(r, slow).length} runs stopped at the ${cap}-epoch cap, so its epoch count is a lower bound and the difference at least this large).`
    : stalled
    ? `So ${f.label}'s fewer epochs are an early stop at a lower accuracy, not faster convergence: its validation accuracy stopped rising while its training loss was still above ${s.label}'s.`
    : faster
      ? `So ${f.label} did converge faster here: its training loss falls below ${s.label}'s and its test accuracy is not lower.`
      : `The curves and the accuracies do not settle whether ${f.label} converged faster or stopped early; the numbers are as stated.`;
  return `${f.label} converges in fewer epochs than ${s.label} here (${fix(f.epochs.mean, 1)} against ${fix(s.epochs.mean, 1)}). ${lossWords}; ${accWords}.${sat} ${verdict}`;
}

export function differences(r: ReproduceResults): string[] {
  const base = find(r, 'base');
  const drop = find(r, 'dropout');
  const gaaf = find(r, 'gaaf');
  const n = r.data.testCount;
  const acc = base?.testAccuracy.mean ?? drop?.testAccuracy.mean ?? gaaf?.testAccuracy.mean ?? 0.97;
  const binomSe = Math.sqrt(acc * (1 - acc) / n);
  const stepsPerEpoch = Math.ceil(r.data.trainCount / r.protocol.batchSize);
  const paras: string[] = [];
  const bundled = r.data.source.startsWith('bundled');
  paras.push(
    `**Data.** The paper trains on the full MNIST (60,000 training and 10,000 test images). This run used ${r.data.source}: ` +
    `${r.data.trainCount.toLocaleString('en-US')} training, ${r.data.valCount.toLocaleString('en-US')} validation and ${n.toLocaleString('en-US')} test samples` +
    (r.data.trainSamplesLimit !== null || r.data.testSamplesLimit !== null
      ? ` (only the first ${r.data.trainSamplesLimit?.toLocaleString('en-US') ?? 'all'} training and ${r.data.testSamplesLimit?.toLocaleString('en-US') ?? 'all'} test samples of the files: a reduced run). `
      : '. ') +
    (bundled
      ? `With ${fix(60000 / (r.data.trainCount + r.data.valCount), 1)} times fewer training images than the paper's 60,000, absolute accuracies are not comparable to the paper's 98.2-98.4%. `
      : /fashion/i.test(r.data.source)
        ? `Fashion-MNIST is not the paper's dataset (clothing, not digits), so absolute accuracies are not comparable to the paper's; only the direction of the differences is. `
        : `If these files are the full MNIST, this is the paper's dataset; the remaining differences are the protocol's. `) +
    `The test set sets the resolution: one test sample is ${fix(100 / n, 3)} points, and the binomial standard error of an accuracy near ${fix(100 * acc, 1)}% is about ${fix(100 * binomSe, 2)} points, ` +
    `${100 * binomSe > 0.17 ? 'larger than' : 'comparable to'} the differences the paper reports between its models (0.05 to 0.17 points). ` +
    `The seeds vary the initial weights, the shuffling and the dropout masks, not the test set, so the spread over seeds in Table 3 leaves this sampling error out; the paired bootstrap of the verdicts puts it in.`,
  );
  const ch = r.lrChoice;
  const sds = r.summary.filter((s) => s.epochs.sd !== null).map((s) => `${s.label} ${fix(s.epochs.sd!, 1)}`);
  paras.push(
    `**Protocol.** The paper does not state its optimizer, learning rate, batch size or convergence rule. We use ${r.protocol.optimizer.name === 'sgd' ? `SGD with momentum ${r.protocol.optimizer.momentum}` : 'Adam'}, ` +
    `learning rate ${r.protocol.optimizer.lr}${ch ? ` (chosen on the validation split from ${ch.grid.join(', ')})` : ''} and batch ${r.protocol.batchSize} for all three models, and early stopping with patience ${r.protocol.patience} on the validation ${r.protocol.monitor === 'val-accuracy' ? 'accuracy' : 'loss'}, ` +
    `capped at ${r.protocol.maxEpochs} epochs. An epoch here is ${stepsPerEpoch} steps; on the full MNIST with the same batch it would be ${Math.ceil(54000 / r.protocol.batchSize)} to ${Math.ceil(60000 / r.protocol.batchSize)}, ` +
    `so our epoch counts are not the paper's: compare their order, not their size. ` +
    (r.summary.some((s) => s.stoppedEarly < s.epochs.n)
      ? `Some runs hit the ${r.protocol.maxEpochs}-epoch cap before the patience ran out (${r.summary.filter((s) => s.stoppedEarly < s.epochs.n).map((s) => `${s.label}: ${s.epochs.n - s.stoppedEarly} of ${s.epochs.n}`).join(', ')}); their epoch counts are lower bounds. `
      : 'Every run stopped on the patience rule before the epoch cap. ') +
    (sds.length ? `The best epoch varies from seed to seed (standard deviation ${sds.join(', ')} epochs), with ${r.data.valCount.toLocaleString('en-US')} validation samples deciding it.` : ''),
  );
  const gradBits: string[] = [];
  gradBits.push(
    `**Gradient information.** Equation 5's absolute size depends on choices the paper leaves open: whether E is the summed or the mean loss of a batch (ours: the mean over ${r.protocol.batchSize} samples), ` +
    `the batch size, and how long training runs, since the average is over every step of the run. So compare ratios between models, not absolute values.`,
  );
  if (base && drop) {
    const rs = r.layers.map((l) => drop.gradInfo[l].mean / base.gradInfo[l].mean);
    const c = lossCurves(r, 'dropout', 'base');
    const above = c.a.filter((x, e) => x > c.b[e]).length;
    gradBits.push(
      `Dropout's ratio to base is ${rs.map((x) => `×${fix(x, 1)}`).join(', ')} over ${r.layers.join(', ')} (paper: ${(['Layer1', 'Layer2', 'Layer3'] as const).map((l) => `×${fix(PAPER_TABLE1.dropout[l] / PAPER_TABLE1.base[l], 1)}`).join(', ')} for Layers 1-3). ` +
      `Part of it is mechanical: inverted dropout scales the kept units by 1/(1 − p) = ${fix(1 / (1 - r.protocol.dropout), 1)}, which scales the weight gradients of the kept inputs; ` +
      (above > c.epochs / 2
        ? `and the dropout model's mean training loss is above base's at ${above} of the ${c.epochs} epochs every run of both reached, so its gradients die down less.`
        : `the dropout model's mean training loss is above base's at only ${above} of the ${c.epochs} epochs every run of both reached, so a higher loss does not explain the rest.`),
    );
  }
  if (base && gaaf) {
    const g = r.hiddenLayers.map((l) => gaaf.gradInfo[l].mean);
    const shape = (xs: number[]): string => (xs.every((x, i) => i === 0 || x < xs[i - 1]) ? 'falling' : xs.every((x, i) => i === 0 || x > xs[i - 1]) ? 'rising' : 'not monotone');
    const rs = r.hiddenLayers.map((l) => gaaf.gradInfo[l].mean / base.gradInfo[l].mean);
    const L3 = ['Layer1', 'Layer2', 'Layer3'] as const;
    const fwd = L3.map((l) => GAAF_READINGS.forward.values[l] / PAPER_TABLE1.base[l]);
    const rev = L3.map((l) => GAAF_READINGS.reverse.values[l] / PAPER_TABLE1.base[l]);
    const ours = shape(rs);
    const x = (xs: number[]): string => xs.map((v) => `×${fix(v, 1)}`).join(', ');
    gradBits.push(
      `The paper gives GAAF's figures (1.15e-3, 6.43e-4, 1.78e-4) "for the three layers" without naming them, and its Table 1 lists the layers top-down (Layer3, Layer2, Layer1), so the order is ambiguous. ` +
      `Read as Layers 1, 2, 3, the paper's ratios to base are ${x(fwd)} (${shape(fwd)}); read in Table 1's order, ${x(rev)} (${shape(rev)}). ` +
      `Ours for GAAF are ${g.map((v) => exp(v)).join(', ')} over ${r.hiddenLayers.join(', ')}, ratios ${x(rs)} (${ours})` +
      (ours === shape(fwd) ? ', the pattern of the first reading' : ours === shape(rev) ? ', the pattern of the second reading' : ', the pattern of neither reading') +
      `; our result cannot decide how the paper's numbers are to be read. Table 1 of this report prints both readings. ` +
      `The logits layer ${r.layers[r.layers.length - 1]} has no tanh between it and the loss, so GAAF cannot change its gradient directly.`,
    );
  }
  paras.push(gradBits.join(' '));
  if (drop?.netVariance) {
    const v = r.layers.map((l) => drop.netVariance![l].mean);
    paras.push(
      `**Net variance.** Ours (${v.map((y) => fix(y, 2)).join(', ')} for ${r.layers.join(', ')}) against the paper's 0, 1.07, 1.07, 1.97. ` +
      `Zero in the first layer is structural (no dropout on the input). Elsewhere equation 6, p(1 − p)·Σ(W·x)², times 1/(1 − p)² for inverted dropout, grows with the weights, ` +
      `so it depends on where "near convergence" is taken (ours: at the best epoch, with its weights restored), on the learning rate and on the data set.`,
    );
  }
  const acc3: string[] = [];
  if (base && drop && gaaf) {
    acc3.push(`Our mean test accuracies are ${fix(100 * base.testAccuracy.mean, 2)}% (base), ${fix(100 * drop.testAccuracy.mean, 2)}% (+dropout) and ${fix(100 * gaaf.testAccuracy.mean, 2)}% (+GAAF); the paper's 98.23%, 98.40% and 98.35%. ` +
      `Our epochs to converge are ${fix(base.epochs.mean, 1)}, ${fix(drop.epochs.mean, 1)} and ${fix(gaaf.epochs.mean, 1)}; the paper's 82, 169 and 114.`);
  }
  if (base && gaaf && gaaf.epochs.mean < base.epochs.mean) acc3.push(`Unlike the paper, where GAAF needs more epochs than base: ${epochsExplanation(r, 'gaaf', 'base')}`);
  if (drop && gaaf && gaaf.epochs.mean < drop.epochs.mean) acc3.push(`Against dropout, as in the paper's ordering: ${epochsExplanation(r, 'gaaf', 'dropout')}`);
  const trials = r.lrChoice;
  if (trials && base && gaaf && trials.models.includes('gaaf') && trials.models.includes('base')) {
    const gap = trials.trials.map((t) => {
      const g = t.runs.find((x) => x.model === 'gaaf')!;
      const b = t.runs.find((x) => x.model === 'base')!;
      return `${g.diverged || b.diverged ? 'diverged' : `${(100 * (g.bestValAccuracy - b.bestValAccuracy) >= 0 ? '+' : '')}${fix(100 * (g.bestValAccuracy - b.bestValAccuracy), 2)} points`} at ${t.lr}`;
    });
    acc3.push(`In the learning-rate trials (seed ${trials.seed}, validation split), GAAF's best validation accuracy minus base's was ${gap.join(', ')}: how GAAF compares with base depends on the rate, and the rate used here is the one chosen on validation.`);
  }
  acc3.push("The paper's optimizer, learning rate and convergence rule are not given, so why its epoch counts differ from ours cannot be told from its text.");
  paras.push(`**Accuracy and epochs.** ${acc3.join(' ')}`);
  paras.push(
    `**Histograms.** The paper's Figures 2 and 5 are qualitative (no bins or counts given). Ours use fixed bins of ${r.protocol.histogram.binWidth} on [${r.protocol.histogram.min}, ${r.protocol.histogram.max}) with under- and overflow counts, ` +
    `pooled over seeds, taken on the test set with the best epoch's weights, and the saturation share uses |z| > ${r.protocol.saturationThreshold} (a flag).`,
  );
  return paras;
}
