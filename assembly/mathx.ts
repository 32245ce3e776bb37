// SIMD (f32x4) elementary functions used by the kernels, plus helpers for the n % 4 tail.
//
// All helpers are pure (no memory, no globals) and are inlined into their callers.
// NaN in any lane gives NaN in that lane (the clamps pass NaN through and every other step is
// arithmetic on the NaN).
//
// Error bounds below were measured by test/assembly/activations.spec.ts against the f64
// functions (Math.exp, Math.tanh, 1/(1 + Math.exp(-x))) over dense sweeps and random inputs;
// an "ulp" is the float32 spacing at the exact value (a correctly rounded result is within 0.5).

// ---- expf ---------------------------------------------------------------------------------
//
// Cephes Math Library, expf.c (S. L. Moshier, 1984-2000): range reduction
//   x = n·ln2 + r,  n = round(x·log2(e)),  |r| <= ln2/2,
// with ln2 split as C1 + C2 (C1 has 9 significant bits, so n·C1 is exact), a degree-7
// polynomial 1 + r + r²·P(r), then scaling by 2^n through the exponent field.
// Cephes states a peak relative error of 1.7e-7 over ±MAXLOGF (IEEE, 100000 samples).
// Measured here (400k points over [-104, 89] against f64 exp): at most 0.98 ulp of the exact
// value (relative error <= 7.9e-8) for normal results, at most 1 ulp away from Mathf.exp;
// subnormal results are rounded once from the scaled value, absolute error <= 1.05e-45 < 2^-149.
//
// The input is clamped to [-104, 89]: exp(-104) < 2^-150 rounds to +0 and exp(89) > FLT_MAX
// is +inf, so exp(-large) = 0 and exp(+large) = +inf exactly like libm, never garbage from a
// wrapped exponent. 2^n (n in [-150, 128]) is applied in two steps, 2^(n>>1) added into the
// exponent bits of the polynomial (which lies in [0.7, 1.42], so it stays normal) and then a
// multiply by the normal number 2^(n - (n>>1)); the final multiply does the single rounding
// into the subnormal or overflow range.

// @ts-ignore: decorator
@inline const EXP_LO: f32 = -104.0;
// @ts-ignore: decorator
@inline const EXP_HI: f32 = 89.0;
// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504088896341;
// @ts-ignore: decorator
@inline const EXP_C1: f32 = 0.693359375;
// @ts-ignore: decorator
@inline const EXP_C2: f32 = -2.12194440e-4;
// @ts-ignore: decorator
@inline const EXP_P0: f32 = 1.9875691500e-4;
// @ts-ignore: decorator
@inline const EXP_P1: f32 = 1.3981999507e-3;
// @ts-ignore: decorator
@inline const EXP_P2: f32 = 8.3334519073e-3;
// @ts-ignore: decorator
@inline const EXP_P3: f32 = 4.1665795894e-2;
// @ts-ignore: decorator
@inline const EXP_P4: f32 = 1.6666665459e-1;
// @ts-ignore: decorator
@inline const EXP_P5: f32 = 5.0000001201e-1;

