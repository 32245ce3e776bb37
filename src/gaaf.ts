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
//
// Shape variants (tanh, sigmoid, relu; kernels assembly/gaaf_shapes.ts; the experiment
// src/reproduce/gaaf-shapes.ts asks which part of GAAF does the work):
//  - shape 'ring' (tanh, sigmoid): s(x) = u·exp(1 − u), u = x²/c. It is 0 at x = 0, where φ′
//    is largest already, and peaks near the saturation boundary, where section 3 says dropout's
//    variance adds gradient. Derivative check: s′(x) = (2x/c)·(1 − u)·exp(1 − u) is 0 at x = 0
//    and at u = 1, i.e. |x| = √c, where s = 1·e⁰ = 1 (the maximum; s → 0 for |x| → ∞). Default
//    c = 2 for tanh: the peak at |x| = √2 = 1.41, where tanh′ = 0.21 (tanh has lost ~80% of its
//    slope); c = 8 for sigmoid (stretched by 2: the peak at 2√2, where σ′ = 0.21·¼).
//  - shape 'leftBump' (relu): s(x) = exp(−x²/c) for x ≤ 0, 0 for x > 0: gradient on the
//    saturated side only, where the shifted sigmoid also adds ~1 on the active side (doubling
//    relu′ there). Default c = 0.75: 5% at x = −1.5, where the shifted sigmoid is 5% too.
//  - height h (tanh, sigmoid, relu): s is multiplied by h (default 1, the paper's). For sigmoid
//    h = ¼ is what "σ is tanh stretched by 2" implies: σ(x) = (1 + tanh(x/2))/2, so
//    σ′(x) = ¼·tanh′(x/2); the bell's width follows the stretch (c = 12) and its height the ¼.
//  - surrogate (every shape): the forward is φ exactly (no g·s) and the backward φ′ + s, as
//    GAAF's backward is for every K: GAAF as a surrogate gradient, the K → ∞ limit.
// The default shapes at height 1 without surrogate run on the paper's kernels (same bits).
import { type ActKind, type GaafShape, type GaafxKind, checkFiniteF32, checkPositiveF32 } from './binding.js';

export interface GaafOptions {
  /** Frequency of the sawtooth g; the forward pass moves by less than 1/K. Default 10000. */
  K?: number;
  /** Width of the bell s(x) = exp(−x²/c) (tanh, sigmoid), the ring (tanh, sigmoid) or the left bump (relu). */
  c?: number;
  /** Slope of the shifted sigmoid s(x) = A·σ(a·(x − b)) (relu, leakyRelu, elu, gelu, geluTanh, silu). Default 3.3. */
  a?: number;
  /** Centre of the shifted sigmoid, where s = A/2. Default −0.6; elu: min(0, −ln 2α) − 0.6. */
  b?: number;
  /** The shape: 'bell' (default) or 'ring' for tanh and sigmoid; 'shiftedSigmoid' (default) or 'leftBump' for relu; 'shiftedSigmoid' for the others. */
  shape?: GaafShape;
  /** The shape's height h, s multiplied by it (tanh, sigmoid, relu). Default 1. */
  height?: number;
  /** Forward φ exactly, backward φ′ + s (the surrogate-gradient form of GAAF). Default false. */
  surrogate?: boolean;
}

/** GAAF's options as flat fields, as the CLI's --gaaf-* flags and the reproduce options name them (gaafK → K, gaafC → c, ...). */
export interface GaafFields {
  gaafK?: number;
  gaafC?: number;
  gaafA?: number;
  gaafB?: number;
  gaafShape?: GaafShape;
  gaafHeight?: number;
  gaafSurrogate?: boolean;
}

/** The options of those fields; a field left undefined is left out, so the shape's default applies. */
export function gaafOptionsFromFields(o: GaafFields): GaafOptions {
  const g: GaafOptions = {};
  if (o.gaafK !== undefined) g.K = o.gaafK;
  if (o.gaafShape !== undefined) g.shape = o.gaafShape;
  if (o.gaafC !== undefined) g.c = o.gaafC;
  if (o.gaafA !== undefined) g.a = o.gaafA;
  if (o.gaafB !== undefined) g.b = o.gaafB;
  if (o.gaafHeight !== undefined) g.height = o.gaafHeight;
  if (o.gaafSurrogate) g.surrogate = true;
  return g;
}

/** Fully resolved GAAF parameters, as passed to the kernels: p1, p2 are the shape parameters (c, 0 or a, b). */
export interface GaafParams {
  K: number;
  shape: GaafShape;
  p1: number;
  p2: number;
  height: number;
  surrogate: boolean;
}

/** The activations with a GAAF shape (swish is silu). */
export type GaafKind = ActKind | GaafxKind;

export const GAAF_DEFAULT_K = 10000;
const GAAF_OPTION_KEYS = ['K', 'c', 'a', 'b', 'shape', 'height', 'surrogate'];
/** The paper's ReLU shape (figure 4b): slope and centre. */
export const GAAF_RELU_A = 3.3;
export const GAAF_RELU_B = -0.6;
/** Default widths c of the shapes that take one, by activation. */
export const GAAF_DEFAULT_C: Readonly<Record<'bell' | 'ring', Readonly<Record<'tanh' | 'sigmoid', number>>> & { leftBump: number }> = {
  bell: { tanh: 3, sigmoid: 12 },
  ring: { tanh: 2, sigmoid: 8 },
  leftBump: 0.75,
};

