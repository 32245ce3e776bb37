// `gaaf reproduce gaaf-shapes`: the open questions about GAAF (issue 17), answered by experiment
// on the paper's MLP (section 5.1, 512-256-256) under the reproduction's protocol. Each
// configuration's learning rate is chosen on validation accuracy (lr-select.ts); then every
// configuration is trained with the same seeds and measured: test accuracy, epochs, gradient
// information, the saturation share, and (for the flatness group) the loss increase under
// relative weight perturbations. The questions (the groups of CONFIGS):
//  - K: the backward is φ′ + s whatever K is; K = 1e2, 1e4, 1e6 and the pure surrogate.
//  - shape: tanh's bell at widths c = 0.5, 1, 3, 10, the ring, and the base model at 1×, 1.5×
//    and 2× its learning rate (a larger step, without gradient in the saturation area).
//  - relu: the shifted sigmoid, the left bump and LeakyReLU, without and with BatchNorm.
//  - sigmoid: the bell at height 1 and at ¼.
//  - flatness: base, dropout, GAAF.
// Returns plain data; gaaf-shapes-report.ts writes results.json's findings and REPORT.md.
import { type TestPredictions, testPredictions } from './predictions.js';
import type { GaafOptions } from '../gaaf.js';
import { TrainingDivergedError } from '../fit.js';
import { GradientInfo } from '../gradient-info.js';
import { PAPER_MLP_RECIPE, paperMlp } from '../paper-models.js';
import { DEFAULT_FLATNESS, type Flatness, type FlatnessSpec, SATURATION_RULE, flatness, saturationShare } from './gaaf-shapes-measure.js';
import { type LrChoice, chooseLr } from './lr-select.js';
import { type Monitor, type ProtocolOptions, type RunHeader, type Splits, convergenceRule, loadSplits, runHeader, trainToBest } from './protocol.js';

export type ShapeGroup = 'K' | 'shape' | 'relu' | 'sigmoid' | 'flatness';
export const SHAPE_GROUPS: readonly ShapeGroup[] = ['K', 'shape', 'relu', 'sigmoid', 'flatness'];

export interface ShapeConfig {
  key: string;
  label: string;
  groups: ShapeGroup[];
  activation: 'tanh' | 'relu' | 'sigmoid' | 'leakyRelu';
  gaaf: GaafOptions | false;
  dropout: number;
  bn: boolean;
  /** Not tuned: this factor times the chosen learning rate of configuration `of`, for the reason `why` (the report prints it). */
  lrOf?: { of: string; factor: number; why: string };
}

const tanh = (key: string, label: string, groups: ShapeGroup[], gaaf: GaafOptions | false, extra: Partial<ShapeConfig> = {}): ShapeConfig =>
  ({ key, label, groups, activation: 'tanh', gaaf, dropout: 0, bn: false, ...extra });
// each tuned on its own, with and without BatchNorm
const relu = (bn: boolean): ShapeConfig[] => {
  const s = bn ? '-bn' : '';
  const l = bn ? ' + BN' : '';
  return [
    { key: `relu${s}`, label: `ReLU${l}`, groups: ['relu'], activation: 'relu', gaaf: false, dropout: 0, bn },
    { key: `relu-shifted${s}`, label: `ReLU + GAAF shifted sigmoid${l}`, groups: ['relu'], activation: 'relu', gaaf: {}, dropout: 0, bn },
    { key: `relu-bump${s}`, label: `ReLU + GAAF left bump${l}`, groups: ['relu'], activation: 'relu', gaaf: { shape: 'leftBump' }, dropout: 0, bn },
    { key: `leaky${s}`, label: `LeakyReLU (0.3)${l}`, groups: ['relu'], activation: 'leakyRelu', gaaf: false, dropout: 0, bn },
  ];
};

const LARGER_STEP = 'the question is whether a larger step of the base does what GAAF does';
const SAME_BACKWARD = 'only the forward\'s g·s differs from K = 1e4, so everything else, the rate included, is held fixed';

