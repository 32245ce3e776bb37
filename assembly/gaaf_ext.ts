// GAAF for LeakyReLU, ELU, GELU (exact and tanh), SiLU/swish: φ_new(x) = φ(x) + g(x)·s(x), with
// the paper's sawtooth g (eq. 7, gaaf_math.ts) and shape functions of ours. The paper gives
// shapes for tanh (an exponential bell) and ReLU (a shifted sigmoid) only and says GAAF applies
// to other activations "with a little adjustment of the shape function, which depends on where
// the saturation areas are located" (section 4). These activations all saturate (or slow down)
// on the left only, like ReLU, so each gets the paper's ReLU shape, moved and scaled:
//
//   s(x) = A·σ(a·(x − b))
//
// The paper's ReLU shape (activations.ts: a = 3.3, b = −0.6) is 1 where the unit is active and
// fades into the saturated side, reaching 50% at 0.6 and 5% at 1.5 below the point x½ = 0 where
// ReLU's φ′ falls from 1 to 0. For an activation whose φ′ falls from 1 towards φ′(−∞):
//   - b = x½ − 0.6, x½ the point where φ′ crosses the midpoint ½ on its way down (for a jump
//     through ½, the jump): the same fade, at the activation's own boundary;
//   - A = 1 − φ′(−∞), the share of the gradient the activation loses on the left.
// Both reproduce ReLU's shape (x½ = 0, A = 1). For ours:
//   leakyRelu: φ′ = 1 | α (x ≤ 0): x½ = 0, A = 1 − α (it is (1 − α)·relu(x) + α·x, and only the
//              relu part saturates: GAAF of that part). The caller keeps α in [0, 1).
//   elu:       φ′ = α·eˣ (x ≤ 0) → 0: x½ = min(0, −ln(2α)) (−ln 2 = −0.693 for α = 1), A = 1;
//              default b = −1.293 for α = 1 (the caller computes b; the kernel takes it).
//   gelu, geluTanh, silu: φ′(0) = ½ exactly (Φ(0) = σ(0) = ½), φ′(−∞) = 0: x½ = 0, A = 1,
//              the ReLU shape itself. Their φ′ dips below 0 (GELU below x = −0.752, minimum
//              −0.129 at −√2; SiLU below −1.278, minimum −0.0998 at −2.40); the shape is 6.4%
//              and 0.3% at those minima, so GAAF leaves the dip nearly as it is, as the paper
//              turns the acceleration down in saturation areas.
// The caller passes a, b (defaults a = 3.3 and b as above, src/gaaf.ts); A follows from kind
// and α here.
//
// Backward, as in activations.ts: dφ_new/dx = φ′(x) + s(x) + g(x)·s′(x) with g′ = 1; the last
// term is below |s′|/(2K) ≤ A·a/(8K) (4e-5·A for a = 3.3, K = 1e4) and is dropped:
//   dx = dy·(φ′(x) + s(x)).
// φ and φ′ are act_ext_math.ts's (the plain kernels' very bits), s one v_sigmoid (mathx.ts,
// <= 2.31 ulp) times A. Error: the forward is within 0.5·A/K (+ rounding) of φ, so within 1/K
// of the exact φ; the backward, against f64 φ′ + s, is within the act_ext bound of φ′
// (1.4e-7 relative-or-absolute) plus s's relative 2.31 ulp and the f32 conditioning of
// σ(u), u = a·(x − b) rounded twice: |u|·(1 − σ(u))·2·2^-24 relative. Measured by
// test/assembly/gaaf_ext.spec.ts (1.6k points on [−4, 4] and [−20, 20], |y − t|/max(|t|, 1),
// t the f64 φ + g·s and φ′ + s): SIMD forward <= 1.6e-7, backward <= 1.6e-7 for every kind
// (the references <= 4.8e-7, SIMD against reference <= 4.8e-7); the added gradient
// dx − dx_plain equals s within 2.1e-7; max |y − φ| = 5.0e-5 (leakyRelu 3.5e-5 = A·0.5/K). Elementwise, in place allowed;
// the n % 4 tail runs through the same vector code (load_partial). NaN propagates.
// Unknown kinds trap (unreachable); the TypeScript API validates kinds.

