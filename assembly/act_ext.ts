// More activations (issue 14): ELU, GELU (tanh approximation and exact), SiLU/swish, softplus,
// elementwise with a `kind` code like act_forward; and softmax over the rows of a matrix.
// The SIMD kernels use mathx.ts (v_exp, v_sigmoid, v_erfc, v_log1p_unit; φ and φ′ are defined
// once in act_ext_math.ts, shared with the GAAF kernels of gaaf_ext.ts) and run the n % 4 tail
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

import { v_exp, load_partial, store_partial } from "./mathx";
import { ACTX_ELU, ACTX_GELU_TANH, ACTX_GELU, ACTX_SILU, ACTX_SOFTPLUS, v_fwd, v_der, fwd_ref, der_ref } from "./act_ext_math";

export { ACTX_ELU, ACTX_GELU_TANH, ACTX_GELU, ACTX_SILU, ACTX_SOFTPLUS, erf64, erfc64 } from "./act_ext_math";

// @ts-ignore: decorator
@inline function check_kind(kind: i32): void {
  if (kind < ACTX_ELU || kind > ACTX_SOFTPLUS) unreachable();
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
