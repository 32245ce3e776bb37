// The paper's CNN experiment (section 5.2, Table 4): the base model, +BatchNorm, +GAAF and
// +BatchNorm+GAAF, all ReLU, trained on the same data, seeds and minibatch order, each run
// measured for test accuracy and training accuracy. Returns plain data; cnn-report.ts turns
// it into results.json, REPORT.md and the charts.
import { BatchNorm } from '../layers/batchnorm.js';
import { Conv2D } from '../layers/conv2d.js';
import { Dense } from '../layers/dense.js';
import type { Sequential } from '../sequential.js';
import type { OptimizerConfig } from '../optimizers.js';
import { type EpochMetrics, type RunHeader, type Splits, type SplitsRecord, convergenceRule, runHeader, runOptimizer } from './protocol.js';
import { CNN_VARIANTS, CNN_VARIANT_LABELS, type CnnVariant, buildVariant, hasBn, hasGaaf, loadCnnSplits, runCnnOne } from './cnn-run.js';
import { type MeanSd, meanSd } from './measure.js';
import type { TestPredictions } from './predictions.js';
import { type LrSelection, selectLr } from './lr-trials.js';
import type { LrChoice } from './lr-select.js';
import { type GaafRecord, gaafRecord } from './gaaf-describe.js';
import { gaafOptionsFromFields } from '../gaaf.js';
import type { GaafShape } from '../binding.js';

export { CNN_VARIANTS, CNN_VARIANT_LABELS, type CnnVariant, buildVariant, hasBn, hasGaaf, loadCnnSplits, runCnnOne } from './cnn-run.js';
export type CnnModelName = 'cnn' | 'vgg';

export interface CnnReproduceOptions {
  /** IDX (MNIST layout) or CIFAR directory; undefined for the bundled digits. */
  data?: string;
  model: CnnModelName;
  seeds: number;
  seedStart: number;
  maxEpochs: number;
  patience: number;
  optimizer: 'sgd' | 'adam';
  lr: number;
  momentum: number;
  batchSize: number;
  gaafK: number;
  /** Slope a and centre b of the +GAAF variants' shifted sigmoid σ(a·(x − b)); defaults 3.3, −0.6 (the paper's figure 4b). */
  gaafA?: number;
  gaafB?: number;
  /** The +GAAF variants' shape: 'shiftedSigmoid' (the paper's, default) or 'leftBump' (width gaafC, default 0.75). */
  gaafShape?: GaafShape;
  gaafC?: number;
  /** s multiplied by this; default 1. */
  gaafHeight?: number;
  /** GAAF as a surrogate gradient (forward ReLU exactly, backward ReLU′ + s); default false. */
  gaafSurrogate?: boolean;
  valFraction: number;
  splitSeed: number;
  trainSamples?: number;
  testSamples?: number;
  variants: readonly CnnVariant[];
  /** Conv widths and hidden Dense widths; undefined for the model's defaults. */
  filters?: number[];
  dense?: number[];
  /** Candidate learning rates, chosen on the validation split with the first seed (lr-trials.ts). */
  lrGrid?: number[];
  log?: (line: string) => void;
}

/**
 * Defaults for a full run. The paper gives no optimizer, learning rate, batch size or epochs
 * for Table 4; these are ours (see the README).
 */
export const CNN_DEFAULTS: Omit<CnnReproduceOptions, 'data' | 'trainSamples' | 'testSamples' | 'log' | 'filters' | 'dense' | 'lrGrid'> = {
  model: 'cnn',
  seeds: 3,
  seedStart: 1,
  maxEpochs: 30,
  patience: 5,
  optimizer: 'adam',
  lr: 0.001,
  momentum: 0.9,
  batchSize: 64,
  gaafK: 10000,
  valFraction: 0.1,
  splitSeed: 0x5eed,
  variants: CNN_VARIANTS,
};

/** `accuracy` is the training accuracy over the epoch's minibatches, as trained (BatchNorm on batch statistics). */
export interface CnnEpochRecord extends EpochMetrics {
  samplesPerSec: number;
}

export interface CnnRunResult {
  variant: CnnVariant;
  seed: number;
  epochsRun: number;
  bestEpoch: number;
  stoppedEarly: boolean;
  bestValAccuracy: number;
  /** With the best epoch's weights and BatchNorm running statistics restored, in inference mode. */
  testAccuracy: number;
  testLoss: number;
  trainAccuracy: number;
  trainLoss: number;
  /** Every test sample's predicted class and rightness, with the best epoch's weights (paired tests). */
  predictions: TestPredictions;
  /** Training samples per second over every epoch (forward, backward and update). */
  samplesPerSec: number;
  trainSeconds: number;
  seconds: number;
  weightsSha256: string;
  curve: CnnEpochRecord[];
}

