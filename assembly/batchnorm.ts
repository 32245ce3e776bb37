// Batch normalization over x (rows, cols) with per-column statistics (Ioffe & Szegedy 2015,
// "Batch Normalization", Algorithm 1 and the backward formulas of section 3). For NHWC conv
// outputs rows = n·h·w and cols = c; for Dense outputs rows = n. gamma, beta, mean, invStd,
// runMean, runVar, dgamma, dbeta are (cols).
//
// Numerics. Statistics are two-pass with f64 accumulation, summed per column in row order:
//   mean = Σx/m,  var = Σ(x − mean)²/m (biased),  invStd = 1/sqrt(var + eps)  (m = rows),
// so the variance does not suffer the cancellation of E[x²] − E[x]², and its rounding error
// is about m·2⁻⁵³ relative (f64 sums of f32 data), far below the final rounding to f32
// (2⁻²⁴). The backward sums are likewise f64, in row order:
//   dbeta = Σ dy,  dgamma = Σ dy·x̂  (x̂ = (x − mean)·invStd),
//   dx = (gamma·invStd/m)·(m·dy − dbeta − x̂·dgamma).
// The elementwise passes are f32, with the same operation order in the SIMD kernels and the
// references, and the f64 sums run in the same order in both, so each SIMD kernel gives
// exactly its reference's bits.
//
// Column blocking: the reductions walk the rows once per block of 8 columns (4 f64x2
// accumulators per sum), then blocks of 4, then single columns; the elementwise passes walk
// the rows once, 4 columns at a time.

