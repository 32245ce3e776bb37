// The training loop: seeded shuffling, minibatch SGD/Adam, per-epoch logs, the paper's
// gradient information (eq. 5) per Dense layer, and a stop with a clear message when the
// loss turns NaN or Inf.
import { countNonFinite, init, meanAbs } from './binding.js';
import { firstNonFiniteTensor, resolveHandler, snapshot } from './checkpoint/checkpoint.js';
import { type CheckpointHandler, type TrainingState, sha256Hex } from './checkpoint/format.js';
import type { Dataset } from './data/dataset.js';
import { checkFits } from './memory.js';
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
  /**
   * Save checkpoints (with the optimizer and the training position) into a directory (Node)
   * or through a handler: every `everySteps` steps (if given) and at the end of every epoch.
   * Weights that turned NaN or ±Inf are never saved: training stops with TrainingDivergedError
   * and the last good checkpoint stays.
   */
  checkpoint?: CheckpointOptions;
  /**
   * Continue a run from a checkpoint (Model.loadCheckpoint): its optimizer and training state.
   * The data, seed, batch size and shuffle must be those of the run; epochs (the total) may grow.
   * The result is bit for bit that of a run that was never interrupted.
   */
  resume?: { optimizer: Optimizer | null; training: TrainingState | null };
}

