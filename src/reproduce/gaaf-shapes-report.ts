// The gaaf-shapes experiment's REPORT.md and charts (Vega-Lite specs; render-svg.ts renders
// them), from its results and findings (gaaf-shapes-findings.ts): every number and sentence
// comes from the run.
import type { TopLevelSpec } from 'vega-lite';
import type { Chart } from './charts.js';
import type { Comparison, ConfigSummary, Findings } from './gaaf-shapes-findings.js';
import type { ShapeConfig, ShapesResults } from './gaaf-shapes.js';
import { fix, minutes, table } from './format.js';
import type { MeanSd } from './measure.js';
import { gaafRecord, slopeAt } from './gaaf-describe.js';

const CONFIG = { font: 'DejaVu Sans, Helvetica, Arial, sans-serif', view: { stroke: '#ddd' }, axis: { labelFontSize: 11, titleFontSize: 12 } };
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const groupOf = (c: ShapeConfig): string => c.groups[0];
/** A learning rate as written (0.1 × 1.5 is 0.15, not 0.15000000000000002). */
const lrText = (x: number): string => String(Number(x.toPrecision(12)));

const pctSd = (m: MeanSd): string => `${fix(100 * m.mean, 2)}${m.sd === null ? '' : ` (${fix(100 * m.sd, 2)})`}`;
const numSd = (m: MeanSd, d = 1): string => `${fix(m.mean, d)}${m.sd === null ? '' : ` (${fix(m.sd, d)})`}`;
const expSd = (m: MeanSd): string => `${m.mean.toExponential(2)}${m.sd === null ? '' : ` (${m.sd.toExponential(1)})`}`;

/** φ′(x) + s(x), the slope each configuration's backward pass uses, for the shapes chart. */
const slopeOf = (c: ShapeConfig, x: number): number =>
  slopeAt(c.activation, c.gaaf && c.activation !== 'leakyRelu' ? gaafRecord(c.activation, c.gaaf) : false, x);

export function buildShapesCharts(r: ShapesResults): Chart[] {
  const label = new Map(r.configs.map((c) => [c.key, c.label]));
  const cfg = new Map(r.configs.map((c) => [c.key, c]));
  const order = r.configs.map((c) => c.label);
  const charts: Chart[] = [];
  charts.push({
    file: 'accuracy.svg',
    title: 'Test accuracy per configuration',
    caption: 'Test accuracy of every seed (dots) and the mean (bar), with the best epoch\'s weights; each configuration at its chosen learning rate.',
    spec: {
      $schema: SCHEMA,
      title: { text: 'Test accuracy per configuration', subtitle: `${r.protocol.seeds.length} seed(s), ${r.data.testCount} test samples` },
      data: { values: r.runs.map((x) => ({ config: label.get(x.config), group: groupOf(cfg.get(x.config)!), seed: x.seed, accuracy: 100 * x.testAccuracy })) },
      width: 420,
      height: { step: 16 },
      layer: [
        { mark: { type: 'tick', thickness: 2, size: 14 }, encoding: { y: { field: 'config', type: 'nominal', sort: order, title: null, axis: { labelLimit: 360 } }, x: { aggregate: 'mean', field: 'accuracy', type: 'quantitative', scale: { zero: false }, title: 'test accuracy (%)' }, color: { field: 'group', type: 'nominal' } } },
        { mark: { type: 'point', filled: true, size: 30, opacity: 0.7 }, encoding: { y: { field: 'config', type: 'nominal', sort: order }, x: { field: 'accuracy', type: 'quantitative' }, color: { field: 'group', type: 'nominal' } } },
      ],
      config: CONFIG,
    } as TopLevelSpec,
  });
  const flatRuns = r.runs.filter((x) => x.flatness);
  if (flatRuns.length) {
    charts.push({
      file: 'flatness.svg',
      title: 'Flatness: loss increase under relative weight perturbations',
      caption: `Validation-loss increase when every weight w becomes w·(1 + ε·n), n ~ N(0, 1), mean over ${r.protocol.flatness.draws} draws; one line per seed.`,
      spec: {
        $schema: SCHEMA,
        title: { text: 'Loss increase under weight perturbation', subtitle: 'validation split, inference mode; one line per seed' },
        data: { values: flatRuns.flatMap((x) => x.flatness!.increase.map((f) => ({ config: label.get(x.config), seed: `seed ${x.seed}`, run: `${x.config} ${x.seed}`, eps: 100 * f.level, increase: f.mean }))) },
        width: 380,
        height: 260,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'eps', type: 'quantitative', title: 'ε (% of each weight)' },
          y: { field: 'increase', type: 'quantitative', title: 'validation-loss increase' },
          color: { field: 'config', type: 'nominal', title: 'model' },
          detail: { field: 'run', type: 'nominal' },
        },
        config: CONFIG,
      } as TopLevelSpec,
    });
  }
  charts.push({
    file: 'saturation.svg',
    title: 'Saturation share against test accuracy',
    caption: 'Each run: the share of the activations\' inputs in the saturated area (test set, mean over the hidden layers; the rule per activation is in the protocol) against its test accuracy.',
    spec: {
      $schema: SCHEMA,
      title: { text: 'Saturation share and test accuracy', subtitle: 'one point per run' },
      data: { values: r.runs.map((x) => ({ config: label.get(x.config), group: groupOf(cfg.get(x.config)!), saturation: 100 * Object.values(x.saturation).reduce((a, b) => a + b, 0) / Math.max(1, Object.keys(x.saturation).length), accuracy: 100 * x.testAccuracy })) },
      width: 380,
      height: 260,
      mark: { type: 'point', filled: true, size: 40 },
      encoding: {
        x: { field: 'saturation', type: 'quantitative', title: 'saturation share (%)' },
        y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy (%)', scale: { zero: false } },
        color: { field: 'group', type: 'nominal' },
        shape: { field: 'group', type: 'nominal' },
        tooltip: [{ field: 'config' }],
      },
      config: CONFIG,
    } as TopLevelSpec,
  });
  const xs = Array.from({ length: 161 }, (_, i) => -4 + i * 0.05);
  charts.push({
    file: 'slopes.svg',
    title: 'The backward slope φ′(x) + s(x) of each configuration',
    caption: 'What each configuration\'s backward pass multiplies the incoming gradient by (the formulas of src/gaaf.ts with the run\'s parameters); the forward pass stays within 0.5/K of φ.',
    spec: {
      $schema: SCHEMA,
      title: { text: 'Backward slope φ′(x) + s(x)', subtitle: 'by activation' },
      data: { values: r.configs.filter((c) => !c.lrOf && c.dropout === 0 && !c.bn).flatMap((c) => xs.map((x) => ({ config: c.label, act: c.activation === 'leakyRelu' ? 'relu' : c.activation, x, slope: slopeOf(c, x) }))) },
      facet: { row: { field: 'act', type: 'nominal', title: null } },
      spec: {
        width: 240,
        height: 200,
        mark: { type: 'line', strokeWidth: 1.4 },
        encoding: { x: { field: 'x', type: 'quantitative', title: 'x' }, y: { field: 'slope', type: 'quantitative', title: 'φ′ + s' }, color: { field: 'config', type: 'nominal', title: null, legend: { labelLimit: 360 } } },
      },
      resolve: { scale: { color: 'independent' } },
      config: CONFIG,
    } as TopLevelSpec,
  });
  return charts;
}

