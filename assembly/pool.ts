// Max pooling over NHWC, k×k windows, stride s, no padding:
//   x (n,h,w,c) → y (n,oh,ow,c), oh = (h − k)/s + 1, ow = (w − k)/s + 1 (floor; the binding
//   checks oh, ow >= 1), argmax (n,oh,ow,c) i32 = flat index into x of the window's maximum.
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
@inline function pool_out(size: i32, k: i32, stride: i32): i32 {
  return (size - k) / stride + 1;
}

// v > m, or v is the first NaN
// @ts-ignore: decorator
@inline function takes(v: f32, m: f32): bool {
  return v > m || (v != v && m == m);
}

// one output element, channel ch at (b, oy, ox), scalar
// @ts-ignore: decorator
@inline function pool_one(x: usize, y: usize, argmax: usize, h: i32, w: i32, c: i32, k: i32,
                          stride: i32, b: i32, oy: i32, ox: i32, ch: i32, out: i32): void {
  let best: i32 = ((b * h + oy * stride) * w + ox * stride) * c + ch;
  let m = load<f32>(x + (<usize>best << 2));
  for (let ky = 0; ky < k; ky++) {
    for (let kx = 0; kx < k; kx++) {
      const i = ((b * h + oy * stride + ky) * w + ox * stride + kx) * c + ch;
      const v = load<f32>(x + (<usize>i << 2));
      if (takes(v, m)) { m = v; best = i; }
    }
  }
  store<f32>(y + (<usize>out << 2), m);
  store<i32>(argmax + (<usize>out << 2), best);
}

/** y, argmax (n,oh,ow,c) = max and its flat x index over each k×k window (stride s) of x (n,h,w,c). */
export function maxpool_forward(x: usize, y: usize, argmax: usize, n: i32, h: i32, w: i32, c: i32,
                                k: i32, stride: i32): void {
  const oh = pool_out(h, k, stride), ow = pool_out(w, k, stride);
  const c4 = c & ~3;
  const lane = i32x4(0, 1, 2, 3);
  let out = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const i0 = ((b * h + oy * stride) * w + ox * stride) * c;
        for (let ch = 0; ch < c4; ch += 4) {
          let m = v128.load(x + (<usize>(i0 + ch) << 2));
          let best = i32x4.add(i32x4.splat(i0 + ch), lane);
          for (let ky = 0; ky < k; ky++) {
            for (let kx = 0; kx < k; kx++) {
              const i = i0 + (ky * w + kx) * c + ch;
              const v = v128.load(x + (<usize>i << 2));
              const t = v128.or(f32x4.gt(v, m), v128.and(f32x4.ne(v, v), f32x4.eq(m, m)));
              m = v128.bitselect(v, m, t);
              best = v128.bitselect(i32x4.add(i32x4.splat(i), lane), best, t);
            }
          }
          v128.store(y + (<usize>(out + ch) << 2), m);
          v128.store(argmax + (<usize>(out + ch) << 2), best);
        }
        for (let ch = c4; ch < c; ch++) pool_one(x, y, argmax, h, w, c, k, stride, b, oy, ox, ch, out + ch);
        out += c;
      }
    }
  }
}

/** Reference of maxpool_forward: plain loops, one channel at a time. */
export function maxpool_forward_ref(x: usize, y: usize, argmax: usize, n: i32, h: i32, w: i32, c: i32,
                                    k: i32, stride: i32): void {
  const oh = pool_out(h, k, stride), ow = pool_out(w, k, stride);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ch = 0; ch < c; ch++) {
          pool_one(x, y, argmax, h, w, c, k, stride, b, oy, ox, ch, ((b * oh + oy) * ow + ox) * c + ch);
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
                                 k: i32, stride: i32): i32 {
  const oh = pool_out(h, k, stride), ow = pool_out(w, k, stride);
  memory.fill(dx, 0, <usize>n * <usize>h * <usize>w * <usize>c << 2);
  const c4 = c & ~3;
  const lane = i32x4(0, 1, 2, 3);
  let bad = 0;
  let out = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const i0 = ((b * h + oy * stride) * w + ox * stride) * c;
        for (let ch = 0; ch < c4; ch += 4) {
          const o = <usize>(out + ch) << 2;
          const g = v128.load(dy + o), am = v128.load(argmax + o);
          let hit = i32x4.splat(0);
          for (let ky = 0; ky < k; ky++) {
            for (let kx = 0; kx < k; kx++) {
              const i = i0 + (ky * w + kx) * c + ch;
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
          bad += scatter_one(load<f32>(dy + o), load<i32>(argmax + o), dx, w, c, k, i0 + ch);
        }
        out += c;
      }
    }
  }
  return bad;
}

// dx[a] += g if a is a tap of the window whose first element is x index i0 (one channel); else 1.
// @ts-ignore: decorator
@inline function scatter_one(g: f32, a: i32, dx: usize, w: i32, c: i32, k: i32, i0: i32): i32 {
  const d = a - i0;
  if (d >= 0 && d % c == 0) {
    const t = d / c; // ky·w + kx
    const ky = t / w, kx = t - (t / w) * w;
    if (ky < k && kx < k) {
      const p = dx + (<usize>a << 2);
      store<f32>(p, load<f32>(p) + g);
      return 0;
    }
  }
  return 1;
}

/** Reference of maxpool_backward: zero dx, then a scalar scatter-add in output order. */
export function maxpool_backward_ref(dy: usize, argmax: usize, dx: usize, n: i32, h: i32, w: i32, c: i32,
                                     k: i32, stride: i32): i32 {
  const oh = pool_out(h, k, stride), ow = pool_out(w, k, stride);
  const total = n * h * w * c;
  for (let i = 0; i < total; i++) store<f32>(dx + (<usize>i << 2), 0);
  let bad = 0;
  let out = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const i0 = ((b * h + oy * stride) * w + ox * stride) * c;
        for (let ch = 0; ch < c; ch++) {
          bad += scatter_one(load<f32>(dy + (<usize>out << 2)), load<i32>(argmax + (<usize>out << 2)), dx, w, c, k, i0 + ch);
          out++;
        }
      }
    }
  }
  return bad;
}
