// Softmax cross-entropy (fused forward + backward) and row-wise argmax.
//
// Labels are i32 class indices validated by the caller to lie in [0, C).

import { v_exp, load_partial, store_partial } from "./mathx";

// @ts-ignore: decorator
@inline function hmax(v: v128): f32 {
  // NaN-propagating like f32x4.max
  const a = f32x4.max(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return Mathf.max(f32x4.extract_lane(a, 0), f32x4.extract_lane(a, 1));
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  const a = f32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1);
}

/**
 * Softmax cross-entropy over the rows of logits, fused with its gradient.
 * logits (B, C), labels (B) i32 in [0, C), probs (B, C) out, dlogits (B, C) out or 0 to skip.
 * probs = softmax(logits) per row, computed as exp(z − max)/Σ exp(z − max) with the vector exp
 * of mathx.ts (< 1 ulp); the returned loss Σ_rows −log softmax(z)[label] is evaluated stably as
 * log Σ exp(z − max) + max − z_label in f64 (the log in f64, the sum accumulated in f32 lanes).
 * If dlogits != 0: dlogits = (probs − onehot(label))·scale (scale = 1/B for a mean loss).
 * A NaN logit makes its row's probabilities, gradient and the loss NaN.
 */
export function softmax_xent(logits: usize, labels: usize, probs: usize, dlogits: usize, B: i32, C: i32, scale: f32): f64 {
  let loss: f64 = 0;
  const rowBytes = <usize>C << 2;
  const vscale = f32x4.splat(scale);
  for (let b = 0; b < B; b++) {
    const z = logits + <usize>b * rowBytes;
    const pr = probs + <usize>b * rowBytes;
    // pass 1: max
    let j = 0;
    let m: f32 = -Infinity;
    if (C >= 4) {
      let vm = v128.load(z);
      for (j = 4; j + 4 <= C; j += 4) vm = f32x4.max(vm, v128.load(z + (<usize>j << 2)));
      m = hmax(vm);
    }
    for (; j < C; j++) m = Mathf.max(m, load<f32>(z + (<usize>j << 2)));
    // pass 2: e = exp(z − m) into probs, and its sum
    const vmax = f32x4.splat(m);
    let vs = f32x4.splat(0);
    j = 0;
    for (; j + 4 <= C; j += 4) {
      const o = <usize>j << 2;
      const e = v_exp(f32x4.sub(v128.load(z + o), vmax));
      v128.store(pr + o, e);
      vs = f32x4.add(vs, e);
    }
    const r = C - j;
    if (r > 0) {
      // the last C % 4 logits in one partial vector; the unused lanes are masked out of the sum
      const o = <usize>j << 2;
      const e = v_exp(f32x4.sub(load_partial(z + o, r), vmax));
      store_partial(pr + o, e, r);
      vs = f32x4.add(vs, v128.and(e, i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(r))));
    }
    const sum = hsum(vs);
    // pass 3: normalise (and gradient)
    const inv: f32 = <f32>1.0 / sum;
    const vinv = f32x4.splat(inv);
    const label = load<i32>(labels + (<usize>b << 2));
    const d = dlogits + <usize>b * rowBytes;
    j = 0;
    if (dlogits != 0) {
      for (; j + 4 <= C; j += 4) {
        const o = <usize>j << 2;
        const p = f32x4.mul(v128.load(pr + o), vinv);
        v128.store(pr + o, p);
        v128.store(d + o, f32x4.mul(p, vscale));
      }
      for (; j < C; j++) {
        const o = <usize>j << 2;
        const p = load<f32>(pr + o) * inv;
        store<f32>(pr + o, p);
        store<f32>(d + o, p * scale);
      }
      const ol = <usize>label << 2;
      store<f32>(d + ol, (load<f32>(pr + ol) - <f32>1.0) * scale);
    } else {
      for (; j + 4 <= C; j += 4) {
        const o = <usize>j << 2;
        v128.store(pr + o, f32x4.mul(v128.load(pr + o), vinv));
      }
      for (; j < C; j++) {
        const o = <usize>j << 2;
        store<f32>(pr + o, load<f32>(pr + o) * inv);
      }
    }
    loss += Math.log(<f64>sum) + <f64>m - <f64>load<f32>(z + (<usize>label << 2));
  }
  return loss;
}