// @ts-ignore: decorator
@inline function lo64(v: v128): v128 { return f64x2.promote_low_f32x4(v); }
// @ts-ignore: decorator
@inline function hi64(v: v128): v128 { return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)); }
// two f64x2 → one f32x4
// @ts-ignore: decorator
@inline function demote2(a: v128, b: v128): v128 {
  return i32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

// mean[j] and the f64 Σ(x − mean)² for columns j..j+3 → mean, invStd
// @ts-ignore: decorator
@inline function stats4(x: usize, rows: i32, rowBytes: usize, o: usize, mean: usize, invStd: usize, eps: f64): void {
  const fr = f64x2.splat(<f64>rows);
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
  let p = x + o;
  for (let i = 0; i < rows; i++) {
    const v = v128.load(p);
    s0 = f64x2.add(s0, lo64(v)); s1 = f64x2.add(s1, hi64(v));
    p += rowBytes;
  }
  const m0 = f64x2.div(s0, fr), m1 = f64x2.div(s1, fr);
  let q0 = f64x2.splat(0), q1 = f64x2.splat(0);
  p = x + o;
  for (let i = 0; i < rows; i++) {
    const v = v128.load(p);
    const d0 = f64x2.sub(lo64(v), m0), d1 = f64x2.sub(hi64(v), m1);
    q0 = f64x2.add(q0, f64x2.mul(d0, d0)); q1 = f64x2.add(q1, f64x2.mul(d1, d1));
    p += rowBytes;
  }
  const one = f64x2.splat(1), ve = f64x2.splat(eps);
  v128.store(mean + o, demote2(m0, m1));
  v128.store(invStd + o, demote2(
    f64x2.div(one, f64x2.sqrt(f64x2.add(f64x2.div(q0, fr), ve))),
    f64x2.div(one, f64x2.sqrt(f64x2.add(f64x2.div(q1, fr), ve)))));
}

// scalar column j (byte offset o) of the statistics; the reference uses it for every column
// @ts-ignore: decorator
@inline function stats1(x: usize, rows: i32, rowBytes: usize, o: usize, mean: usize, invStd: usize, eps: f64): void {
  let s: f64 = 0;
  let p = x + o;
  for (let i = 0; i < rows; i++) { s += <f64>load<f32>(p); p += rowBytes; }
  const m = s / <f64>rows;
  let q: f64 = 0;
  p = x + o;
  for (let i = 0; i < rows; i++) { const d = <f64>load<f32>(p) - m; q += d * d; p += rowBytes; }
  store<f32>(mean + o, <f32>m);
  store<f32>(invStd + o, <f32>(1.0 / Math.sqrt(q / <f64>rows + eps)));
}

// y = (x − mean)·(gamma·invStd) + beta, one scalar element at byte offset o (row) and c (column)
// @ts-ignore: decorator
@inline function norm1(x: usize, y: usize, gamma: usize, beta: usize, mean: usize, invStd: usize, o: usize, c: usize): void {
  const sc = load<f32>(gamma + c) * load<f32>(invStd + c);
  store<f32>(y + o, (load<f32>(x + o) - load<f32>(mean + c)) * sc + load<f32>(beta + c));
}

/**
 * Training-mode forward: mean, invStd (cols) = batch mean and 1/sqrt(var_biased + eps) of each
 * column of x (rows, cols); y (rows, cols) = (x − mean)·gamma·invStd + beta. rows >= 1.
 */
export function batchnorm_forward_train(x: usize, gamma: usize, beta: usize, y: usize, mean: usize,
                                        invStd: usize, rows: i32, cols: i32, eps: f32): void {
  const rowBytes = <usize>cols << 2;
  const e = <f64>eps;
  let j = 0;
  for (; j + 8 <= cols; j += 8) {
    // two 4-column blocks per walk over the rows
    const o = <usize>j << 2;
    const fr = f64x2.splat(<f64>rows);
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
    let p = x + o;
    for (let i = 0; i < rows; i++) {
      const v = v128.load(p), u = v128.load(p, 16);
      s0 = f64x2.add(s0, lo64(v)); s1 = f64x2.add(s1, hi64(v));
      s2 = f64x2.add(s2, lo64(u)); s3 = f64x2.add(s3, hi64(u));
      p += rowBytes;
    }
    const m0 = f64x2.div(s0, fr), m1 = f64x2.div(s1, fr), m2 = f64x2.div(s2, fr), m3 = f64x2.div(s3, fr);
    let q0 = f64x2.splat(0), q1 = f64x2.splat(0), q2 = f64x2.splat(0), q3 = f64x2.splat(0);
    p = x + o;
    for (let i = 0; i < rows; i++) {
      const v = v128.load(p), u = v128.load(p, 16);
      const d0 = f64x2.sub(lo64(v), m0), d1 = f64x2.sub(hi64(v), m1);
      const d2 = f64x2.sub(lo64(u), m2), d3 = f64x2.sub(hi64(u), m3);
      q0 = f64x2.add(q0, f64x2.mul(d0, d0)); q1 = f64x2.add(q1, f64x2.mul(d1, d1));
      q2 = f64x2.add(q2, f64x2.mul(d2, d2)); q3 = f64x2.add(q3, f64x2.mul(d3, d3));
      p += rowBytes;
    }
    const one = f64x2.splat(1), ve = f64x2.splat(e);
    v128.store(mean + o, demote2(m0, m1));
    v128.store(mean + o, demote2(m2, m3), 16);
    v128.store(invStd + o, demote2(
      f64x2.div(one, f64x2.sqrt(f64x2.add(f64x2.div(q0, fr), ve))),
      f64x2.div(one, f64x2.sqrt(f64x2.add(f64x2.div(q1, fr), ve)))));
    v128.store(invStd + o, demote2(
      f64x2.div(one, f64x2.sqrt(f64x2.add(f64x2.div(q2, fr), ve))),
      f64x2.div(one, f64x2.sqrt(f64x2.add(f64x2.div(q3, fr), ve)))), 16);
  }
  for (; j + 4 <= cols; j += 4) stats4(x, rows, rowBytes, <usize>j << 2, mean, invStd, e);
  for (; j < cols; j++) stats1(x, rows, rowBytes, <usize>j << 2, mean, invStd, e);

  const c4 = cols & ~3;
  for (let i = 0; i < rows; i++) {
    const r = <usize>i * rowBytes;
    let jj = 0;
    for (; jj < c4; jj += 4) {
      const c = <usize>jj << 2;
      const sc = f32x4.mul(v128.load(gamma + c), v128.load(invStd + c));
      v128.store(y + r + c, f32x4.add(f32x4.mul(f32x4.sub(v128.load(x + r + c), v128.load(mean + c)), sc),
                                      v128.load(beta + c)));
    }
    for (; jj < cols; jj++) norm1(x, y, gamma, beta, mean, invStd, r + (<usize>jj << 2), <usize>jj << 2);
  }
}

/** Reference of batchnorm_forward_train: per column, scalar two-pass f64 statistics, then y. */
export function batchnorm_forward_train_ref(x: usize, gamma: usize, beta: usize, y: usize, mean: usize,
                                            invStd: usize, rows: i32, cols: i32, eps: f32): void {
  const rowBytes = <usize>cols << 2;
  for (let j = 0; j < cols; j++) stats1(x, rows, rowBytes, <usize>j << 2, mean, invStd, <f64>eps);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) norm1(x, y, gamma, beta, mean, invStd, <usize>i * rowBytes + (<usize>j << 2), <usize>j << 2);
  }
}

