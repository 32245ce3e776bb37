// Max pooling over NHWC, k×k windows, stride s, optional padding (Keras 'same'):
//   x (n,h,w,c) → y (n,oh,ow,c), argmax (n,oh,ow,c) i32 = flat index into x of the window's
//   maximum. Window (oy, ox) covers rows oy·s − padT .. + k − 1 and columns ox·s − padL .. + k − 1,
//   clipped to the input (padding never wins: it is not a tap). The binding computes oh, ow,
//   padT, padL (valid: floor((h − k)/s) + 1 and 0; same: ceil(h/s) and the Keras split) so that
//   every window has at least one tap.
//
// The SIMD kernels work on 4 channels at once (channels are contiguous in NHWC); the channel
// tail (c mod 4) goes through the scalar path. Ties keep the first maximum in (ky, kx) scan
// order. NaN propagates: a NaN in a window is its maximum (the first NaN wins), so a NaN input
// is never silently dropped.
//
// Backward scatters dy into dx at argmax. Instead of a scalar scatter, each window tap adds
// dy where argmax equals that tap's index (compare + select, 4 channels at a time); the adds
// into each dx element happen in output order, as in the scalar scatter of the reference, so
// the two are bit-identical, and overlapping windows (s < k) accumulate correctly. An argmax
// entry that points outside its own window (not written by maxpool_forward for the same
// geometry) is counted and returned, so the binding can report it instead of writing
// anywhere: neither kernel ever writes outside dx.

// @ts-ignore: decorator
@inline function lo(o: i32, s: i32, pad: i32): i32 {
  const v = o * s - pad;
  return v < 0 ? 0 : v;
}
// @ts-ignore: decorator
@inline function hi(o: i32, s: i32, pad: i32, k: i32, size: i32): i32 {
  const v = o * s - pad + k;
  return v > size ? size : v;
}

// v > m, or v is the first NaN
// @ts-ignore: decorator
@inline function takes(v: f32, m: f32): bool {
  return v > m || (v != v && m == m);
}

// one output element, channel ch at (b, window rows y0..y1, columns x0..x1), scalar
// @ts-ignore: decorator
@inline function pool_one(x: usize, y: usize, argmax: usize, h: i32, w: i32, c: i32,
                          b: i32, y0: i32, y1: i32, x0: i32, x1: i32, ch: i32, out: i32): void {
  let best: i32 = ((b * h + y0) * w + x0) * c + ch;
  let m = load<f32>(x + (<usize>best << 2));
  for (let iy = y0; iy < y1; iy++) {
    for (let ix = x0; ix < x1; ix++) {
      const i = ((b * h + iy) * w + ix) * c + ch;
      const v = load<f32>(x + (<usize>i << 2));
      if (takes(v, m)) { m = v; best = i; }
    }
  }
  store<f32>(y + (<usize>out << 2), m);
  store<i32>(argmax + (<usize>out << 2), best);
}

/** y, argmax (n,oh,ow,c) = max and its flat x index over each (clipped) k×k window (stride s) of x (n,h,w,c). */
export function maxpool_forward(x: usize, y: usize, argmax: usize, n: i32, h: i32, w: i32, c: i32,
                                k: i32, stride: i32, padT: i32, padL: i32, oh: i32, ow: i32): void {
  const c4 = c & ~3;
  const lane = i32x4(0, 1, 2, 3);
  let out = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = lo(oy, stride, padT), y1 = hi(oy, stride, padT, k, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = lo(ox, stride, padL), x1 = hi(ox, stride, padL, k, w);
        const i0 = ((b * h + y0) * w + x0) * c;
        for (let ch = 0; ch < c4; ch += 4) {
          let m = v128.load(x + (<usize>(i0 + ch) << 2));
          let best = i32x4.add(i32x4.splat(i0 + ch), lane);
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const i = ((b * h + iy) * w + ix) * c + ch;
              const v = v128.load(x + (<usize>i << 2));
              const t = v128.or(f32x4.gt(v, m), v128.and(f32x4.ne(v, v), f32x4.eq(m, m)));
              m = v128.bitselect(v, m, t);
              best = v128.bitselect(i32x4.add(i32x4.splat(i), lane), best, t);
            }
          }
          v128.store(y + (<usize>(out + ch) << 2), m);
          v128.store(argmax + (<usize>(out + ch) << 2), best);
        }
        for (let ch = c4; ch < c; ch++) pool_one(x, y, argmax, h, w, c, b, y0, y1, x0, x1, ch, out + ch);
        out += c;
      }
    }
  }
}