/** The shapes each activation takes; the first is its default. */
export function gaafShapesOf(kind: GaafKind): readonly GaafShape[] {
  if (kind === 'tanh' || kind === 'sigmoid') return ['bell', 'ring'];
  if (kind === 'relu') return ['shiftedSigmoid', 'leftBump'];
  return ['shiftedSigmoid'];
}

/** Whether GAAF with `p` runs on the paper's kernels (the default shape at height 1, not a surrogate). */
export function gaafIsPlain(p: GaafParams): boolean {
  return !p.surrogate && p.height === 1 && (p.shape === 'bell' || p.shape === 'shiftedSigmoid');
}

/** The options that rebuild `p` (for config()): the defaults left out. */
export function gaafOptionsOf(p: GaafParams): GaafOptions {
  const o: GaafOptions = { K: p.K };
  if (p.shape === 'shiftedSigmoid') Object.assign(o, { a: p.p1, b: p.p2 });
  else {
    if (p.shape !== 'bell') o.shape = p.shape;
    o.c = p.p1;
  }
  if (p.height !== 1) o.height = p.height;
  if (p.surrogate) o.surrogate = true;
  return o;
}

/** The default centre b of the shifted sigmoid for `kind` (alpha: leakyRelu's slope, elu's α). */
export function gaafDefaultCentre(kind: GaafKind, alpha = 1): number {
  // elu's φ′ = α·eˣ falls through ½ at −ln 2α (for α > ½; at 0, as a jump, for α ≤ ½)
  if (kind === 'elu') return Math.min(0, -Math.log(2 * alpha)) + GAAF_RELU_B;
  return GAAF_RELU_B;
}

/**
 * The GAAF parameters of `kind` from the layer's options (true: the defaults). `alpha` is
 * leakyRelu's slope or elu's α, which the shape depends on. An option that does not apply to
 * the activation (or to its shape) is an error naming it.
 */
export function resolveGaaf(kind: GaafKind, opts: GaafOptions | true, alpha?: number): GaafParams {
  const o: GaafOptions = opts === true ? {} : opts;
  if (o === null || typeof o !== 'object') throw new TypeError(`gaaf: GAAF options for ${kind} must be true or an object {K, ...}, got ${String(o)}`);
  const core = kind === 'tanh' || kind === 'sigmoid' || kind === 'relu';
  const shapes = gaafShapesOf(kind);
  const unknown = Object.keys(o).filter((k) => !GAAF_OPTION_KEYS.includes(k));
  if (unknown.length) {
    const known = kind === 'tanh' || kind === 'sigmoid' ? 'c, shape, height, surrogate' : core ? 'a, b, c, shape, height, surrogate' : 'a, b, shape, surrogate';
    throw new RangeError(`gaaf: GAAF for ${kind}: unknown option '${unknown.join("', '")}' (expected K, ${known})`);
  }
  const K = o.K ?? GAAF_DEFAULT_K;
  checkPositiveF32('gaaf: GAAF K', K); // g divides by K in float32: 1e-50 would be 0 there
  const shape = o.shape ?? shapes[0];
  if (!shapes.includes(shape)) {
    throw new RangeError(`gaaf: GAAF for ${kind}: unknown shape '${String(shape)}' (${kind} takes ${shapes.join(', ')})`);
  }
  if (o.surrogate !== undefined && typeof o.surrogate !== 'boolean') throw new TypeError(`gaaf: GAAF surrogate must be true or false, got ${String(o.surrogate)}`);
  const surrogate = o.surrogate ?? false;
  if (o.height !== undefined && !core) throw new RangeError(`gaaf: GAAF for ${kind}: height applies to tanh, sigmoid and relu, not ${kind} (its shape's height is 1 − φ′(−∞))`);
  const height = o.height ?? 1;
  checkPositiveF32('gaaf: GAAF shape height', height);
  if (shape === 'shiftedSigmoid') {
    if (o.c !== undefined) throw new RangeError(`gaaf: GAAF for ${kind} uses the shifted sigmoid (a, b), not the bell width c`);
    if (kind === 'leakyRelu' && alpha !== undefined && !(alpha >= 0 && alpha < 1)) {
      throw new RangeError(`gaaf: GAAF for leakyRelu needs alpha in [0, 1) (its shape is (1 − alpha)·σ(a·(x − b)), the relu part's), got ${alpha}`);
    }
    const a = o.a ?? GAAF_RELU_A;
    const b = o.b ?? gaafDefaultCentre(kind, alpha);
    checkPositiveF32('gaaf: GAAF shape slope a', a);
    checkFiniteF32('gaaf: GAAF shape centre b', b);
    return { K, shape, p1: a, p2: b, height, surrogate };
  }
  if (o.a !== undefined || o.b !== undefined) {
    const what = shape === 'leftBump' ? 'the left bump\'s width c' : shape === 'ring' ? 'the ring\'s width c' : 'the bell width c';
    throw new RangeError(`gaaf: GAAF for ${kind}${shape === 'bell' ? '' : ` (shape ${shape})`} uses ${what}, not the shifted sigmoid (a, b)`);
  }
  const c = o.c ?? (shape === 'leftBump' ? GAAF_DEFAULT_C.leftBump : GAAF_DEFAULT_C[shape][kind as 'tanh' | 'sigmoid']);
  checkPositiveF32(`gaaf: GAAF ${shape === 'bell' ? 'bell' : shape} width c`, c); // s divides by c in float32
  return { K, shape, p1: c, p2: 0, height, surrogate };
}
