// The paper's MLP experiment (section 5.1, with the measurements of section 3): the base,
// +dropout and +GAAF models trained on the same data, seeds and protocol, each run measured
// for test accuracy, epochs to converge, gradient information, net variance and net-value
// histograms. Returns plain data; report.ts turns it into results.json and REPORT.md.
import { GradientInfo } from '../gradient-info.js';
import { PAPER_MLP_RECIPE, paperMlp } from '../paper-models.js';
import {
  DEFAULT_HISTOGRAM, type HistogramSpec, type LayerHistogram, type MeanSd, binEdges, meanSd, netHistograms, netVariance,
} from './measure.js';
import type { OptimizerConfig } from '../optimizers.js';
import { type LrSelection, selectLr } from './lr-trials.js';
import { type TestPredictions, testPredictions } from './predictions.js';
import { type EpochMetrics, type Monitor, type ProtocolOptions, type RunHeader, type Splits, type SplitsRecord, convergenceRule, loadSplits, runHeader, runOptimizer, trainToBest } from './protocol.js';
import { type GaafRecord, gaafRecord } from './gaaf-describe.js';
import { gaafOptionsFromFields } from '../gaaf.js';
import type { GaafShape } from '../binding.js';

export { type Machine, type Monitor, type Splits, type BestRun, convergenceRule, loadSplits, runMachine, runOptimizer, trainToBest } from './protocol.js';

export type ModelKey = 'base' | 'dropout' | 'gaaf';
export const MODEL_KEYS: readonly ModelKey[] = ['base', 'dropout', 'gaaf'];
export const MODEL_LABELS: Readonly<Record<ModelKey, string>> = { base: 'Base model', dropout: '+Dropout', gaaf: '+GAAF' };

/** The MLP experiment's options: the protocol's (protocol.ts), the models, GAAF and the measurements. */
export interface ReproduceOptions extends ProtocolOptions {
  /** Number of seeds; the seeds are seedStart, seedStart + 1, ... */
  seeds: number;
  seedStart: number;
  dropout: number;
  gaafK: number;
  /** Width c of the +GAAF model's bell exp(−x²/c) (or ring); default 3 (the paper's figure 4a; the ring's 2). */
  gaafC?: number;
  /** The +GAAF model's shape: 'bell' (the paper's, default) or 'ring'. */
  gaafShape?: GaafShape;
  /** s multiplied by this; default 1. */
  gaafHeight?: number;
  /** GAAF as a surrogate gradient (forward tanh exactly, backward tanh′ + s); default false. */
  gaafSurrogate?: boolean;
  /** |z| above this counts as saturated. */
  saturation: number;
  models: readonly ModelKey[];
  histogram: HistogramSpec;
  /** Table 2: batch rows and number of dropout masks. */
  varianceRows: number;
  variancePasses: number;
  /** Candidate learning rates, chosen on the validation split with the first seed (lr-trials.ts); `lr` is then unused. */
  lrGrid?: number[];
  /** Progress lines. */
  log?: (line: string) => void;
}

/** Defaults, chosen by measurement on the bundled digits; see the README and REPORT.md. */
export const DEFAULTS: Omit<ReproduceOptions, 'data' | 'trainSamples' | 'testSamples' | 'log' | 'lrGrid'> = {
  seeds: 5,
  seedStart: 1,
  maxEpochs: 80,
  patience: 20,
  monitor: 'val-accuracy',
  optimizer: PAPER_MLP_RECIPE.optimizer,
  lr: PAPER_MLP_RECIPE.lr,
  momentum: PAPER_MLP_RECIPE.momentum,
  batchSize: PAPER_MLP_RECIPE.batchSize,
  dropout: 0.5,
  gaafK: 10000,
  valFraction: 0.1,
  splitSeed: 0x5eed,
  saturation: 2,
  models: MODEL_KEYS,
  histogram: DEFAULT_HISTOGRAM,
  varianceRows: 128,
  variancePasses: 20,
};

