// What every optimizer shares: the learning rate (a number one may set, or a schedule of the
// step), the update of the attached parameters (frozen layers' parameters are skipped), and
// applyGradients, which takes gradients by parameter name (TF.js's optimizer.applyGradients).
// A subclass keeps its slot buffers and writes one parameter's update (./../optimizers.ts).
import { type Buf, checkPositiveF32 } from '../binding.js';
import { type Param, paramTrainable, shapeStr } from '../layers/layer.js';
import { type LearningRate, type LrSchedule, type ScheduleConfig, isNamedSchedule } from './schedules.js';

/** An optimizer's configuration, as config() gives it and checkpoints hold it: lr is a number or a schedule's config. */
export type OptimizerConfig = { name: string; lr: number | ScheduleConfig } & Record<string, number | string | ScheduleConfig>;

/** What config().lr holds for a function schedule: a checkpoint cannot hold the function itself. */
export const FUNCTION_SCHEDULE = 'function';

/** Gradients by parameter name ('dense_1/kernel'), as model.params() names them. */
export type NamedGradients = Readonly<Record<string, Float32Array>> | ReadonlyMap<string, Float32Array>;

export interface Optimizer {
  readonly name: string;
  /**
   * The learning rate of the next update. Settable (checked as the constructor checks it) unless
   * the optimizer has a schedule, where it is the schedule's value at `iterations`.
   */
  lr: number;
  /** The schedule the learning rate follows, or null for a plain number. */
  readonly schedule: LrSchedule | null;
  /** Allocates state for these parameters (once). */
  attach(params: readonly Param[]): void;
  /** Applies one update from the gradients currently in the params' grad buffers (frozen layers' parameters are skipped). */
  step(): void;
  /**
   * Writes these gradients into the named parameters' grad buffers and updates those parameters
   * only (a frozen layer's are skipped, as in step()): one step.
   */
  applyGradients(grads: NamedGradients): void;
  /** Number of steps taken: the step a schedule sees, and Adam's bias correction. The optimizer's own count, not the model's training step. */
  readonly iterations: number;
  config(): OptimizerConfig;
  /** Names of the slot tensors kept per parameter ('v' for SGD momentum, 'm' and 'v' for Adam). */
  readonly slotNames: readonly string[];
  /** The slot tensors, per attached parameter, for checkpoints. */
  slotTensors(): OptimizerSlot[];
  /** Scalar state (step count, running bias-correction products), for checkpoints. */
  state(): Record<string, number>;
  /** Restores state() exactly; slot values are written into slotTensors() by the caller. */
  setState(s: Record<string, number>): void;
  dispose(): void;
}

/** One slot tensor of one parameter, e.g. param 'dense_1/kernel', slot 'm'. */
export interface OptimizerSlot {
  readonly param: string;
  readonly slot: string;
  readonly shape: readonly number[];
  readonly value: Buf;
}

export abstract class BaseOptimizer implements Optimizer {
  abstract readonly name: string;
  abstract readonly slotNames: readonly string[];
  iterations = 0;
  /** The parameters attached, in order; a subclass keeps its slots in the same order. */
  protected params: Param[] = [];
  private lrValue = 0;
  readonly schedule: LrSchedule | null;

  constructor(private readonly label: string, lr: LearningRate | undefined, defaultLr: number) {
    const v = lr ?? defaultLr;
    if (typeof v === 'function' || isNamedSchedule(v)) this.schedule = v;
    else {
      this.schedule = null;
      this.lr = v as number;
    }
  }

  get lr(): number {
    return this.schedule ? this.lrAt(this.iterations) : this.lrValue;
  }

  set lr(v: number) {
    if (this.schedule) {
      throw new TypeError(`gaaf: ${this.label}: the learning rate follows a schedule (${this.scheduleName()}), so it cannot be set; make the optimizer with a number as lr to set it`);
    }
    checkPositiveF32(`gaaf: ${this.label} learning rate`, v);
    this.lrValue = v;
  }

  private scheduleName(): string {
    return isNamedSchedule(this.schedule) ? this.schedule.schedule : 'a function of the step';
  }

