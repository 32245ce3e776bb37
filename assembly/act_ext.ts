// More activations (issue 14): ELU, GELU (tanh approximation and exact), SiLU/swish, softplus,
// elementwise with a `kind` code like act_forward; and softmax over the rows of a matrix.
// The SIMD kernels use mathx.ts (v_exp, v_sigmoid, v_erfc, v_log1p_unit) and run the n % 4 tail
// through the same vector code (load_partial); the `_ref` versions are the plain scalar
// definitions with libm (Mathf) and an f64 erf, the reference the spec measures them against.
//
//   elu:       y = x > 0 ? x : α·(eˣ − 1);           dx = dy·(x > 0 ? 1 : α·eˣ)
//   geluTanh:  y = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³), evaluated as x·σ(2u) (the same
//              value: ½(1 + tanh u) = σ(2u)), which stays accurate for x ≪ 0 where 1 + tanh u
//              cancels;  dx = dy·(σ(2u) + x·σ'(2u)·2u'),  u' = √(2/π)(1 + 3·0.044715x²)
//   gelu:      y = x·Φ(x), Φ(x) = ½·erfc(−x/√2);     dx = dy·(Φ(x) + x·e^(−x²/2)/√(2π))
//   silu:      y = x·σ(x);                           dx = dy·(σ(x) + x·σ'(x))
//   softplus:  y = max(x, 0) + log1p(e^(−|x|));      dx = dy·σ(x)
// σ'(v) = σ(v)(1 − σ(v)) is evaluated as e/(1 + e)², e = e^(−|v|) (no cancellation in the tails).
// α (elu) is the caller's finite parameter; the other kinds ignore it. NaN propagates.
// Error (measured by test/assembly/act_ext.spec.ts against f64 formulas, 1.3k random points on
// [−4, 4] and [−20, 20]; |y − t|/max(|t|, 1)): SIMD forward <= 1.3e-7, backward <= 1.4e-7 for
// every kind (elu 5e-8, geluTanh 1.2e-7/1.3e-7, gelu 9.5e-8/1.4e-7, silu 1.2e-7, softplus 8.5e-8);
// the spec's bound is 4e-6. The references are within 9e-7.
//
// softmax (rows, cols): y[r] = exp(x[r] − max x[r]) / Σ exp(x[r] − max x[r]); the SIMD kernel sums
// in 4 lanes (not bit-identical to the sequential reference sum). Backward:
// dx[r] = y[r]·(dy[r] − Σ_j dy[r,j]·y[r,j]).

import { v_exp, v_sigmoid, v_erfc, v_log1p_unit, load_partial, store_partial } from "./mathx";

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

// @ts-ignore: decorator
@inline function check_kind(kind: i32): void {
  if (kind < ACTX_ELU || kind > ACTX_SOFTPLUS) unreachable();
}

// σ'(v) = e/(1 + e)², e = e^(−|v|)
// @ts-ignore: decorator
@inline function v_dsig(v: v128): v128 {
  const e = v_exp(f32x4.neg(f32x4.abs(v)));
  const d = f32x4.add(f32x4.splat(1), e);
  return f32x4.div(e, f32x4.mul(d, d));
}

// @ts-ignore: decorator
@inline function v_fwd(kind: i32, x: v128, alpha: v128): v128 {
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
@inline function v_der(kind: i32, x: v128, alpha: v128): v128 {
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

// @ts-ignore: decorator
@inline function fwd_k(kind: i32, x: usize, y: usize, n: i32, alpha: f32): void {
  const va = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, v_fwd(kind, v128.load(x + o), va));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    store_partial(y + o, v_fwd(kind, load_partial(x + o, r), va), r);
  }
}

// @ts-ignore: decorator
@inline function bwd_k(kind: i32, x: usize, dy: usize, dx: usize, n: i32, alpha: f32): void {
  const va = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), v_der(kind, v128.load(x + o), va)));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    store_partial(dx + o, f32x4.mul(load_partial(dy + o, r), v_der(kind, load_partial(x + o, r), va)), r);
  }
}

