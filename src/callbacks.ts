// What fit() reports as training goes, and the hooks it calls (Keras-like callbacks), in the
// order given. A callback that keeps running values across steps (a metric such as the
// paper's gradient information, ./gradient-info.ts) names itself with `stateKey`: its state()
// is part of the TrainingState, so whatever saves that state (checkpoints,
// src/checkpoint/callback.ts) carries it, and on resume fit() gives it back with setState()
// before training begins, so the callback's values continue bit for bit too.
import type { Dataset } from './data/dataset.js';
import type { Network } from './model.js';
import type { Optimizer } from './optimizers.js';

export interface BatchInfo {
  epoch: number; // 1-based
  batch: number; // 1-based within the epoch
  batches: number;
  step: number; // global step, 1-based after the update
  loss: number; // mean loss of this batch
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
  /** Running sums of the current epoch. */
  epochLossSum: number;
  epochCorrect: number;
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

export interface Callback {
  /** Set by a callback with running values: its key in TrainingState.callbacks. */
  readonly stateKey?: string;
  onTrainBegin?(run: TrainingRun): void | Promise<void>;
  onEpochBegin?(epoch: number, run: TrainingRun): void | Promise<void>;
  onBatchEnd?(info: BatchInfo, run: TrainingRun): void | Promise<void>;
  /** Set run.model.stopTraining = true here to stop after this epoch. */
  onEpochEnd?(logs: EpochLogs, run: TrainingRun): void | Promise<void>;
  onTrainEnd?(history: History, run: TrainingRun): void | Promise<void>;
  /** A stateful callback's running values, as JSON (saved with the training state). */
  state?(): unknown;
  /** Restores state() on resume, before onTrainBegin; throws a clear error if it does not fit the model. */
  setState?(state: unknown, run: TrainingRun): void;
}

/** The name fit's `callbacks` option had when it took one object of hooks (which is still a Callback). */
export type Callbacks = Callback;

/** fit's `callbacks` option as a list. */
export function callbackList(c: Callback | readonly Callback[] | undefined): Callback[] {
  return c === undefined ? [] : Array.isArray(c) ? [...c] : [c as Callback];
}
