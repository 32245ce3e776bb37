// GAAF parameters (paper section 4): φ_new(x) = φ(x) + g(x)·s(x), with
// g(x) = (x·K − ⌊x·K⌋ − 0.5)/K (eq. 7) and a shape function s chosen per activation.
// The paper's (its figure 4; it gives the shapes as pictures, the numbers are read off them),
// and sigmoid's, derived here from tanh's:
//  - tanh:    exponential bell s(x) = exp(−x²/c), c = 3 (matches the paper's figure 4a);
//  - sigmoid: the same bell with c = 12, since σ(x) = (1 + tanh(x/2))/2 is tanh stretched by 2;
//  - relu:    shifted sigmoid s(x) = σ(a·(x − b)), a = 3.3, b = −0.6: it rises from about 5% at
//             x = −1.5 to about 95% at x = +0.3, as in the paper's figure 4b.
// Ours (the paper: GAAF applies to other activations "with a little adjustment of the shape
// function, which depends on where the saturation areas are located"): leakyRelu, elu, gelu,
// geluTanh and silu/swish saturate (or slow down) on the left only, like ReLU, so they get
// ReLU's shape moved to their own boundary and scaled by the gradient they lose there:
//    s(x) = A·σ(a·(x − b)),  b = x½ − 0.6,  A = 1 − φ′(−∞),
// x½ the point where φ′ falls through ½ (ReLU: x½ = 0, A = 1, the paper's shape itself):
//  - leakyRelu: x½ = 0, A = 1 − α (it is (1 − α)·relu + α·x: GAAF of the relu part); α in [0, 1);
//  - elu:       φ′ = α·eˣ on the left: x½ = min(0, −ln 2α), b = −ln 2 − 0.6 = −1.293 for α = 1; A = 1;
//  - gelu, geluTanh, silu: φ′(0) = ½ exactly, φ′(−∞) = 0: b = −0.6, A = 1.
// a, b can be given; A follows from the activation (and α). The kernels: assembly/gaaf_ext.ts.
// Softplus, softmax and linear get none: GAAF is refused for them (src/layers/act-fn.ts).
import { type ActKind, type GaafxKind, checkFiniteF32, checkPositiveF32 } from './binding.js';

export interface GaafOptions {
  /** Frequency of the sawtooth g; the forward pass moves by less than 1/K. Default 10000. */
  K?: number;
  /** Width of the bell s(x) = exp(−x²/c) (tanh, sigmoid). */
  c?: number;
  /** Slope of the shifted sigmoid s(x) = A·σ(a·(x − b)) (relu, leakyRelu, elu, gelu, geluTanh, silu). Default 3.3. */
  a?: number;
  /** Centre of the shifted sigmoid, where s = A/2. Default −0.6; elu: min(0, −ln 2α) − 0.6. */
  b?: number;
}

/** Fully resolved GAAF parameters, as passed to the kernels: p1, p2 are the shape parameters (c, 0 or a, b). */
export interface GaafParams {
  K: number;
  shape: 'bell' | 'shiftedSigmoid';
  p1: number;
  p2: number;
}

/** The activations with a GAAF shape (swish is silu). */
export type GaafKind = ActKind | GaafxKind;

export const GAAF_DEFAULT_K = 10000;
const GAAF_OPTION_KEYS = ['K', 'c', 'a', 'b'];
/** The paper's ReLU shape (figure 4b): slope and centre. */
export const GAAF_RELU_A = 3.3;
export const GAAF_RELU_B = -0.6;

/** The default centre b of the shifted sigmoid for `kind` (alpha: leakyRelu's slope, elu's α). */
export function gaafDefaultCentre(kind: GaafKind, alpha = 1): number {
  // elu's φ′ = α·eˣ falls through ½ at −ln 2α (for α > ½; at 0, as a jump, for α ≤ ½)
  if (kind === 'elu') return Math.min(0, -Math.log(2 * alpha)) + GAAF_RELU_B;
  return GAAF_RELU_B;
}

/**
 * The GAAF parameters of `kind` from the layer's options (true: the defaults). `alpha` is
 * leakyRelu's slope or elu's α, which the shape depends on.
 */
export function resolveGaaf(kind: GaafKind, opts: GaafOptions | true, alpha?: number): GaafParams {
  const o: GaafOptions = opts === true ? {} : opts;
  if (o === null || typeof o !== 'object') throw new TypeError(`gaaf: GAAF options for ${kind} must be true or an object {K, ...}, got ${String(o)}`);
  const unknown = Object.keys(o).filter((k) => !GAAF_OPTION_KEYS.includes(k));
  if (unknown.length) throw new RangeError(`gaaf: GAAF for ${kind}: unknown option '${unknown.join("', '")}' (expected K, ${kind === 'tanh' || kind === 'sigmoid' ? 'c' : 'a, b'})`);
  const K = o.K ?? GAAF_DEFAULT_K;
  checkPositiveF32('gaaf: GAAF K', K); // g divides by K in float32: 1e-50 would be 0 there
  if (kind !== 'tanh' && kind !== 'sigmoid') {
    if (o.c !== undefined) throw new RangeError(`gaaf: GAAF for ${kind} uses the shifted sigmoid (a, b), not the bell width c`);
    if (kind === 'leakyRelu' && alpha !== undefined && !(alpha >= 0 && alpha < 1)) {
      throw new RangeError(`gaaf: GAAF for leakyRelu needs alpha in [0, 1) (its shape is (1 − alpha)·σ(a·(x − b)), the relu part's), got ${alpha}`);
    }
    const a = o.a ?? GAAF_RELU_A;
    const b = o.b ?? gaafDefaultCentre(kind, alpha);
    checkPositiveF32('gaaf: GAAF shape slope a', a);
    checkFiniteF32('gaaf: GAAF shape centre b', b);
    return { K, shape: 'shiftedSigmoid', p1: a, p2: b };
  }
  if (o.a !== undefined || o.b !== undefined) {
    throw new RangeError(`gaaf: GAAF for ${kind} uses the bell width c, not the shifted sigmoid (a, b)`);
  }
  const c = o.c ?? (kind === 'tanh' ? 3 : 12);
  checkPositiveF32('gaaf: GAAF bell width c', c); // s divides by c in float32
  return { K, shape: 'bell', p1: c, p2: 0 };
}
