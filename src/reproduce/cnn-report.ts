// REPORT.md and charts for the CNN reproduction (Table 4): test and training accuracy per
// variant, mean and standard deviation over seeds, with the paper's numbers beside ours.
import type { TopLevelSpec } from 'vega-lite';
import type { Chart } from './charts.js';
import { CNN_VARIANT_LABELS, type CnnReproduceResults, type CnnVariant, type CnnVariantSummary } from './cnn.js';
import { type AccuracyComparison, compareAccuracy, comparePaired, pValue, signed as signedU } from './compare.js';
import { lrChoiceText } from './format.js';
import type { LrChoice } from './lr-select.js';
import type { LrSelection } from './lr-trials.js';
import type { MeanSd } from './measure.js';
import { PAPER_TABLE4, PAPER_TABLE4_SOURCE, PAPER_TABLE4_TRAIN } from './paper.js';
import { VGG_FILTERS } from '../paper-models.js';
import { gaafText, shapeName } from './gaaf-describe.js';

/** The level-2 headings the CNN REPORT.md always has, in order. */
export const CNN_REPORT_SECTIONS: readonly string[] = [
  'Summary',
  'Table 4: test and training accuracy',
  'Setup',
  'Charts',
  "Where and why our numbers differ from the paper's",
  'Files',
];

const COLORS: Readonly<Record<CnnVariant, string>> = { base: '#4c78a8', bn: '#f58518', gaaf: '#54a24b', bnGaaf: '#b279a2' };
const CONFIG = { font: 'DejaVu Sans, Helvetica, Arial, sans-serif', view: { stroke: '#ddd' }, axis: { labelFontSize: 11, titleFontSize: 12 } };

const fix = (x: number | undefined, d: number): string => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const nSeeds = (r: CnnReproduceResults): string => (r.protocol.seeds.length === 1 ? '1 seed' : `${r.protocol.seeds.length} seeds`);
const pct = (m: MeanSd, d = 2): string => `${fix(100 * m.mean, d)}${m.sd === null ? '' : ` (${fix(100 * m.sd, d)})`}`;
const signed = (x: number, d = 2): string => `${x >= 0 ? '+' : ''}${x.toFixed(d)}`;
const minutes = (s: number): string => `${(s / 60).toFixed(1)} min (${Math.round(s)} s)`;

function table(head: string[], rows: string[][]): string {
  const line = (r: string[]): string => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function colorScale(keys: readonly CnnVariant[]) {
  return {
    field: 'variant',
    type: 'nominal' as const,
    title: 'variant',
    scale: { domain: keys.map((k) => CNN_VARIANT_LABELS[k]), range: keys.map((k) => COLORS[k]) },
    sort: keys.map((k) => CNN_VARIANT_LABELS[k]),
  };
}

function accuracyChart(r: CnnReproduceResults): Chart {
  const keys = r.summary.map((s) => s.variant);
  const points = r.runs.flatMap((x) => [
    { variant: CNN_VARIANT_LABELS[x.variant], set: 'test', value: 100 * x.testAccuracy, seed: x.seed },
    { variant: CNN_VARIANT_LABELS[x.variant], set: 'train', value: 100 * x.trainAccuracy, seed: x.seed },
  ]);
  return {
    file: 'table4-accuracy.svg',
    title: 'Table 4: test and training accuracy per variant',
    caption: 'Accuracy with the best epoch\'s weights, in inference mode; one dot per seed, the coloured tick is the mean over seeds and the whisker ±1 standard deviation.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Test and training accuracy', subtitle: `${nSeeds(r)}; ${r.data.trainCount} training, ${r.data.testCount} test samples` },
      data: { values: points },
      facet: { column: { field: 'set', type: 'nominal', title: null, sort: ['test', 'train'] } },
      spec: {
        width: 260,
        height: 220,
        layer: [
          {
            mark: { type: 'tick', thickness: 3, size: 36 },
            encoding: {
              x: { field: 'variant', type: 'nominal', title: null, sort: keys.map((k) => CNN_VARIANT_LABELS[k]), axis: { labelAngle: -30 } },
              y: { aggregate: 'mean', field: 'value', type: 'quantitative', title: 'accuracy (%)', scale: { zero: false } },
              color: colorScale(keys),
            },
          },
          {
            mark: { type: 'errorbar', extent: 'stdev' },
            encoding: {
              x: { field: 'variant', type: 'nominal', sort: keys.map((k) => CNN_VARIANT_LABELS[k]) },
              y: { field: 'value', type: 'quantitative', title: 'accuracy (%)' },
            },
          },
          {
            mark: { type: 'point', filled: true, size: 30, color: '#333', opacity: 0.8 },
            encoding: {
              x: { field: 'variant', type: 'nominal', sort: keys.map((k) => CNN_VARIANT_LABELS[k]) },
              y: { field: 'value', type: 'quantitative', title: 'accuracy (%)' },
            },
          },
        ],
      },
      resolve: { scale: { y: 'independent' } },
      config: CONFIG,
    } as TopLevelSpec,
  };
}

