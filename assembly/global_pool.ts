// Global pooling over NHWC: every spatial position of a sample reduced to one value per channel.
//   x (n,h,w,c) → y (n,c), with hw = h·w (the kernels see the h·w positions as one axis).
// Average: y[b,ch] = (Σ_p x[b,p,ch]) / hw, summed in position order p = 0..hw−1 (the SIMD
// kernels sum 4 channels at once, each lane in that same order, so they are bit-identical to the
// references). Backward: dx[b,p,ch] = dy[b,ch] / hw.
// Max: y[b,ch] = max_p x[b,p,ch]; argmax (n,c) i32 = the flat index into x of that maximum. Ties
// keep the first position; NaN propagates (the first NaN is the maximum), as in assembly/pool.ts.
// Backward: dx[b,p,ch] = dy[b,ch] where argmax[b,ch] is that element, 0 elsewhere (each x element
// belongs to one (b,ch) column, so nothing accumulates). An argmax entry outside its own column is
// counted and returned (its dy dropped), so neither kernel ever writes outside dx.

/** y (n,c) = mean over the hw positions of x (n,hw,c). */
export function gavgpool_forward(x: usize, y: usize, n: i32, hw: i32, c: i32): void {
  const c4 = c & ~3;
  const d = <f32>hw, vd = f32x4.splat(d);
  for (let b = 0; b < n; b++) {
    const xb = x + (<usize>b * <usize>hw * <usize>c << 2), yb = y + (<usize>b * <usize>c << 2);
    for (let ch = 0; ch < c4; ch += 4) {
      let s = f32x4.splat(0);
      for (let p = 0; p < hw; p++) s = f32x4.add(s, v128.load(xb + (<usize>(p * c + ch) << 2)));
      v128.store(yb + (<usize>ch << 2), f32x4.div(s, vd));
    }
    for (let ch = c4; ch < c; ch++) {
      let s: f32 = 0;
      for (let p = 0; p < hw; p++) s += load<f32>(xb + (<usize>(p * c + ch) << 2));
      store<f32>(yb + (<usize>ch << 2), s / d);
    }
  }
}

/** Reference of gavgpool_forward: one channel at a time. */
export function gavgpool_forward_ref(x: usize, y: usize, n: i32, hw: i32, c: i32): void {
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      let s: f32 = 0;
      for (let p = 0; p < hw; p++) s += load<f32>(x + (<usize>((b * hw + p) * c + ch) << 2));
      store<f32>(y + (<usize>(b * c + ch) << 2), s / <f32>hw);
    }
  }
}

/** dx (n,hw,c) = dy[b,ch] / hw at every position. */
export function gavgpool_backward(dy: usize, dx: usize, n: i32, hw: i32, c: i32): void {
  const c4 = c & ~3;
  const d = <f32>hw, vd = f32x4.splat(d);
  for (let b = 0; b < n; b++) {
    const gb = dy + (<usize>b * <usize>c << 2), xb = dx + (<usize>b * <usize>hw * <usize>c << 2);
    for (let ch = 0; ch < c4; ch += 4) {
      const g = f32x4.div(v128.load(gb + (<usize>ch << 2)), vd);
      for (let p = 0; p < hw; p++) v128.store(xb + (<usize>(p * c + ch) << 2), g);
    }
    for (let ch = c4; ch < c; ch++) {
      const g = load<f32>(gb + (<usize>ch << 2)) / d;
      for (let p = 0; p < hw; p++) store<f32>(xb + (<usize>(p * c + ch) << 2), g);
    }
  }
}

/** Reference of gavgpool_backward. */
export function gavgpool_backward_ref(dy: usize, dx: usize, n: i32, hw: i32, c: i32): void {
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < hw; p++) {
      for (let ch = 0; ch < c; ch++) {
        store<f32>(dx + (<usize>((b * hw + p) * c + ch) << 2), load<f32>(dy + (<usize>(b * c + ch) << 2)) / <f32>hw);
      }
    }
  }
}

// v > m, or v is the first NaN
// @ts-ignore: decorator
@inline function takes(v: f32, m: f32): bool {
  return v > m || (v != v && m == m);
}

