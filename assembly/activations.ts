// Activation functions and GAAF (gradient acceleration in activation functions, paper §4).
//
// Every kernel is elementwise over f32 buffers of n elements (byte addresses, in place allowed
// when the output aliases an input exactly). The SIMD kernels process 4 lanes at a time and run
// the last n % 4 elements through the same vector code on a partially loaded vector (see
// mathx.ts), so each output depends only on its own inputs. The `_ref` versions are the plain
// scalar definitions using libm (Mathf), used by the tests to check the SIMD approximations.
//
// Unknown `kind` values trap (unreachable); the TypeScript API validates kinds.
//
// GAAF (paper eq. 7 and 8):
//   φ_new(x) = φ(x) + g(x)·s(x),   g(x) = (x·K − ⌊x·K⌋ − 0.5)/K,
// g is a sawtooth with |g| <= 0.5/K and g' = 1 almost everywhere, so φ_new stays within
// 0.5/K of φ while its derivative gains s(x). After the float32 rounding of φ + g·s the output
// is within min(2|g·s|, |g·s| + ulp(φ)/2) <= 1/K of the float φ (the test checks < 1/K against
// the exact φ; measured max 5.0e-5 for tanh/sigmoid, 6.1e-5 for relu at |x| in [512, 1024)).
// In float32, once |x·K| >= 2^23 (|x| above about 838 for K = 1e4) x·K has no fractional bits,
// so ⌊x·K⌋ = x·K and g(x) is the constant −0.5/K; the kernels also use that constant when x·K
// overflows to ±inf (where x·K − ⌊x·K⌋ would be inf − inf = NaN), so ±inf inputs give φ(±inf).
// K > 0 and the shape parameters (c > 0, a) are validated by the caller (K default 1e4).
//
// Shape functions s (p1, p2 are the caller's parameters):
//   tanh:    s(x) = exp(−x²/c), c = p1 (default 3, the bell of the paper's figure 4a).
//   sigmoid: s(x) = exp(−x²/c), c = p1 (default 12: σ(x) = (1 + tanh(x/2))/2 is tanh stretched
//            by 2 along x, so the bell is stretched by 2 too and c grows by 2² = 4).
//   relu:    s(x) = σ(a·(x − b)), a = p1, b = p2 (defaults a = 3.3, b = −0.6: rises from ≈5% at
//            x = −1.5 to ≈95% at x = +0.3, the shifted sigmoid of figure 4b).
//   p2 is unused for the bells, which are evaluated as exp(−(x·x)·(1/c)).
//
// GAAF backward: d φ_new/dx = φ'(x) + s(x) + g(x)·s'(x) with g' = 1; the last term is below
// |s'|/(2K) (≈ 5e-5·|s'|) and is dropped, so dx = dy·(φ'(x) + s(x)). φ' is recomputed from x
// (no forward output needed), through the exact identities
//   tanh'(x) = 1 − tanh²(x) = 4e/(1 + e)²,  e = exp(−2|x|)
//   σ'(x) = σ(x)(1 − σ(x)) = e/(1 + e)²,     e = exp(−|x|)
// which stay accurate to a few ulp relative even in the saturated tails (1 − tanh² in f32
// would cancel to 0 there) and cost one exp.

import { v_exp, v_sigmoid, load_partial, store_partial } from "./mathx";
import { ACT_TANH, ACT_RELU, ACT_SIGMOID, v_phi, v_dphi, phi_ref } from "./act_core_math";
import { v_gaaf_g, gaaf_g_ref } from "./gaaf_math";
import { sigmoid_forward_f32x4 } from "./act_sigmoid";
import { tanh_forward_f32x4 } from "./act_tanh";

export { ACT_TANH, ACT_RELU, ACT_SIGMOID } from "./act_core_math";

// ---- vector building blocks ---------------------------------------------------------------

// s(x): bell exp(−(x·x)·(1/c)) for tanh/sigmoid, σ(a·(x − b)) for relu.
// @ts-ignore: decorator
@inline function v_shape(kind: i32, x: v128, p1: v128, p2: v128): v128 {
  if (kind == ACT_RELU) return v_sigmoid(f32x4.mul(p1, f32x4.sub(x, p2)));
  return v_exp(f32x4.neg(f32x4.mul(f32x4.mul(x, x), p1))); // p1 holds 1/c here
}

