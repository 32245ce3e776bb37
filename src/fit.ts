// The training loop: seeded shuffling, minibatch SGD/Adam, per-epoch logs, callbacks in the
// order given, resuming from a TrainingState, and a stop with a clear message when the loss
// turns NaN or Inf. It knows nothing of checkpoints or of the paper: saving (a checkpoint
// callback) and the gradient statistic (GradientInfo) are callbacks that others attach.
import { checkPositiveF32, init } from './binding.js';
import { type BatchInfo, type Callback, type EpochLogs, type History, type TrainingRun, type TrainingState, callbackList } from './callbacks.js';
import { type Dataset, subset } from './data/dataset.js';
import { addTfjsKeys, epochLine, historyOf, resolveMetrics } from './fit-logs.js';
import type { LossOptions } from './head.js';
import type { Losses } from './heads/multi-head.js';
import { sampleWeightsOf } from './heads/weights.js';
import { checkFits } from './memory.js';
import type { Network } from './model.js';
import { type Optimizer, type OptimizerName, makeOptimizer } from './optimizers.js';
import type { LearningRate } from './optimizers/schedules.js';
import { Rng, deriveSeed, shuffle } from './rng.js';
import type { TrainingClaim } from './training-slot.js';
import { sha256Hex } from './sha256.js';

export type { BatchInfo, Callback, Callbacks, EpochLogs, History, TrainingRun, TrainingState } from './callbacks.js';

/** Thrown when the loss turns NaN or ±Inf during training. */
export class TrainingDivergedError extends Error {
  constructor(message: string, readonly epoch: number, readonly step: number, readonly layer: string | null) {
    super(message);
    this.name = 'TrainingDivergedError';
  }
}

/** fit's options. Checkpoints are a callback (src/checkpoint/callback.ts); model.fit adds its `checkpoint` option. */
export interface TrainOptions {
  epochs?: number;
  batchSize?: number;
  /** An optimizer instance, or a name with `lr`. Default: SGD with momentum 0.9 and its default learning rate. */
  optimizer?: Optimizer | OptimizerName;
  /** With an optimizer by name: its learning rate, a number or a schedule (exponentialDecay, cosineDecay, a function of the step). */
  lr?: LearningRate;
  /** Fixes the initial weights (if fit builds the model), the shuffling and the dropout masks. */
  seed?: number;
  shuffle?: boolean;
  validationData?: Dataset;
  /** Called in this order at every stage (an object of hooks is one callback). */
  callbacks?: Callback | readonly Callback[];
  /** Yield to the event loop after this much work, so timers and UIs stay live. Default 50 ms. */
  yieldEveryMs?: number;
  /**
   * Continue a run from its saved state (Sequential.loadCheckpoint gives one): its optimizer and
   * training state, and its stateful callbacks' values (pass the same callbacks). The data,
   * seed, batch size and shuffle must be those of the run; epochs (the total) may grow. The
   * result is bit for bit that of a run that was never interrupted.
   */
  resume?: { optimizer: Optimizer | null; training: TrainingState | null };
  /** The loss (a TF.js/Keras name or a head, src/head.ts resolveHead); default: the model's (sparseCategoricalCrossentropy). */
  loss?: Losses;
  lossOptions?: LossOptions;
  /** A model of several outputs: each output's weight in the total loss (a list, or by output name). */
  lossWeights?: readonly number[] | Readonly<Record<string, number>>;
  /** Weights of the classes (index → weight), for integer labels or one-hot targets (their argmax); default 1. */
  classWeight?: Readonly<Record<number, number>> | readonly number[];
  /** A weight per training sample (the loss is Σ w·loss / n, as Keras). */
  sampleWeight?: Float32Array | readonly number[];
  /**
   * Hold out the last fraction of the data (before any shuffling, as Keras) as validation
   * data: the epochs' logs get valLoss (val_loss) and the validation metrics. Not with validationData.
   */
  validationSplit?: number;
  /** The epoch to start at (0-based, as Keras and TF.js): epochs initialEpoch+1 .. epochs run, shuffled as they would be in one long run. */
  initialEpoch?: number;
  /** Metric names to log (TF.js's and Keras's: 'accuracy'/'acc', 'mse', 'mae', 'binaryAccuracy', ...); each must be one the loss reports. */
  metrics?: readonly string[];
  /** 0 (default): silent; 1 or 2: one line per epoch on the console. */
  verbose?: 0 | 1 | 2;
}