/** Inference forward: y (rows, cols) = (x − runMean)·gamma/sqrt(runVar + eps) + beta (all f32). */
export function batchnorm_forward_inference(x: usize, gamma: usize, beta: usize, runMean: usize, runVar: usize,
                                            y: usize, rows: i32, cols: i32, eps: f32): void {
  const rowBytes = <usize>cols << 2;
  const c4 = cols & ~3;
  const ve = f32x4.splat(eps), one = f32x4.splat(1);
  for (let i = 0; i < rows; i++) {
    const r = <usize>i * rowBytes;
    let j = 0;
    for (; j < c4; j += 4) {
      const c = <usize>j << 2;
      const inv = f32x4.div(one, f32x4.sqrt(f32x4.add(v128.load(runVar + c), ve)));
      const sc = f32x4.mul(v128.load(gamma + c), inv);
      v128.store(y + r + c, f32x4.add(f32x4.mul(f32x4.sub(v128.load(x + r + c), v128.load(runMean + c)), sc),
                                      v128.load(beta + c)));
    }
    for (; j < cols; j++) infer1(x, gamma, beta, runMean, runVar, y, r + (<usize>j << 2), <usize>j << 2, eps);
  }
}

// @ts-ignore: decorator
@inline function infer1(x: usize, gamma: usize, beta: usize, runMean: usize, runVar: usize, y: usize,
                        o: usize, c: usize, eps: f32): void {
  const inv: f32 = <f32>1 / Mathf.sqrt(load<f32>(runVar + c) + eps);
  const sc = load<f32>(gamma + c) * inv;
  store<f32>(y + o, (load<f32>(x + o) - load<f32>(runMean + c)) * sc + load<f32>(beta + c));
}

/** Reference of batchnorm_forward_inference: one scalar element at a time. */
export function batchnorm_forward_inference_ref(x: usize, gamma: usize, beta: usize, runMean: usize, runVar: usize,
                                                y: usize, rows: i32, cols: i32, eps: f32): void {
  const rowBytes = <usize>cols << 2;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) infer1(x, gamma, beta, runMean, runVar, y, <usize>i * rowBytes + (<usize>j << 2), <usize>j << 2, eps);
  }
}

// f64 sums of dy and dy·(x − mean) for column j (byte offset o) → dbeta, dgamma = invStd·Σ dy·(x − mean)
// @ts-ignore: decorator
@inline function bsum1(x: usize, dy: usize, mean: usize, invStd: usize, dgamma: usize, dbeta: usize,
                       rows: i32, rowBytes: usize, o: usize): void {
  const m = <f64>load<f32>(mean + o);
  let sb: f64 = 0, sg: f64 = 0;
  let p = o;
  for (let i = 0; i < rows; i++) {
    const g = <f64>load<f32>(dy + p);
    sb += g;
    sg += g * (<f64>load<f32>(x + p) - m);
    p += rowBytes;
  }
  store<f32>(dbeta + o, <f32>sb);
  store<f32>(dgamma + o, <f32>(sg * <f64>load<f32>(invStd + o)));
}