// p = e^r for x = fn·ln2 + r (x clamped, fn = nearest(x·log2e)): Cephes' reduction and polynomial,
// in [0.7, 1.42]; shared by v_exp and v_sigmoid (one sequence of operations, so the same bits)
// @ts-ignore: decorator
@inline function exp_reduced(x: v128, fn: v128): v128 {
  let r = f32x4.sub(x, f32x4.mul(fn, f32x4.splat(EXP_C1)));
  r = f32x4.sub(r, f32x4.mul(fn, f32x4.splat(EXP_C2)));
  const r2 = f32x4.mul(r, r);
  let p = f32x4.add(f32x4.mul(f32x4.splat(EXP_P0), r), f32x4.splat(EXP_P1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(EXP_P2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(EXP_P3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(EXP_P4));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(EXP_P5));
  return f32x4.add(f32x4.add(f32x4.mul(p, r2), r), f32x4.splat(1.0));
}

/** Lane-wise e^x. NaN → NaN, -inf → 0, +inf → +inf. Error: < 1 ulp (measured, see above). */
// @ts-ignore: decorator
@inline export function v_exp(x: v128): v128 {
  // pmax(a, b) = a < b ? b : a and pmin(a, b) = b < a ? b : a return a when a is NaN, so NaN
  // passes through the clamp (and they map to single x86 maxps/minps instructions)
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(EXP_LO)), f32x4.splat(EXP_HI));
  const fn = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  let p = exp_reduced(x, fn);
  // n in [-150, 128] (NaN lanes convert to 0 and stay NaN through p)
  const n = i32x4.trunc_sat_f32x4_s(fn);
  const n1 = i32x4.shr_s(n, 1); // [-75, 64]
  const n2 = i32x4.sub(n, n1); // [-75, 64]
  p = i32x4.add(p, i32x4.shl(n1, 23)); // p·2^n1, exact (stays normal)
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23); // 2^n2, a normal float
  return f32x4.mul(p, s2);
}

// ---- tanhf --------------------------------------------------------------------------------
//
// Cephes Math Library, tanhf.c (S. L. Moshier): for |x| < 0.625 the odd polynomial
//   tanh(x) = x + x·z·P(z),  z = x²,
// otherwise tanh(|x|) = 1 − 2/(e^(2|x|) + 1) with the sign of x restored. Cephes states a
// peak relative error of 1.3e-7 on [-2, 2]. Both branches are evaluated and selected per lane.
// For large |x| e^(2|x|) overflows to +inf and 2/inf = 0, so the result saturates to exactly
// ±1 (also for ±inf); it is never NaN for finite x. NaN takes the second branch and stays NaN.
// Measured here against f64 tanh over [-20, 20], [-1, 1] and [-1e-3, 1e-3]: at most 1.26 ulp of
// the exact value (relative error <= 1.33e-7), at most 2 ulp away from Mathf.tanh.

// @ts-ignore: decorator
@inline const TANH_P0: f32 = -5.70498872745e-3;
// @ts-ignore: decorator
@inline const TANH_P1: f32 = 2.06390887954e-2;
// @ts-ignore: decorator
@inline const TANH_P2: f32 = -5.37397155531e-2;
// @ts-ignore: decorator
@inline const TANH_P3: f32 = 1.33314422036e-1;
// @ts-ignore: decorator
@inline const TANH_P4: f32 = -3.33332819422e-1;

/** Lane-wise tanh(x). Saturates to ±1, NaN → NaN. Error: <= 1.26 ulp (measured, see above). */
// @ts-ignore: decorator
@inline export function v_tanh(x: v128): v128 {
  // both branches compute tanh(|x|) >= 0; the sign bit of x is OR-ed in at the end (this also
  // keeps tanh(-0) = -0)
  const ax = f32x4.abs(x);
  // small branch, |x| < 0.625
  const z = f32x4.mul(ax, ax);
  let p = f32x4.add(f32x4.mul(f32x4.splat(TANH_P0), z), f32x4.splat(TANH_P1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(TANH_P2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(TANH_P3));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(TANH_P4));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), ax), ax);
  // large branch: 1 - 2/(e^(2|x|) + 1), in [0.55, 1]
  const e = v_exp(f32x4.add(ax, ax));
  const large = f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))));
  const t = v128.bitselect(small, large, f32x4.lt(ax, f32x4.splat(0.625)));
  return v128.or(t, v128.and(x, i32x4.splat(0x80000000)));
}

