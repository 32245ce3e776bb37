// The activation functions by name, shared by the Activation layer and the `activation` option
// of Dense and Conv2D: one resolved record that runs φ forward and backward on the kernels.
//   x (count) pre-activation, y (count) = φ(x); softmax works on rows of `cols` (the last axis).
//   GAAF (../gaaf.ts): the paper's shapes for tanh and relu, and sigmoid's from tanh's (gaafForward);
//   ours for leakyRelu, elu, gelu, geluTanh, silu/swish (gaafxForward); none for linear, softplus, softmax.
//   Other shapes and heights for tanh, sigmoid, relu run on gaafsForward; a surrogate's forward is φ's own kernel.
import {
  type ActKind, type ActxKind, Buf, type GaafxKind, actBackward, actForward, actxBackward, actxForward, copy,
  gaafBackward, gaafForward, gaafsBackward, gaafsForward, gaafxBackward, gaafxForward, leakyReluBackward, leakyReluForward,
  softmaxBackward, softmaxForward,
} from '../binding.js';
import { type GaafKind, type GaafOptions, type GaafParams, gaafIsPlain, gaafOptionsOf, resolveGaaf } from '../gaaf.js';

/** Every activation name the layers take (Keras/TF.js spellings; 'swish' is 'silu'). */
export const ACTIVATIONS = [
  'linear', 'relu', 'tanh', 'sigmoid', 'leakyRelu', 'elu', 'gelu', 'geluTanh', 'silu', 'swish', 'softplus', 'softmax',
] as const;
export type ActivationName = typeof ACTIVATIONS[number];

type Family = 'linear' | 'core' | 'leaky' | 'ext' | 'softmax';
// own-property lookup only: 'constructor', 'toString' and friends are not activations
const FAMILY: Readonly<Record<ActivationName, Family>> = Object.freeze(Object.assign(Object.create(null) as Record<ActivationName, Family>, {
  linear: 'linear', relu: 'core', tanh: 'core', sigmoid: 'core', leakyRelu: 'leaky', elu: 'ext', gelu: 'ext', geluTanh: 'ext',
  silu: 'ext', swish: 'ext', softplus: 'ext', softmax: 'softmax',
}));
/** The activations GAAF has no shape for (it is refused there): the rest have one. */
const NO_GAAF: readonly ActivationName[] = ['linear', 'softplus', 'softmax'];
const WITH_GAAF = ACTIVATIONS.filter((a) => !NO_GAAF.includes(a));
/** α defaults: LeakyReLU 0.3 (Keras's LeakyReLU layer), ELU 1 (Keras's elu). */
const DEFAULT_ALPHA: Readonly<Partial<Record<ActivationName, number>>> = { leakyRelu: 0.3, elu: 1 };

export interface ActFnOptions {
  /** leakyRelu: the slope for x ≤ 0 (default 0.3); elu: the saturation value −α (default 1). */
  alpha?: number;
  /** true for the default GAAF shape of this activation, or explicit parameters: {K, c} (tanh, sigmoid), {K, a, b} (the others), and shape, height, surrogate (see ../gaaf.ts). */
  gaaf?: boolean | GaafOptions;
}

/** Whether `v` names an activation (own names only). */
export function isActivationName(v: unknown): v is ActivationName {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(FAMILY, v);
}

export class ActFn {
  readonly name: ActivationName;
  readonly alpha: number | null;
  readonly gaaf: GaafParams | null;
  private readonly family: Family;

