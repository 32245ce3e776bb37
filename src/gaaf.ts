// GAAF parameters (paper section 4): φ_new(x) = φ(x) + g(x)·s(x), with
// g(x) = (x·K − ⌊x·K⌋ − 0.5)/K (eq. 7) and a shape function s chosen per activation:
//  - tanh:    exponential bell s(x) = exp(−x²/c), c = 3 (matches the paper's figure 4a);
//  - sigmoid: the same bell with c = 12, since σ(x) = (1 + tanh(x/2))/2 is tanh stretched by 2;
//  - relu:    shifted sigmoid s(x) = σ(a·(x − b)), a = 3.3, b = −0.6: it rises from about 5% at
//             x = −1.5 to about 95% at x = +0.3, as in the paper's figure 4b.
import type { ActKind } from './binding.js';

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
  if (!(Number.isFinite(K) && K > 0)) throw new RangeError(`gaaf: GAAF K must be a positive number, got ${K}`);
  if (kind === 'relu') {
    if (o.c !== undefined) throw new RangeError(`gaaf: GAAF for relu uses the shifted sigmoid (a, b), not the bell width c`);
    const a = o.a ?? 3.3;
    const b = o.b ?? -0.6;
    if (!(Number.isFinite(a) && a > 0)) throw new RangeError(`gaaf: GAAF shape slope a must be a positive number, got ${a}`);
    if (!Number.isFinite(b)) throw new RangeError(`gaaf: GAAF shape centre b must be finite, got ${b}`);
    return { K, shape: 'shiftedSigmoid', p1: a, p2: b };
  }
  if (o.a !== undefined || o.b !== undefined) {
    throw new RangeError(`gaaf: GAAF for ${kind} uses the bell width c, not the shifted sigmoid (a, b)`);
  }
  const c = o.c ?? (kind === 'tanh' ? 3 : 12);
  if (!(Number.isFinite(c) && c > 0)) throw new RangeError(`gaaf: GAAF bell width c must be a positive number, got ${c}`);
  return { K, shape: 'bell', p1: c, p2: 0 };
}
