// φ and φ′ of the activations of assembly/act_ext.ts (ELU, GELU tanh and exact, SiLU, softplus),
// one lane-wise vector definition and one scalar libm reference of each, shared by the plain
// kernels (act_ext.ts) and the GAAF kernels (gaaf_ext.ts) so both compute the very same bits.
// The formulas and their measured error bounds are in act_ext.ts's header. Pure, inlined; the
// kind codes are re-exported by act_ext.ts (the module's ACTX_<NAME> constants).

import { v_exp, v_sigmoid, v_erfc, v_log1p_unit } from "./mathx";

export const ACTX_ELU: i32 = 0,
  ACTX_GELU_TANH: i32 = 1,
  ACTX_GELU: i32 = 2,
  ACTX_SILU: i32 = 3,
  ACTX_SOFTPLUS: i32 = 4;

// @ts-ignore: decorator
@inline const K0: f32 = 0.7978845608028654; // √(2/π)
// @ts-ignore: decorator
@inline const K1: f32 = 0.044715;
// @ts-ignore: decorator
@inline const RSQRT2: f32 = 0.7071067811865476;
// @ts-ignore: decorator
@inline const RSQRT2PI: f32 = 0.3989422804014327; // 1/√(2π)

// σ'(v) = e/(1 + e)², e = e^(−|v|)
// @ts-ignore: decorator
@inline export function v_dsig(v: v128): v128 {
  const e = v_exp(f32x4.neg(f32x4.abs(v)));
  const d = f32x4.add(f32x4.splat(1), e);
  return f32x4.div(e, f32x4.mul(d, d));
}

// φ(x)
// @ts-ignore: decorator
@inline export function v_fwd(kind: i32, x: v128, alpha: v128): v128 {
  const zero = f32x4.splat(0);
  if (kind == ACTX_ELU) return v128.bitselect(x, f32x4.mul(alpha, f32x4.sub(v_exp(x), f32x4.splat(1))), f32x4.gt(x, zero));
  if (kind == ACTX_GELU_TANH) {
    const u = f32x4.mul(f32x4.splat(K0), f32x4.add(x, f32x4.mul(f32x4.splat(K1), f32x4.mul(x, f32x4.mul(x, x)))));
    return f32x4.mul(x, v_sigmoid(f32x4.add(u, u)));
  }
  if (kind == ACTX_GELU) return f32x4.mul(x, f32x4.mul(f32x4.splat(0.5), v_erfc(f32x4.mul(x, f32x4.splat(-RSQRT2)))));
  if (kind == ACTX_SILU) return f32x4.mul(x, v_sigmoid(x));
  // softplus; pmax keeps NaN (NaN < 0 is false)
  return f32x4.add(f32x4.pmax(x, zero), v_log1p_unit(v_exp(f32x4.neg(f32x4.abs(x)))));
}

// φ'(x)
// @ts-ignore: decorator
@inline export function v_der(kind: i32, x: v128, alpha: v128): v128 {
  const one = f32x4.splat(1);
  if (kind == ACTX_ELU) return v128.bitselect(one, f32x4.mul(alpha, v_exp(x)), f32x4.gt(x, f32x4.splat(0)));
  if (kind == ACTX_GELU_TANH) {
    const xx = f32x4.mul(x, x);
    const u = f32x4.mul(f32x4.splat(K0), f32x4.add(x, f32x4.mul(f32x4.splat(K1), f32x4.mul(x, xx))));
    const du = f32x4.mul(f32x4.splat(2 * K0), f32x4.add(one, f32x4.mul(f32x4.splat(3 * K1), xx)));
    const u2 = f32x4.add(u, u);
    return f32x4.add(v_sigmoid(u2), f32x4.mul(f32x4.mul(x, v_dsig(u2)), du));
  }
  if (kind == ACTX_GELU) {
    const cdf = f32x4.mul(f32x4.splat(0.5), v_erfc(f32x4.mul(x, f32x4.splat(-RSQRT2))));
    const pdf = f32x4.mul(f32x4.splat(RSQRT2PI), v_exp(f32x4.mul(f32x4.splat(-0.5), f32x4.mul(x, x))));
    return f32x4.add(cdf, f32x4.mul(x, pdf));
  }
  if (kind == ACTX_SILU) return f32x4.add(v_sigmoid(x), f32x4.mul(x, v_dsig(x)));
  return v_sigmoid(x);
}

// ---- scalar references (libm, f64 erf) ----------------------------------------------------

/** erf(z) in f64: Maclaurin series for |z| < 2.5, 1 − erfc by Lentz's continued fraction above. */
export function erf64(z: f64): f64 {
  if (isNaN(z)) return z;
  const a = Math.abs(z);
  let r: f64;
  if (a < 2.5) {
    let term = a, sum = a;
    for (let k = 1; k < 80; k++) {
      term *= -a * a / <f64>k;
      sum += term / <f64>(2 * k + 1);
    }
    r = sum * 1.1283791670955126;
  } else r = 1 - erfc64(a);
  return z < 0 ? -r : r;
}

/** erfc(z) in f64, accurate relative to erfc itself for z >= 2.5 (continued fraction). */
export function erfc64(z: f64): f64 {
  if (z < 2.5) return 1 - erf64(z);
  if (z > 27) return 0;
  // erfc(z) = e^(−z²)/√π · 1/(z + 1/2/(z + 1/(z + 3/2/(z + 2/(z + ...)))))
  let f: f64 = z, c: f64 = z, d: f64 = 0;
  for (let k = 1; k < 200; k++) {
    const ak = <f64>k * 0.5;
    d = z + ak * d; d = 1 / d;
    c = z + ak / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-z * z) / (f * 1.7724538509055159);
}

// @ts-ignore: decorator
@inline export function sig_ref(v: f32): f32 {
  return <f32>1 / (<f32>1 + Mathf.exp(-v));
}

// @ts-ignore: decorator
@inline export function fwd_ref(kind: i32, v: f32, alpha: f32): f32 {
  if (kind == ACTX_ELU) return v > 0 ? v : alpha * Mathf.expm1(v);
  if (kind == ACTX_GELU_TANH) return <f32>0.5 * v * (<f32>1 + Mathf.tanh(K0 * (v + K1 * v * v * v)));
  if (kind == ACTX_GELU) return <f32>(0.5 * <f64>v * (1 + erf64(<f64>v * 0.7071067811865476)));
  if (kind == ACTX_SILU) return v * sig_ref(v);
  return Mathf.max(v, 0) + Mathf.log1p(Mathf.exp(-Mathf.abs(v)));
}

// @ts-ignore: decorator
@inline export function der_ref(kind: i32, v: f32, alpha: f32): f32 {
  if (kind == ACTX_ELU) return v > 0 ? <f32>1 : alpha * Mathf.exp(v);
  if (kind == ACTX_GELU_TANH) {
    const t = Mathf.tanh(K0 * (v + K1 * v * v * v));
    return <f32>0.5 * (<f32>1 + t) + <f32>0.5 * v * (<f32>1 - t * t) * K0 * (<f32>1 + <f32>3 * K1 * v * v);
  }
  if (kind == ACTX_GELU) {
    const x = <f64>v;
    return <f32>(0.5 * (1 + erf64(x * 0.7071067811865476)) + x * Math.exp(-0.5 * x * x) * 0.3989422804014327);
  }
  const s = sig_ref(v);
  if (kind == ACTX_SILU) return s + v * s * (<f32>1 - s);
  return s;
}