// ---- sigmoid ------------------------------------------------------------------------------
//
// σ(x) = 1/(1 + e^(-x)) with e^(-x) as v_exp computes it. Stable for large |x|: x → +inf gives
// 1/(1+0) = 1 and x → -inf gives 1/(1+inf) = 0 (below x ≈ -88.7 the result is flushed to 0, as
// the libm formula 1/(1 + expf(-x)) does too). NaN → NaN.
// Measured here against the f64 formula over [-87, 30]: at most 2.31 ulp of the exact value
// (relative error <= 1.43e-7; the f32 rounding of 1 + e and of the division adds to the error
// of exp), at most 4 ulp away from the libm formula 1/(1 + Mathf.exp(-x)).
//
// The same bits as 1/(1 + v_exp(-x)) for every input (checked on all 2^32 floats when this was
// written, 2026-12-03; test/assembly/sigmoid.spec.ts compares the two on a stride and near the
// clamps), in
// fewer instructions (a loop of four vectors, V8 on x64: 166 per 16 elements, constant
// reloads included, instead of 200; v_exp's exponent handling alone was 12 per vector):
//  - −x is clamped below at −40 instead of −104: 1 + e rounds to exactly 1 for any e < 2^-24
//    (−x < −16.7), so the result is 1 either way;
//  - so n = fn lies in [−58, 128] and 2^(n−1) is a normal float: e = (p·2^(n−1))·2 rounds once,
//    at the last multiply, like v_exp's (p·2^n1)·2^n2 (the same real number, rounded once);
//  - 2^(n−1) comes straight from fn's bits: fn + 1.5·2^23 holds the integer fn in its low
//    mantissa bits (exact), so no float → int conversion (i32x4.trunc_sat is 5 x64 instructions).
//    NaN lanes give a garbage scale, but p is NaN there and p·scale stays NaN.

// @ts-ignore: decorator
@inline const SIG_LO: f32 = -40.0;
// @ts-ignore: decorator
@inline const MAGIC: f32 = 12582912.0; // 1.5·2^23, bits 0x4B400000

/** Lane-wise logistic sigmoid. Error: <= 2.31 ulp (measured, see above). */
// @ts-ignore: decorator
@inline export function v_sigmoid(x: v128): v128 {
  const one = f32x4.splat(1.0);
  const z = f32x4.pmin(f32x4.pmax(f32x4.neg(x), f32x4.splat(SIG_LO)), f32x4.splat(EXP_HI));
  const fn = f32x4.nearest(f32x4.mul(z, f32x4.splat(LOG2E)));
  const p = exp_reduced(z, fn);
  // 2^(fn−1): (bits(fn + MAGIC) − bits(MAGIC) + 126) << 23
  const s = i32x4.shl(i32x4.sub(f32x4.add(fn, f32x4.splat(MAGIC)), i32x4.splat(0x4B400000 - 126)), 23);
  const e = f32x4.mul(f32x4.mul(p, s), f32x4.splat(2.0));
  return f32x4.div(one, f32x4.add(one, e));
}

// The previous form, kept for the spec's bit-for-bit comparison (not used by any kernel).
// @ts-ignore: decorator
@inline export function v_sigmoid_exp(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, v_exp(f32x4.neg(x))));
}

// ---- tail helpers -------------------------------------------------------------------------
//
// The elementwise transcendental kernels handle the last n % 4 elements by loading them into
// one partially filled vector (the other lanes are 0), running the same vector code and
// storing back only the live lanes. So y[i] depends only on x[i], never on i % 4 or n, and
// nothing outside [p, p + 4·r) is read or written.

/** Loads r (0..3) floats from p into lanes 0..r-1; the other lanes are 0. */
// @ts-ignore: decorator
@inline export function load_partial(p: usize, r: i32): v128 {
  let v = f32x4.splat(0);
  if (r > 0) v = v128.load32_lane(p, v, 0);
  if (r > 1) v = v128.load32_lane(p + 4, v, 1);
  if (r > 2) v = v128.load32_lane(p + 8, v, 2);
  return v;
}

/** Stores lanes 0..r-1 (r in 0..3) of v to p. */
// @ts-ignore: decorator
@inline export function store_partial(p: usize, v: v128, r: i32): void {
  if (r > 0) v128.store32_lane(p, v, 0);
  if (r > 1) v128.store32_lane(p + 4, v, 1);
  if (r > 2) v128.store32_lane(p + 8, v, 2);
}

