// Merge layers' kernels (Add, Multiply, Concatenate) and the gradient sums of a graph: a
// tensor used by several layers, or a layer applied several times, gets the sum of the
// gradients, added in a fixed order. Pure f32 adds and multiplies, one per element, so each
// SIMD kernel is bit-identical to its scalar reference and to any split across threads.
import { load_partial, store_partial } from "./mathx";

/** y = a + b, elementwise.  a (n), b (n), y (n); y may be a or b. */
export function add_forward(a: usize, b: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    store_partial(y + o, f32x4.add(load_partial(a + o, r), load_partial(b + o, r)), r);
  }
}

/** Scalar reference of add_forward. a (n), b (n), y (n). */
export function add_forward_ref(a: usize, b: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

/** y = a·b, elementwise.  a (n), b (n), y (n); y may be a or b. */
export function mul_forward(a: usize, b: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    store_partial(y + o, f32x4.mul(load_partial(a + o, r), load_partial(b + o, r)), r);
  }
}

/** Scalar reference of mul_forward. a (n), b (n), y (n). */
export function mul_forward_ref(a: usize, b: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(a + o) * load<f32>(b + o));
  }
}

/**
 * A block copy for Concatenate: dst[dstOff + r·ldd + c] = src[srcOff + r·lds + c] for r < rows,
 * c < cols (offsets and strides in elements). src and dst do not overlap.
 */
export function copy_rows(src: usize, srcOff: i32, lds: i32, dst: usize, dstOff: i32, ldd: i32, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const s = src + ((<usize>srcOff + <usize>r * <usize>lds) << 2);
    const d = dst + ((<usize>dstOff + <usize>r * <usize>ldd) << 2);
    let c = 0;
    for (; c + 4 <= cols; c += 4) v128.store(d + (<usize>c << 2), v128.load(s + (<usize>c << 2)));
    for (; c < cols; c++) store<f32>(d + (<usize>c << 2), load<f32>(s + (<usize>c << 2)));
  }
}

/** Scalar reference of copy_rows. */
export function copy_rows_ref(src: usize, srcOff: i32, lds: i32, dst: usize, dstOff: i32, ldd: i32, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      store<f32>(dst + ((<usize>dstOff + <usize>r * <usize>ldd + <usize>c) << 2), load<f32>(src + ((<usize>srcOff + <usize>r * <usize>lds + <usize>c) << 2)));
    }
  }
}
