// The built-in training callbacks Keras and TF.js users reach for: EarlyStopping (stop when a
// monitored figure stops improving, optionally going back to the best weights) and
// ReduceLROnPlateau (lower the learning rate when it stalls). Both follow Keras's rules
// (keras/src/callbacks/early_stopping.py, reduce_lr_on_plateau.py) and keep their counters as
// callback state, so a run resumed from a checkpoint stops and lowers the rate exactly where
// the uninterrupted run would.
import { checkPositiveF32 } from './binding.js';
import type { Callback, EpochLogs, TrainingRun } from './callbacks.js';

type Mode = 'auto' | 'min' | 'max';

/** The monitored value of an epoch's logs (TF.js's keys such as val_loss, or gaaf's valLoss); a missing one is an error naming what the logs hold. */
function monitored(who: string, monitor: string, logs: EpochLogs): number {
  const v = (logs as Record<string, unknown>)[monitor];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    const has = Object.getOwnPropertyNames(logs).filter((k) => typeof (logs as Record<string, unknown>)[k] === 'number' && !['epoch', 'seconds', 'samplesPerSec', 'steps'].includes(k));
    throw new RangeError(`gaaf: ${who}: monitor '${monitor}' is ${v === undefined ? 'not in' : `${String(v)} in`} the epoch's logs (they hold ${has.join(', ')})` +
      (monitor.startsWith('val') && v === undefined ? '; give fit validationData or validationSplit, or monitor a training figure' : ''));
  }
  return v;
}

/** Keras's mode 'auto': an accuracy is better higher, anything else lower. */
function better(mode: Mode, monitor: string, minDelta: number): (a: number, best: number) => boolean {
  const max = mode === 'max' || (mode === 'auto' && /acc/i.test(monitor));
  return max ? (a, b) => a - minDelta > b : (a, b) => a + minDelta < b;
}

function checkOptions(who: string, opts: object, known: readonly string[]): void {
  const bad = Object.keys(opts).filter((k) => !known.includes(k));
  if (bad.length) throw new RangeError(`gaaf: ${who}: unknown option ${bad.map((k) => `'${k}'`).join(', ')} (expected ${known.join(', ')})`);
  const mode = (opts as { mode?: unknown }).mode;
  if (mode !== undefined && mode !== 'auto' && mode !== 'min' && mode !== 'max') throw new RangeError(`gaaf: ${who}: mode must be 'auto', 'min' or 'max', got ${String(mode)}`);
}

function checkCount(who: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`gaaf: ${who}: ${name} must be an integer ≥ 0, got ${v}`);
}

function checkNonNegative(who: string, name: string, v: number): void {
  if (!(typeof v === 'number' && v >= 0 && v < Infinity)) throw new RangeError(`gaaf: ${who}: ${name} must be a finite number ≥ 0, got ${v}`);
}

const toBase64 = (a: Float32Array): string => {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
};

const fromBase64 = (s: string): Float32Array => {
  const bin = atob(s);
  const b = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) b[i] = bin.charCodeAt(i);
  return new Float32Array(b.buffer, 0, b.length >> 2);
};

export interface EarlyStoppingOptions {
  /** The figure to watch: 'val_loss' (default), 'val_acc', 'loss', 'valMse', ... */
  monitor?: string;
  /** A change smaller than this is no improvement. Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  mode?: Mode;
  /** Stop if the figure is not better than this after `patience` epochs. */
  baseline?: number;
  /** At the end of training, set the weights of the best epoch. Default false. */
  restoreBestWeights?: boolean;
}

interface EarlyStoppingState {
  wait: number;
  best: number | null;
  bestEpoch: number;
  stoppedEpoch: number;
  bestWeights: string[] | null;
}

/** Stops training when `monitor` has not improved for `patience` epochs (Keras's EarlyStopping). */
export class EarlyStopping implements Callback {
  readonly stateKey = 'earlyStopping';
  readonly monitor: string;
  private readonly minDelta: number;
  private readonly patience: number;
  private readonly baseline: number | undefined;
  private readonly restoreBestWeights: boolean;
  private readonly improves: (a: number, best: number) => boolean;
  private s: EarlyStoppingState = { wait: 0, best: null, bestEpoch: -1, stoppedEpoch: -1, bestWeights: null };
  private restored = false;