export interface CheckpointOptions {
  to: string | CheckpointHandler;
  everySteps?: number;
  /** Called after each checkpoint is complete. */
  onSave?(info: { epoch: number; batch: number; step: number; where: string }): void | Promise<void>;
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

/** SHA-256 of a dataset's values and labels: a resumed run must see the same data. */
async function dataFingerprint(data: Dataset): Promise<string> {
  const h = await sha256Hex(new Uint8Array(data.x.buffer, data.x.byteOffset, data.x.byteLength));
  return sha256Hex(new TextEncoder().encode(h + (await sha256Hex(new Uint8Array(data.y.buffer, data.y.byteOffset, data.y.byteLength)))));
}

/** Trains `model` on `data` for `epochs` passes of shuffled minibatches. */
export async function fit(model: Model, data: Dataset, opts: FitOptions = {}): Promise<History> {
  await init(); // loads the Wasm module if the caller has not
  const st = opts.resume?.training ?? null;
  if (opts.resume && !st) throw new RangeError('gaaf: fit: resume: the checkpoint has no training state (it was saved without one); load it with Model.load to use its weights');
  const epochs = opts.epochs ?? st?.epochs ?? 1;
  const batchSize = opts.batchSize ?? st?.batchSize ?? 128;
  const seed = opts.seed ?? st?.seed ?? 0;
  const doShuffle = opts.shuffle ?? st?.shuffle ?? true;
  checkInt('epochs', epochs, 1);
  checkInt('batchSize', batchSize, 1);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`gaaf: fit: seed must be an integer in [0, 2^32), got ${seed}`);
  if (opts.lr !== undefined && !(Number.isFinite(opts.lr) && opts.lr > 0)) throw new RangeError(`gaaf: fit: lr must be a positive finite number, got ${opts.lr}`);
  if (data.count < 1) throw new RangeError(`gaaf: fit: '${data.name}' has no samples`);
  const ck = opts.checkpoint;
  if (ck?.everySteps !== undefined) checkInt('checkpoint.everySteps', ck.everySteps, 1);
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
    optimizer = typeof opts.optimizer === 'object' ? opts.optimizer : makeOptimizer(opts.optimizer ?? 'sgd', opts.lr !== undefined ? { lr: opts.lr } : {});
  }
  if (!model.built) model.build(data.sampleShape, { seed });
  model.checkData(data, 'fit');
  if (opts.validationData) model.checkData(opts.validationData, 'fit (validationData)');
  // Refuse a model that would not fit in Wasm memory before laying out anything for training.
  const batchRows = Math.min(batchSize, data.count);
  const est = model.estimateMemory({ batchSize: batchRows, optimizerSlots: optimizer.slotNames.length });
  checkFits(est, (st ? 0 : est.optimizerBytes) + (model.batchCapacity >= batchRows ? 0 : est.activationBytes), 'training this model', batchRows, model.inputShape);
  const fingerprint = ck || st ? await dataFingerprint(data) : '';
  if (st && st.dataSha256 !== fingerprint) {
    throw new RangeError(`gaaf: fit: cannot resume: '${data.name}' is not the data the checkpoint was trained on (its SHA-256 differs)`);
  }
  const handler = ck ? await resolveHandler(ck.to) : null;

  const cb = opts.callbacks ?? {};
  const yieldMs = opts.yieldEveryMs ?? 50;
  model.ensureBatch(batchRows);
  optimizer.attach(model.params());
  const dense = model.denseLayers();
  const kernels = dense.map((l) => l.params()[0].grad);
  const gradTotal = st ? Float64Array.from(st.gradTotal) : new Float64Array(dense.length);
  const history: History = {
    epochs: st ? (st.history as unknown as EpochLogs[]) : [],
    layers: dense.map((l) => l.name),
    gradInfo: [],
    steps: st?.historySteps ?? 0,
    samplesPerSec: 0,
    seconds: st?.historySeconds ?? 0,
  };
  const order = new Int32Array(data.count);
  const batches = Math.ceil(data.count / batchSize);
  if (st) model.step = st.step;
  model.stopTraining = false;
  await cb.onTrainBegin?.();

  /** Saves a checkpoint at the start of batch `batch` of `epoch`, with the running sums of that epoch. */
  const save = async (epoch: number, batch: number, sums: { lossSum: number; correct: number; busy: number; grad: Float64Array }): Promise<void> => {
    const bad = firstNonFiniteTensor(model) ?? optimizer.slotTensors().find((t) => countNonFinite(t.value) > 0)?.value.label ?? null;
    if (bad) {
      throw new TrainingDivergedError(
        `gaaf: training diverged by epoch ${epoch}, step ${model.step}: '${bad}' holds NaN or Inf, so no checkpoint was saved ` +
        `(the last good one in ${handler!.description} is kept). Try a lower learning rate.`, epoch, model.step, bad);
    }
    const training: TrainingState = {
      seed, epoch, batch, step: model.step, epochs, batchSize, shuffle: doShuffle, dataCount: data.count, dataSha256: fingerprint,
      epochLossSum: sums.lossSum, epochCorrect: sums.correct, epochSeconds: sums.busy / 1000, epochGradSum: Array.from(sums.grad),
      gradTotal: Array.from(gradTotal), history: history.epochs as unknown as Array<Record<string, unknown>>,
      historySteps: history.steps, historySeconds: history.seconds,
    };
    await handler!.save(await snapshot(model, { optimizer, training }));
    await ck!.onSave?.({ epoch, batch, step: model.step, where: handler!.description });
  };

  try {
    for (let epoch = st?.epoch ?? 1; epoch <= epochs && !model.stopTraining; epoch++) {
      const resumeHere = st !== null && epoch === st.epoch && st.batch > 0;
      await cb.onEpochBegin?.(epoch);
      for (let i = 0; i < order.length; i++) order[i] = i;
      if (doShuffle) shuffle(order, new Rng(deriveSeed(seed, SHUFFLE_TAG, epoch)));
      const gradEpoch = resumeHere ? Float64Array.from(st.epochGradSum) : new Float64Array(dense.length);
      let lossSum = resumeHere ? st.epochLossSum : 0;
      let correct = resumeHere ? st.epochCorrect : 0;
      let busy = resumeHere ? st.epochSeconds * 1000 : 0;
      let lastYield = now();
      for (let b = resumeHere ? st.batch : 0; b < batches; b++) {
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
        if (ck?.everySteps && model.step % ck.everySteps === 0 && b + 1 < batches) {
          await save(epoch, b + 1, { lossSum, correct, busy, grad: gradEpoch });
        }
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
      if (ck) await save(epoch + 1, 0, { lossSum: 0, correct: 0, busy: 0, grad: new Float64Array(dense.length) });
    }
  } finally {
    history.gradInfo = Array.from(gradTotal, (g) => (history.steps ? g / history.steps : 0));
    history.samplesPerSec = history.seconds > 0 ? history.epochs.length * data.count / history.seconds : 0;
  }
  await cb.onTrainEnd?.(history);
  return history;
}