import { v_sigmoid, load_partial, store_partial } from "./mathx";
import { ACTX_ELU, ACTX_GELU_TANH, ACTX_GELU, ACTX_SILU, v_fwd, v_der, fwd_ref, der_ref } from "./act_ext_math";
import { v_gaaf_g, gaaf_g_ref } from "./gaaf_math";

export const GAAFX_LEAKY_RELU: i32 = 0,
  GAAFX_ELU: i32 = 1,
  GAAFX_GELU_TANH: i32 = 2,
  GAAFX_GELU: i32 = 3,
  GAAFX_SILU: i32 = 4;

// @ts-ignore: decorator
@inline function check_kind(kind: i32): void {
  if (kind < GAAFX_LEAKY_RELU || kind > GAAFX_SILU) unreachable();
}

// act_ext_math.ts's code of a kind other than leakyRelu
// @ts-ignore: decorator
@inline function actx(kind: i32): i32 {
  return kind == GAAFX_ELU ? ACTX_ELU : kind == GAAFX_GELU_TANH ? ACTX_GELU_TANH : kind == GAAFX_GELU ? ACTX_GELU : ACTX_SILU;
}

/** A, the shape's amplitude: 1 − α for leakyRelu, 1 for the others. */
// @ts-ignore: decorator
@inline function amplitude(kind: i32, alpha: f32): f32 {
  return kind == GAAFX_LEAKY_RELU ? <f32>1 - alpha : <f32>1;
}

// φ(x); leakyRelu as leaky_relu_forward (activations.ts)
// @ts-ignore: decorator
@inline function v_phi(kind: i32, x: v128, alpha: v128): v128 {
  if (kind == GAAFX_LEAKY_RELU) return v128.bitselect(x, f32x4.mul(x, alpha), f32x4.gt(x, f32x4.splat(0)));
  return v_fwd(actx(kind), x, alpha);
}

// φ′(x); leakyRelu as leaky_relu_backward
// @ts-ignore: decorator
@inline function v_dphi(kind: i32, x: v128, alpha: v128): v128 {
  if (kind == GAAFX_LEAKY_RELU) return v128.bitselect(f32x4.splat(1), alpha, f32x4.gt(x, f32x4.splat(0)));
  return v_der(actx(kind), x, alpha);
}

// s(x) = A·σ(a·(x − b))
// @ts-ignore: decorator
@inline function v_shape(x: v128, A: v128, a: v128, b: v128): v128 {
  return f32x4.mul(A, v_sigmoid(f32x4.mul(a, f32x4.sub(x, b))));
}

// ---- gaafx_forward ------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function fwd_k(kind: i32, x: usize, y: usize, n: i32, alpha: f32, K: f32, a: f32, b: f32): void {
  const va = f32x4.splat(alpha), vK = f32x4.splat(K), vA = f32x4.splat(amplitude(kind, alpha));
  const sa = f32x4.splat(a), sb = f32x4.splat(b);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const xv = v128.load(x + o);
    const gs = f32x4.mul(v_gaaf_g(xv, vK), v_shape(xv, vA, sa, sb));
    v128.store(y + o, f32x4.add(v_phi(kind, xv, va), gs));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    const xv = load_partial(x + o, r);
    const gs = f32x4.mul(v_gaaf_g(xv, vK), v_shape(xv, vA, sa, sb));
    store_partial(y + o, f32x4.add(v_phi(kind, xv, va), gs), r);
  }
}

/**
 * GAAF forward, y = φ(x) + g(x)·s(x), s(x) = A·σ(a·(x − b)) (see the header).  x (n), y (n).
 * alpha: leakyRelu's slope / elu's α (ignored by the others); K: g's frequency (> 0).
 */