  constructor(opts: EarlyStoppingOptions = {}) {
    checkOptions('EarlyStopping', opts, ['monitor', 'minDelta', 'patience', 'mode', 'baseline', 'restoreBestWeights']);
    this.monitor = opts.monitor ?? 'val_loss';
    this.minDelta = Math.abs(opts.minDelta ?? 0);
    this.patience = opts.patience ?? 0;
    this.baseline = opts.baseline;
    this.restoreBestWeights = opts.restoreBestWeights ?? false;
    checkNonNegative('EarlyStopping', 'minDelta', this.minDelta);
    checkCount('EarlyStopping', 'patience', this.patience);
    if (this.baseline !== undefined && !Number.isFinite(this.baseline)) throw new RangeError(`gaaf: EarlyStopping: baseline must be a finite number, got ${this.baseline}`);
    this.improves = better(opts.mode ?? 'auto', this.monitor, this.minDelta);
  }

  /** The 0-based epoch training stopped after (-1: it did not stop early), and the best epoch (0-based) and value. */
  get stoppedEpoch(): number { return this.s.stoppedEpoch; }
  get bestEpoch(): number { return this.s.bestEpoch; }
  get best(): number | null { return this.s.best; }

  onTrainBegin(): void {
    if (!this.restored) this.s = { wait: 0, best: null, bestEpoch: -1, stoppedEpoch: -1, bestWeights: null };
    this.restored = false;
  }

  onEpochEnd(epoch: number, logs: EpochLogs, run: TrainingRun): void {
    const v = monitored('EarlyStopping', this.monitor, logs);
    this.s.wait++;
    if (this.s.best === null || this.improves(v, this.s.best)) {
      this.s.best = v;
      this.s.bestEpoch = epoch;
      if (this.restoreBestWeights) this.s.bestWeights = run.model.getWeights().map(toBase64);
      // Keras: the wait restarts only when the value beats the baseline as well as the best so far
      if (this.baseline === undefined || this.improves(v, this.baseline)) this.s.wait = 0;
      return;
    }
    if (this.s.wait >= this.patience && epoch > 0) {
      this.s.stoppedEpoch = epoch;
      run.model.stopTraining = true;
    }
  }

  onTrainEnd(_logs: unknown, run: TrainingRun): void {
    if (this.restoreBestWeights && this.s.bestWeights) run.model.setWeights(this.s.bestWeights.map(fromBase64));
  }

  state(): EarlyStoppingState {
    return { ...this.s, bestWeights: this.s.bestWeights && [...this.s.bestWeights] };
  }

  setState(st: unknown, run: TrainingRun): void {
    const o = st as Partial<EarlyStoppingState> | null;
    const ok = o && Number.isInteger(o.wait) && Number.isInteger(o.bestEpoch) && Number.isInteger(o.stoppedEpoch) &&
      (o.best === null || typeof o.best === 'number') && (o.bestWeights === null || (Array.isArray(o.bestWeights) && o.bestWeights.every((w) => typeof w === 'string')));
    if (!ok) throw new RangeError(`gaaf: EarlyStopping: the checkpoint's state for it is malformed: ${JSON.stringify(st)?.slice(0, 120)}`);
    if (o.bestWeights) {
      const params = run.model.params();
      const ws = o.bestWeights.map(fromBase64);
      if (ws.length !== params.length || ws.some((w, i) => w.length !== params[i].value.length)) {
        throw new RangeError("gaaf: EarlyStopping: the checkpoint's best weights do not match the model's parameters");
      }
    }
    this.s = { ...(o as EarlyStoppingState) };
    this.restored = true;
  }
}

export interface ReduceLROnPlateauOptions {
  monitor?: string;
  /** The learning rate is multiplied by this (in (0, 1)). Default 0.1. */
  factor?: number;
  patience?: number;
  mode?: Mode;
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again. Default 0. */
  cooldown?: number;
  /** The rate never goes below this. Default 0. */
  minLr?: number;
}