  /** `where` names the layer or option in errors. */
  constructor(name: unknown, opts: ActFnOptions, where: string) {
    if (!isActivationName(name)) throw new RangeError(`gaaf: ${where}: unknown activation '${String(name)}' (expected ${ACTIVATIONS.join(', ')})`);
    this.name = name;
    this.family = FAMILY[name];
    const def = Object.prototype.hasOwnProperty.call(DEFAULT_ALPHA, name) ? DEFAULT_ALPHA[name]! : null;
    if (opts.alpha !== undefined) {
      if (def === null) throw new RangeError(`gaaf: ${where}: alpha applies to leakyRelu and elu, not ${name}`);
      if (typeof opts.alpha !== 'number' || !Number.isFinite(opts.alpha)) throw new RangeError(`gaaf: ${where}: alpha must be a finite number, got ${String(opts.alpha)}`);
      if (name === 'elu' && !(opts.alpha > 0)) throw new RangeError(`gaaf: ${where}: elu alpha must be positive, got ${opts.alpha}`);
    }
    this.alpha = def === null ? null : opts.alpha ?? def;
    if (opts.gaaf && NO_GAAF.includes(name)) {
      throw new RangeError(`gaaf: ${where}: GAAF has no shape function for ${name} (it has one for ${WITH_GAAF.join(', ')}; not for ${NO_GAAF.join(', ')})`);
    }
    this.gaaf = opts.gaaf ? resolveGaaf(this.gaafKind, opts.gaaf, this.alpha ?? undefined) : null;
  }

  get identity(): boolean {
    return this.family === 'linear';
  }

  /** y (count) = φ(x); softmax over rows of `cols`. */
  forward(x: Buf, y: Buf, count: number, cols: number): void {
    const g = this.gaaf;
    switch (this.family) {
      case 'linear': copy(x, 0, y, 0, count); return;
      case 'core':
        if (g && !g.surrogate) {
          if (gaafIsPlain(g)) gaafForward(this.name as ActKind, x, y, count, g.K, g.p1, g.p2);
          else gaafsForward(this.name as ActKind, g.shape, x, y, count, g.K, g.p1, g.p2, g.height);
        } else actForward(this.name as ActKind, x, y, count);
        return;
      case 'leaky':
      case 'ext':
        if (g && !g.surrogate) gaafxForward(this.gaafKind as GaafxKind, x, y, count, this.alpha ?? 0, g.K, g.p1, g.p2);
        else if (this.family === 'leaky') leakyReluForward(x, y, count, this.alpha!);
        else actxForward(this.extKind, x, y, count, this.alpha ?? 0);
        return;
      case 'softmax': softmaxForward(x, y, count / cols, cols); return;
    }
  }

  /** dx (count) = dL/dx from dy, with x and y = φ(x) of the forward pass. */
  backward(x: Buf, y: Buf, dy: Buf, dx: Buf, count: number, cols: number): void {
    const g = this.gaaf;
    switch (this.family) {
      case 'linear': copy(dy, 0, dx, 0, count); return;
      case 'core':
        if (g && !gaafIsPlain({ ...g, surrogate: false })) { // the backward is the same for a surrogate
          gaafsBackward(this.name as ActKind, g.shape, x, dy, dx, count, g.p1, g.p2, g.height);
        } else if (g) gaafBackward(this.name as ActKind, x, dy, dx, count, g.p1, g.p2);
        else actBackward(this.name as ActKind, x, y, dy, dx, count);
        return;
      case 'leaky':
      case 'ext':
        if (g) gaafxBackward(this.gaafKind as GaafxKind, x, dy, dx, count, this.alpha ?? 0, g.p1, g.p2);
        else if (this.family === 'leaky') leakyReluBackward(x, dy, dx, count, this.alpha!);
        else actxBackward(this.extKind, x, dy, dx, count, this.alpha ?? 0);
        return;
      case 'softmax': softmaxBackward(y, dy, dx, count / cols, cols); return;
    }
  }

  private get extKind(): ActxKind {
    return this.name === 'swish' ? 'silu' : this.name as ActxKind;
  }

  /** The name the GAAF shapes and kernels know it by (swish is silu). */
  private get gaafKind(): GaafKind {
    return this.name === 'swish' ? 'silu' : this.name as GaafKind;
  }

  /** The options that rebuild it (for config()). */
  options(): ActFnOptions {
    const o: ActFnOptions = {};
    if (this.alpha !== null && this.alpha !== DEFAULT_ALPHA[this.name]) o.alpha = this.alpha;
    const g = this.gaaf;
    if (g) o.gaaf = gaafOptionsOf(g);
    return o;
  }
}