function comparisonTable(cs: Comparison[], label: Map<string, string>, f: (x: number) => string): string {
  return table(['A', 'B', 'Metric', 'Mean A − B', '95% CI (paired t, n − 1 df)', 'p', 'Seeds', 'Verdict'],
    cs.map((c) => [label.get(c.a)!, label.get(c.b)!, c.metric, f(c.t.mean), c.t.lo === null ? '–' : `${f(c.t.lo)} to ${f(c.t.hi!)}`,
      c.t.p === null ? '–' : c.t.p.toPrecision(2), String(c.t.n), c.verdict]));
}

function summaryTable(ss: ConfigSummary[], r: ShapesResults): string {
  const cfg = new Map(r.configs.map((c) => [c.key, c]));
  const capped = (k: string): string => {
    const rs = r.runs.filter((x) => x.config === k);
    return `${rs.filter((x) => !x.stoppedEarly).length} of ${rs.length}`;
  };
  return table(['Configuration', 'lr', 'How the lr was set', 'Test accuracy (%)', 'Best epoch', `Runs that hit ${r.protocol.maxEpochs} epochs`, 'Saturation share (%)', 'Gradient information, layer 1', 'Seeds'],
    ss.map((s) => [s.label, lrText(s.lr), cfg.get(s.key)!.lrOf ? `${cfg.get(s.key)!.lrOf!.factor} × ${cfg.get(s.key)!.lrOf!.of}'s` : 'tuned', pctSd(s.testAccuracy), numSd(s.bestEpoch),
      capped(s.key), `${fix(100 * s.saturation.mean, 1)}`, expSd(s.gradInfoFirst), String(s.seeds)]));
}