export function gaafx_forward(kind: i32, x: usize, y: usize, n: i32, alpha: f32, K: f32, a: f32, b: f32): void {
  check_kind(kind);
  if (kind == GAAFX_LEAKY_RELU) fwd_k(GAAFX_LEAKY_RELU, x, y, n, alpha, K, a, b);
  else if (kind == GAAFX_ELU) fwd_k(GAAFX_ELU, x, y, n, alpha, K, a, b);
  else if (kind == GAAFX_GELU_TANH) fwd_k(GAAFX_GELU_TANH, x, y, n, alpha, K, a, b);
  else if (kind == GAAFX_GELU) fwd_k(GAAFX_GELU, x, y, n, alpha, K, a, b);
  else fwd_k(GAAFX_SILU, x, y, n, alpha, K, a, b);
}

// ---- gaafx_backward -----------------------------------------------------------------------

// @ts-ignore: decorator
@inline function bwd_k(kind: i32, x: usize, dy: usize, dx: usize, n: i32, alpha: f32, a: f32, b: f32): void {
  const va = f32x4.splat(alpha), vA = f32x4.splat(amplitude(kind, alpha));
  const sa = f32x4.splat(a), sb = f32x4.splat(b);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const xv = v128.load(x + o);
    const d = f32x4.add(v_dphi(kind, xv, va), v_shape(xv, vA, sa, sb));
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), d));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    const xv = load_partial(x + o, r);
    const d = f32x4.add(v_dphi(kind, xv, va), v_shape(xv, vA, sa, sb));
    store_partial(dx + o, f32x4.mul(load_partial(dy + o, r), d), r);
  }
}

/** GAAF backward, dx = dy·(φ′(x) + s(x)) (g′ = 1, the g·s′ term dropped).  x (n) pre-activation, dy (n), dx (n). */
export function gaafx_backward(kind: i32, x: usize, dy: usize, dx: usize, n: i32, alpha: f32, a: f32, b: f32): void {
  check_kind(kind);
  if (kind == GAAFX_LEAKY_RELU) bwd_k(GAAFX_LEAKY_RELU, x, dy, dx, n, alpha, a, b);
  else if (kind == GAAFX_ELU) bwd_k(GAAFX_ELU, x, dy, dx, n, alpha, a, b);
  else if (kind == GAAFX_GELU_TANH) bwd_k(GAAFX_GELU_TANH, x, dy, dx, n, alpha, a, b);
  else if (kind == GAAFX_GELU) bwd_k(GAAFX_GELU, x, dy, dx, n, alpha, a, b);
  else bwd_k(GAAFX_SILU, x, dy, dx, n, alpha, a, b);
}

// ---- scalar references (libm) -------------------------------------------------------------

// @ts-ignore: decorator
@inline function phi_ref(kind: i32, v: f32, alpha: f32): f32 {
  if (kind == GAAFX_LEAKY_RELU) return v > 0 ? v : alpha * v;
  return fwd_ref(actx(kind), v, alpha);
}

// @ts-ignore: decorator
@inline function dphi_ref(kind: i32, v: f32, alpha: f32): f32 {
  if (kind == GAAFX_LEAKY_RELU) return v > 0 ? <f32>1 : alpha;
  return der_ref(actx(kind), v, alpha);
}

// @ts-ignore: decorator
@inline function shape_ref(kind: i32, v: f32, alpha: f32, a: f32, b: f32): f32 {
  return amplitude(kind, alpha) * (<f32>1 / (<f32>1 + Mathf.exp(-(a * (v - b)))));
}

/** Scalar reference of gaafx_forward (libm). x (n), y (n). */
export function gaafx_forward_ref(kind: i32, x: usize, y: usize, n: i32, alpha: f32, K: f32, a: f32, b: f32): void {
  check_kind(kind);
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, phi_ref(kind, v, alpha) + gaaf_g_ref(v, K) * shape_ref(kind, v, alpha, a, b));
  }
}

/** Scalar reference of gaafx_backward (libm). x (n), dy (n), dx (n). */
export function gaafx_backward_ref(kind: i32, x: usize, dy: usize, dx: usize, n: i32, alpha: f32, a: f32, b: f32): void {
  check_kind(kind);
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(dx + o, load<f32>(dy + o) * (dphi_ref(kind, v, alpha) + shape_ref(kind, v, alpha, a, b)));
  }
}
