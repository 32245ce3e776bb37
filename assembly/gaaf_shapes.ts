// GAAF with a chosen shape function for tanh, relu and sigmoid (the experiment of
// src/reproduce/gaaf-shapes.ts): φ_new(x) = φ(x) + g(x)·s(x), g the paper's sawtooth (eq. 7,
// gaaf_math.ts), φ and φ′ the plain kernels' very bits (act_core_math.ts), and
//
//   bell:            s(x) = h·exp(−x²/c)                        (the paper's tanh shape, fig. 4a)
//   ring:            s(x) = h·u·exp(1 − u),  u = x²/c            (ours: 0 at x = 0, peak h at |x| = √c)
//   shiftedSigmoid:  s(x) = h·σ(a·(x − b))                       (the paper's relu shape, fig. 4b)
//   leftBump:        s(x) = h·exp(−x²/c) for x ≤ 0, 0 for x > 0  (ours: relu's saturated side only)
//
// h is the shape's height (1 in the paper; ¼ for sigmoid is what "σ is tanh stretched by 2"
// implies, σ′(x) = ¼·tanh′(x/2)). p1, p2: c (p2 unused) or a, b. The ring's derivative,
// s′(x) = h·(2x/c)·(1 − u)·exp(1 − u), vanishes at x = 0 and at u = 1 (|x| = √c), where
// s = h·1·e⁰ = h, its maximum (s → 0 as |x| → ∞); its steepest slope, where 2u² − 5u + 1 = 0
// (u = (5 − √17)/4 = 0.219), is |s′| = 1.596·h/√c.
// For u ≥ 88 the ring is set to 0 (the exact value, below 1.5e-36·h, is then no float32 worth
// keeping, and u·exp(1 − u) would be inf·0 = NaN at x = ±inf). The bump is cut at x > 0 by a
// select. NaN compares false in both masks: s = 0 there, the forward's φ carries the NaN, and
// the backward is NaN through tanh′ and σ′ (relu′(NaN) is 0, as in the plain relu kernel).
//
// Backward, as in activations.ts: dφ_new/dx = φ′(x) + s(x) + g(x)·s′(x), g′ = 1, the last term
// below |s′|/(2K) dropped: dx = dy·(φ′(x) + s(x)). Elementwise, in place allowed; the n % 4
// tail runs through the same vector code (load_partial). The shapes and heights the default
// layers use (bell and shiftedSigmoid at h = 1) run on activations.ts's gaaf_forward/backward,
// whose bits these kernels do not touch. Unknown kinds or shapes trap (unreachable); the
// TypeScript API validates them (src/gaaf.ts).

import { v_exp, v_sigmoid, load_partial, store_partial } from "./mathx";
import { ACT_TANH, ACT_RELU, ACT_SIGMOID, v_phi, v_dphi, phi_ref, dphi_ref } from "./act_core_math";
import { v_gaaf_g, gaaf_g_ref } from "./gaaf_math";

export const GAAFS_BELL: i32 = 0,
  GAAFS_RING: i32 = 1,
  GAAFS_SHIFTED_SIGMOID: i32 = 2,
  GAAFS_LEFT_BUMP: i32 = 3;

// @ts-ignore: decorator
@inline const RING_CUT: f32 = 88.0;

// @ts-ignore: decorator
@inline function check(kind: i32, shape: i32): void {
  if (kind != ACT_TANH && kind != ACT_RELU && kind != ACT_SIGMOID) unreachable();
  if (shape < GAAFS_BELL || shape > GAAFS_LEFT_BUMP) unreachable();
}

// s(x); q1 is 1/c for the bell, ring and bump, a for the shifted sigmoid
// @ts-ignore: decorator
@inline function v_shape(shape: i32, x: v128, q1: v128, q2: v128, h: v128): v128 {
  let s: v128;
  if (shape == GAAFS_SHIFTED_SIGMOID) {
    s = v_sigmoid(f32x4.mul(q1, f32x4.sub(x, q2)));
  } else {
    const u = f32x4.mul(f32x4.mul(x, x), q1);
    if (shape == GAAFS_RING) {
      s = f32x4.mul(u, v_exp(f32x4.sub(f32x4.splat(1.0), u)));
      s = v128.and(s, f32x4.lt(u, f32x4.splat(RING_CUT)));
    } else {
      s = v_exp(f32x4.neg(u));
      if (shape == GAAFS_LEFT_BUMP) s = v128.and(s, f32x4.le(x, f32x4.splat(0)));
    }
  }
  return f32x4.mul(h, s);
}

// Scalar s(x) with libm, the same formulas.
// @ts-ignore: decorator
@inline function shape_ref(shape: i32, x: f32, p1: f32, p2: f32, h: f32): f32 {
  let s: f32;
  if (shape == GAAFS_SHIFTED_SIGMOID) {
    s = <f32>1.0 / (<f32>1.0 + Mathf.exp(-(p1 * (x - p2))));
  } else {
    const u = x * x * (<f32>1.0 / p1);
    if (shape == GAAFS_RING) s = u < RING_CUT ? u * Mathf.exp(<f32>1.0 - u) : <f32>0.0;
    else if (shape == GAAFS_LEFT_BUMP) s = x <= 0 ? Mathf.exp(-u) : <f32>0.0;
    else s = Mathf.exp(-u);
  }
  return h * s;
}