/** Every configuration, in report order. */
export const CONFIGS: readonly ShapeConfig[] = [
  tanh('tanh', 'tanh base', ['shape', 'flatness'], false),
  tanh('tanh-lr1.5', 'tanh base, 1.5× its lr', ['shape'], false, { lrOf: { of: 'tanh', factor: 1.5, why: LARGER_STEP } }),
  tanh('tanh-lr2', 'tanh base, 2× its lr', ['shape'], false, { lrOf: { of: 'tanh', factor: 2, why: LARGER_STEP } }),
  tanh('tanh-dropout', 'tanh + dropout 0.5', ['flatness'], false, { dropout: 0.5 }),
  tanh('bell-c0.5', 'GAAF bell c = 0.5', ['shape'], { c: 0.5 }),
  tanh('bell-c1', 'GAAF bell c = 1', ['shape'], { c: 1 }),
  tanh('bell-c3', 'GAAF bell c = 3 (K = 1e4, the paper\'s)', ['shape', 'K', 'flatness'], { c: 3 }),
  tanh('bell-c10', 'GAAF bell c = 10', ['shape'], { c: 10 }),
  tanh('ring-c2', 'GAAF ring c = 2 (peak at |x| = 1.41)', ['shape'], { shape: 'ring', c: 2 }),
  // the K question holds everything but the forward's g·s fixed, the learning rate included
  tanh('bell-K1e2', 'GAAF bell c = 3, K = 1e2', ['K'], { c: 3, K: 1e2 }, { lrOf: { of: 'bell-c3', factor: 1, why: SAME_BACKWARD } }),
  tanh('bell-K1e6', 'GAAF bell c = 3, K = 1e6', ['K'], { c: 3, K: 1e6 }, { lrOf: { of: 'bell-c3', factor: 1, why: SAME_BACKWARD } }),
  tanh('surrogate', 'surrogate: forward tanh, backward tanh′ + bell', ['K'], { c: 3, surrogate: true }, { lrOf: { of: 'bell-c3', factor: 1, why: SAME_BACKWARD } }),
  ...relu(false),
  ...relu(true),
  { key: 'sigmoid', label: 'sigmoid base', groups: ['sigmoid'], activation: 'sigmoid', gaaf: false, dropout: 0, bn: false },
  { key: 'sigmoid-h1', label: 'sigmoid + GAAF bell c = 12, height 1', groups: ['sigmoid'], activation: 'sigmoid', gaaf: { c: 12 }, dropout: 0, bn: false },
  { key: 'sigmoid-h0.25', label: 'sigmoid + GAAF bell c = 12, height ¼', groups: ['sigmoid'], activation: 'sigmoid', gaaf: { c: 12, height: 0.25 }, dropout: 0, bn: false },
];
export const CONFIG_KEYS: readonly string[] = CONFIGS.map((c) => c.key);

/** The shape experiment's options: the protocol's (protocol.ts) but the rate, which each configuration chooses from `lrGrid`. */
export interface ShapesOptions extends Omit<ProtocolOptions, 'lr'> {
  seeds: number;
  seedStart: number;
  /** The learning rates tried for each tuned configuration (one run each, seed seedStart). */
  lrGrid: number[];
  /** The configurations to run (keys of CONFIGS); a lrOf configuration brings its `of` along. */
  configs: readonly string[];
  flatness: FlatnessSpec;
  log?: (line: string) => void;
}

export const SHAPES_DEFAULTS: Omit<ShapesOptions, 'data' | 'trainSamples' | 'testSamples' | 'log'> = {
  seeds: 3,
  seedStart: 1,
  maxEpochs: 20,
  patience: 4,
  monitor: 'val-accuracy',
  optimizer: PAPER_MLP_RECIPE.optimizer,
  momentum: PAPER_MLP_RECIPE.momentum,
  batchSize: PAPER_MLP_RECIPE.batchSize,
  lrGrid: [0.01, 0.02, 0.05, 0.1, 0.2],
  valFraction: 0.1,
  splitSeed: 0x5eed,
  configs: CONFIG_KEYS,
  flatness: DEFAULT_FLATNESS,
};

export interface ShapeRun {
  config: string;
  seed: number;
  lr: number;
  bestEpoch: number;
  epochsRun: number;
  stoppedEarly: boolean;
  bestValAccuracy: number;
  bestValLoss: number;
  testAccuracy: number;
  testLoss: number;
  /** Mean |∂E/∂W| per Dense kernel over every training step. */
  gradInfo: number[];
  /** Per hidden activation layer, on the test set. */
  saturation: Record<string, number>;
  /** On the validation split (flatness group only; else null). */
  flatness: Flatness | null;
  seconds: number;
  weightsSha256: string;
  /** Every test sample's predicted class and rightness (paired tests); absent in results written before it was kept. */
  predictions?: TestPredictions;
}