function curvesChart(r: CnnReproduceResults): Chart {
  const keys = r.summary.map((s) => s.variant);
  const values: Array<Record<string, unknown>> = [];
  for (const run of r.runs) {
    for (const c of run.curve) {
      const base = { variant: CNN_VARIANT_LABELS[run.variant], line: `${CNN_VARIANT_LABELS[run.variant]}, seed ${run.seed}`, epoch: c.epoch };
      values.push({ ...base, metric: 'training loss', value: c.loss });
      values.push({ ...base, metric: 'training accuracy (%), as trained', value: 100 * c.accuracy });
      values.push({ ...base, metric: 'test accuracy (%)', value: 100 * c.testAccuracy });
    }
  }
  return {
    file: 'training-curves.svg',
    title: 'Training curves',
    caption: 'Training loss and accuracy over each epoch\'s minibatches (BatchNorm on batch statistics, as trained) and test accuracy after every epoch; one line per variant and seed.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Training curves', subtitle: 'one line per variant and seed' },
      data: { values },
      facet: { column: { field: 'metric', type: 'nominal', title: null, sort: ['training loss', 'training accuracy (%), as trained', 'test accuracy (%)'] } },
      spec: {
        width: 240,
        height: 200,
        mark: { type: 'line', strokeWidth: 1.4, point: true, clip: true },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
          y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
          color: colorScale(keys),
          detail: { field: 'line', type: 'nominal' },
        },
      },
      resolve: { scale: { y: 'independent' } },
      config: CONFIG,
    } as TopLevelSpec,
  };
}

export function buildCnnCharts(r: CnnReproduceResults): Chart[] {
  return [accuracyChart(r), curvesChart(r)];
}

const find = (r: CnnReproduceResults, v: CnnVariant): CnnVariantSummary | undefined => r.summary.find((s) => s.variant === v);

/** The paired comparisons of GAAF's effect: +GAAF against base and +BN +GAAF against +BN, over the shared seeds. */
export function gaafComparisons(r: CnnReproduceResults): Array<{ withG: CnnVariant; without: CnnVariant; c: AccuracyComparison }> {
  const out: Array<{ withG: CnnVariant; without: CnnVariant; c: AccuracyComparison }> = [];
  for (const [withG, without] of [['gaaf', 'base'], ['bnGaaf', 'bn']] as Array<[CnnVariant, CnnVariant]>) {
    const a = r.runs.filter((u) => u.variant === withG);
    const b = r.runs.filter((u) => u.variant === without);
    if (a.length && b.length) out.push({ withG, without, c: compareAccuracy(a, b) });
  }
  return out;
}