// ---- gaafs_forward ------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function fwd_k(kind: i32, shape: i32, x: usize, y: usize, n: i32, K: f32, q1: f32, q2: f32, h: f32): void {
  const vK = f32x4.splat(K), v1 = f32x4.splat(q1), v2 = f32x4.splat(q2), vh = f32x4.splat(h);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const xv = v128.load(x + o);
    const gs = f32x4.mul(v_gaaf_g(xv, vK), v_shape(shape, xv, v1, v2, vh));
    v128.store(y + o, f32x4.add(v_phi(kind, xv), gs));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    const xv = load_partial(x + o, r);
    const gs = f32x4.mul(v_gaaf_g(xv, vK), v_shape(shape, xv, v1, v2, vh));
    store_partial(y + o, f32x4.add(v_phi(kind, xv), gs), r);
  }
}

// @ts-ignore: decorator
@inline function fwd_shape(kind: i32, shape: i32, x: usize, y: usize, n: i32, K: f32, q1: f32, q2: f32, h: f32): void {
  if (shape == GAAFS_BELL) fwd_k(kind, GAAFS_BELL, x, y, n, K, q1, q2, h);
  else if (shape == GAAFS_RING) fwd_k(kind, GAAFS_RING, x, y, n, K, q1, q2, h);
  else if (shape == GAAFS_SHIFTED_SIGMOID) fwd_k(kind, GAAFS_SHIFTED_SIGMOID, x, y, n, K, q1, q2, h);
  else fwd_k(kind, GAAFS_LEFT_BUMP, x, y, n, K, q1, q2, h);
}

/**
 * GAAF forward with shape `shape`, y = φ(x) + g(x)·s(x).  x (n), y (n).
 * K: g's frequency (> 0); p1, p2: c (bell, ring, leftBump; c > 0) or a, b (shiftedSigmoid); h: height.
 */
export function gaafs_forward(kind: i32, shape: i32, x: usize, y: usize, n: i32, K: f32, p1: f32, p2: f32, h: f32): void {
  check(kind, shape);
  const q1: f32 = shape == GAAFS_SHIFTED_SIGMOID ? p1 : <f32>1.0 / p1;
  if (kind == ACT_TANH) fwd_shape(ACT_TANH, shape, x, y, n, K, q1, p2, h);
  else if (kind == ACT_SIGMOID) fwd_shape(ACT_SIGMOID, shape, x, y, n, K, q1, p2, h);
  else fwd_shape(ACT_RELU, shape, x, y, n, K, q1, p2, h);
}

/** Scalar reference of gaafs_forward (libm). x (n), y (n). */
export function gaafs_forward_ref(kind: i32, shape: i32, x: usize, y: usize, n: i32, K: f32, p1: f32, p2: f32, h: f32): void {
  check(kind, shape);
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, phi_ref(kind, v) + gaaf_g_ref(v, K) * shape_ref(shape, v, p1, p2, h));
  }
}

// ---- gaafs_backward -----------------------------------------------------------------------

// @ts-ignore: decorator
@inline function bwd_k(kind: i32, shape: i32, x: usize, dy: usize, dx: usize, n: i32, q1: f32, q2: f32, h: f32): void {
  const v1 = f32x4.splat(q1), v2 = f32x4.splat(q2), vh = f32x4.splat(h);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const xv = v128.load(x + o);
    const d = f32x4.add(v_dphi(kind, xv), v_shape(shape, xv, v1, v2, vh));
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), d));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    const xv = load_partial(x + o, r);
    const d = f32x4.add(v_dphi(kind, xv), v_shape(shape, xv, v1, v2, vh));
    store_partial(dx + o, f32x4.mul(load_partial(dy + o, r), d), r);
  }
}

// @ts-ignore: decorator
@inline function bwd_shape(kind: i32, shape: i32, x: usize, dy: usize, dx: usize, n: i32, q1: f32, q2: f32, h: f32): void {
  if (shape == GAAFS_BELL) bwd_k(kind, GAAFS_BELL, x, dy, dx, n, q1, q2, h);
  else if (shape == GAAFS_RING) bwd_k(kind, GAAFS_RING, x, dy, dx, n, q1, q2, h);
  else if (shape == GAAFS_SHIFTED_SIGMOID) bwd_k(kind, GAAFS_SHIFTED_SIGMOID, x, dy, dx, n, q1, q2, h);
  else bwd_k(kind, GAAFS_LEFT_BUMP, x, dy, dx, n, q1, q2, h);
}

/** GAAF backward with shape `shape`, dx = dy·(φ′(x) + s(x)).  x (n) pre-activation, dy (n), dx (n). */
export function gaafs_backward(kind: i32, shape: i32, x: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, h: f32): void {
  check(kind, shape);
  const q1: f32 = shape == GAAFS_SHIFTED_SIGMOID ? p1 : <f32>1.0 / p1;
  if (kind == ACT_TANH) bwd_shape(ACT_TANH, shape, x, dy, dx, n, q1, p2, h);
  else if (kind == ACT_SIGMOID) bwd_shape(ACT_SIGMOID, shape, x, dy, dx, n, q1, p2, h);
  else bwd_shape(ACT_RELU, shape, x, dy, dx, n, q1, p2, h);
}

/** Scalar reference of gaafs_backward (libm). x (n), dy (n), dx (n). */
export function gaafs_backward_ref(kind: i32, shape: i32, x: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32, h: f32): void {
  check(kind, shape);
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(dx + o, load<f32>(dy + o) * (dphi_ref(kind, v) + shape_ref(shape, v, p1, p2, h)));
  }
}
