// Optimizers: state buffers live in Wasm memory beside the parameters, laid out once when
// the optimizer is attached to a model; step() only calls the update kernels. What they share
// (the learning rate and its schedules, skipping frozen layers, applyGradients) is in
// ./optimizers/base.ts; the schedules are in ./optimizers/schedules.ts.
// Options are checked in float32, the precision the update kernels use (an lr of 1e-50 would be 0).
import { Buf, adamUpdate, checkNonNegativeF32, checkPositiveF32, checkUnitF32, sgdUpdate } from './binding.js';
import type { Param } from './layers/layer.js';
import { BaseOptimizer, type Optimizer, type OptimizerConfig, type OptimizerSlot } from './optimizers/base.js';
import type { LearningRate } from './optimizers/schedules.js';

export { type NamedGradients, type Optimizer, type OptimizerConfig, type OptimizerSlot, FUNCTION_SCHEDULE } from './optimizers/base.js';
export {
  type CosineDecayOptions, type ExponentialDecayOptions, type LearningRate, type LearningRateSchedule, type LrSchedule, type ScheduleConfig,
  cosineDecay, exponentialDecay, isNamedSchedule, scheduleFromConfig,
} from './optimizers/schedules.js';

export type OptimizerName = 'sgd' | 'adam';

/**
 * The learning rate each optimizer takes when none is given: the one place it is set (the
 * optimizers' constructors, fit's optimizer by name and the command line read it). Keras's
 * defaults. A recipe that trains with another rate (the paper MLP's SGD at 0.05,
 * PAPER_MLP_RECIPE in paper-models.ts) states it, rather than being a default.
 */
export const DEFAULT_LR: Readonly<Record<OptimizerName, number>> = { sgd: 0.01, adam: 0.001 };

function checkState(opt: string, s: Record<string, number>, keys: readonly string[]): void {
  for (const k of keys) {
    const v = s[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`gaaf: ${opt} state '${k}' must be a finite number, got ${JSON.stringify(v)}`);
  }
  if (!Number.isSafeInteger(s.iterations) || s.iterations < 0) throw new RangeError(`gaaf: ${opt} state 'iterations' must be an integer in [0, 2^53), got ${s.iterations}`);
}

export interface SGDOptions {
  /** A number, a function of the step `(step) => lr`, or a schedule (exponentialDecay, cosineDecay). */
  lr?: LearningRate;
  momentum?: number;
  weightDecay?: number;
}

/** SGD with (heavy-ball) momentum: v = μ·v + (g + wd·w); w −= lr·v. */
export class SGD extends BaseOptimizer {
  readonly name = 'sgd';
  readonly momentum: number;
  readonly weightDecay: number;
  private slots: Buf[] = [];

  constructor(opts: SGDOptions = {}) {
    super('SGD', opts.lr, DEFAULT_LR.sgd);
    this.momentum = opts.momentum ?? 0.9;
    this.weightDecay = opts.weightDecay ?? 0;
    checkUnitF32('gaaf: SGD momentum', this.momentum);
    checkNonNegativeF32('gaaf: SGD weight decay', this.weightDecay);
  }

  readonly slotNames = ['v'] as const;

  protected allocateSlots(params: readonly Param[]): void {
    this.slots = params.map((p) => {
      const v = new Buf(p.value.length, 'f32', `${p.name}/sgd.v`);
      v.fill(0);
      return v;
    });
  }

  protected updateParam(i: number, lr: number): void {
    const p = this.params[i];
    sgdUpdate(p.value, p.grad, this.slots[i], p.value.length, lr, this.momentum, this.weightDecay);
  }

  config(): OptimizerConfig {
    return { name: this.name, lr: this.lrConfig(), momentum: this.momentum, weightDecay: this.weightDecay };
  }

  slotTensors(): OptimizerSlot[] {
    return this.params.map((p, i) => ({ param: p.name, slot: 'v', shape: p.shape, value: this.slots[i] }));
  }

  state(): Record<string, number> {
    return { iterations: this.iterations };
  }

  setState(s: Record<string, number>): void {
    checkState('SGD', s, ['iterations']);
    this.iterations = s.iterations;
  }

  protected freeSlots(): void {
    for (const v of this.slots) v.free();
    this.slots = [];
  }
}

export interface AdamOptions {
  /** A number, a function of the step `(step) => lr`, or a schedule (exponentialDecay, cosineDecay). */
  lr?: LearningRate;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
}