export interface EpochRecord extends EpochMetrics {
  gradInfo: number[];
}

export interface RunResult {
  model: ModelKey;
  seed: number;
  /** Epochs trained (best epoch + patience, or maxEpochs). */
  epochsRun: number;
  /** The epoch with the best monitored validation metric: "epochs to converge". */
  bestEpoch: number;
  /** false when the run hit maxEpochs before `patience` epochs without improvement. */
  stoppedEarly: boolean;
  bestValAccuracy: number;
  bestValLoss: number;
  /** On the test set, with the best epoch's weights restored. */
  testAccuracy: number;
  testLoss: number;
  /** Every test sample's predicted class and rightness, with the best epoch's weights (paired tests). */
  predictions: TestPredictions;
  /** Mean |∂E/∂W| per Dense kernel over every training step of the run (eq. 5). */
  gradInfo: Record<string, number>;
  /** The same over the steps up to and including the best epoch. */
  gradInfoToBest: Record<string, number>;
  /** Table 2 (dropout model only; null otherwise). */
  netVariance: Record<string, number> | null;
  /** Figures 2 and 5: nets of each hidden Dense layer on the test set. */
  histograms: Record<string, LayerHistogram>;
  trainSeconds: number;
  seconds: number;
  weightsSha256: string;
  curve: EpochRecord[];
}

export interface ModelSummary {
  model: ModelKey;
  label: string;
  config: { activation: 'tanh'; gaaf: GaafRecord | false; dropout: number };
  testAccuracy: MeanSd;
  epochs: MeanSd;
  epochsRun: MeanSd;
  stoppedEarly: number;
  gradInfo: Record<string, MeanSd>;
  gradInfoToBest: Record<string, MeanSd>;
  saturation: Record<string, MeanSd>;
  netVariance: Record<string, MeanSd> | null;
  /** Histogram counts summed over seeds, per layer. */
  histograms: Record<string, { counts: number[]; underflow: number; overflow: number; total: number }>;
}

export interface ReproduceResults extends RunHeader {
  schema: 'gaaf-reproduce-mlp/1';
  data: SplitsRecord & { inputSize: number };
  protocol: {
    architecture: number[];
    activation: 'tanh';
    optimizer: OptimizerConfig;
    batchSize: number;
    maxEpochs: number;
    patience: number;
    monitor: Monitor;
    convergenceRule: string;
    seeds: number[];
    dropout: number;
    gaaf: GaafRecord;
    saturationThreshold: number;
    histogram: HistogramSpec & { bins: number; edges: number[] };
    netVariance: { rows: number; passes: number; variance: string; batch: string; steps: string };
    gradInfo: string;
  };
  /** The learning-rate choice on validation (--lr-grid); null when the rate was given. */
  lrChoice: LrSelection | null;
  layers: string[];
  hiddenLayers: string[];
  runs: RunResult[];
  summary: ModelSummary[];
  paper: Record<string, unknown>;
  layerMapping: Record<string, string>;
  charts: string[];
}

const now = (): number => performance.now();

