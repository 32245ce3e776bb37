// Learning-rate schedules: the learning rate of an update as a function of the optimizer's step
// (its `iterations` before the update, 0 for the first one, as Keras). Computed in float64 in
// plain JS; the optimizer then checks the value (positive, a normal float32) before it updates
// anything. A named schedule is its config (saved in checkpoints and rebuilt by
// scheduleFromConfig); a plain function `(step) => lr` is a schedule too, but cannot be saved.
// Math.pow and Math.cos are V8's own (fdlibm-derived) in Node and Chromium alike, so a
// schedule gives the same bits in both.
import { checkPositiveF32 } from '../binding.js';

/** A named learning-rate schedule (Keras's keras.optimizers.schedules.LearningRateSchedule). */
export interface LearningRateSchedule {
  /** 'exponentialDecay' or 'cosineDecay': the maker's name, in checkpoints. */
  readonly schedule: string;
  /** The learning rate of the update at `step` (0 for the first update), in float64. */
  at(step: number): number;
  /** The maker's options, complete: scheduleFromConfig(config()) rebuilds the schedule. */
  config(): ScheduleConfig;
}

/** A schedule's config as checkpoints hold it: its name under `schedule`, then its options. */
export type ScheduleConfig = { schedule: string } & Record<string, number | boolean | string | null>;

/** A learning rate as the optimizers take it: a number, a function of the step, or a named schedule. */
export type LrSchedule = ((step: number) => number) | LearningRateSchedule;
export type LearningRate = number | LrSchedule;

export const isNamedSchedule = (v: unknown): v is LearningRateSchedule =>
  typeof v === 'object' && v !== null && typeof (v as LearningRateSchedule).at === 'function' && typeof (v as LearningRateSchedule).config === 'function';

function checkKeys(maker: string, opts: object, known: readonly string[]): void {
  if (typeof opts !== 'object' || opts === null) throw new TypeError(`gaaf: ${maker} takes an options object, got ${String(opts)}`);
  const bad = Object.keys(opts).filter((k) => !known.includes(k));
  if (bad.length) throw new RangeError(`gaaf: ${maker} has no option ${bad.map((k) => `'${k}'`).join(', ')} (it takes ${known.join(', ')})`);
}

function checkPositive(maker: string, what: string, v: unknown): number {
  if (typeof v !== 'number' || !(Number.isFinite(v) && v > 0)) throw new RangeError(`gaaf: ${maker}: ${what} must be a positive finite number, got ${String(v)}`);
  return v;
}

export interface ExponentialDecayOptions {
  /** The learning rate at step 0. */
  initialLr: number;
  /** Steps over which the rate is multiplied by decayRate once. */
  decaySteps: number;
  decayRate: number;
  /** Decay in whole periods of decaySteps (a step function) rather than continuously. Default false. */
  staircase?: boolean;
}

const EXP_KEYS = ['initialLr', 'decaySteps', 'decayRate', 'staircase'] as const;

/**
 * initialLr · decayRate^(step / decaySteps), with the exponent floored when staircase:
 * Keras's keras.optimizers.schedules.ExponentialDecay (keras/src/optimizers/schedules/
 * learning_rate_schedule.py, `decayed_learning_rate`).
 */
export function exponentialDecay(opts: ExponentialDecayOptions): LearningRateSchedule {
  checkKeys('exponentialDecay', opts, EXP_KEYS);
  const initialLr = opts.initialLr;
  checkPositiveF32('gaaf: exponentialDecay: initialLr', initialLr);
  const decaySteps = checkPositive('exponentialDecay', 'decaySteps', opts.decaySteps);
  const decayRate = checkPositive('exponentialDecay', 'decayRate', opts.decayRate);
  const staircase = opts.staircase ?? false;
  if (typeof staircase !== 'boolean') throw new TypeError(`gaaf: exponentialDecay: staircase must be true or false, got ${String(staircase)}`);
  return {
    schedule: 'exponentialDecay',
    at(step: number): number {
      const p = staircase ? Math.floor(step / decaySteps) : step / decaySteps;
      return initialLr * Math.pow(decayRate, p);
    },
    config: () => ({ schedule: 'exponentialDecay', initialLr, decaySteps, decayRate, staircase }),
  };
}