export interface ShapesResults extends RunHeader {
  schema: 'gaaf-reproduce-gaaf-shapes/1';
  data: { source: string; trainCount: number; valCount: number; testCount: number; inputSize: number; classes: number; trainSamplesLimit: number | null; testSamplesLimit: number | null };
  protocol: {
    architecture: number[];
    optimizer: string;
    momentum: number;
    batchSize: number;
    maxEpochs: number;
    patience: number;
    monitor: Monitor;
    convergenceRule: string;
    seeds: number[];
    lrGrid: number[];
    lrRule: string;
    saturation: Record<string, string>;
    flatness: FlatnessSpec & { set: string; perturbation: string };
  };
  configs: Array<ShapeConfig & { lr: LrChoice | { lr: number; rule: string } }>;
  /** The tuning runs (seed seedStart, every lr of the grid); the chosen one is also the seed's run in `runs`. */
  /** A rate whose run diverged has NaN figures and the divergence message; it is out of the choice. */
  tuning: Array<{ config: string; lr: number; valAccuracy: number; valLoss: number; testAccuracy: number; diverged?: string }>;
  runs: ShapeRun[];
  findings: unknown;
  charts: string[];
}

/** The configurations `keys` names, with the ones a lrOf needs, in CONFIGS order; unknown keys are an error. */
export function selectConfigs(keys: readonly string[]): ShapeConfig[] {
  const bad = keys.filter((k) => !CONFIG_KEYS.includes(k));
  if (bad.length) throw new RangeError(`gaaf: reproduce gaaf-shapes: unknown configuration '${bad.join("', '")}' (known: ${CONFIG_KEYS.join(', ')})`);
  const want = new Set(keys);
  for (const c of CONFIGS) if (want.has(c.key) && c.lrOf) want.add(c.lrOf.of);
  return CONFIGS.filter((c) => want.has(c.key));
}

const now = (): number => performance.now();

async function runConfig(c: ShapeConfig, seed: number, lr: number, splits: Splits, o: ShapesOptions): Promise<ShapeRun> {
  const t0 = now();
  const model = paperMlp({
    activation: c.activation, gaaf: c.gaaf, dropout: c.dropout, bn: c.bn,
    inputSize: splits.train.sampleShape.reduce((a, b) => a * b, 1),
    classes: Math.max(splits.train.numClasses, splits.test.numClasses),
  });
  try {
    model.build(undefined, { seed });
    const run = await trainToBest(model, splits, seed, { ...o, lr }, { callbacks: [new GradientInfo()] });
    const test = model.evaluate(splits.test);
    return {
      config: c.key, seed, lr,
      bestEpoch: run.bestEpoch, epochsRun: run.history.epochs.length, stoppedEarly: run.stoppedEarly,
      bestValAccuracy: run.bestValAccuracy, bestValLoss: run.bestValLoss,
      testAccuracy: test.accuracy, testLoss: test.loss,
      predictions: testPredictions(model, splits.test),
      gradInfo: run.history.gradInfo ?? [],
      saturation: saturationShare(model, splits.test),
      flatness: c.groups.includes('flatness') ? flatness(model, splits.val, o.flatness, seed) : null,
      seconds: (now() - t0) / 1000,
      weightsSha256: await model.weightsSha256(),
    };
  } finally {
    model.dispose();
  }
}