// ---- erfc ---------------------------------------------------------------------------------
//
// Numerical Recipes in C, 2nd ed., §6.2, erfcc (a Chebyshev fit after W. J. Cody's approach):
//   t = 1/(1 + |z|/2),  erfc(|z|) = t·exp(−z² − 1.26551223 + t·P(t)),  P of degree 9,
//   erfc(z) = 2 − erfc(|z|) for z < 0.
// NR states a fractional (relative) error below 1.2e-7 everywhere in exact arithmetic. In
// float32 the rounding of z² (relative 2^-24, so absolute z²·6e-8 inside the exp) adds a
// relative error that grows with z² in the tail. Measured by test/assembly/act_ext.spec.ts
// against an f64 erf/erfc (Maclaurin series, Lentz continued fraction), 240001 points on
// [−6, 6]: relative error of erfc <= 1.51e-6 on [−4, 4] and <= 3.78e-6 on [−6, 6]; absolute
// error of erf = 1 − erfc <= 3.75e-7 (the f32 rounding of a result near 1 or 2 dominates).
// NaN → NaN; +inf → 0, −inf → 2.

/** Lane-wise erfc(z). Error: relative <= 1.51e-6 on [−4, 4], erf absolute <= 3.75e-7 (measured, see above). */
// @ts-ignore: decorator
@inline export function v_erfc(z: v128): v128 {
  const az = f32x4.abs(z);
  const t = f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), f32x4.mul(f32x4.splat(0.5), az)));
  let p = f32x4.splat(0.17087277);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.82215223));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.48851587));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.13520398));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.27886807));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-0.18628806));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.09678418));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(0.37409196));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.00002368));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(-1.26551223));
  const r = f32x4.mul(t, v_exp(f32x4.sub(p, f32x4.mul(az, az))));
  return v128.bitselect(f32x4.sub(f32x4.splat(2.0), r), r, f32x4.lt(z, f32x4.splat(0)));
}

// ---- log1p on [0, 1] ----------------------------------------------------------------------
//
// Cephes Math Library, logf.c (S. L. Moshier): log(m·2^e) = e·ln2 + log(m), m in [√½, √2),
// log(m) = z − z²/2 + z³·P(z), z = m − 1, ln2 split as 0.693359375 − 2.12194440e-4; Cephes
// states a peak relative error of 7.6e-8. Here only w = 1 + u for u in [0, 1] is needed
// (softplus), so w lies in [1, 2] and e is 0 or 1 (w > √2: m = w/2). log1p(u) is then
// log(w)·u/(w − 1) (Goldberg, "What every computer scientist should know about floating-point
// arithmetic", 1991, thm. 4), which corrects the rounding of 1 + u; u = 0 gives 0 (w − 1 = 0).
// Measured by test/assembly/act_ext.spec.ts against f64 Math.log1p, 100001 points on [0, 1]:
// relative error <= 1.55e-7; tiny u (1e-30) is returned exactly.

/** Lane-wise log(1 + u) for u in [0, 1]. Error: relative <= 1.55e-7 (measured, see above). */
// @ts-ignore: decorator
@inline export function v_log1p_unit(u: v128): v128 {
  const one = f32x4.splat(1.0);
  const w = f32x4.add(one, u);
  const big = f32x4.gt(w, f32x4.splat(1.41421356));
  const m = v128.bitselect(f32x4.mul(w, f32x4.splat(0.5)), w, big);
  const e = v128.and(one, big);
  const z = f32x4.sub(m, one);
  const zz = f32x4.mul(z, z);
  let p = f32x4.splat(7.0376836292e-2);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-1.1514610310e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.1676998740e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, z), zz);
  y = f32x4.add(y, f32x4.mul(e, f32x4.splat(-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(zz, f32x4.splat(0.5)));
  const lw = f32x4.add(f32x4.add(z, y), f32x4.mul(e, f32x4.splat(0.693359375)));
  const d = f32x4.sub(w, one);
  const zero = f32x4.eq(d, f32x4.splat(0));
  // d = 0 lanes: u (0 or below ulp(1)/2) is log1p(u) to f32; the division is masked there
  return v128.bitselect(u, f32x4.div(f32x4.mul(lw, u), v128.bitselect(one, d, zero)), zero);
}