export interface CosineDecayOptions {
  /** The learning rate at step 0 (where a warm-up begins, if there is one); positive. */
  initialLr: number;
  /** Steps of the cosine decay (after the warm-up). */
  decaySteps: number;
  /** The floor, as a fraction of the rate decayed from (in [0, 1]). Default 0. */
  alpha?: number;
  /** Steps of linear warm-up from initialLr to warmupTarget before the decay. Default 0. */
  warmupSteps?: number;
  /** The rate the warm-up reaches and the decay starts from; needed for a warm-up. Default: none (decay from initialLr). */
  warmupTarget?: number | null;
}

const COS_KEYS = ['initialLr', 'decaySteps', 'alpha', 'warmupSteps', 'warmupTarget'] as const;

/**
 * Cosine decay with optional linear warm-up: Keras's keras.optimizers.schedules.CosineDecay
 * (keras/src/optimizers/schedules/learning_rate_schedule.py, `__call__`, `_warmup_function`
 * and `_decay_function`). Without a warmupTarget: s = min(step, decaySteps) and
 * lr = initialLr · ((1 − α)·½(1 + cos(π·s/decaySteps)) + α). With one: s = min(step,
 * decaySteps + warmupSteps); below warmupSteps lr = (warmupTarget − initialLr)·s/warmupSteps
 * + initialLr, then the decay above from warmupTarget over s − warmupSteps.
 * With alpha 0 the rate reaches 0 at decaySteps, which the optimizers refuse: give alpha > 0
 * to train past it.
 */
export function cosineDecay(opts: CosineDecayOptions): LearningRateSchedule {
  checkKeys('cosineDecay', opts, COS_KEYS);
  const initialLr = opts.initialLr;
  // the rate of the first update: Keras's warm-ups often start at 0, which gaaf refuses as a
  // learning rate (the first update would be no update), so a warm-up starts above 0
  const target = opts.warmupTarget ?? null;
  if (initialLr === 0 && target !== null) {
    throw new RangeError('gaaf: cosineDecay: initialLr 0 would make the first update\'s learning rate 0, which the optimizers refuse; start the warm-up from a small positive rate');
  }
  checkPositiveF32('gaaf: cosineDecay: initialLr', initialLr);
  const decaySteps = checkPositive('cosineDecay', 'decaySteps', opts.decaySteps);
  const alpha = opts.alpha ?? 0;
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1)) throw new RangeError(`gaaf: cosineDecay: alpha must be in [0, 1], got ${String(alpha)}`);
  const warmupSteps = opts.warmupSteps ?? 0;
  if (typeof warmupSteps !== 'number' || !(Number.isFinite(warmupSteps) && warmupSteps >= 0)) {
    throw new RangeError(`gaaf: cosineDecay: warmupSteps must be a finite number ≥ 0, got ${String(warmupSteps)}`);
  }
  if (target !== null) checkPositiveF32('gaaf: cosineDecay: warmupTarget', target);
  else if (warmupSteps > 0) throw new RangeError(`gaaf: cosineDecay: warmupSteps ${warmupSteps} needs warmupTarget, the rate the warm-up reaches`);
  const decay = (s: number, from: number): number => from * ((1 - alpha) * (0.5 * (1 + Math.cos(Math.PI * (s / decaySteps)))) + alpha);
  return {
    schedule: 'cosineDecay',
    at(step: number): number {
      if (target === null) return decay(Math.min(step, decaySteps), initialLr);
      const s = Math.min(step, decaySteps + warmupSteps);
      return s < warmupSteps ? (target - initialLr) * (s / warmupSteps) + initialLr : decay(s - warmupSteps, target);
    },
    config: () => ({ schedule: 'cosineDecay', initialLr, decaySteps, alpha, warmupSteps, warmupTarget: target }),
  };
}

const MAKERS: Readonly<Record<string, (o: never) => LearningRateSchedule>> = { exponentialDecay, cosineDecay };

/** A named schedule from its config() (as a checkpoint holds it); an unknown name or a bad option is an error. */
export function scheduleFromConfig(c: Record<string, unknown>): LearningRateSchedule {
  const { schedule, ...opts } = c;
  if (typeof schedule !== 'string' || !Object.hasOwn(MAKERS, schedule)) {
    throw new RangeError(`gaaf: unknown learning-rate schedule ${JSON.stringify(schedule)} (expected ${Object.keys(MAKERS).join(' or ')})`);
  }
  return MAKERS[schedule](opts as never);
}
