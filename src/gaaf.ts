// GAAF parameters (paper section 4): φ_new(x) = φ(x) + g(x)·s(x), with
// g(x) = (x·K − ⌊x·K⌋ − 0.5)/K (eq. 7) and a shape function s chosen per activation:
//  - tanh:    exponential bell s(x) = exp(−x²/c), c = 3 (matches the paper's figure 4a);
//  - sigmoid: the same bell with c = 12, since σ(x) = (1 + tanh(x/2))/2 is tanh stretched by 2;
//  - relu:    shifted sigmoid s(x) = σ(a·(x − b)), a = 3.3, b = −0.6: it rises from about 5% at
//             x = −1.5 to about 95% at x = +0.3, as in the paper's figure 4b.
import { type ActKind, checkFiniteF32, checkPositiveF32 } from './binding.js';

export interface GaafOptions {
  /** Frequency of the sawtooth g; the forward pass moves by less than 1/K. Default 10000. */
  K?: number;
  /** Width of the bell s(x) = exp(−x²/c) (tanh, sigmoid). */
  c?: number;
  /** Slope of the shifted sigmoid s(x) = σ(a·(x − b)) (relu). */
  a?: number;
  /** Centre of the shifted sigmoid (relu). */
  b?: number;
}

/** Fully resolved GAAF parameters, as passed to the kernels: p1, p2 are the shape parameters. */
export interface GaafParams {
  K: number;
  shape: 'bell' | 'shiftedSigmoid';
  p1: number;
  p2: number;
}

export const GAAF_DEFAULT_K = 10000;

export function resolveGaaf(kind: ActKind, opts: GaafOptions | true): GaafParams {
  const o: GaafOptions = opts === true ? {} : opts;
  const K = o.K ?? GAAF_DEFAULT_K;
  checkPositiveF32('gaaf: GAAF K', K); // g divides by K in float32: 1e-50 would be 0 there
  if (kind === 'relu') {
    if (o.c !== undefined) throw new RangeError(`gaaf: GAAF for relu uses the shifted sigmoid (a, b), not the bell width c`);
    const a = o.a ?? 3.3;
    const b = o.b ?? -0.6;
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