/** y (n) = φ_kind(x) (ACTX_*; alpha: ELU's α). In place allowed. */
export function actx_forward(kind: i32, x: usize, y: usize, n: i32, alpha: f32): void {
  check_kind(kind);
  if (kind == ACTX_ELU) fwd_k(ACTX_ELU, x, y, n, alpha);
  else if (kind == ACTX_GELU_TANH) fwd_k(ACTX_GELU_TANH, x, y, n, alpha);
  else if (kind == ACTX_GELU) fwd_k(ACTX_GELU, x, y, n, alpha);
  else if (kind == ACTX_SILU) fwd_k(ACTX_SILU, x, y, n, alpha);
  else fwd_k(ACTX_SOFTPLUS, x, y, n, alpha);
}

/** dx (n) = dy·φ'_kind(x), x the pre-activation. In place allowed. */
export function actx_backward(kind: i32, x: usize, dy: usize, dx: usize, n: i32, alpha: f32): void {
  check_kind(kind);
  if (kind == ACTX_ELU) bwd_k(ACTX_ELU, x, dy, dx, n, alpha);
  else if (kind == ACTX_GELU_TANH) bwd_k(ACTX_GELU_TANH, x, dy, dx, n, alpha);
  else if (kind == ACTX_GELU) bwd_k(ACTX_GELU, x, dy, dx, n, alpha);
  else if (kind == ACTX_SILU) bwd_k(ACTX_SILU, x, dy, dx, n, alpha);
  else bwd_k(ACTX_SOFTPLUS, x, dy, dx, n, alpha);
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
@inline function sig_ref(v: f32): f32 {
  return <f32>1 / (<f32>1 + Mathf.exp(-v));
}

// @ts-ignore: decorator
@inline function fwd_ref(kind: i32, v: f32, alpha: f32): f32 {
  if (kind == ACTX_ELU) return v > 0 ? v : alpha * Mathf.expm1(v);
  if (kind == ACTX_GELU_TANH) return <f32>0.5 * v * (<f32>1 + Mathf.tanh(K0 * (v + K1 * v * v * v)));
  if (kind == ACTX_GELU) return <f32>(0.5 * <f64>v * (1 + erf64(<f64>v * 0.7071067811865476)));
  if (kind == ACTX_SILU) return v * sig_ref(v);
  return Mathf.max(v, 0) + Mathf.log1p(Mathf.exp(-Mathf.abs(v)));
}

// @ts-ignore: decorator
@inline function der_ref(kind: i32, v: f32, alpha: f32): f32 {
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

/** Scalar reference of actx_forward. */
export function actx_forward_ref(kind: i32, x: usize, y: usize, n: i32, alpha: f32): void {
  check_kind(kind);
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, fwd_ref(kind, load<f32>(x + o), alpha));
  }
}

/** Scalar reference of actx_backward. */
export function actx_backward_ref(kind: i32, x: usize, dy: usize, dx: usize, n: i32, alpha: f32): void {
  check_kind(kind);
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(dy + o) * der_ref(kind, load<f32>(x + o), alpha));
  }
}

// ---- softmax over rows --------------------------------------------------------------------