/** Trains one model with one seed under the protocol and measures it. */
export async function runOne(key: ModelKey, seed: number, splits: Splits, o: ReproduceOptions): Promise<RunResult> {
  const t0 = now();
  const { train, test } = splits;
  const model = paperMlp({
    activation: 'tanh',
    gaaf: key === 'gaaf' ? gaafOptionsFromFields(o) : false,
    dropout: key === 'dropout' ? o.dropout : 0,
    inputSize: train.sampleShape.reduce((a, b) => a * b, 1),
    classes: Math.max(train.numClasses, test.numClasses),
  });
  try {
    model.build(undefined, { seed });
    const curve: EpochRecord[] = [];
    const gradToBest: number[] = [];
    const gradSum: number[] = [];
    let steps = 0;
    let bestSteps = 0;
    const run = await trainToBest(model, splits, seed, o, {
      callbacks: [new GradientInfo()],
      onEpoch: (l, t) => {
        curve.push({
          epoch: l.epoch, loss: l.loss, accuracy: l.accuracy, valLoss: l.valLoss!, valAccuracy: l.valAccuracy!,
          testLoss: t.loss, testAccuracy: t.accuracy, seconds: l.seconds, gradInfo: l.gradInfo!,
        });
        steps += l.steps;
        l.gradInfo!.forEach((g, k) => (gradSum[k] = (gradSum[k] ?? 0) + g * l.steps));
      },
      onBest: () => {
        gradSum.forEach((g, k) => (gradToBest[k] = g));
        bestSteps = steps;
      },
    });
    const history = run.history;
    const final = model.evaluate(test);
    const histograms = netHistograms(model, test, o.histogram, o.saturation);
    const variance = key === 'dropout'
      ? netVariance(model, train, { rows: o.varianceRows, passes: o.variancePasses, seed, firstStep: model.step })
      : null;
    const byLayer = (xs: number[]): Record<string, number> => Object.fromEntries(history.layers!.map((n, i) => [n, xs[i]]));
    return {
      model: key,
      seed,
      epochsRun: history.epochs.length,
      bestEpoch: run.bestEpoch,
      stoppedEarly: run.stoppedEarly,
      bestValAccuracy: run.bestValAccuracy,
      bestValLoss: run.bestValLoss,
      testAccuracy: final.accuracy,
      testLoss: final.loss,
      predictions: testPredictions(model, test),
      gradInfo: byLayer(history.gradInfo!),
      gradInfoToBest: byLayer(gradToBest.map((g) => g / bestSteps)),
      netVariance: variance,
      histograms,
      trainSeconds: history.seconds,
      seconds: (now() - t0) / 1000,
      weightsSha256: await model.weightsSha256(),
      curve,
    };
  } finally {
    model.dispose();
  }
}

function summarize(key: ModelKey, runs: RunResult[], o: ReproduceOptions): ModelSummary {
  const layers = Object.keys(runs[0].gradInfo);
  const hidden = Object.keys(runs[0].histograms);
  const per = (f: (r: RunResult) => Record<string, number>, names: string[]): Record<string, MeanSd> =>
    Object.fromEntries(names.map((n) => [n, meanSd(runs.map((r) => f(r)[n]))]));
  const histograms: ModelSummary['histograms'] = {};
  for (const h of hidden) {
    const sum = { counts: runs[0].histograms[h].counts.map(() => 0), underflow: 0, overflow: 0, total: 0 };
    for (const r of runs) {
      const x = r.histograms[h];
      x.counts.forEach((c, i) => (sum.counts[i] += c));
      sum.underflow += x.underflow;
      sum.overflow += x.overflow;
      sum.total += x.total;
    }
    histograms[h] = sum;
  }
  return {
    model: key,
    label: MODEL_LABELS[key],
    config: {
      activation: 'tanh',
      gaaf: key === 'gaaf' ? gaafRecord('tanh', gaafOptionsFromFields(o)) : false,
      dropout: key === 'dropout' ? o.dropout : 0,
    },
    testAccuracy: meanSd(runs.map((r) => r.testAccuracy)),
    epochs: meanSd(runs.map((r) => r.bestEpoch)),
    epochsRun: meanSd(runs.map((r) => r.epochsRun)),
    stoppedEarly: runs.filter((r) => r.stoppedEarly).length,
    gradInfo: per((r) => r.gradInfo, layers),
    gradInfoToBest: per((r) => r.gradInfoToBest, layers),
    saturation: Object.fromEntries(hidden.map((h) => [h, meanSd(runs.map((r) => r.histograms[h].saturationFraction))])),
    netVariance: runs[0].netVariance ? per((r) => r.netVariance!, layers) : null,
    histograms,
  };
}