/** The header's claim about where the numbers are: the intervals and tests are computed from results.json's per-sample predictions when the report is written. */
const EVERY_NUMBER = 'Every number below is in [results.json](results.json) or computed from it: the intervals and tests from its per-sample test predictions.';

/** The widths' source: the paper fixes the reduced VGG16's conv widths, and no width of the SVHN CNN (nor VGG's reduced dense layers). */
function widthsSource(r: CnnReproduceResults): string {
  if (r.protocol.model === 'vgg' && r.protocol.filters.join(',') === VGG_FILTERS.join(',')) {
    return 'The conv widths are the paper\'s (VGG16\'s without its last three conv layers); the dense widths are this project\'s defaults, since the paper gives none (see the README).';
  }
  return 'These are this project\'s default widths, chosen by it: the paper gives none for this model (see the README and "What the paper fixes" below).';
}

/** A merged sweep's run time: the counted runs' own seconds, and all the dataset's finished jobs' (the checks at rates not chosen too). */
function sweepTime(r: CnnReproduceResults): string {
  const s = r.sweep;
  const counted = `${minutes(r.wallSeconds)}, the sum of the ${r.runs.length === 1 ? 'counted run\'s own time' : `${r.runs.length} counted runs' own times`} (they ran apart, as jobs)`;
  return s ? `${counted}; the dataset's ${s.jobsDone} finished jobs, with the checks at rates not chosen, ran ${fix(s.jobsSeconds / 3600, 1)} h in all.` : `${counted}.`;
}

/** A merged sweep's start rows: the first counted job's start, and the jobs that resumed from a checkpoint (their startedAt is the resumption's). */
function sweepStarts(r: CnnReproduceResults): string[][] {
  const rows = [['first counted job started', r.startedAt]];
  const resumed = r.sweep?.resumed ?? [];
  if (resumed.length) rows.push(['resumed from a checkpoint', resumed.map((j) => `${j.id} (from epoch ${j.fromEpoch}; its start time is the resumption's)`).join(', ')]);
  return rows;
}

export const CNN_METHOD =
  'Each verdict is on the claim that the GAAF variant is more accurate than its partner trained with the same seeds: **yes** when the mean per-seed difference is positive and both intervals exclude 0 ' +
  '(the 95% Student t interval of the per-seed differences at n − 1 degrees of freedom, and the 95% paired bootstrap over seeds and test samples, since all seeds share one test set); ' +
  '**in direction only** when it is positive but an interval reaches 0; **within noise** when it is 0 or negative and an interval reaches 0; **no** when both intervals lie below 0. ' +
  'McNemar\'s exact p is computed per seed on the per-sample test predictions. With one seed there is no t interval, so no "yes".';

