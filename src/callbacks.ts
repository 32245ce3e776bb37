// What fit() reports as training goes, and the hooks it calls (Keras-like callbacks), in the
// order given. A callback that keeps running values across steps (a metric such as the
// paper's gradient information, ./gradient-info.ts) names itself with `stateKey`: its state()
// is part of the TrainingState, so whatever saves that state (checkpoints,
// src/checkpoint/callback.ts) carries it, and on resume fit() gives it back with setState()
// before training begins, so the callback's values continue bit for bit too.
import type { Dataset } from './data/dataset.js';
import type { Network } from './model.js';
import type { Optimizer } from './optimizers.js';

/** A batch's logs (onBatchEnd's second argument; onBatchBegin gets them without loss and with the step before the update). */
export interface BatchInfo {
  epoch: number; // 1-based
  batch: number; // 1-based within the epoch (the first argument of the hooks is TF.js's 0-based index)
  batches: number;
  step: number; // global step, 1-based after the update
  loss: number; // mean loss of this batch
  size: number; // rows in this batch (TF.js's `size`)
}

/** One epoch's figures. Callbacks may add their own (GradientInfo adds gradInfo) before later callbacks see them. */
export interface EpochLogs {
  epoch: number; // 1-based
  loss: number; // mean training loss over the epoch (with dropout active, as trained)
  /** Training accuracy over the epoch, from the training forward passes. Classification losses only: absent for regression losses (typed as always present for the callers that predate them). */
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  /** The validation data's other metrics, as val + the metric's name: valMse, valMae, valBinaryAccuracy, ... */
  [metric: string]: unknown;
  seconds: number; // wall time of the training part of the epoch (callbacks not included)
  samplesPerSec: number;
  steps: number;
}

export interface History {
  /** Every epoch's logs, those before a resume included. */
  epochs: EpochLogs[];
  /**
   * TF.js's and Keras's form: each metric's values, one per epoch, under the names TF.js logs
   * them ('loss', 'acc' and 'accuracy', 'val_loss', 'val_acc', 'mse', 'val_mae', ...), and
   * `epoch`, the 0-based epoch indices.
   */
  history: Record<string, number[]>;
  epoch: number[];
  steps: number;
  samplesPerSec: number;
  seconds: number;
}

/** Where training stands and what it has accumulated, so fit() can continue bit for bit. */
export interface TrainingState {
  seed: number;
  /** The epoch to continue (1-based) and the index of its next batch (0-based). */
  epoch: number;
  batch: number;
  /** Global step: optimizer updates done so far. */
  step: number;
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  /** Samples in the training data and a fingerprint of them, to refuse resuming on other data. */
  dataCount: number;
  dataSha256: string;
  /** The first epoch of this run is initialEpoch + 1 (fit's initialEpoch; absent: 0). */
  initialEpoch?: number;
  /** Running sums of the current epoch: the loss, the rows right, and each of the loss's metrics (absent in older checkpoints). */
  epochLossSum: number;
  epochCorrect: number;
  epochMetricSums?: number[];
  epochSeconds: number;
  /** The finished epochs' logs and their totals. */
  history: Array<Record<string, unknown>>;
  historySteps: number;
  historySeconds: number;
  /** The state() of each stateful callback, by its stateKey (JSON values). */
  callbacks: Record<string, unknown>;
}

/** What callbacks see of the run in progress. */
export interface TrainingRun {
  readonly model: Network;
  readonly optimizer: Optimizer;
  readonly data: Dataset;
  readonly history: History;
  /** The state to continue this run from, as of the last finished batch (or epoch). */
  state(): Promise<TrainingState>;
}

/**
 * Training hooks with TF.js's signatures: the first argument is the 0-based epoch or batch
 * index, the second the logs (TF.js's keys, such as logs.loss, logs.acc and logs.val_loss,
 * are there beside gaaf's camelCase ones), and the last one what gaaf adds, the run (the
 * model, the optimizer, the data, the history so far, the state to resume from).
 */
export interface Callback {
  /** Set by a callback with running values: its key in TrainingState.callbacks. */
  readonly stateKey?: string;
  onTrainBegin?(logs: Record<string, never>, run: TrainingRun): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Record<string, never>, run: TrainingRun): void | Promise<void>;
  onBatchBegin?(batch: number, logs: Omit<BatchInfo, 'loss'>, run: TrainingRun): void | Promise<void>;
  onBatchEnd?(batch: number, logs: BatchInfo, run: TrainingRun): void | Promise<void>;
  /** Set run.model.stopTraining = true here to stop after this epoch. */
  onEpochEnd?(epoch: number, logs: EpochLogs, run: TrainingRun): void | Promise<void>;
  /** logs: the last epoch's (empty if none ran); run.history holds them all. */
  onTrainEnd?(logs: EpochLogs | Record<string, never>, run: TrainingRun): void | Promise<void>;
  /** A stateful callback's running values, as JSON (saved with the training state). */
  state?(): unknown;
  /** Restores state() on resume, before onTrainBegin; throws a clear error if it does not fit the model. */
  setState?(state: unknown, run: TrainingRun): void;
}

/** The name fit's `callbacks` option had when it took one object of hooks (which is still a Callback). */
export type Callbacks = Callback;

const HOOKS = ['onTrainBegin', 'onEpochBegin', 'onBatchBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'];

/**
 * fit's `callbacks` option as a list. A hook name fit does not call (a typo such as
 * onEpochEnds, or TF.js's onYield) is an error rather than a hook that silently never runs.
 */
export function callbackList(c: Callback | readonly Callback[] | undefined): Callback[] {
  const list = c === undefined ? [] : Array.isArray(c) ? [...c] : [c as Callback];
  list.forEach((cb, i) => {
    if (typeof cb !== 'object' || cb === null) throw new TypeError(`gaaf: fit: callbacks[${i}] must be an object of hooks, got ${String(cb)}`);
    for (const k of Object.keys(cb)) {
      const v = (cb as unknown as Record<string, unknown>)[k];
      if (/^on[A-Z]/.test(k) && !HOOKS.includes(k)) throw new RangeError(`gaaf: fit: callbacks[${i}] has '${k}', which fit never calls (hooks: ${HOOKS.join(', ')})`);
      if (HOOKS.includes(k) && typeof v !== 'function' && v !== undefined) throw new TypeError(`gaaf: fit: callbacks[${i}].${k} must be a function, got ${typeof v}`);
    }
  });
  return list;
}