// @ts-ignore: decorator
@inline function check_kind(kind: i32): void {
  if (kind != ACT_TANH && kind != ACT_RELU && kind != ACT_SIGMOID) unreachable();
}

// ---- act_forward --------------------------------------------------------------------------

// relu's own loop, four vectors per step. With one loop generic over the kind, binaryen merged the
// three per-kind loops into one that tests the kind for every vector, and relu, whose work is a
// single pmax, ran at 0.3× tfjs-wasm (bench: act). A loop of its own keeps the dispatch outside.
function relu_forward_f32x4(x: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.pmax(v128.load(x + o), zero));
    v128.store(y + o, f32x4.pmax(v128.load(x + o, 16), zero), 16);
    v128.store(y + o, f32x4.pmax(v128.load(x + o, 32), zero), 32);
    v128.store(y + o, f32x4.pmax(v128.load(x + o, 48), zero), 48);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.pmax(v128.load(x + o), zero));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    store_partial(y + o, f32x4.pmax(load_partial(x + o, r), zero), r);
  }
}

/** y = φ(x).  x (n), y (n). tanh/sigmoid: Cephes-based approximations (mathx.ts), relu exact. */
export function act_forward(kind: i32, x: usize, y: usize, n: i32): void {
  check_kind(kind);
  if (kind == ACT_TANH) tanh_forward_f32x4(x, y, n);
  else if (kind == ACT_SIGMOID) sigmoid_forward_f32x4(x, y, n);
  else relu_forward_f32x4(x, y, n);
}

/** Scalar reference of act_forward (libm). x (n), y (n). */
export function act_forward_ref(kind: i32, x: usize, y: usize, n: i32): void {
  check_kind(kind);
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, phi_ref(kind, load<f32>(x + o)));
  }
}

// ---- act_backward -------------------------------------------------------------------------

// dx = dy·φ'(x) with tanh' = 1 − y·y, σ' = y·(1 − y), relu' = x > 0 ? 1 : 0.
// @ts-ignore: decorator
@inline function v_act_bwd(kind: i32, x: v128, y: v128, dy: v128): v128 {
  const one = f32x4.splat(1.0);
  let d: v128;
  if (kind == ACT_TANH) d = f32x4.sub(one, f32x4.mul(y, y));
  else if (kind == ACT_SIGMOID) d = f32x4.mul(y, f32x4.sub(one, y));
  else d = v128.and(one, f32x4.gt(x, f32x4.splat(0)));
  return f32x4.mul(dy, d);
}

// @ts-ignore: decorator
@inline function act_backward_k(kind: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    // relu reads only x, tanh/sigmoid only y
    const xv = kind == ACT_RELU ? v128.load(x + o) : f32x4.splat(0);
    const yv = kind == ACT_RELU ? f32x4.splat(0) : v128.load(y + o);
    v128.store(dx + o, v_act_bwd(kind, xv, yv, v128.load(dy + o)));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    const xv = kind == ACT_RELU ? load_partial(x + o, r) : f32x4.splat(0);
    const yv = kind == ACT_RELU ? f32x4.splat(0) : load_partial(y + o, r);
    store_partial(dx + o, v_act_bwd(kind, xv, yv, load_partial(dy + o, r)), r);
  }
}

// relu's backward in a loop of its own (see relu_forward_f32x4): dx = dy·(x > 0 ? 1 : 0), the
// same arithmetic as v_act_bwd, so NaN in dy still propagates and the result is bit-identical.
function relu_backward_f32x4(x: usize, dy: usize, dx: usize, n: i32): void {
  const one = f32x4.splat(1.0);
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), v128.and(one, f32x4.gt(v128.load(x + o), zero))));
    v128.store(dx + o, f32x4.mul(v128.load(dy + o, 16), v128.and(one, f32x4.gt(v128.load(x + o, 16), zero))), 16);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), v128.and(one, f32x4.gt(v128.load(x + o), zero))));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    store_partial(dx + o, f32x4.mul(load_partial(dy + o, r), v128.and(one, f32x4.gt(load_partial(x + o, r), zero))), r);
  }
}