/** Tunes and runs every selected configuration; the results lack `findings`, `charts` and `finishedAt` until the report is written. */
export async function runShapes(o: ShapesOptions, meta: { command: string; version: string }, loaded?: Splits): Promise<ShapesResults> {
  const started = new Date();
  const t0 = now();
  const log = o.log ?? (() => {});
  const splits = loaded ?? loadSplits(o);
  const configs = selectConfigs(o.configs);
  const seeds = Array.from({ length: o.seeds }, (_, i) => o.seedStart + i);
  const tuned = configs.filter((c) => !c.lrOf);
  const total = tuned.length * o.lrGrid.length + tuned.length * (seeds.length - 1) + (configs.length - tuned.length) * seeds.length;
  log(`data: ${splits.train.count} training, ${splits.val.count} validation, ${splits.test.count} test samples (${splits.source}); ` +
    `${configs.length} configurations, ${total} runs`);
  let done = 0;
  const note = (r: ShapeRun, what: string): void => {
    done++;
    log(`[${done}/${total}] ${r.config.padEnd(14)} ${what} seed ${r.seed} lr ${r.lr}: best epoch ${r.bestEpoch} of ${r.epochsRun}, ` +
      `val ${(100 * r.bestValAccuracy).toFixed(2)}%, test ${(100 * r.testAccuracy).toFixed(2)}%, ${r.seconds.toFixed(1)} s (${((now() - t0) / 1000).toFixed(0)} s so far)`);
  };
  const tuning: ShapesResults['tuning'] = [];
  const runs: ShapeRun[] = [];
  const choice = new Map<string, LrChoice | { lr: number; rule: string }>();
  for (const c of [...configs.filter((x) => !x.lrOf), ...configs.filter((x) => x.lrOf)]) { // the tuned first: a lrOf needs its rate
    let lr: number;
    if (c.lrOf) {
      const base = choice.get(c.lrOf.of)!;
      lr = base.lr * c.lrOf.factor;
      choice.set(c.key, { lr, rule: `${c.lrOf.factor} × the learning rate chosen for ${c.lrOf.of} (not tuned)` });
    } else {
      const trials: ShapeRun[] = [];
      for (const cand of o.lrGrid) {
        try {
          const r = await runConfig(c, seeds[0], cand, splits, o);
          trials.push(r);
          tuning.push({ config: c.key, lr: cand, valAccuracy: r.bestValAccuracy, valLoss: r.bestValLoss, testAccuracy: r.testAccuracy });
          note(r, 'tuning');
        } catch (e) {
          // a rate at which training diverged is out of the choice, as in the other experiments' trials
          if (!(e instanceof TrainingDivergedError)) throw e;
          tuning.push({ config: c.key, lr: cand, valAccuracy: NaN, valLoss: NaN, testAccuracy: NaN, diverged: e.message });
          o.log?.(`${c.key.padEnd(14)} tuning seed ${seeds[0]} lr ${cand}: diverged (${e.message.replace(/^gaaf: /, '')}); this rate is out`);
        }
      }
      if (trials.length === 0) throw new RangeError(`gaaf: reproduce gaaf-shapes: ${c.label} diverged at every rate of ${o.lrGrid.join(', ')}; try smaller rates`);
      const ch = chooseLr(trials.map((r) => ({ lr: r.lr, valAccuracy: r.bestValAccuracy, valLoss: r.bestValLoss })));
      choice.set(c.key, ch);
      lr = ch.lr;
      runs.push(trials.find((r) => r.lr === lr)!); // the seed's run at the chosen rate: the same bits as a rerun
    }
    for (const seed of seeds) {
      if (!c.lrOf && seed === seeds[0]) continue;
      const r = await runConfig(c, seed, lr, splits, o);
      runs.push(r);
      note(r, 'run');
    }
  }
  const inputSize = splits.train.sampleShape.reduce((a, b) => a * b, 1);
  const classes = Math.max(splits.train.numClasses, splits.test.numClasses);
  return {
    schema: 'gaaf-reproduce-gaaf-shapes/1',
    ...(await runHeader(meta, started, t0)),
    data: {
      source: splits.source, trainCount: splits.train.count, valCount: splits.val.count, testCount: splits.test.count, inputSize, classes,
      trainSamplesLimit: o.trainSamples ?? null, testSamplesLimit: o.testSamples ?? null,
    },
    protocol: {
      architecture: [inputSize, 512, 256, 256, classes],
      optimizer: o.optimizer,
      momentum: o.momentum,
      batchSize: o.batchSize,
      maxEpochs: o.maxEpochs,
      patience: o.patience,
      monitor: o.monitor,
      convergenceRule: convergenceRule(o),
      seeds,
      lrGrid: o.lrGrid,
      lrRule: chooseLr([{ lr: 1, valAccuracy: 0, valLoss: 0 }]).rule,
      saturation: Object.fromEntries(Object.entries(SATURATION_RULE).map(([k, v]) => [k, v.text])),
      flatness: {
        ...o.flatness,
        set: `the validation split (${splits.val.count} samples), inference mode (no dropout)`,
        perturbation: 'every weight w (Dense kernels and biases, BatchNorm\'s γ and β) becomes w·(1 + ε·n), n ~ N(0, 1) drawn per weight, seeded by the run\'s seed, ε and the draw; the loss increase is the perturbed mean cross-entropy minus the trained one',
      },
    },
    configs: configs.map((c) => ({ ...c, lr: choice.get(c.key)! })),
    tuning,
    runs,
    findings: null,
    charts: [],
  };
}
