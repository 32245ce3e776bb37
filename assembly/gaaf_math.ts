// GAAF's gradient acceleration function (paper eq. 7), shared by the GAAF kernels of
// activations.ts (tanh, relu, sigmoid) and gaaf_ext.ts (leakyRelu, elu, gelu, geluTanh, silu):
//   g(x) = (x·K − ⌊x·K⌋ − 0.5)/K,
// a sawtooth with |g| <= 0.5/K and g' = 1 almost everywhere. In float32, once |x·K| >= 2^23
// x·K has no fractional bits, so ⌊x·K⌋ = x·K and g(x) is the constant −0.5/K; the fraction is
// also forced to 0 where x·K is ±inf or NaN (inf − inf would be NaN), so ±inf inputs give
// φ(±inf) + (−0.5/K)·s(±inf). Pure f32 arithmetic: the vector and scalar forms give the same bits.

// 2^23: float32 values at or above this magnitude are integers.
// @ts-ignore: decorator
@inline export const TWO23: f32 = 8388608.0;

/** Lane-wise g(x) for frequency K (a splat of K > 0). */
// @ts-ignore: decorator
@inline export function v_gaaf_g(x: v128, K: v128): v128 {
  const xk = f32x4.mul(x, K);
  let frac = f32x4.sub(xk, f32x4.floor(xk));
  frac = v128.and(frac, f32x4.lt(f32x4.abs(xk), f32x4.splat(TWO23)));
  return f32x4.div(f32x4.sub(frac, f32x4.splat(0.5)), K);
}

/** Scalar g(x), the same operations as v_gaaf_g. */
// @ts-ignore: decorator
@inline export function gaaf_g_ref(x: f32, K: f32): f32 {
  const xk = x * K;
  let frac: f32 = xk - Mathf.floor(xk);
  if (!(Mathf.abs(xk) < TWO23)) frac = 0;
  return (frac - <f32>0.5) / K;
}