export function renderCnnReport(r: CnnReproduceResults, charts: Chart[]): string {
  const L: string[] = [];
  const chart = (file: string): void => {
    const c = charts.find((x) => x.file === file);
    if (c) L.push(`![${c.title}](${c.file})`, '', `*${c.caption}*`, '');
  };
  const modelName = r.protocol.model === 'vgg' ? 'reduced VGG16 (the paper\'s CIFAR model)' : 'SVHN CNN (the paper\'s SVHN model)';
  const column = r.protocol.model === 'vgg' ? (r.data.classes > 10 ? 'CIFAR100' : 'CIFAR10') : 'SVHN';
  const sweep = !!r.lrChoice && typeof r.lrChoice === 'object' && !('grid' in r.lrChoice);
  L.push("# Reproducing the GAAF paper's CNN experiments (Table 4)", '');
  if (sweep) {
    L.push(`Merged by \`${r.command}\` (\`gaaf\` is \`node dist/cli.js\` in a checkout) from the jobs of the Table 4 sweep that had finished (the sweep's REPORT.md lists those still missing), ` +
      `gaaf ${r.gaafVersion}, runs finished by ${r.finishedAt.slice(0, 10)}. Run time ${sweepTime(r)} On ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.machine.node}. ` +
      `${EVERY_NUMBER}`, '');
  } else L.push(`Produced by \`${r.command}\` (\`gaaf\` is \`node dist/cli.js\` in a checkout), gaaf ${r.gaafVersion}, on ${r.finishedAt.slice(0, 10)}. ` +
    `Wall time ${minutes(r.wallSeconds)} on ${r.machine.cpu} (${r.machine.cores} cores), Node ${r.machine.node}. ${EVERY_NUMBER}`, '');
  L.push(`Paper: ${PAPER_TABLE4_SOURCE}.`, '');

  L.push('## Summary', '');
  const limited = r.data.trainSamplesLimit !== null || r.data.testSamplesLimit !== null;
  L.push(`Model: ${modelName}${r.protocol.defaultWidths ? '' : ', with the narrower widths stated under Setup'}. ` +
    `Data: ${r.data.source}${limited ? `, limited to ${r.data.trainCount + r.data.valCount} training and ${r.data.testCount} test samples` : ''}. ` +
    `${nSeeds(r)}, up to ${r.protocol.maxEpochs} epochs each. ` +
    'The paper ran on CIFAR-10, CIFAR-100 and SVHN; its numbers are quoted for comparison of the direction and size of the effects, not of the accuracies themselves, unless the data is the same.', '');
  const cmps = gaafComparisons(r);
  if (cmps.length) {
    L.push('GAAF\'s effect on test accuracy, percentage points, paired over the seeds (the paper\'s gains beside):', '');
    const p = (w: CnnVariant, wo: CnnVariant, k: 'CIFAR100' | 'CIFAR10' | 'SVHN'): string => signed(PAPER_TABLE4[w][k] - PAPER_TABLE4[wo][k]);
    L.push(table(['Comparison', 'This run', '95% t interval (df)', 'Paired bootstrap', 'McNemar p per seed', 'Seeds improved', 'Verdict', 'Paper SVHN', 'Paper CIFAR-10', 'Paper CIFAR-100'],
      cmps.map(({ withG, without, c }) => [`${CNN_VARIANT_LABELS[withG]} vs ${CNN_VARIANT_LABELS[without]}`, signedU(100 * c.t.mean),
        c.t.lo === null ? '– (one seed)' : `[${signedU(100 * c.t.lo)}, ${signedU(100 * c.t.hi!)}] (${c.t.df})`,
        `[${signedU(100 * c.bootstrap.lo!)}, ${signedU(100 * c.bootstrap.hi!)}]`, c.mcnemar.map((m) => pValue(m.p)).join(', '),
        `${c.diffs.filter((d) => d > 0).length} of ${c.diffs.length}`, c.verdict, p(withG, without, 'SVHN'), p(withG, without, 'CIFAR10'), p(withG, without, 'CIFAR100')])), '');
    L.push(CNN_METHOD, '');
    for (const { withG, without, c } of cmps) L.push(`- ${CNN_VARIANT_LABELS[withG]} − ${CNN_VARIANT_LABELS[without]}: ${c.sentence}.`);
    // the paper: "the base and GAAF models have almost the same training accuracies"
    for (const { withG, without } of cmps) {
      const t = comparePaired(r.runs.filter((u) => u.variant === withG).map((u) => ({ seed: u.seed, value: u.trainAccuracy })),
        r.runs.filter((u) => u.variant === without).map((u) => ({ seed: u.seed, value: u.trainAccuracy })), { format: (y) => signedU(100 * y), unit: 'points' });
      L.push(`- Training accuracy, ${CNN_VARIANT_LABELS[withG]} − ${CNN_VARIANT_LABELS[without]} (the paper: "almost the same"): ${t.sentence.replace(/: [a-z ]+$/, '')}.`);
    }
    L.push('');
  }

  L.push('## Table 4: test and training accuracy', '');
  L.push(`Mean (standard deviation) over ${nSeeds(r)}, in %, with the best epoch's weights and BatchNorm running statistics restored, in inference mode. ` +
    `Training accuracy is measured the same way on the training split after training (the paper: "the base and GAAF models have almost the same training accuracies (98.2%, 99.6%, and 99.9% for CIFAR100, CIFAR10 and SVHN, respectively)"). ` +
    `The paper's column closest to this model is ${column}.`, '');
  L.push(table(['Model', 'Activation', 'Test accuracy (%)', 'Train accuracy (%)', 'Best epoch', 'Paper SVHN', 'Paper CIFAR-10', 'Paper CIFAR-100', 'Samples/s'],
    r.summary.map((s) => {
      const p = PAPER_TABLE4[s.variant];
      return [s.label, `ReLU${s.gaaf ? ' + GAAF' : ''}`, pct(s.testAccuracy), pct(s.trainAccuracy), fix(s.epochs.mean, 1),
        fix(p.SVHN, 2), fix(p.CIFAR10, 2), fix(p.CIFAR100, 2), fix(s.samplesPerSec.mean, 0)];
    })), '');
  L.push(`Paper training accuracy (base and GAAF, "almost the same"): SVHN ${PAPER_TABLE4_TRAIN.SVHN}%, CIFAR-10 ${PAPER_TABLE4_TRAIN.CIFAR10}%, CIFAR-100 ${PAPER_TABLE4_TRAIN.CIFAR100}%.`, '');
  L.push('Per run:', '');
  L.push(table(['Variant', 'Seed', 'Test accuracy (%)', 'Train accuracy (%)', 'Best epoch', 'Epochs run', 'Best validation accuracy (%)', 'Samples/s', 'Train time (s)', 'Run time (s)'],
    r.runs.map((x) => [CNN_VARIANT_LABELS[x.variant], String(x.seed), fix(100 * x.testAccuracy, 2), fix(100 * x.trainAccuracy, 2), String(x.bestEpoch),
      String(x.epochsRun), fix(100 * x.bestValAccuracy, 2), fix(x.samplesPerSec, 0), fix(x.trainSeconds, 1), fix(x.seconds, 1)])), '');

  L.push('## Setup', '');
  L.push('### Data', '');
  L.push(`- Source: ${r.data.source}; samples of shape [${r.data.sampleShape.join(', ')}], ${r.data.classes} classes, pixels scaled to [0, 1], no augmentation.`);
  L.push(`- Training: ${r.data.trainCount.toLocaleString('en-US')} samples; validation: ${r.data.valCount.toLocaleString('en-US')} (a fixed ${Math.round(100 * r.data.valFraction)}% of the training samples, split with seed ${r.data.splitSeed}); test: ${r.data.testCount.toLocaleString('en-US')}.`);
  if (limited) L.push(`- Limited to the first ${r.data.trainSamplesLimit ?? 'all'} training and the first ${r.data.testSamplesLimit ?? 'all'} test samples (\`--train-samples\`, \`--test-samples\`).`);
  L.push('');
  L.push('### Models', '');
  L.push(`- ${modelName}: conv widths ${r.protocol.filters.join('-')}, hidden dense widths ${r.protocol.dense.join('-')}, then ${r.data.classes} logits with softmax cross-entropy. ` +
    `${r.protocol.defaultWidths ? widthsSource(r) : '**Narrower than the defaults** (`--filters`, `--dense`), to fit the time budget.'}`);
  L.push('- 3×3 convolutions with \'same\' padding, 2×2 max-pools, He-uniform weights, zero biases.');
  L.push(`- +BN: BatchNorm after every hidden conv and dense layer, before its ReLU; those layers then have no bias (β replaces it). BatchNorm momentum ${r.protocol.batchNorm.momentum}, ε ${r.protocol.batchNorm.epsilon}; running variance from the ${r.protocol.batchNorm.runningVariance}.`);
  L.push(`- +GAAF: every ReLU becomes ReLU + g(x)·s(x), K = ${r.protocol.gaaf.K}, ${gaafText('relu', r.protocol.gaaf)}.`);
  L.push('- The same seed gives all four variants the same initial conv and dense kernels and the same order of minibatches.');
  L.push(`- Parameters: ${r.summary.map((s) => `${s.label} ${r.protocol.params[s.variant].toLocaleString('en-US')}`).join(', ')}.`, '');
  L.push('Layers of the +BN +GAAF variant (the others drop the BatchNorm layers or GAAF):', '');
  L.push('```', ...r.protocol.layers, '```', '');
  L.push('### Hyper-parameters', '');
  const opt = r.protocol.optimizer;
  const choice = r.lrChoice as unknown;
  // the Table 4 sweep's merge: one rate per variant, and the jobs ran apart (their run times are summed)
  const perVariant = !!choice && typeof choice === 'object' && !('grid' in choice);
  L.push(table(['Setting', 'Value'], [
    ['optimizer', opt.name === 'sgd' ? `SGD, momentum ${opt.momentum}, no weight decay` : `Adam (β1 ${opt.beta1}, β2 ${opt.beta2}, ε ${opt.epsilon})`],
    ['learning rate', perVariant ? 'per variant, chosen on validation (below)' : String(opt.lr)],
    ['batch size', String(r.protocol.batchSize)],
    ['max epochs', String(r.protocol.maxEpochs)],
    ['patience', `${r.protocol.patience} epochs, on validation accuracy`],
    ['seeds', r.protocol.seeds.join(', ')],
  ]), '');
  L.push('The paper gives none of optimizer, learning rate, batch size or epochs for Table 4.', '');
  const earlier = 'had been Adam\'s usual default (Keras\'s), not chosen on this data.';
  if (choice && typeof choice === 'object' && 'grid' in choice) L.push(...lrChoiceText(choice as LrSelection, (v) => CNN_VARIANT_LABELS[v as CnnVariant] ?? v, earlier));
  else if (choice && typeof choice === 'object') {
    // one rate per variant (the Table 4 sweep's check): each variant's trials and its chosen rate
    const per = Object.entries(choice as Record<string, LrChoice>);
    L.push('The learning rate was chosen per variant on the validation split: ' + (per[0]?.[1].rule ?? '') + '. ' +
      'So the first seed\'s run of each variant is the winner of its check: its rate was picked for that seed on validation (not on the test set), which the later seeds\' runs were not. The paired comparisons count it as one seed like the others, though it is not quite exchangeable with them.', '');
    L.push(table(['Variant', 'Chosen rate', 'Trials: rate, best validation accuracy (%)'], per.map(([v, c]) =>
      [CNN_VARIANT_LABELS[v as CnnVariant] ?? v, String(c.lr), c.trials.map((t) => `${t.lr}: ${fix(100 * t.valAccuracy, 2)}`).join('; ')])), '');
  } else L.push(`The learning rate ${opt.lr} was given, not chosen on the validation split (\`--lr-grid\` chooses it there).`, '');
  L.push('### Convergence rule', '');
  L.push(r.protocol.convergenceRule, '');
  L.push('### Machine and wall time', '');
  L.push(table(['', ''], [
    ['command', `\`${r.command}\``],
    perVariant ? ['run time', sweepTime(r)] : ['wall time', minutes(r.wallSeconds)],
    ...(perVariant ? sweepStarts(r) : [['started', r.startedAt]]),
    ['CPU', `${r.machine.cpu}, ${r.machine.cores} cores (samples/s depend on what else the machine ran meanwhile)`],
    ['memory', `${r.machine.memoryGiB} GiB`],
    ['Node', `${r.machine.node} (${r.machine.platform}/${r.machine.arch})`],
    ['kernels', r.machine.kernels],
  ]), '');

  L.push('## Charts', '');
  chart('table4-accuracy.svg');
  chart('training-curves.svg');

  L.push("## Where and why our numbers differ from the paper's", '');
  L.push(`- **Data.** ${r.protocol.model === 'cnn' && !/CIFAR/.test(r.data.source) ? 'The paper trained this model on SVHN ("color images of house numbers from Google Street View", "73K train images and 26K test images of 10 classes"); this run uses other data, so its accuracies are not comparable with the SVHN column, only the direction of the effects is.' : 'See the Data section for how this data relates to the paper\'s.'}`);
  const trainAcc = r.summary.map((v) => v.trainAccuracy.mean);
  const under = Math.max(...trainAcc) < PAPER_TABLE4_TRAIN.CIFAR100 / 100;
  if (limited || r.protocol.maxEpochs < 30 || under) {
    L.push(`- **Reduced protocol.** ${limited ? `Only ${r.data.trainCount + r.data.valCount} training samples, ` : ''}at most ${r.protocol.maxEpochs} epochs and ${nSeeds(r)}. ` +
      `Our training accuracies are ${fix(100 * Math.min(...trainAcc), 1)}-${fix(100 * Math.max(...trainAcc), 1)}% against the paper's 98.2-99.9%` +
      (under ? ', so the models are not trained as far as the paper\'s, and the differences between variants are those of earlier training.' : '.'));
  }
  if (!r.protocol.defaultWidths) L.push(`- **Narrower model.** The conv and dense widths (${r.protocol.filters.join('-')}; ${r.protocol.dense.join('-')}) are not our defaults (see Models), to fit the time budget.`);
  const vgg = r.protocol.model === 'vgg';
  const paperConv = vgg && r.protocol.filters.join(',') === VGG_FILTERS.join(',');
  L.push('- **What the paper fixes and what it leaves open.** ' +
    (vgg
      ? `For the CIFAR model §5.2 fixes the conv widths: VGG16's with its last three conv layers removed (${VGG_FILTERS.join('-')}), ${paperConv ? 'which this run uses' : `where this run uses ${r.protocol.filters.join('-')}`}; it says only that the dense layers were "reduced", not to what (ours: ${r.protocol.dense.join('-')}). `
      : `For the SVHN model §5.2 gives the structure (four conv layers, max pooling after every second, three dense layers) but no widths (ours: conv ${r.protocol.filters.join('-')}, dense ${r.protocol.dense.join('-')}); for the CIFAR model it fixes the conv widths (VGG16's without its last three conv layers, ${VGG_FILTERS.join('-')}) but not the reduced dense widths. `) +
    `§4 gives K = 10,000 for its experiments${r.protocol.gaaf.K === 10000 ? ', as here' : `; this run used K = ${r.protocol.gaaf.K}`}, and names a shifted sigmoid as ReLU's shape function without its parameters (${shapeName('relu', r.protocol.gaaf) === 'shiftedSigmoid' ? `ours: a = ${r.protocol.gaaf.a}, b = ${r.protocol.gaaf.b}` : `this run uses another shape: ${gaafText('relu', r.protocol.gaaf)}`}). ` +
    'The optimizer, learning rate, batch size, epochs, BatchNorm settings and data augmentation are not given; ours are stated above.');
  L.push(`- **Spread.** The paper reports single numbers without a spread; ${cmps.length
    ? `ours are the paired comparisons of the Summary, over ${nSeeds(r)}.`
    : 'this report has no paired comparison yet (no GAAF variant and its partner have both finished), so it gives no spread of GAAF\'s effect either.'}`, '');

  L.push('## Files', '');
  L.push('- [results.json](results.json): every number above, per run and summarised, with each epoch\'s losses and accuracies, and the protocol.');
  for (const c of charts) L.push(`- [${c.file}](${c.file}): ${c.title}.`);
  L.push('', `To rerun: \`${r.command}\`.`, '');
  return L.join('\n');
}