export function renderShapesReport(r: ShapesResults, f: Findings, charts: Chart[]): string {
  const label = new Map(r.configs.map((c) => [c.key, c.label]));
  const pp = (x: number): string => `${(100 * x).toFixed(2)}`;
  const e = (x: number): string => x.toExponential(2);
  const L: string[] = [];
  L.push('# GAAF shapes: which part of GAAF does the work', '');
  L.push(`Command: \`${r.command}\``, '');
  L.push(`gaaf ${r.gaafVersion}; ${r.startedAt} to ${r.finishedAt}; wall time ${minutes(r.wallSeconds)}; ${r.machine.kernels}.`, '');
  L.push(`Data: ${r.data.source}: ${r.data.trainCount} training, ${r.data.valCount} validation, ${r.data.testCount} test samples` +
    `${r.data.trainSamplesLimit !== null || r.data.testSamplesLimit !== null ? ` (limited: train ${r.data.trainSamplesLimit ?? 'all'}, test ${r.data.testSamplesLimit ?? 'all'})` : ''}.`, '');
  L.push('## Protocol', '');
  L.push(`- Model: the paper's MLP ${r.protocol.architecture.join('-')} (section 5.1), with the activation of each configuration on every hidden layer; BatchNorm (where named) after each hidden Dense, before the activation.`);
  L.push(`- Training: ${r.protocol.optimizer} (momentum ${r.protocol.momentum}), batch ${r.protocol.batchSize}. ${r.protocol.convergenceRule}`);
  L.push(`- Learning rate: each tuned configuration tries ${r.protocol.lrGrid.join(', ')} with seed ${r.protocol.seeds[0]}; the choice is ${r.protocol.lrRule}. That seed's run at the chosen rate is its seed-${r.protocol.seeds[0]} run. ` +
    `Not tuned: ${r.configs.filter((c) => c.lrOf).map((c) => `${c.label} (${c.lrOf!.factor} × ${label.get(c.lrOf!.of)}'s${c.lrOf!.why ? `: ${c.lrOf!.why}` : ''})`).join('; ') || 'none'}.`);
  L.push(`- Seeds: ${r.protocol.seeds.join(', ')}; every comparison pairs the runs of the same seed (the same initial weights' draw, shuffling and dropout masks) and applies Student's t to the per-seed differences at n − 1 degrees of freedom; the verdict is "yes" only when the 95% interval excludes 0 on the claimed side.`);
  L.push(`- Saturation share: on the test set, the share of the activations' inputs in the saturated area: ${Object.entries(r.protocol.saturation).map(([k, v]) => `${k} ${v}`).join('; ')}; the mean over the hidden layers.`);
  L.push(`- Flatness: on ${r.protocol.flatness.set}: ${r.protocol.flatness.perturbation}; ε in ${r.protocol.flatness.levels.map((x) => `${100 * x}%`).join(', ')}, ${r.protocol.flatness.draws} draws each.`, '');
  L.push('## Every configuration', '', 'Mean (standard deviation) over seeds. A run that hit the epoch cap had not stopped improving on validation: its model is cut short, not converged.', '', summaryTable(f.summaries, r), '');
  if (f.K) {
    L.push('## K: does the sawtooth in the forward pass matter?', '');
    L.push('The backward pass is φ′ + s for every K; K only moves the forward pass, by less than 0.5/K. The surrogate has the forward φ exactly and the same backward.', '');
    L.push(comparisonTable(f.K.comparisons, label, pp), '', `**${f.K.sentence}**`, '');
  }
  if (f.shape) {
    L.push('## Shape: gradient in the saturation area, or a larger step?', '');
    L.push('Each GAAF tanh shape against the base model at 1×, 1.5× and 2× its chosen learning rate (test accuracy, points).', '');
    L.push(comparisonTable(f.shape.comparisons, label, pp), '', ...f.shape.sentences.map((s) => `- ${s}`), '');
  }
  if (f.relu) {
    L.push('## ReLU: the shifted sigmoid, the left bump, LeakyReLU, with and without BatchNorm', '');
    L.push(comparisonTable(f.relu.comparisons, label, pp), '', ...f.relu.sentences.map((s) => `- ${s}`), '');
  }
  if (f.sigmoid) {
    L.push('## Sigmoid: height 1 against height ¼', '');
    L.push(comparisonTable(f.sigmoid.comparisons, label, pp), '', ...f.sigmoid.sentences.map((s) => `- ${s}`), '');
  }
  if (f.flatness) {
    L.push('## Flatness, the paper\'s explanation', '');
    const flat = f.summaries.filter((s) => s.flatness);
    L.push(table(['Model', 'Test accuracy (%)', 'Saturation share (%)', 'Validation loss', ...flat[0].flatness!.map((x) => `Increase at ε = ${100 * x.level}%`)],
      flat.map((s) => [s.label, pctSd(s.testAccuracy), fix(100 * s.saturation.mean, 1), s.trainLoss ? expSd(s.trainLoss) : '–', ...s.flatness!.map((x) => expSd(x.increase))])), '');
    L.push(comparisonTable(f.flatness.comparisons, label, e), '', ...f.flatness.sentences.map((s) => `- ${s}`), '');
  }
  L.push('## Learning-rate choice', '', f.lrEdges, '', table(['Configuration', 'lr', 'Validation accuracy (%)', 'Validation loss'],
    r.tuning.map((t) => [label.get(t.config)!, String(t.lr), t.diverged ? 'diverged' : fix(100 * t.valAccuracy, 2), t.diverged ? '–' : fix(t.valLoss, 4)])), '');
  L.push('## Every run', '', table(['Configuration', 'Seed', 'lr', 'Test accuracy (%)', 'Best epoch', 'Epochs run', 'Seconds', 'Weights sha256'],
    r.runs.map((x) => [label.get(x.config)!, String(x.seed), lrText(x.lr), fix(100 * x.testAccuracy, 2), String(x.bestEpoch), String(x.epochsRun), fix(x.seconds, 1), x.weightsSha256.slice(0, 16)])), '');
  if (charts.length) {
    L.push('## Charts', '');
    for (const c of charts) L.push(`![${c.title}](${c.file})`, '', `*${c.caption}*`, '');
  }
  return L.join('\n');
}
