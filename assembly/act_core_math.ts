// φ and φ′ of tanh, relu and sigmoid (the activations of assembly/activations.ts), one lane-wise
// vector definition and one scalar libm reference, shared by the plain and GAAF kernels of
// activations.ts and the GAAF shape kernels of gaaf_shapes.ts so all compute the very same bits.
// The formulas and their error notes are in activations.ts's header. Pure, inlined; the kind
// codes are re-exported by activations.ts (the module's ACT_<NAME> constants).

import { v_exp, v_tanh, v_sigmoid } from "./mathx";

export const ACT_TANH: i32 = 0,
  ACT_RELU: i32 = 1,
  ACT_SIGMOID: i32 = 2;

// @ts-ignore: decorator
@inline export function v_phi(kind: i32, x: v128): v128 {
  if (kind == ACT_TANH) return v_tanh(x);
  if (kind == ACT_SIGMOID) return v_sigmoid(x);
  // relu as x < 0 ? 0 : x (pmax): one maxps on x64, where f32x4.max's NaN/−0 rules cost several
  // instructions. NaN propagates; −0 stays −0.
  return f32x4.pmax(x, f32x4.splat(0));
}

// φ'(x) from x.
// @ts-ignore: decorator
@inline export function v_dphi(kind: i32, x: v128): v128 {
  const one = f32x4.splat(1.0);
  if (kind == ACT_RELU) return v128.and(one, f32x4.gt(x, f32x4.splat(0)));
  const ax = f32x4.abs(x);
  if (kind == ACT_TANH) {
    const e = v_exp(f32x4.neg(f32x4.add(ax, ax)));
    const d = f32x4.add(one, e);
    return f32x4.div(f32x4.mul(f32x4.splat(4.0), e), f32x4.mul(d, d));
  }
  const e = v_exp(f32x4.neg(ax));
  const d = f32x4.add(one, e);
  return f32x4.div(e, f32x4.mul(d, d));
}

/** φ(v) with libm: the scalar references' activation. */
export function phi_ref(kind: i32, v: f32): f32 {
  if (kind == ACT_TANH) return Mathf.tanh(v);
  if (kind == ACT_SIGMOID) return <f32>1.0 / (<f32>1.0 + Mathf.exp(-v));
  return v < 0 ? <f32>0 : v; // relu: NaN and −0 pass through, as in the SIMD kernel's pmax
}

/** φ′(v) with libm, by the same identities as v_dphi (relu′(0) = 0). */
// @ts-ignore: decorator
@inline export function dphi_ref(kind: i32, v: f32): f32 {
  if (kind == ACT_RELU) return v > 0 ? <f32>1.0 : <f32>0.0;
  if (kind == ACT_TANH) {
    const e = Mathf.exp(-<f32>2.0 * Mathf.abs(v));
    return <f32>4.0 * e / ((<f32>1.0 + e) * (<f32>1.0 + e));
  }
  const e = Mathf.exp(-Mathf.abs(v));
  return e / ((<f32>1.0 + e) * (<f32>1.0 + e));
}