export interface CnnVariantSummary {
  variant: CnnVariant;
  label: string;
  bn: boolean;
  gaaf: boolean;
  testAccuracy: MeanSd;
  trainAccuracy: MeanSd;
  epochs: MeanSd;
  epochsRun: MeanSd;
  samplesPerSec: MeanSd;
}

export interface CnnReproduceResults extends RunHeader {
  schema: 'gaaf-reproduce-cnn/1';
  data: SplitsRecord & { sampleShape: number[] };
  protocol: {
    model: CnnModelName;
    /** One line per layer, e.g. "conv2d_1 Conv2D 3×3 same → [28, 28, 32]". */
    layers: string[];
    filters: number[];
    dense: number[];
    defaultWidths: boolean;
    params: Record<CnnVariant, number>;
    /** lr is null in a sweep's merge, where each variant ran at its own rate (lrChoice). */
    optimizer: OptimizerConfig | ({ name: string; lr: null } & Record<string, OptimizerConfig[string] | null>);
    batchSize: number;
    maxEpochs: number;
    patience: number;
    convergenceRule: string;
    seeds: number[];
    gaaf: GaafRecord;
    batchNorm: { momentum: number; epsilon: number; runningVariance: string };
  };
  /** The learning-rate choice on validation: one rate for all variants (--lr-grid), or one per variant (the Table 4 sweep); null when the rate was given. */
  lrChoice?: LrSelection | Partial<Record<CnnVariant, LrChoice>> | null;
  /** A sweep's merge: how many of the dataset's jobs had finished, their runs' seconds in all, and those resumed from a checkpoint. */
  sweep?: { jobsDone: number; jobsSeconds: number; resumed: Array<{ id: string; fromEpoch: number }> };
  runs: CnnRunResult[];
  summary: CnnVariantSummary[];
  paper: Record<string, unknown>;
  charts: string[];
}

function describeLayers(m: Sequential): string[] {
  return m.layers.map((l) => {
    let what = l.className;
    if (l instanceof Conv2D) what += ` ${l.kernelSize.join('×')} ${l.padding}${l.useBias ? '' : ', no bias'}`;
    if (l instanceof Dense) what += `${l.useBias ? '' : ' (no bias)'}`;
    if (l instanceof BatchNorm) what += ` (momentum ${l.momentum}, ε ${l.epsilon})`;
    const act = l.config().activation;
    if (act) what += ` ${String(act)}${l.config().gaaf ? ' + GAAF' : ''}`;
    if (l.className === 'MaxPool2D') what += ` ${String(l.config().poolSize)}×${String(l.config().poolSize)}`;
    return `${l.name} ${what} → [${l.outputShape.join(', ')}]`;
  });
}

/** What a CNN experiment's results say of its data and protocol, from built (not trained) models. */
export type CnnSetup = Pick<CnnReproduceResults, 'data' | 'protocol'>;

export function cnnSetup(o: CnnReproduceOptions, splits: Splits, seeds: number[]): CnnSetup {
  const shape = [...splits.train.sampleShape];
  const classes = Math.max(splits.train.numClasses, splits.test.numClasses);
  // the layer table and parameter counts, from built (not trained) models
  const params = {} as Record<CnnVariant, number>;
  let layers: string[] = [];
  let filters: number[] = [];
  let dense: number[] = [];
  let bnLayer = { momentum: NaN, epsilon: NaN };
  for (const v of CNN_VARIANTS) {
    const m = buildVariant(o, v, shape, classes).build(undefined, { seed: 0 });
    params[v] = m.countParams();
    if (v === 'bnGaaf') {
      layers = describeLayers(m);
      const bn = m.layers.find((l): l is BatchNorm => l instanceof BatchNorm)!;
      bnLayer = { momentum: bn.momentum, epsilon: bn.epsilon }; // as the models build it
    }
    if (v === 'base') {
      filters = m.layers.filter((l): l is Conv2D => l instanceof Conv2D).map((l) => l.filters);
      dense = m.layers.filter((l): l is Dense => l instanceof Dense).map((l) => l.units).slice(0, -1);
    }
    m.dispose();
  }
  return {
    data: {
      source: splits.source,
      train: splits.train.name,
      test: splits.test.name,
      trainCount: splits.train.count,
      valCount: splits.val.count,
      testCount: splits.test.count,
      sampleShape: shape,
      classes,
      valFraction: o.valFraction,
      splitSeed: o.splitSeed,
      trainSamplesLimit: o.trainSamples ?? null,
      testSamplesLimit: o.testSamples ?? null,
    },
    protocol: {
      model: o.model,
      layers,
      filters,
      dense,
      defaultWidths: o.filters === undefined && o.dense === undefined,
      params,
      optimizer: runOptimizer(o).config(),
      batchSize: o.batchSize,
      maxEpochs: o.maxEpochs,
      patience: o.patience,
      convergenceRule: convergenceRule({ monitor: 'val-accuracy', patience: o.patience, maxEpochs: o.maxEpochs, valFraction: o.valFraction }),
      seeds,
      gaaf: gaafRecord('relu', gaafOptionsFromFields(o)),
      batchNorm: {
        momentum: bnLayer.momentum,
        epsilon: bnLayer.epsilon,
        runningVariance: 'unbiased batch variance (× rows/(rows − 1)), as PyTorch and Keras\'s fused path',
      },
    },
  };
}