/**
 * dx = dy·φ'(x).  x (n) pre-activation, y (n) = φ(x) from act_forward, dy (n), dx (n).
 * tanh' = 1 − y², sigmoid' = y(1 − y) (only y is read), relu' = x > 0 ? 1 : 0 (only x is read).
 * Pure f32 arithmetic: bit-identical to act_backward_ref.
 */
export function act_backward(kind: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32): void {
  check_kind(kind);
  if (kind == ACT_TANH) act_backward_k(ACT_TANH, x, y, dy, dx, n);
  else if (kind == ACT_SIGMOID) act_backward_k(ACT_SIGMOID, x, y, dy, dx, n);
  else relu_backward_f32x4(x, dy, dx, n);
}

/** Scalar reference of act_backward. x (n), y (n), dy (n), dx (n). */
export function act_backward_ref(kind: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32): void {
  check_kind(kind);
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    let d: f32;
    if (kind == ACT_TANH) {
      const yv = load<f32>(y + o);
      d = <f32>1.0 - yv * yv;
    } else if (kind == ACT_SIGMOID) {
      const yv = load<f32>(y + o);
      d = yv * (<f32>1.0 - yv);
    } else {
      d = load<f32>(x + o) > 0 ? <f32>1.0 : <f32>0.0;
    }
    store<f32>(dx + o, load<f32>(dy + o) * d);
  }
}

// ---- gaaf_forward -------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function gaaf_forward_k(kind: i32, x: usize, y: usize, n: i32, K: f32, q1: f32, q2: f32): void {
  const Kv = f32x4.splat(K);
  const p1 = f32x4.splat(q1);
  const p2 = f32x4.splat(q2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const xv = v128.load(x + o);
    const gs = f32x4.mul(v_gaaf_g(xv, Kv), v_shape(kind, xv, p1, p2));
    v128.store(y + o, f32x4.add(v_phi(kind, xv), gs));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    const xv = load_partial(x + o, r);
    const gs = f32x4.mul(v_gaaf_g(xv, Kv), v_shape(kind, xv, p1, p2));
    store_partial(y + o, f32x4.add(v_phi(kind, xv), gs), r);
  }
}

/**
 * GAAF forward, y = φ(x) + g(x)·s(x) (paper eq. 8).  x (n), y (n).
 * K: frequency constant of g (paper: 1e4). p1, p2: shape parameters (see the header:
 * tanh/sigmoid c = p1; relu a = p1, b = p2). |y − φ(x)| <= 0.5/K (+ rounding) < 1/K.
 */
export function gaaf_forward(kind: i32, x: usize, y: usize, n: i32, K: f32, p1: f32, p2: f32): void {
  check_kind(kind);
  const ic: f32 = <f32>1.0 / p1;
  if (kind == ACT_TANH) gaaf_forward_k(ACT_TANH, x, y, n, K, ic, p2);
  else if (kind == ACT_SIGMOID) gaaf_forward_k(ACT_SIGMOID, x, y, n, K, ic, p2);
  else gaaf_forward_k(ACT_RELU, x, y, n, K, p1, p2);
}

// Scalar s(x) with libm.
// @ts-ignore: decorator
@inline function gaaf_s_ref(kind: i32, x: f32, p1: f32, p2: f32): f32 {
  if (kind == ACT_RELU) return <f32>1.0 / (<f32>1.0 + Mathf.exp(-(p1 * (x - p2))));
  const ic: f32 = <f32>1.0 / p1;
  return Mathf.exp(-(x * x * ic));
}

/** Scalar reference of gaaf_forward (libm). x (n), y (n). */
export function gaaf_forward_ref(kind: i32, x: usize, y: usize, n: i32, K: f32, p1: f32, p2: f32): void {
  check_kind(kind);
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, phi_ref(kind, v) + gaaf_g_ref(v, K) * gaaf_s_ref(kind, v, p1, p2));
  }
}

// ---- gaaf_backward ------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function gaaf_backward_k(kind: i32, x: usize, dy: usize, dx: usize, n: i32, q1: f32, q2: f32): void {
  const p1 = f32x4.splat(q1);
  const p2 = f32x4.splat(q2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const xv = v128.load(x + o);
    const d = f32x4.add(v_dphi(kind, xv), v_shape(kind, xv, p1, p2));
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), d));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    const xv = load_partial(x + o, r);
    const d = f32x4.add(v_dphi(kind, xv), v_shape(kind, xv, p1, p2));
    store_partial(dx + o, f32x4.mul(load_partial(dy + o, r), d), r);
  }
}