const TRAIN_OPTIONS: ReadonlySet<string> = new Set([
  'epochs', 'batchSize', 'optimizer', 'lr', 'seed', 'shuffle', 'validationData', 'callbacks', 'yieldEveryMs', 'resume',
  'loss', 'lossOptions', 'lossWeights', 'classWeight', 'sampleWeight', 'validationSplit', 'initialEpoch', 'metrics', 'verbose',
]);

/**
 * The training and validation parts of `data` for validationSplit: the last fraction is held
 * out, as Keras (split at ⌊n·(1 − split)⌋), with the sample weights cut the same way.
 */
export function splitValidation(data: Dataset, split: number, sampleWeight?: Float32Array | readonly number[]): {
  train: Dataset; val: Dataset; sampleWeight?: Float32Array | readonly number[];
} {
  if (!(typeof split === 'number' && split > 0 && split < 1)) throw new RangeError(`gaaf: fit: validationSplit must be a number in (0, 1), got ${split}`);
  const at = Math.floor(data.count * (1 - split));
  if (at < 1 || at >= data.count) {
    throw new RangeError(`gaaf: fit: validationSplit ${split} of '${data.name}' (${data.count} samples) leaves ${at} for training and ${data.count - at} for validation; both need at least one`);
  }
  if (sampleWeight !== undefined && sampleWeight.length !== data.count) {
    throw new RangeError(`gaaf: fit: sampleWeight has ${sampleWeight.length} values, '${data.name}' has ${data.count} samples`);
  }
  return {
    train: subset(data, { start: 0, end: at }, `${data.name} (training part)`),
    val: subset(data, { start: at, end: data.count }, `${data.name} (last ${data.count - at}, validationSplit ${split})`),
    sampleWeight: sampleWeight?.slice(0, at),
  };
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

/** SHA-256 of a dataset's values and labels: a resumed run must see the same data. */
async function dataFingerprint(data: Dataset): Promise<string> {
  const h = await sha256Hex(new Uint8Array(data.x.buffer, data.x.byteOffset, data.x.byteLength));
  // float targets, or the labels (as before, so old checkpoints still resume); each output's for several
  const parts = data.outputs ?? [data];
  let th = '';
  for (const p of parts) {
    const t = p.targets ?? p.y;
    th += await sha256Hex(new Uint8Array(t.buffer, t.byteOffset, t.byteLength));
  }
  return sha256Hex(new TextEncoder().encode(h + (parts.length === 1 ? th : await sha256Hex(new TextEncoder().encode(th)))));
}

/**
 * Trains `model` on `data` for `epochs` passes of shuffled minibatches. One fit at a time per
 * model: a second call while one runs is refused; dispose() during it stops it before the next step.
 */
export async function fit(model: Network, data: Dataset, opts: TrainOptions = {}): Promise<History> {
  const claim = model.claimTraining('fit');
  try {
    if (opts.validationSplit !== undefined) {
      if (opts.validationData) throw new RangeError('gaaf: fit: give validationSplit or validationData, not both');
      const { train: part, val, sampleWeight } = splitValidation(data, opts.validationSplit, opts.sampleWeight);
      const { validationSplit: _, ...rest } = opts;
      return await train(model, part, { ...rest, validationData: val, ...(sampleWeight ? { sampleWeight } : {}) }, claim);
    }
    return await train(model, data, opts, claim);
  } finally {
    claim.end();
  }
}

async function train(model: Network, data: Dataset, opts: TrainOptions, claim: TrainingClaim): Promise<History> {
  await init(); // loads the Wasm module if the caller has not
  const unknown = Object.keys(opts).filter((k) => !TRAIN_OPTIONS.has(k));
  if (unknown.length) throw new RangeError(`gaaf: fit: unknown option ${unknown.map((k) => `'${k}'`).join(', ')} (expected ${[...TRAIN_OPTIONS].join(', ')})`);
  const st = opts.resume?.training ?? null;
  if (opts.resume && !st) throw new RangeError('gaaf: fit: resume: the checkpoint has no training state (it was saved without one); load it with Sequential.load to use its weights');
  const epochs = opts.epochs ?? st?.epochs ?? 1;
  const batchSize = opts.batchSize ?? st?.batchSize ?? 128;
  const seed = opts.seed ?? st?.seed ?? 0;
  const doShuffle = opts.shuffle ?? st?.shuffle ?? true;
  checkInt('epochs', epochs, 1);
  checkInt('batchSize', batchSize, 1);
  const initialEpoch = opts.initialEpoch ?? st?.initialEpoch ?? 0;
  checkInt('initialEpoch', initialEpoch, 0);
  if (opts.initialEpoch !== undefined && st) throw new RangeError('gaaf: fit: resume continues where the checkpoint stopped; give no initialEpoch');
  if (initialEpoch >= epochs) throw new RangeError(`gaaf: fit: initialEpoch ${initialEpoch} leaves no epoch to train (epochs is ${epochs}, the last epoch's number)`);
  if (opts.verbose !== undefined && ![0, 1, 2].includes(opts.verbose)) throw new RangeError(`gaaf: fit: verbose must be 0, 1 or 2, got ${String(opts.verbose)}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`gaaf: fit: seed must be an integer in [0, 2^32), got ${seed}`);
  if (typeof opts.lr === 'number') checkPositiveF32('gaaf: fit: lr', opts.lr);
  if (data.count < 1) throw new RangeError(`gaaf: fit: '${data.name}' has no samples`);
  const callbacks = callbackList(opts.callbacks);
  const hasBatchBegin = callbacks.some((c) => c.onBatchBegin);
  const stateful = callbacks.filter((c) => c.stateKey !== undefined);
  const keys = stateful.map((c) => c.stateKey!);
  const twice = keys.find((k, i) => keys.indexOf(k) !== i);
  if (twice !== undefined) throw new RangeError(`gaaf: fit: two callbacks keep state under the same key '${twice}'`);
  let optimizer: Optimizer;
  if (st) {
    if (!opts.resume?.optimizer) throw new RangeError('gaaf: fit: resume: the checkpoint has no optimizer state');
    if (opts.optimizer !== undefined && opts.optimizer !== opts.resume.optimizer) throw new RangeError("gaaf: fit: resume: pass no optimizer; the checkpoint's optimizer continues");
    if (!model.built) throw new RangeError('gaaf: fit: resume: the model must be the one loaded with the checkpoint');
    optimizer = opts.resume.optimizer;
    const mism = ([['seed', st.seed, seed], ['batch size', st.batchSize, batchSize], ['shuffle', st.shuffle, doShuffle],
      ['number of training samples', st.dataCount, data.count]] as Array<[string, unknown, unknown]>).find(([, a, b]) => a !== b);
    if (mism) throw new RangeError(`gaaf: fit: cannot resume: the checkpoint was trained with ${mism[0]} ${String(mism[1])}, this run has ${String(mism[2])}`);
  } else {
    if (typeof opts.optimizer === 'object' && opts.lr !== undefined) {
      throw new RangeError(`gaaf: fit: lr goes with an optimizer given by name; this ${opts.optimizer.name} optimizer has its own learning rate (set it on the optimizer)`);
    }
    optimizer = typeof opts.optimizer === 'object' ? opts.optimizer : makeOptimizer(opts.optimizer ?? 'sgd', opts.lr !== undefined ? { lr: opts.lr } : {});
  }
  if (opts.loss !== undefined || opts.lossOptions !== undefined || opts.lossWeights !== undefined) model.setLoss(opts.loss ?? 'sparseCategoricalCrossentropy', opts.lossOptions, opts.lossWeights);
  if (!model.built) model.build(data.sampleShape, { seed });
  model.checkData(data, 'fit');
  const metrics = resolveMetrics(opts.metrics, model.head.metricNames, model.head.lossName);
  const metricNames = model.head.metricNames;
  const accuracyAt = metricNames.indexOf('accuracy');
  const weights = sampleWeightsOf(data, opts.sampleWeight, opts.classWeight);
  if (opts.validationData) model.checkData(opts.validationData, 'fit (validationData)');
  // Refuse a model that would not fit in Wasm memory before laying out anything for training.
  const batchRows = Math.min(batchSize, data.count);
  const est = model.estimateMemory({ batchSize: batchRows, optimizerSlots: optimizer.slotNames.length });
  checkFits(est, (st ? 0 : est.optimizerBytes) + (model.batchCapacity >= batchRows ? 0 : est.activationBytes), 'training this model', batchRows, model.inputShape);
  let fingerprint: Promise<string> | null = null;
  const dataSha256 = (): Promise<string> => (fingerprint ??= dataFingerprint(data));
  if (st && st.dataSha256 !== (await dataSha256())) {
    throw new RangeError(`gaaf: fit: cannot resume: '${data.name}' is not the data the checkpoint was trained on (its SHA-256 differs)`);
  }

  const yieldMs = opts.yieldEveryMs ?? 50;
  model.ensureBatch(batchRows);
  optimizer.attach(model.params());
  model.head.setSampleWeights(weights);
  const history: History = {
    epochs: st ? (st.history as unknown as EpochLogs[]).map((l) => addTfjsKeys({ ...l }, metrics)) : [],
    history: {},
    epoch: [],
    steps: st?.historySteps ?? 0,
    samplesPerSec: 0,
    seconds: st?.historySeconds ?? 0,
  };
  const order = new Int32Array(data.count);
  const batches = Math.ceil(data.count / batchSize);
  // Where training stands and the running sums of the epoch in progress: what a saved state holds.
  const zeroSums = (): number[] => metricNames.map(() => 0);
  if (st?.epochMetricSums !== undefined && st.epochMetricSums.length !== metricNames.length) {
    throw new RangeError(`gaaf: fit: resume: the checkpoint holds ${st.epochMetricSums.length} running metric sums, the loss '${model.head.lossName}' reports ${metricNames.length} (${metricNames.join(', ')})`);
  }
  // A checkpoint from before the per-metric sums resumes mid-epoch with its accuracy count where that is the one metric.
  const restoredSums = (s: TrainingState): number[] =>
    s.epochMetricSums ? [...s.epochMetricSums] : s.batch === 0 ? zeroSums() : metricNames.length === 1 && metricNames[0] === 'accuracy' ? [s.epochCorrect] : noSums();
  const noSums = (): never => {
    throw new RangeError(`gaaf: fit: resume: this checkpoint was saved mid-epoch by a gaaf that kept no running sums of ${metricNames.join(', ')}; resume from a checkpoint saved at an epoch end`);
  };
  const pos = st
    ? { epoch: st.epoch, batch: st.batch, lossSum: st.epochLossSum, correct: st.epochCorrect, sums: restoredSums(st), busyMs: st.epochSeconds * 1000 }
    : { epoch: initialEpoch + 1, batch: 0, lossSum: 0, correct: 0, sums: zeroSums(), busyMs: 0 };
  const refreshHistory = (): void => {
    history.history = historyOf(history.epochs);
    history.epoch = history.epochs.map((l) => l.epoch - 1);
  };
  refreshHistory();
  const run: TrainingRun = {
    model, optimizer, data, history,
    state: async () => ({
      seed, epoch: pos.epoch, batch: pos.batch, step: model.step, epochs, batchSize, shuffle: doShuffle, dataCount: data.count,
      dataSha256: await dataSha256(), epochLossSum: pos.lossSum, epochCorrect: pos.correct, epochSeconds: pos.busyMs / 1000,
      ...(initialEpoch ? { initialEpoch } : {}), epochMetricSums: [...pos.sums],
      history: history.epochs.map((e) => ({ ...e })) as unknown as Array<Record<string, unknown>>,
      historySteps: history.steps, historySeconds: history.seconds,
      callbacks: Object.fromEntries(stateful.map((c) => [c.stateKey!, c.state?.() ?? null])),
    }),
  };
  if (st) {
    model.step = st.step;
    for (const c of stateful) {
      const s = st.callbacks[c.stateKey!];
      if (s === undefined) {
        throw new RangeError(`gaaf: fit: resume: the checkpoint holds no state for the callback '${c.stateKey}' (it was not attached when the checkpoint was saved), so its values cannot continue`);
      }
      c.setState?.(s, run);
    }
  }
  model.stopTraining = false;
  const each = async (f: (c: Callback) => void | Promise<void>): Promise<void> => {
    for (const c of callbacks) await f(c);
  };
  await each((c) => c.onTrainBegin?.({}, run));

  try {
    for (let epoch = pos.epoch; epoch <= epochs && !model.stopTraining; epoch++) {
      const resumeHere = st !== null && epoch === st.epoch && st.batch > 0;
      await each((c) => c.onEpochBegin?.(epoch - 1, {}, run));
      for (let i = 0; i < order.length; i++) order[i] = i;
      if (doShuffle) shuffle(order, new Rng(deriveSeed(seed, SHUFFLE_TAG, epoch)));
      if (!resumeHere) Object.assign(pos, { epoch, batch: 0, lossSum: 0, correct: 0, sums: zeroSums(), busyMs: 0 });
      let lastYield = now();
      for (let b = pos.batch; b < batches; b++) {
        if (claim.disposeRequested) {
          throw new Error(`gaaf: fit: the model was disposed during training; stopped before epoch ${epoch}, batch ${b + 1}/${batches} (after step ${model.step})`);
        }
        const start = b * batchSize;
        const n = Math.min(batchSize, data.count - start);
        if (hasBatchBegin) await each((c) => c.onBatchBegin?.(b, { epoch, batch: b + 1, batches, step: model.step, size: n }, run));
        const t0 = now();
        model.loadBatch(data, order, start, n);
        const ctx = { n, training: true, seed, step: model.step };
        const { loss, metricSums } = model.trainingPass(ctx);
        if (!Number.isFinite(loss)) {
          const where = model.firstNonFinite(n);
          throw new TrainingDivergedError(
            `gaaf: training diverged at epoch ${epoch}, step ${model.step + 1} (batch ${b + 1}/${batches}): the loss is ${loss}` +
            `${where ? `; first non-finite values in ${where}` : ''}. Try a lower learning rate.`,
            epoch, model.step + 1, where);
        }
        pos.lossSum += loss;
        // a head whose metric 'accuracy' is its count of rows right has just counted them in metricSums
        if (model.head.countsCorrect) pos.correct += accuracyAt >= 0 ? metricSums[accuracyAt] : model.countCorrect(n);
        for (let i = 0; i < metricSums.length; i++) pos.sums[i] += metricSums[i];
        optimizer.step();
        model.step++;
        const t1 = now();
        pos.busyMs += t1 - t0;
        pos.batch = b + 1;
        const info: BatchInfo = { epoch, batch: b + 1, batches, step: model.step, loss: loss / n, size: n };
        await each((c) => c.onBatchEnd?.(b, info, run));
        if (t1 - lastYield >= yieldMs) {
          await yieldToEventLoop();
          lastYield = now();
        }
      }
      history.steps += batches;
      history.seconds += pos.busyMs / 1000;
      const logs = {
        epoch,
        loss: pos.lossSum / data.count,
        ...(model.head.countsCorrect ? { accuracy: pos.correct / data.count } : {}),
        ...Object.fromEntries(metricNames.flatMap((k, i) => (k === 'accuracy' && model.head.countsCorrect ? [] : [[k, pos.sums[i] / data.count]]))),
        seconds: pos.busyMs / 1000,
        samplesPerSec: data.count / (pos.busyMs / 1000),
        steps: batches,
      } as EpochLogs;
      if (opts.validationData) {
        const v = model.evaluate(opts.validationData);
        logs.valLoss = v.loss;
        if ('accuracy' in v) logs.valAccuracy = v.accuracy;
        for (const [k, x] of Object.entries(v)) if (k !== 'loss' && k !== 'accuracy') logs[`val${k[0].toUpperCase()}${k.slice(1)}`] = x;
      }
      addTfjsKeys(logs, metrics);
      history.epochs.push(logs);
      refreshHistory();
      Object.assign(pos, { epoch: epoch + 1, batch: 0, lossSum: 0, correct: 0, sums: zeroSums(), busyMs: 0 });
      if (opts.verbose) console.log(epochLine(logs, epochs));
      await each((c) => c.onEpochEnd?.(epoch - 1, logs, run));
      refreshHistory(); // a callback may have added figures (GradientInfo's gradInfo)
    }
  } finally {
    model.head.setSampleWeights(null);
    history.samplesPerSec = history.seconds > 0 ? history.epochs.length * data.count / history.seconds : 0;
  }
  await each((c) => c.onTrainEnd?.(history.epochs.at(-1) ?? {}, run));
  return history;
}
