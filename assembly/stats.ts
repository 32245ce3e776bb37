// Reductions used for training statistics and bias gradients.
//
// Every result depends only on the inputs (fixed summation order, no state). mean_abs and
// mean_var sum in f64 over 4 interleaved lanes, so they differ from their sequential `_ref`s
// only by f64 rounding (relative ~1e-15); sum_rows, col_mean_var and count_nonfinite sum each
// column in row order and are bit-identical to their references.

// @ts-ignore: decorator
@inline function promote_high(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

/** mean |x| in f64 (0 for n <= 0): the paper's gradient information (eq. 5) when x is a weight gradient. x (n). */
export function mean_abs(x: usize, n: i32): f64 {
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = f32x4.abs(v128.load(x + (<usize>i << 2)));
    a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v));
    a1 = f64x2.add(a1, promote_high(v));
  }
  const a = f64x2.add(a0, a1);
  let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  for (; i < n; i++) s += Math.abs(<f64>load<f32>(x + (<usize>i << 2)));
  return n > 0 ? s / n : 0;
}

/** Scalar reference of mean_abs (sequential f64 sum). x (n). */
export function mean_abs_ref(x: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) s += Math.abs(<f64>load<f32>(x + (<usize>i << 2)));
  return n > 0 ? s / n : 0;
}

/**
 * Mean and population variance of x (n), two-pass with f64 accumulation:
 * mean = Σx/n, var = Σ(x − mean)²/n. out: two f64 (mean, var); both 0 when n <= 0.
 */
export function mean_var(x: usize, n: i32, out: usize): void {
  if (n <= 0) {
    store<f64>(out, 0);
    store<f64>(out + 8, 0);
    return;
  }
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v));
    a1 = f64x2.add(a1, promote_high(v));
  }
  let a = f64x2.add(a0, a1);
  let s = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  for (; i < n; i++) s += <f64>load<f32>(x + (<usize>i << 2));
  const mean = s / n;
  const vm = f64x2.splat(mean);
  a0 = f64x2.splat(0);
  a1 = f64x2.splat(0);
  i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    const d0 = f64x2.sub(f64x2.promote_low_f32x4(v), vm);
    const d1 = f64x2.sub(promote_high(v), vm);
    a0 = f64x2.add(a0, f64x2.mul(d0, d0));
    a1 = f64x2.add(a1, f64x2.mul(d1, d1));
  }
  a = f64x2.add(a0, a1);
  let q = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
  for (; i < n; i++) {
    const d = <f64>load<f32>(x + (<usize>i << 2)) - mean;
    q += d * d;
  }
  store<f64>(out, mean);
  store<f64>(out + 8, q / n);
}

/** Scalar reference of mean_var (sequential f64 sums). x (n), out: two f64. */
export function mean_var_ref(x: usize, n: i32, out: usize): void {
  if (n <= 0) {
    store<f64>(out, 0);
    store<f64>(out + 8, 0);
    return;
  }
  let s: f64 = 0;
  for (let i = 0; i < n; i++) s += <f64>load<f32>(x + (<usize>i << 2));
  const mean = s / n;
  let q: f64 = 0;
  for (let i = 0; i < n; i++) {
    const d = <f64>load<f32>(x + (<usize>i << 2)) - mean;
    q += d * d;
  }
  store<f64>(out, mean);
  store<f64>(out + 8, q / n);
}

// Columns sum_rows takes at a time; the binding splits its calls across threads on multiples of it.
export const SUM_ROWS_COLS: i32 = 16;

/**
 * Column sums (bias gradient): out[j] = beta·out[j] + Σ_i x[i·ld + j], the sum taken in f32 in
 * row order starting from 0 (so bit-identical to sum_rows_ref). If beta == 0, out is not read.
 * x (rows, ld) with cols <= ld used, out (cols).
 */
export function sum_rows(x: usize, rows: i32, cols: i32, ld: i32, out: usize, beta: f32): void {
  const rowBytes = <usize>ld << 2;
  const vbeta = f32x4.splat(beta);
  let j = 0;
  // SUM_ROWS_COLS = 16 columns at a time (4 independent accumulators)
  for (; j + SUM_ROWS_COLS <= cols; j += SUM_ROWS_COLS) {
    const o = <usize>j << 2;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let p = x + o;
    for (let i = 0; i < rows; i++) {
      s0 = f32x4.add(s0, v128.load(p));
      s1 = f32x4.add(s1, v128.load(p, 16));
      s2 = f32x4.add(s2, v128.load(p, 32));
      s3 = f32x4.add(s3, v128.load(p, 48));
      p += rowBytes;
    }
    if (beta != 0) {
      s0 = f32x4.add(f32x4.mul(vbeta, v128.load(out + o)), s0);
      s1 = f32x4.add(f32x4.mul(vbeta, v128.load(out + o, 16)), s1);
      s2 = f32x4.add(f32x4.mul(vbeta, v128.load(out + o, 32)), s2);
      s3 = f32x4.add(f32x4.mul(vbeta, v128.load(out + o, 48)), s3);
    }
    v128.store(out + o, s0);
    v128.store(out + o, s1, 16);
    v128.store(out + o, s2, 32);
    v128.store(out + o, s3, 48);
  }
  for (; j + 4 <= cols; j += 4) {
    const o = <usize>j << 2;
    let s = f32x4.splat(0);
    let p = x + o;
    for (let i = 0; i < rows; i++) {
      s = f32x4.add(s, v128.load(p));
      p += rowBytes;
    }
    if (beta != 0) s = f32x4.add(f32x4.mul(vbeta, v128.load(out + o)), s);
    v128.store(out + o, s);
  }
  for (; j < cols; j++) {
    const o = <usize>j << 2;
    let s: f32 = 0;
    let p = x + o;
    for (let i = 0; i < rows; i++) {
      s += load<f32>(p);
      p += rowBytes;
    }
    if (beta != 0) s = beta * load<f32>(out + o) + s;
    store<f32>(out + o, s);
  }
}