/**
 * GAAF backward, dx = dy·(φ'(x) + s(x)) (g' = 1; the g·s' term, below |s'|/(2K), is dropped).
 * x (n) pre-activation, dy (n), dx (n). φ' is recomputed from x (see the header).
 */
export function gaaf_backward(kind: i32, x: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32): void {
  check_kind(kind);
  const ic: f32 = <f32>1.0 / p1;
  if (kind == ACT_TANH) gaaf_backward_k(ACT_TANH, x, dy, dx, n, ic, p2);
  else if (kind == ACT_SIGMOID) gaaf_backward_k(ACT_SIGMOID, x, dy, dx, n, ic, p2);
  else gaaf_backward_k(ACT_RELU, x, dy, dx, n, p1, p2);
}

/** Scalar reference of gaaf_backward (libm). x (n), dy (n), dx (n). */
export function gaaf_backward_ref(kind: i32, x: usize, dy: usize, dx: usize, n: i32, p1: f32, p2: f32): void {
  check_kind(kind);
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    let dphi: f32;
    if (kind == ACT_RELU) {
      dphi = v > 0 ? <f32>1.0 : <f32>0.0;
    } else if (kind == ACT_TANH) {
      const e = Mathf.exp(-<f32>2.0 * Mathf.abs(v));
      dphi = <f32>4.0 * e / ((<f32>1.0 + e) * (<f32>1.0 + e));
    } else {
      const e = Mathf.exp(-Mathf.abs(v));
      dphi = e / ((<f32>1.0 + e) * (<f32>1.0 + e));
    }
    store<f32>(dx + o, load<f32>(dy + o) * (dphi + gaaf_s_ref(kind, v, p1, p2)));
  }
}

// ---- leaky_relu ---------------------------------------------------------------------------
// y = x > 0 ? x : alpha·x (alpha the slope for x <= 0), dx = dy·(x > 0 ? 1 : alpha): the
// derivative at 0 is taken from the left, as relu's is. Any finite alpha (alpha > 1 too: no
// max(x, alpha·x) shortcut). Pure f32 arithmetic and a select: the SIMD kernels are
// bit-identical to their references; NaN propagates (NaN > 0 is false, alpha·NaN is NaN) and
// −0 gives alpha·−0. Elementwise, in place allowed.

// @ts-ignore: decorator
@inline function v_leaky(x: v128, alpha: v128): v128 {
  return v128.bitselect(x, f32x4.mul(x, alpha), f32x4.gt(x, f32x4.splat(0)));
}

/** y = x > 0 ? x : alpha·x.  x (n), y (n). */
export function leaky_relu_forward(x: usize, y: usize, n: i32, alpha: f32): void {
  const va = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, v_leaky(v128.load(x + o), va));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    store_partial(y + o, v_leaky(load_partial(x + o, r), va), r);
  }
}

/** Scalar reference of leaky_relu_forward. x (n), y (n). */
export function leaky_relu_forward_ref(x: usize, y: usize, n: i32, alpha: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 ? v : alpha * v);
  }
}

/** dx = dy·(x > 0 ? 1 : alpha).  x (n) pre-activation, dy (n), dx (n). */
export function leaky_relu_backward(x: usize, dy: usize, dx: usize, n: i32, alpha: f32): void {
  const va = f32x4.splat(alpha), one = f32x4.splat(1), zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const d = v128.bitselect(one, va, f32x4.gt(v128.load(x + o), zero));
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), d));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    const d = v128.bitselect(one, va, f32x4.gt(load_partial(x + o, r), zero));
    store_partial(dx + o, f32x4.mul(load_partial(dy + o, r), d), r);
  }
}

/** Scalar reference of leaky_relu_backward. x (n), dy (n), dx (n). */
export function leaky_relu_backward_ref(x: usize, dy: usize, dx: usize, n: i32, alpha: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(dy + o) * (load<f32>(x + o) > 0 ? <f32>1 : alpha));
  }
}