/** Runs every model and seed; the results lack `charts` and `finishedAt` until the report is written. */
export async function runExperiment(given: ReproduceOptions, meta: { command: string; version: string }, loaded?: Splits): Promise<ReproduceResults> {
  const started = new Date();
  const t0 = now();
  const log = given.log ?? (() => {});
  const splits = loaded ?? loadSplits(given);
  const seeds = Array.from({ length: given.seeds }, (_, i) => given.seedStart + i);
  log(`data: ${splits.train.count} training, ${splits.val.count} validation, ${splits.test.count} test samples (${splits.source})`);
  const lrChoice = given.lrGrid
    ? await selectLr(given.lrGrid, given.models, seeds[0], given.lr, (k, lr) => runOne(k as ModelKey, seeds[0], splits, { ...given, lr }), log)
    : null;
  const o: ReproduceOptions = lrChoice ? { ...given, lr: lrChoice.selection.lr } : given;
  const runs: RunResult[] = [];
  const total = seeds.length * o.models.length;
  for (const seed of seeds) {
    for (const key of o.models) {
      const r = (seed === seeds[0] ? lrChoice?.kept.get(key) : undefined) ?? await runOne(key, seed, splits, o);
      runs.push(r);
      const elapsed = (now() - t0) / 1000;
      log(`[${runs.length}/${total}] ${MODEL_LABELS[key].padEnd(10)} seed ${seed}: best epoch ${r.bestEpoch} of ${r.epochsRun}` +
        `${r.stoppedEarly ? '' : ' (hit --max-epochs)'}, test accuracy ${(100 * r.testAccuracy).toFixed(2)}%, ` +
        `${r.seconds.toFixed(1)} s (${elapsed.toFixed(0)} s so far)`);
    }
  }
  const sample = runs[0];
  const inputSize = splits.train.sampleShape.reduce((a, b) => a * b, 1);
  const classes = Math.max(splits.train.numClasses, splits.test.numClasses);
  const opt = runOptimizer(o).config();
  return {
    schema: 'gaaf-reproduce-mlp/1',
    ...(await runHeader(meta, started, t0)),
    data: {
      source: splits.source,
      train: splits.train.name,
      test: splits.test.name,
      trainCount: splits.train.count,
      valCount: splits.val.count,
      testCount: splits.test.count,
      inputSize,
      classes,
      valFraction: o.valFraction,
      splitSeed: o.splitSeed,
      trainSamplesLimit: o.trainSamples ?? null,
      testSamplesLimit: o.testSamples ?? null,
    },
    protocol: {
      architecture: [inputSize, 512, 256, 256, classes],
      activation: 'tanh',
      optimizer: opt,
      batchSize: o.batchSize,
      maxEpochs: o.maxEpochs,
      patience: o.patience,
      monitor: o.monitor,
      convergenceRule: convergenceRule(o),
      seeds,
      dropout: o.dropout,
      gaaf: gaafRecord('tanh', gaafOptionsFromFields(o)),
      saturationThreshold: o.saturation,
      histogram: { ...o.histogram, bins: Math.round((o.histogram.max - o.histogram.min) / o.histogram.binWidth), edges: binEdges(o.histogram) },
      netVariance: {
        rows: o.varianceRows,
        passes: o.variancePasses,
        variance: 'population variance (divide by the number of passes) of each net z, per sample and node, averaged over the batch and the layer\'s nodes',
        batch: `the first ${Math.min(o.varianceRows, splits.train.count)} samples of the training split, after training, with the best epoch's weights restored`,
        steps: `the masks of the ${o.variancePasses} steps that follow the last training step (a mask is a function of seed, layer and step)`,
      },
      gradInfo: 'mean |dE/dW| over every weight of a Dense kernel, where E is the mean loss of the minibatch, averaged over every training step of the run (all epochs, including the patience epochs after the best one)',
    },
    lrChoice: lrChoice?.selection ?? null,
    layers: Object.keys(sample.gradInfo),
    hiddenLayers: Object.keys(sample.histograms),
    runs,
    summary: o.models.map((k) => summarize(k, runs.filter((r) => r.model === k), o)),
    paper: {},
    layerMapping: {},
    charts: [],
  };
}