/** Scalar reference of softmax_xent (libm expf, sequential sums). Same buffers and result. */
export function softmax_xent_ref(logits: usize, labels: usize, probs: usize, dlogits: usize, B: i32, C: i32, scale: f32): f64 {
  let loss: f64 = 0;
  for (let b = 0; b < B; b++) {
    const z = logits + <usize>b * (<usize>C << 2);
    const pr = probs + <usize>b * (<usize>C << 2);
    const d = dlogits + <usize>b * (<usize>C << 2);
    let m: f32 = -Infinity;
    for (let j = 0; j < C; j++) m = Mathf.max(m, load<f32>(z + (<usize>j << 2)));
    let sum: f32 = 0;
    for (let j = 0; j < C; j++) {
      const e = Mathf.exp(load<f32>(z + (<usize>j << 2)) - m);
      store<f32>(pr + (<usize>j << 2), e);
      sum += e;
    }
    const label = load<i32>(labels + (<usize>b << 2));
    for (let j = 0; j < C; j++) {
      const o = <usize>j << 2;
      const p = load<f32>(pr + o) / sum;
      store<f32>(pr + o, p);
      if (dlogits != 0) store<f32>(d + o, (p - (j == label ? <f32>1.0 : <f32>0.0)) * scale);
    }
    loss += Math.log(<f64>sum) + <f64>m - <f64>load<f32>(z + (<usize>label << 2));
  }
  return loss;
}

/**
 * Index of the largest element of each row; the first one wins ties.
 * x (rows, cols), out (rows) i32. NaN elements are never selected (comparisons with NaN are
 * false); a row with no element above −inf gives 0.
 */
export function argmax_rows(x: usize, out: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const p = x + <usize>r * rowBytes;
    let best: f32 = -Infinity;
    let bi = 0;
    let j = 0;
    if (cols >= 4) {
      // per lane: best value so far and the first index reaching it (strict >)
      let vb = f32x4.splat(-Infinity);
      let vi = i32x4.splat(0);
      let idx = i32x4(0, 1, 2, 3);
      const four = i32x4.splat(4);
      for (; j + 4 <= cols; j += 4) {
        const v = v128.load(p + (<usize>j << 2));
        const gt = f32x4.gt(v, vb);
        vb = v128.bitselect(v, vb, gt);
        vi = v128.bitselect(idx, vi, gt);
        idx = i32x4.add(idx, four);
      }
      // combine lanes: largest value, smallest index among equal values
      const b0 = f32x4.extract_lane(vb, 0), b1 = f32x4.extract_lane(vb, 1);
      const b2 = f32x4.extract_lane(vb, 2), b3 = f32x4.extract_lane(vb, 3);
      const i0 = i32x4.extract_lane(vi, 0), i1 = i32x4.extract_lane(vi, 1);
      const i2 = i32x4.extract_lane(vi, 2), i3 = i32x4.extract_lane(vi, 3);
      if (b0 > best) { best = b0; bi = i0; }
      if (b1 > best || (b1 == best && i1 < bi)) { best = b1; bi = i1; }
      if (b2 > best || (b2 == best && i2 < bi)) { best = b2; bi = i2; }
      if (b3 > best || (b3 == best && i3 < bi)) { best = b3; bi = i3; }
    }
    for (; j < cols; j++) {
      const v = load<f32>(p + (<usize>j << 2));
      if (v > best) { best = v; bi = j; }
    }
    store<i32>(out + (<usize>r << 2), bi);
  }
}

/** Scalar reference of argmax_rows. x (rows, cols), out (rows) i32. */
export function argmax_rows_ref(x: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    let best: f32 = -Infinity;
    let bi = 0;
    for (let j = 0; j < cols; j++) {
      const v = load<f32>(x + ((<usize>r * <usize>cols + <usize>j) << 2));
      if (v > best) { best = v; bi = j; }
    }
    store<i32>(out + (<usize>r << 2), bi);
  }
}