interface PlateauState { wait: number; cooldown: number; best: number | null }

/** Multiplies the optimizer's learning rate by `factor` when `monitor` has not improved for `patience` epochs (Keras's ReduceLROnPlateau). */
export class ReduceLROnPlateau implements Callback {
  readonly stateKey = 'reduceLROnPlateau';
  readonly monitor: string;
  private readonly factor: number;
  private readonly patience: number;
  private readonly cooldown: number;
  private readonly minLr: number;
  private readonly improves: (a: number, best: number) => boolean;
  private s: PlateauState = { wait: 0, cooldown: 0, best: null };
  private restored = false;

  constructor(opts: ReduceLROnPlateauOptions = {}) {
    checkOptions('ReduceLROnPlateau', opts, ['monitor', 'factor', 'patience', 'mode', 'minDelta', 'cooldown', 'minLr']);
    this.monitor = opts.monitor ?? 'val_loss';
    this.factor = opts.factor ?? 0.1;
    this.patience = opts.patience ?? 10;
    this.cooldown = opts.cooldown ?? 0;
    this.minLr = opts.minLr ?? 0;
    if (!(this.factor > 0 && this.factor < 1)) throw new RangeError(`gaaf: ReduceLROnPlateau: factor must be in (0, 1), got ${this.factor}`);
    checkCount('ReduceLROnPlateau', 'patience', this.patience);
    checkCount('ReduceLROnPlateau', 'cooldown', this.cooldown);
    checkNonNegative('ReduceLROnPlateau', 'minLr', this.minLr);
    const minDelta = opts.minDelta ?? 1e-4;
    checkNonNegative('ReduceLROnPlateau', 'minDelta', minDelta);
    this.improves = better(opts.mode ?? 'auto', this.monitor, minDelta);
  }

  onTrainBegin(_logs: unknown, run: TrainingRun): void {
    if (typeof (run.optimizer as { lr?: unknown }).lr !== 'number') throw new RangeError(`gaaf: ReduceLROnPlateau: the optimizer '${run.optimizer.name}' has no learning rate to lower`);
    if ((run.optimizer as { schedule?: unknown }).schedule) {
      throw new RangeError(`gaaf: ReduceLROnPlateau: the optimizer '${run.optimizer.name}' follows a learning-rate schedule, which sets its rate every step; use one or the other`);
    }
    if (!this.restored) this.s = { wait: 0, cooldown: 0, best: null };
    this.restored = false;
  }

  onEpochEnd(_epoch: number, logs: EpochLogs, run: TrainingRun): void {
    const v = monitored('ReduceLROnPlateau', this.monitor, logs);
    const opt = run.optimizer as unknown as { lr: number };
    logs.lr = opt.lr; // the rate this epoch trained with, as Keras logs it
    if (this.s.cooldown > 0) {
      this.s.cooldown--;
      this.s.wait = 0;
    }
    if (this.s.best === null || this.improves(v, this.s.best)) {
      this.s.best = v;
      this.s.wait = 0;
    } else if (this.s.cooldown === 0 && ++this.s.wait >= this.patience) {
      // the kernels take the rate as a float32: compare it with minLr as one
      const old = opt.lr;
      if (Math.fround(old) > Math.fround(this.minLr)) {
        const lr = Math.max(old * this.factor, this.minLr);
        checkPositiveF32('gaaf: ReduceLROnPlateau: the new learning rate', lr);
        opt.lr = lr;
        this.s.cooldown = this.cooldown;
        this.s.wait = 0;
      }
    }
  }

  state(): PlateauState {
    return { ...this.s };
  }

  setState(st: unknown): void {
    const o = st as Partial<PlateauState> | null;
    if (!o || !Number.isInteger(o.wait) || !Number.isInteger(o.cooldown) || !(o.best === null || typeof o.best === 'number')) {
      throw new RangeError(`gaaf: ReduceLROnPlateau: the checkpoint's state for it is malformed: ${JSON.stringify(st)?.slice(0, 120)}`);
    }
    this.s = { ...(o as PlateauState) };
    this.restored = true;
  }
}