/** y (rows, cols) = softmax of each row of x. In place allowed. */
export function softmax_forward(x: usize, y: usize, rows: i32, cols: i32): void {
  const c4 = cols & ~3, r = cols - c4;
  for (let row = 0; row < rows; row++) {
    const xr = x + (<usize>row * <usize>cols << 2), yr = y + (<usize>row * <usize>cols << 2);
    let vm = f32x4.splat(-Infinity);
    for (let j = 0; j < c4; j += 4) vm = f32x4.max(vm, v128.load(xr + (<usize>j << 2)));
    let m = Mathf.max(Mathf.max(f32x4.extract_lane(vm, 0), f32x4.extract_lane(vm, 1)), Mathf.max(f32x4.extract_lane(vm, 2), f32x4.extract_lane(vm, 3)));
    for (let j = c4; j < cols; j++) m = Mathf.max(m, load<f32>(xr + (<usize>j << 2)));
    const mv = f32x4.splat(m);
    let vs = f32x4.splat(0);
    for (let j = 0; j < c4; j += 4) {
      const e = v_exp(f32x4.sub(v128.load(xr + (<usize>j << 2)), mv));
      v128.store(yr + (<usize>j << 2), e);
      vs = f32x4.add(vs, e);
    }
    let s = (f32x4.extract_lane(vs, 0) + f32x4.extract_lane(vs, 1)) + (f32x4.extract_lane(vs, 2) + f32x4.extract_lane(vs, 3));
    if (r > 0) {
      const o = <usize>c4 << 2;
      const e = v_exp(f32x4.sub(load_partial(xr + o, r), mv));
      store_partial(yr + o, e, r);
      for (let j = c4; j < cols; j++) s += load<f32>(yr + (<usize>j << 2));
    }
    const inv = f32x4.splat(<f32>1 / s);
    for (let j = 0; j < c4; j += 4) v128.store(yr + (<usize>j << 2), f32x4.mul(v128.load(yr + (<usize>j << 2)), inv));
    for (let j = c4; j < cols; j++) store<f32>(yr + (<usize>j << 2), load<f32>(yr + (<usize>j << 2)) * (<f32>1 / s));
  }
}

/** Reference of softmax_forward (libm expf, sequential sums). */
export function softmax_forward_ref(x: usize, y: usize, rows: i32, cols: i32): void {
  for (let row = 0; row < rows; row++) {
    const xr = x + (<usize>row * <usize>cols << 2), yr = y + (<usize>row * <usize>cols << 2);
    let m: f32 = -Infinity;
    for (let j = 0; j < cols; j++) m = Mathf.max(m, load<f32>(xr + (<usize>j << 2)));
    let s: f32 = 0;
    for (let j = 0; j < cols; j++) {
      const e = Mathf.exp(load<f32>(xr + (<usize>j << 2)) - m);
      store<f32>(yr + (<usize>j << 2), e);
      s += e;
    }
    for (let j = 0; j < cols; j++) store<f32>(yr + (<usize>j << 2), load<f32>(yr + (<usize>j << 2)) / s);
  }
}

/** dx (rows, cols) = y·(dy − Σ_j dy_j·y_j) per row, y the forward output. dx may be dy. */
export function softmax_backward(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  const c4 = cols & ~3;
  for (let row = 0; row < rows; row++) {
    const off = <usize>row * <usize>cols << 2;
    const yr = y + off, gr = dy + off, xr = dx + off;
    let vs = f32x4.splat(0);
    for (let j = 0; j < c4; j += 4) vs = f32x4.add(vs, f32x4.mul(v128.load(gr + (<usize>j << 2)), v128.load(yr + (<usize>j << 2))));
    let s = (f32x4.extract_lane(vs, 0) + f32x4.extract_lane(vs, 1)) + (f32x4.extract_lane(vs, 2) + f32x4.extract_lane(vs, 3));
    for (let j = c4; j < cols; j++) s += load<f32>(gr + (<usize>j << 2)) * load<f32>(yr + (<usize>j << 2));
    const sv = f32x4.splat(s);
    for (let j = 0; j < c4; j += 4) {
      const o = <usize>j << 2;
      v128.store(xr + o, f32x4.mul(v128.load(yr + o), f32x4.sub(v128.load(gr + o), sv)));
    }
    for (let j = c4; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(xr + o, load<f32>(yr + o) * (load<f32>(gr + o) - s));
    }
  }
}

/** Reference of softmax_backward (sequential sums). */
export function softmax_backward_ref(y: usize, dy: usize, dx: usize, rows: i32, cols: i32): void {
  for (let row = 0; row < rows; row++) {
    const off = <usize>row * <usize>cols << 2;
    let s: f32 = 0;
    for (let j = 0; j < cols; j++) s += load<f32>(dy + off + (<usize>j << 2)) * load<f32>(y + off + (<usize>j << 2));
    for (let j = 0; j < cols; j++) {
      const o = off + (<usize>j << 2);
      store<f32>(dx + o, load<f32>(y + o) * (load<f32>(dy + o) - s));
    }
  }
}