/** Scalar reference of sum_rows. x (rows, ld), out (cols). */
export function sum_rows_ref(x: usize, rows: i32, cols: i32, ld: i32, out: usize, beta: f32): void {
  for (let j = 0; j < cols; j++) {
    let s: f32 = 0;
    for (let i = 0; i < rows; i++) s += load<f32>(x + ((<usize>i * <usize>ld + <usize>j) << 2));
    if (beta != 0) s = beta * load<f32>(out + (<usize>j << 2)) + s;
    store<f32>(out + (<usize>j << 2), s);
  }
}

/**
 * Per-column mean and population variance over the rows (the net variance per node), two-pass
 * with f64 accumulation in row order, results rounded to f32 (both 0 when rows <= 0).
 * x (rows, cols), mean (cols) out, vari (cols) out. Bit-identical to col_mean_var_ref.
 */
export function col_mean_var(x: usize, rows: i32, cols: i32, mean: usize, vari: usize): void {
  const rowBytes = <usize>cols << 2;
  const fr = <f64>rows;
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const o = <usize>j << 2;
    if (rows <= 0) {
      v128.store(mean + o, f32x4.splat(0));
      v128.store(vari + o, f32x4.splat(0));
      continue;
    }
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
    let p = x + o;
    for (let i = 0; i < rows; i++) {
      const v = v128.load(p);
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
      s1 = f64x2.add(s1, promote_high(v));
      p += rowBytes;
    }
    const vr = f64x2.splat(fr);
    const m0 = f64x2.div(s0, vr), m1 = f64x2.div(s1, vr);
    let q0 = f64x2.splat(0), q1 = f64x2.splat(0);
    p = x + o;
    for (let i = 0; i < rows; i++) {
      const v = v128.load(p);
      const d0 = f64x2.sub(f64x2.promote_low_f32x4(v), m0);
      const d1 = f64x2.sub(promote_high(v), m1);
      q0 = f64x2.add(q0, f64x2.mul(d0, d0));
      q1 = f64x2.add(q1, f64x2.mul(d1, d1));
      p += rowBytes;
    }
    // f64x2 pairs → f32x4 (demote is exact IEEE rounding, like <f32> on a scalar)
    v128.store(mean + o, i32x4.shuffle(f32x4.demote_f64x2_zero(m0), f32x4.demote_f64x2_zero(m1), 0, 1, 4, 5));
    const v0 = f32x4.demote_f64x2_zero(f64x2.div(q0, vr));
    const v1 = f32x4.demote_f64x2_zero(f64x2.div(q1, vr));
    v128.store(vari + o, i32x4.shuffle(v0, v1, 0, 1, 4, 5));
  }
  for (; j < cols; j++) {
    const o = <usize>j << 2;
    if (rows <= 0) {
      store<f32>(mean + o, 0);
      store<f32>(vari + o, 0);
      continue;
    }
    let s: f64 = 0;
    let p = x + o;
    for (let i = 0; i < rows; i++) {
      s += <f64>load<f32>(p);
      p += rowBytes;
    }
    const m = s / fr;
    let q: f64 = 0;
    p = x + o;
    for (let i = 0; i < rows; i++) {
      const d = <f64>load<f32>(p) - m;
      q += d * d;
      p += rowBytes;
    }
    store<f32>(mean + o, <f32>m);
    store<f32>(vari + o, <f32>(q / fr));
  }
}

/** Scalar reference of col_mean_var. x (rows, cols), mean (cols), vari (cols). */
export function col_mean_var_ref(x: usize, rows: i32, cols: i32, mean: usize, vari: usize): void {
  for (let j = 0; j < cols; j++) {
    if (rows <= 0) {
      store<f32>(mean + (<usize>j << 2), 0);
      store<f32>(vari + (<usize>j << 2), 0);
      continue;
    }
    let s: f64 = 0;
    for (let i = 0; i < rows; i++) s += <f64>load<f32>(x + ((<usize>i * <usize>cols + <usize>j) << 2));
    const m = s / <f64>rows;
    let q: f64 = 0;
    for (let i = 0; i < rows; i++) {
      const d = <f64>load<f32>(x + ((<usize>i * <usize>cols + <usize>j) << 2)) - m;
      q += d * d;
    }
    store<f32>(mean + (<usize>j << 2), <f32>m);
    store<f32>(vari + (<usize>j << 2), <f32>(q / <f64>rows));
  }
}

/** Number of NaN and ±Inf elements (exponent bits all ones). x (n). */
export function count_nonfinite(x: usize, n: i32): i32 {
  const expMask = i32x4.splat(0x7f800000);
  let c = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const b = v128.and(v128.load(x + (<usize>i << 2)), expMask);
    c = i32x4.sub(c, i32x4.eq(b, expMask)); // true lanes are -1
  }
  let r = i32x4.extract_lane(c, 0) + i32x4.extract_lane(c, 1) + i32x4.extract_lane(c, 2) + i32x4.extract_lane(c, 3);
  for (; i < n; i++) {
    if ((load<u32>(x + (<usize>i << 2)) & 0x7f800000) == 0x7f800000) r++;
  }
  return r;
}

/** Scalar reference of count_nonfinite. x (n). */
export function count_nonfinite_ref(x: usize, n: i32): i32 {
  let r = 0;
  for (let i = 0; i < n; i++) if (!isFinite(load<f32>(x + (<usize>i << 2)))) r++;
  return r;
}