  /** The learning rate of the update at `step`, computed in float64 and checked before any update. */
  protected lrAt(step: number): number {
    const s = this.schedule;
    if (!s) return this.lrValue;
    const v = isNamedSchedule(s) ? s.at(step) : s(step);
    checkPositiveF32(`gaaf: ${this.label}: the learning-rate schedule (${this.scheduleName()}) at step ${step}`, v);
    return v;
  }

  /** config().lr: the number, or the schedule's config ({ schedule: 'function' } for a function). */
  protected lrConfig(): number | ScheduleConfig {
    const s = this.schedule;
    if (!s) return this.lrValue;
    return isNamedSchedule(s) ? s.config() : { schedule: FUNCTION_SCHEDULE };
  }

  abstract config(): OptimizerConfig;
  abstract slotTensors(): OptimizerSlot[];
  abstract state(): Record<string, number>;
  abstract setState(s: Record<string, number>): void;
  /** Lays out (zeroed) slots for `params`. */
  protected abstract allocateSlots(params: readonly Param[]): void;
  protected abstract freeSlots(): void;
  /** Scalar state that moves once per step, before the parameters are updated (Adam's β powers). */
  protected beginStep(): void {}
  /** Updates parameter i (in attach order) with learning rate lr. */
  protected abstract updateParam(i: number, lr: number): void;

  attach(params: readonly Param[]): void {
    if (this.params.length > 0 && this.params.length === params.length && this.params.every((p, i) => p === params[i])) return;
    this.dispose();
    this.params = [...params];
    this.allocateSlots(params);
  }

  step(): void {
    this.update(this.lrAt(this.iterations), null);
  }

  applyGradients(grads: NamedGradients): void {
    const where = `gaaf: ${this.label}.applyGradients`;
    if (this.params.length === 0) {
      throw new Error(`${where}: the optimizer is not attached to any parameters: call optimizer.attach(model.params()) first (fit does this)`);
    }
    if (typeof grads !== 'object' || grads === null || Array.isArray(grads)) {
      throw new TypeError(`${where} takes gradients by parameter name, { 'dense_1/kernel': Float32Array, ... } or a Map, got ${Array.isArray(grads) ? 'an array' : String(grads)}`);
    }
    const entries = grads instanceof Map ? [...grads.entries()] : Object.entries(grads);
    if (entries.length === 0) throw new RangeError(`${where}: no gradients given`);
    const byName = new Map(this.params.map((p, i) => [p.name, i]));
    const chosen: Array<[number, Float32Array]> = [];
    for (const [name, g] of entries) {
      const i = byName.get(name);
      if (i === undefined) throw new RangeError(`${where}: unknown parameter '${name}' (the optimizer's parameters: ${[...byName.keys()].join(', ')})`);
      const p = this.params[i];
      if (!(g instanceof Float32Array)) throw new TypeError(`${where}: the gradient of '${name}' must be a Float32Array, got ${g === null ? 'null' : typeof g}`);
      if (g.length !== p.value.length) {
        throw new RangeError(`${where}: the gradient of '${name}' has ${g.length} values, the parameter's shape ${shapeStr(p.shape)} holds ${p.value.length}`);
      }
      const bad = g.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw new RangeError(`${where}: the gradient of '${name}' holds ${g[bad]} at index ${bad}: gradients must be finite`);
      chosen.push([i, g]);
    }
    const lr = this.lrAt(this.iterations); // checked before anything is written
    for (const [i, g] of chosen) this.params[i].grad.write(g);
    this.update(lr, new Set(chosen.map(([i]) => i)));
  }

  /** One step: the parameters in `only` (all when null), frozen layers' skipped; then iterations + 1. */
  private update(lr: number, only: ReadonlySet<number> | null): void {
    this.beginStep();
    this.params.forEach((p, i) => {
      if ((only === null || only.has(i)) && paramTrainable(p)) this.updateParam(i, lr);
    });
    this.iterations++;
  }

  dispose(): void {
    this.freeSlots();
    this.params = [];
  }
}