// dx for one element: (gamma·invStd/m)·(m·dy − dbeta − x̂·dgamma), x̂ = (x − mean)·invStd
// @ts-ignore: decorator
@inline function bdx1(x: usize, dy: usize, gamma: usize, mean: usize, invStd: usize, dx: usize,
                      dgamma: usize, dbeta: usize, fm: f32, o: usize, c: usize): void {
  const is = load<f32>(invStd + c);
  const k = load<f32>(gamma + c) * is / fm;
  const xh = (load<f32>(x + o) - load<f32>(mean + c)) * is;
  store<f32>(dx + o, k * ((fm * load<f32>(dy + o) - load<f32>(dbeta + c)) - xh * load<f32>(dgamma + c)));
}

/**
 * Training-mode backward for x, dy (rows, cols) and the mean, invStd saved by the forward pass:
 * dbeta = Σ dy, dgamma = Σ dy·x̂, dx = (gamma·invStd/m)·(m·dy − dbeta − x̂·dgamma). Overwrites dx,
 * dgamma, dbeta.
 */
export function batchnorm_backward(x: usize, dy: usize, gamma: usize, mean: usize, invStd: usize, dx: usize,
                                   dgamma: usize, dbeta: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const o = <usize>j << 2;
    const mv = v128.load(mean + o);
    const m0 = lo64(mv), m1 = hi64(mv);
    let b0 = f64x2.splat(0), b1 = f64x2.splat(0), g0 = f64x2.splat(0), g1 = f64x2.splat(0);
    let p = o;
    for (let i = 0; i < rows; i++) {
      const gv = v128.load(dy + p), xv = v128.load(x + p);
      const gl = lo64(gv), gh = hi64(gv);
      b0 = f64x2.add(b0, gl); b1 = f64x2.add(b1, gh);
      g0 = f64x2.add(g0, f64x2.mul(gl, f64x2.sub(lo64(xv), m0)));
      g1 = f64x2.add(g1, f64x2.mul(gh, f64x2.sub(hi64(xv), m1)));
      p += rowBytes;
    }
    const iv = v128.load(invStd + o);
    v128.store(dbeta + o, demote2(b0, b1));
    v128.store(dgamma + o, demote2(f64x2.mul(g0, lo64(iv)), f64x2.mul(g1, hi64(iv))));
  }
  for (; j < cols; j++) bsum1(x, dy, mean, invStd, dgamma, dbeta, rows, rowBytes, <usize>j << 2);

  const fm = <f32>rows;
  const vm = f32x4.splat(fm);
  const c4 = cols & ~3;
  for (let i = 0; i < rows; i++) {
    const r = <usize>i * rowBytes;
    let jj = 0;
    for (; jj < c4; jj += 4) {
      const c = <usize>jj << 2;
      const is = v128.load(invStd + c);
      const k = f32x4.div(f32x4.mul(v128.load(gamma + c), is), vm);
      const xh = f32x4.mul(f32x4.sub(v128.load(x + r + c), v128.load(mean + c)), is);
      const t = f32x4.sub(f32x4.sub(f32x4.mul(vm, v128.load(dy + r + c)), v128.load(dbeta + c)),
                          f32x4.mul(xh, v128.load(dgamma + c)));
      v128.store(dx + r + c, f32x4.mul(k, t));
    }
    for (; jj < cols; jj++) bdx1(x, dy, gamma, mean, invStd, dx, dgamma, dbeta, fm, r + (<usize>jj << 2), <usize>jj << 2);
  }
}

/** Reference of batchnorm_backward: per column scalar f64 sums, then dx one element at a time. */
export function batchnorm_backward_ref(x: usize, dy: usize, gamma: usize, mean: usize, invStd: usize, dx: usize,
                                       dgamma: usize, dbeta: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let j = 0; j < cols; j++) bsum1(x, dy, mean, invStd, dgamma, dbeta, rows, rowBytes, <usize>j << 2);
  const fm = <f32>rows;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      bdx1(x, dy, gamma, mean, invStd, dx, dgamma, dbeta, fm, <usize>i * rowBytes + (<usize>j << 2), <usize>j << 2);
    }
  }
}
