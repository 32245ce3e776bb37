// The training loop: seeded shuffling, minibatch SGD/Adam, per-epoch logs, the paper's
// gradient information (eq. 5) per Dense layer, and a stop with a clear message when the
// loss turns NaN or Inf.
import { meanAbs } from './binding.js';
import type { Dataset } from './data/dataset.js';
import type { Model } from './model.js';
import { type Optimizer, type OptimizerName, makeOptimizer } from './optimizers.js';
import { Rng, deriveSeed, shuffle } from './rng.js';

/** Thrown when the loss turns NaN or ±Inf during training. */
export class TrainingDivergedError extends Error {
  constructor(message: string, readonly epoch: number, readonly step: number, readonly layer: string | null) {
    super(message);
    this.name = 'TrainingDivergedError';
  }
}

export interface BatchInfo {
  epoch: number; // 1-based
  batch: number; // 1-based within the epoch
  batches: number;
  step: number; // global step, 1-based after the update
  loss: number; // mean loss of this batch
}

export interface EpochLogs {
  epoch: number; // 1-based
  loss: number; // mean training loss over the epoch (with dropout active, as trained)
  accuracy: number; // training accuracy over the epoch, from the training forward passes
  valLoss?: number;
  valAccuracy?: number;
  seconds: number; // wall time of the training part of the epoch
  samplesPerSec: number;
  steps: number;
  /** Mean |∂E/∂W| of each Dense kernel over this epoch's steps (paper eq. 5). */
  gradInfo: number[];
}

export interface Callbacks {
  onTrainBegin?(): void | Promise<void>;
  onEpochBegin?(epoch: number): void | Promise<void>;
  onBatchEnd?(info: BatchInfo): void | Promise<void>;
  /** Set model.stopTraining = true here to stop after this epoch. */
  onEpochEnd?(logs: EpochLogs): void | Promise<void>;
  onTrainEnd?(history: History): void | Promise<void>;
}

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  /** An optimizer instance, or a name with `lr`. Default: SGD with momentum 0.9. */
  optimizer?: Optimizer | OptimizerName;
  lr?: number;
  /** Fixes the initial weights (if fit builds the model), the shuffling and the dropout masks. */
  seed?: number;
  shuffle?: boolean;
  validationData?: Dataset;
  callbacks?: Callbacks;
  /** Yield to the event loop after this much work, so timers and UIs stay live. Default 50 ms. */
  yieldEveryMs?: number;
}

export interface History {
  epochs: EpochLogs[];
  /** Dense layer names, matching gradInfo's order. */
  layers: string[];
  /** Mean |∂E/∂W| of each Dense kernel over all training steps (paper eq. 5, Table 1). */
  gradInfo: number[];
  steps: number;
  samplesPerSec: number;
  seconds: number;
}

const SHUFFLE_TAG = 0x73687566; // "shuf"

const now = (): number => (globalThis.performance ?? Date).now();

const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => {
    const si = (globalThis as { setImmediate?: (f: () => void) => void }).setImmediate;
    if (si) si(resolve);
    else setTimeout(resolve, 0);
  });

function checkInt(what: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`gaaf: fit: ${what} must be an integer ≥ ${min}, got ${v}`);
}