/** Adam (Kingma & Ba 2015, Algorithm 1), with optional L2 weight decay added to the gradient. */
export class Adam extends BaseOptimizer {
  readonly name = 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  // β1^t and β2^t as running products: exact IEEE multiplications, so every engine agrees
  // bit for bit (Math.pow's last bit is implementation-defined).
  private beta1Pow = 1;
  private beta2Pow = 1;
  private bc1 = 0;
  private bc2 = 0;
  private slots: Array<{ m: Buf; v: Buf }> = [];

  constructor(opts: AdamOptions = {}) {
    super('Adam', opts.lr, DEFAULT_LR.adam);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-7;
    this.weightDecay = opts.weightDecay ?? 0;
    checkUnitF32('gaaf: Adam beta1', this.beta1);
    checkUnitF32('gaaf: Adam beta2', this.beta2);
    checkPositiveF32('gaaf: Adam epsilon', this.epsilon);
    checkNonNegativeF32('gaaf: Adam weight decay', this.weightDecay);
  }

  readonly slotNames = ['m', 'v'] as const;

  protected allocateSlots(params: readonly Param[]): void {
    this.slots = params.map((p) => {
      const m = new Buf(p.value.length, 'f32', `${p.name}/adam.m`);
      const v = new Buf(p.value.length, 'f32', `${p.name}/adam.v`);
      m.fill(0);
      v.fill(0);
      return { m, v };
    });
  }

  protected override beginStep(): void {
    this.beta1Pow *= this.beta1;
    this.beta2Pow *= this.beta2;
    this.bc1 = 1 - this.beta1Pow;
    this.bc2 = 1 - this.beta2Pow;
  }

  protected updateParam(i: number, lr: number): void {
    const p = this.params[i];
    const { m, v } = this.slots[i];
    adamUpdate(p.value, p.grad, m, v, p.value.length, lr, this.beta1, this.beta2, this.epsilon, this.bc1, this.bc2, this.weightDecay);
  }

  config(): OptimizerConfig {
    return { name: this.name, lr: this.lrConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.weightDecay };
  }

  slotTensors(): OptimizerSlot[] {
    return this.params.flatMap((p, i) => [
      { param: p.name, slot: 'm', shape: p.shape, value: this.slots[i].m },
      { param: p.name, slot: 'v', shape: p.shape, value: this.slots[i].v },
    ]);
  }

  // β1^t and β2^t are saved as they are (JSON numbers round-trip float64 exactly), not
  // recomputed from t, so a resumed run continues with the very same bits.
  state(): Record<string, number> {
    return { iterations: this.iterations, beta1Pow: this.beta1Pow, beta2Pow: this.beta2Pow };
  }

  setState(s: Record<string, number>): void {
    checkState('Adam', s, ['iterations', 'beta1Pow', 'beta2Pow']);
    for (const k of ['beta1Pow', 'beta2Pow'] as const) {
      // β^t: a power of a rate in [0, 1); the bias corrections 1/(1 − β^t) are float32 in the kernel
      if (!(s[k] >= 0 && s[k] <= 1)) throw new RangeError(`gaaf: Adam state '${k}' must be in [0, 1] (a power of beta), got ${s[k]}`);
    }
    this.iterations = s.iterations;
    this.beta1Pow = s.beta1Pow;
    this.beta2Pow = s.beta2Pow;
  }

  protected freeSlots(): void {
    for (const s of this.slots) {
      s.m.free();
      s.v.free();
    }
    this.slots = [];
  }
}

const OPTIONS: Readonly<Record<OptimizerName, readonly string[]>> = {
  sgd: ['lr', 'momentum', 'weightDecay'],
  adam: ['lr', 'beta1', 'beta2', 'epsilon', 'weightDecay'],
};

/**
 * An optimizer by name, with its options (the learning rate defaults to DEFAULT_LR[name]; it
 * may be a number, a function of the step or a schedule). An option the optimizer does not
 * take (momentum for Adam) is an error, not ignored.
 */
export function makeOptimizer(name: OptimizerName, opts: SGDOptions & AdamOptions = {}): Optimizer {
  const known = Object.hasOwn(OPTIONS, name) ? OPTIONS[name] : null;
  if (!known) throw new RangeError(`gaaf: unknown optimizer '${name as string}' (expected sgd or adam)`);
  const bad = Object.keys(opts).filter((k) => !known.includes(k));
  if (bad.length) throw new RangeError(`gaaf: optimizer '${name}' has no option ${bad.map((k) => `'${k}'`).join(', ')} (it takes ${known.join(', ')})`);
  return name === 'sgd' ? new SGD(opts) : new Adam(opts);
}