/** y, argmax (n,c) = max over the hw positions of x (n,hw,c), and its flat x index. */
export function gmaxpool_forward(x: usize, y: usize, argmax: usize, n: i32, hw: i32, c: i32): void {
  const c4 = c & ~3;
  const lane = i32x4(0, 1, 2, 3);
  for (let b = 0; b < n; b++) {
    const i0 = b * hw * c;
    for (let ch = 0; ch < c4; ch += 4) {
      let m = v128.load(x + (<usize>(i0 + ch) << 2));
      let best = i32x4.add(i32x4.splat(i0 + ch), lane);
      for (let p = 1; p < hw; p++) {
        const i = i0 + p * c + ch;
        const v = v128.load(x + (<usize>i << 2));
        const t = v128.or(f32x4.gt(v, m), v128.and(f32x4.ne(v, v), f32x4.eq(m, m)));
        m = v128.bitselect(v, m, t);
        best = v128.bitselect(i32x4.add(i32x4.splat(i), lane), best, t);
      }
      v128.store(y + (<usize>(b * c + ch) << 2), m);
      v128.store(argmax + (<usize>(b * c + ch) << 2), best);
    }
    for (let ch = c4; ch < c; ch++) gmax_one(x, y, argmax, hw, c, b, ch);
  }
}

// @ts-ignore: decorator
@inline function gmax_one(x: usize, y: usize, argmax: usize, hw: i32, c: i32, b: i32, ch: i32): void {
  let best = b * hw * c + ch;
  let m = load<f32>(x + (<usize>best << 2));
  for (let p = 1; p < hw; p++) {
    const i = (b * hw + p) * c + ch;
    const v = load<f32>(x + (<usize>i << 2));
    if (takes(v, m)) { m = v; best = i; }
  }
  store<f32>(y + (<usize>(b * c + ch) << 2), m);
  store<i32>(argmax + (<usize>(b * c + ch) << 2), best);
}

/** Reference of gmaxpool_forward: one channel at a time. */
export function gmaxpool_forward_ref(x: usize, y: usize, argmax: usize, n: i32, hw: i32, c: i32): void {
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) gmax_one(x, y, argmax, hw, c, b, ch);
}

/**
 * dx (n,hw,c) = dy[b,ch] at argmax[b,ch], 0 elsewhere. Returns the number of argmax entries that
 * are not an element of their own (b,ch) column (those dy are dropped).
 */
export function gmaxpool_backward(dy: usize, argmax: usize, dx: usize, n: i32, hw: i32, c: i32): i32 {
  const c4 = c & ~3;
  const lane = i32x4(0, 1, 2, 3);
  let bad = 0;
  for (let b = 0; b < n; b++) {
    const i0 = b * hw * c;
    for (let ch = 0; ch < c4; ch += 4) {
      const o = <usize>(b * c + ch) << 2;
      const g = v128.load(dy + o), am = v128.load(argmax + o);
      let hit = i32x4.splat(0);
      for (let p = 0; p < hw; p++) {
        const i = i0 + p * c + ch;
        const t = i32x4.eq(am, i32x4.add(i32x4.splat(i), lane));
        hit = v128.or(hit, t);
        v128.store(dx + (<usize>i << 2), v128.and(g, t));
      }
      bad += popcnt(i32x4.bitmask(v128.not(hit)));
    }
    for (let ch = c4; ch < c; ch++) bad += gmax_scatter_one(dy, argmax, dx, hw, c, b, ch);
  }
  return bad;
}

// one (b,ch) column: zero it, then dx[argmax] = dy if argmax lies in it; else 1
// @ts-ignore: decorator
@inline function gmax_scatter_one(dy: usize, argmax: usize, dx: usize, hw: i32, c: i32, b: i32, ch: i32): i32 {
  const i0 = b * hw * c + ch;
  for (let p = 0; p < hw; p++) store<f32>(dx + (<usize>(i0 + p * c) << 2), 0);
  const a = load<i32>(argmax + (<usize>(b * c + ch) << 2));
  const d = a - i0;
  if (d >= 0 && d % c == 0 && d / c < hw) {
    store<f32>(dx + (<usize>a << 2), load<f32>(dy + (<usize>(b * c + ch) << 2)));
    return 0;
  }
  return 1;
}

/** Reference of gmaxpool_backward: one column at a time. */
export function gmaxpool_backward_ref(dy: usize, argmax: usize, dx: usize, n: i32, hw: i32, c: i32): i32 {
  let bad = 0;
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) bad += gmax_scatter_one(dy, argmax, dx, hw, c, b, ch);
  return bad;
}
