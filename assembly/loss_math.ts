// Vector helpers for the losses with float targets (assembly/loss_targets.ts): log1p on [0, 1]
// for softplus, per-row sample weights as vectors, and horizontal sums. Pure and inlined.

// ---- logf ---------------------------------------------------------------------------------
//
// Cephes Math Library, logf.c (S. L. Moshier): x = m·2^e with m in [√½, √2), f = m − 1,
//   log x = f − f²/2 + f³·P(f) + e·ln2,
// P of degree 8, ln2 split as 0.693359375 − 2.12194440e-4 (so e·C1 is exact). Cephes states a
// peak relative error of 7.6e-8 over [0.5, 2] (IEEE, 100000 samples). Only called here on
// u = 1 + e^(−|z|) in [1, 2], positive and normal, so no zero, subnormal, inf or NaN handling.
//
// log1p(e) for e in [0, 1]: u = fl(1 + e), then log1p(e) = log(u)·e/(u − 1) (u − 1 is exact by
// Sterbenz), which cancels the rounding of 1 + e (D. Goldberg, "What every computer scientist
// should know about floating-point arithmetic", 1991, Theorem 4); e itself where u rounds to 1.
// Measured by test/assembly/loss_targets.spec.ts against f64 Math.log1p over e in [0, 1]:
// relative error at most 1.6e-7 (about 3 ulp; the spec fails above 2.4e-7).

// @ts-ignore: decorator
@inline const SQRTHF: f32 = 0.707106781186547524;

/** Lane-wise natural log of u, for u positive and normal (the callers pass u in [1, 2]). */
// @ts-ignore: decorator
@inline function v_log_pos(u: v128): v128 {
  const bits = u;
  let e = i32x4.sub(i32x4.shr_s(bits, 23), i32x4.splat(126)); // u = m·2^e, m in [0.5, 1)
  const m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  const small = f32x4.lt(m, f32x4.splat(SQRTHF)); // lanes -1 where m < √½: use 2m, e − 1
  e = i32x4.add(e, small);
  const x = f32x4.add(f32x4.sub(m, f32x4.splat(1.0)), v128.and(m, small));
  const z = f32x4.mul(x, x);
  let y = f32x4.sub(f32x4.mul(f32x4.splat(7.0376836292e-2), x), f32x4.splat(1.1514610310e-1));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(1.1676998740e-1));
  y = f32x4.sub(f32x4.mul(y, x), f32x4.splat(1.2420140846e-1));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(1.4249322787e-1));
  y = f32x4.sub(f32x4.mul(y, x), f32x4.splat(1.6668057665e-1));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(2.0000714765e-1));
  y = f32x4.sub(f32x4.mul(y, x), f32x4.splat(2.4999993993e-1));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(3.3333331174e-1));
  y = f32x4.mul(f32x4.mul(y, x), z);
  const ef = f32x4.convert_i32x4_s(e);
  y = f32x4.add(y, f32x4.mul(ef, f32x4.splat(-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  return f32x4.add(f32x4.add(x, y), f32x4.mul(ef, f32x4.splat(0.693359375)));
}

/** Lane-wise log1p(e) for e in [0, 1]. Error: relative <= 2.4e-7 (measured, see above). */
// @ts-ignore: decorator
@inline export function v_log1p_unit(e: v128): v128 {
  const one = f32x4.splat(1.0);
  const u = f32x4.add(one, e);
  const d = f32x4.sub(u, one);
  const r = f32x4.div(f32x4.mul(v_log_pos(u), e), d);
  return v128.bitselect(e, r, f32x4.eq(d, f32x4.splat(0))); // u rounded to 1: log1p(e) = e to f32 precision
}

// ---- weights ------------------------------------------------------------------------------

/**
 * The per-row weights of flat elements i .. i+3 of a (B, K) array: all 1 if weight is 0; the
 * weights themselves if K = 1; else weight[(i + lane) / K] per lane. Only lanes < r are read.
 */
// @ts-ignore: decorator
@inline export function weight_vec(weight: usize, i: i32, K: i32, r: i32): v128 {
  if (weight == 0) return f32x4.splat(1.0);
  let v = f32x4.splat(0);
  if (K == 1 && r == 4) return v128.load(weight + (<usize>i << 2));
  if (r > 0) v = f32x4.replace_lane(v, 0, load<f32>(weight + (<usize>(i / K) << 2)));
  if (r > 1) v = f32x4.replace_lane(v, 1, load<f32>(weight + (<usize>((i + 1) / K) << 2)));
  if (r > 2) v = f32x4.replace_lane(v, 2, load<f32>(weight + (<usize>((i + 2) / K) << 2)));
  if (r > 3) v = f32x4.replace_lane(v, 3, load<f32>(weight + (<usize>((i + 3) / K) << 2)));
  return v;
}

/** Weight of row b (1 if weight is 0). */
// @ts-ignore: decorator
@inline export function weight_of(weight: usize, b: i32): f32 {
  return weight == 0 ? <f32>1.0 : load<f32>(weight + (<usize>b << 2));
}

/** Lanes < r all ones, the others 0 (a mask for the partial last vector). */
// @ts-ignore: decorator
@inline export function lanes_below(r: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(r));
}

/** The four lanes summed in f64 (in lane order). */
// @ts-ignore: decorator
@inline export function hsum64(v: v128): f64 {
  return (<f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1)) +
    (<f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3));
}