/** Trains `model` on `data` for `epochs` passes of shuffled minibatches. */
export async function fit(model: Model, data: Dataset, opts: FitOptions = {}): Promise<History> {
  const epochs = opts.epochs ?? 1;
  const batchSize = opts.batchSize ?? 128;
  const seed = opts.seed ?? 0;
  checkInt('epochs', epochs, 1);
  checkInt('batchSize', batchSize, 1);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`gaaf: fit: seed must be an integer in [0, 2^32), got ${seed}`);
  if (opts.lr !== undefined && !(Number.isFinite(opts.lr) && opts.lr > 0)) throw new RangeError(`gaaf: fit: lr must be a positive finite number, got ${opts.lr}`);
  if (data.count < 1) throw new RangeError(`gaaf: fit: '${data.name}' has no samples`);
  const optimizer: Optimizer = typeof opts.optimizer === 'object' ? opts.optimizer : makeOptimizer(opts.optimizer ?? 'sgd', opts.lr !== undefined ? { lr: opts.lr } : {});
  if (!model.built) model.build(data.sampleShape, { seed });
  model.checkData(data, 'fit');
  if (opts.validationData) model.checkData(opts.validationData, 'fit (validationData)');

  const cb = opts.callbacks ?? {};
  const yieldMs = opts.yieldEveryMs ?? 50;
  model.ensureBatch(Math.min(batchSize, data.count));
  optimizer.attach(model.params());
  const dense = model.denseLayers();
  const kernels = dense.map((l) => l.params()[0].grad);
  const gradTotal = new Float64Array(dense.length);
  const history: History = { epochs: [], layers: dense.map((l) => l.name), gradInfo: [], steps: 0, samplesPerSec: 0, seconds: 0 };
  const order = new Int32Array(data.count);
  const batches = Math.ceil(data.count / batchSize);
  model.stopTraining = false;
  await cb.onTrainBegin?.();

  try {
    for (let epoch = 1; epoch <= epochs && !model.stopTraining; epoch++) {
      await cb.onEpochBegin?.(epoch);
      for (let i = 0; i < order.length; i++) order[i] = i;
      if (opts.shuffle ?? true) shuffle(order, new Rng(deriveSeed(seed, SHUFFLE_TAG, epoch)));
      const gradEpoch = new Float64Array(dense.length);
      let lossSum = 0;
      let correct = 0;
      let busy = 0;
      let lastYield = now();
      for (let b = 0; b < batches; b++) {
        const t0 = now();
        const start = b * batchSize;
        const n = Math.min(batchSize, data.count - start);
        model.loadBatch(data, order, start, n);
        const ctx = { n, training: true, seed, step: model.step };
        const loss = model.forwardBackward(ctx);
        if (!Number.isFinite(loss)) {
          const where = model.firstNonFinite(n);
          throw new TrainingDivergedError(
            `gaaf: training diverged at epoch ${epoch}, step ${model.step + 1} (batch ${b + 1}/${batches}): the loss is ${loss}` +
            `${where ? `; first non-finite values in ${where}` : ''}. Try a lower learning rate.`,
            epoch, model.step + 1, where);
        }
        lossSum += loss;
        correct += model.countCorrect(n);
        for (let k = 0; k < kernels.length; k++) gradEpoch[k] += meanAbs(kernels[k]);
        optimizer.step();
        model.step++;
        const t1 = now();
        busy += t1 - t0;
        await cb.onBatchEnd?.({ epoch, batch: b + 1, batches, step: model.step, loss: loss / n });
        if (t1 - lastYield >= yieldMs) {
          await yieldToEventLoop();
          lastYield = now();
        }
      }
      for (let k = 0; k < dense.length; k++) gradTotal[k] += gradEpoch[k];
      history.steps += batches;
      history.seconds += busy / 1000;
      const logs: EpochLogs = {
        epoch,
        loss: lossSum / data.count,
        accuracy: correct / data.count,
        seconds: busy / 1000,
        samplesPerSec: data.count / (busy / 1000),
        steps: batches,
        gradInfo: Array.from(gradEpoch, (g) => g / batches),
      };
      if (opts.validationData) {
        const v = model.evaluate(opts.validationData);
        logs.valLoss = v.loss;
        logs.valAccuracy = v.accuracy;
      }
      history.epochs.push(logs);
      await cb.onEpochEnd?.(logs);
    }
  } finally {
    history.gradInfo = Array.from(gradTotal, (g) => (history.steps ? g / history.steps : 0));
    history.samplesPerSec = history.seconds > 0 ? history.epochs.length * data.count / history.seconds : 0;
  }
  await cb.onTrainEnd?.(history);
  return history;
}