/** Reference of maxpool_forward: plain loops, one channel at a time. */
export function maxpool_forward_ref(x: usize, y: usize, argmax: usize, n: i32, h: i32, w: i32, c: i32,
                                    k: i32, stride: i32, padT: i32, padL: i32, oh: i32, ow: i32): void {
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ch = 0; ch < c; ch++) {
          pool_one(x, y, argmax, h, w, c, b, lo(oy, stride, padT), hi(oy, stride, padT, k, h),
            lo(ox, stride, padL), hi(ox, stride, padL, k, w), ch, ((b * oh + oy) * ow + ox) * c + ch);
        }
      }
    }
  }
}

/**
 * dx (n,h,w,c) = 0, then dx[argmax[i]] += dy[i] for every output element i of dy, argmax (n,oh,ow,c).
 * Returns the number of argmax entries outside their own window (those dy are dropped).
 */
export function maxpool_backward(dy: usize, argmax: usize, dx: usize, n: i32, h: i32, w: i32, c: i32,
                                 k: i32, stride: i32, padT: i32, padL: i32, oh: i32, ow: i32): i32 {
  memory.fill(dx, 0, <usize>n * <usize>h * <usize>w * <usize>c << 2);
  const c4 = c & ~3;
  const lane = i32x4(0, 1, 2, 3);
  let bad = 0;
  let out = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = lo(oy, stride, padT), y1 = hi(oy, stride, padT, k, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = lo(ox, stride, padL), x1 = hi(ox, stride, padL, k, w);
        for (let ch = 0; ch < c4; ch += 4) {
          const o = <usize>(out + ch) << 2;
          const g = v128.load(dy + o), am = v128.load(argmax + o);
          let hit = i32x4.splat(0);
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const i = ((b * h + iy) * w + ix) * c + ch;
              const p = dx + (<usize>i << 2);
              const t = i32x4.eq(am, i32x4.add(i32x4.splat(i), lane));
              hit = v128.or(hit, t);
              v128.store(p, f32x4.add(v128.load(p), v128.and(g, t)));
            }
          }
          bad += popcnt(i32x4.bitmask(v128.not(hit)));
        }
        for (let ch = c4; ch < c; ch++) {
          const o = <usize>(out + ch) << 2;
          bad += scatter_one(load<f32>(dy + o), load<i32>(argmax + o), dx, h, w, c, b, y0, y1, x0, x1, ch);
        }
        out += c;
      }
    }
  }
  return bad;
}

// dx[a] += g if a is a tap (b, iy in [y0, y1), ix in [x0, x1), ch) of the window; else 1.
// @ts-ignore: decorator
@inline function scatter_one(g: f32, a: i32, dx: usize, h: i32, w: i32, c: i32, b: i32,
                             y0: i32, y1: i32, x0: i32, x1: i32, ch: i32): i32 {
  if (a >= 0 && a % c == ch) {
    const t = a / c;
    const ix = t % w, t2 = t / w;
    const iy = t2 % h, bb = t2 / h;
    if (bb == b && iy >= y0 && iy < y1 && ix >= x0 && ix < x1) {
      const p = dx + (<usize>a << 2);
      store<f32>(p, load<f32>(p) + g);
      return 0;
    }
  }
  return 1;
}

/** Reference of maxpool_backward: zero dx, then a scalar scatter-add in output order. */
export function maxpool_backward_ref(dy: usize, argmax: usize, dx: usize, n: i32, h: i32, w: i32, c: i32,
                                     k: i32, stride: i32, padT: i32, padL: i32, oh: i32, ow: i32): i32 {
  const total = n * h * w * c;
  for (let i = 0; i < total; i++) store<f32>(dx + (<usize>i << 2), 0);
  let bad = 0;
  let out = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ch = 0; ch < c; ch++) {
          bad += scatter_one(load<f32>(dy + (<usize>out << 2)), load<i32>(argmax + (<usize>out << 2)), dx, h, w, c, b,
            lo(oy, stride, padT), hi(oy, stride, padT, k, h), lo(ox, stride, padL), hi(ox, stride, padL, k, w), ch);
          out++;
        }
      }
    }
  }
  return bad;
}