/** Table 4's rows: each variant's mean and spread over its runs. */
export function summarizeCnn(runs: readonly CnnRunResult[], variants: readonly CnnVariant[]): CnnVariantSummary[] {
  return variants.map((v): CnnVariantSummary => {
    const rs = runs.filter((r) => r.variant === v);
    return {
      variant: v,
      label: CNN_VARIANT_LABELS[v],
      bn: hasBn(v),
      gaaf: hasGaaf(v),
      testAccuracy: meanSd(rs.map((r) => r.testAccuracy)),
      trainAccuracy: meanSd(rs.map((r) => r.trainAccuracy)),
      epochs: meanSd(rs.map((r) => r.bestEpoch)),
      epochsRun: meanSd(rs.map((r) => r.epochsRun)),
      samplesPerSec: meanSd(rs.map((r) => r.samplesPerSec)),
    };
  });
}

/** Runs every variant and seed; the results lack `charts`, `paper` and `finishedAt` until the report is written. */
export async function runCnnExperiment(given: CnnReproduceOptions, meta: { command: string; version: string }, loaded?: Splits): Promise<CnnReproduceResults> {
  const started = new Date();
  const t0 = performance.now();
  const log = given.log ?? (() => {});
  const splits = loaded ?? loadCnnSplits(given);
  const seeds = Array.from({ length: given.seeds }, (_, i) => given.seedStart + i);
  const shape = [...splits.train.sampleShape];
  log(`data: ${splits.train.count} training, ${splits.val.count} validation, ${splits.test.count} test samples of shape [${shape.join(', ')}] (${splits.source})`);
  const lrChoice = given.lrGrid
    ? await selectLr(given.lrGrid, given.variants, seeds[0], given.lr, (v, lr) => runCnnOne(v as CnnVariant, seeds[0], splits, { ...given, lr }), log)
    : null;
  const o: CnnReproduceOptions = lrChoice ? { ...given, lr: lrChoice.selection.lr } : given;
  const setup = cnnSetup(o, splits, seeds);
  const runs: CnnRunResult[] = [];
  const total = seeds.length * o.variants.length;
  for (const seed of seeds) {
    for (const v of o.variants) {
      const r = (seed === seeds[0] ? lrChoice?.kept.get(v) : undefined) ?? await runCnnOne(v, seed, splits, o);
      runs.push(r);
      log(`[${runs.length}/${total}] ${cnnRunLine(r)} (${((performance.now() - t0) / 1000).toFixed(0)} s so far)`);
    }
  }
  return {
    schema: 'gaaf-reproduce-cnn/1',
    ...(await runHeader(meta, started, t0)),
    ...setup,
    lrChoice: lrChoice?.selection ?? null,
    runs,
    summary: summarizeCnn(runs, o.variants),
    paper: {},
    charts: [],
  };
}

/** One progress line for a finished run. */
export function cnnRunLine(r: CnnRunResult): string {
  return `${CNN_VARIANT_LABELS[r.variant].padEnd(16)} seed ${r.seed}: best epoch ${r.bestEpoch} of ${r.epochsRun}, ` +
    `test accuracy ${(100 * r.testAccuracy).toFixed(2)}%, train accuracy ${(100 * r.trainAccuracy).toFixed(2)}%, ` +
    `${Math.round(r.samplesPerSec)} samples/s, ${r.seconds.toFixed(1)} s`;
}
