// Average pooling over NHWC, k×k windows, stride s, with optional padding (Keras 'same'):
//   x (n,h,w,c) → y (n,oh,ow,c); window (oy, ox) covers rows oy·s − padT .. + k − 1 and columns
//   ox·s − padL .. + k − 1, clipped to the input; y = (Σ over the window's in-bounds taps) / their
//   count (padding is not counted, as TF and Keras do). The caller computes oh, ow, padT, padL
//   (valid: 0 and floor((h − k)/s) + 1; same: ceil(h/s) and floor(max((oh − 1)s + k − h, 0)/2)) and
//   guarantees every window has at least one in-bounds tap.
// Sums run in (ky, kx) order; the SIMD kernels do 4 channels at once in that same order, so they
// are bit-identical to the references. Backward: dx = 0, then each output (in output order) adds
// dy/count to each of its taps: overlapping windows accumulate, in the same order in both.

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

/** y (n,oh,ow,c) = mean over each (clipped) k×k window of x (n,h,w,c). */
export function avgpool_forward(x: usize, y: usize, n: i32, h: i32, w: i32, c: i32, k: i32, s: i32,
                                padT: i32, padL: i32, oh: i32, ow: i32): void {
  const c4 = c & ~3;
  let out = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = lo(oy, s, padT), y1 = hi(oy, s, padT, k, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = lo(ox, s, padL), x1 = hi(ox, s, padL, k, w);
        const cnt = <f32>((y1 - y0) * (x1 - x0));
        for (let ch = 0; ch < c4; ch += 4) {
          let acc = f32x4.splat(0);
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) acc = f32x4.add(acc, v128.load(x + (<usize>(((b * h + iy) * w + ix) * c + ch) << 2)));
          }
          v128.store(y + (<usize>(out + ch) << 2), f32x4.div(acc, f32x4.splat(cnt)));
        }
        for (let ch = c4; ch < c; ch++) {
          let acc: f32 = 0;
          for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) acc += load<f32>(x + (<usize>(((b * h + iy) * w + ix) * c + ch) << 2));
          store<f32>(y + (<usize>(out + ch) << 2), acc / cnt);
        }
        out += c;
      }
    }
  }
}

/** Reference of avgpool_forward: one output element at a time. */
export function avgpool_forward_ref(x: usize, y: usize, n: i32, h: i32, w: i32, c: i32, k: i32, s: i32,
                                    padT: i32, padL: i32, oh: i32, ow: i32): void {
  for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ch = 0; ch < c; ch++) {
    const y0 = lo(oy, s, padT), y1 = hi(oy, s, padT, k, h), x0 = lo(ox, s, padL), x1 = hi(ox, s, padL, k, w);
    let acc: f32 = 0;
    for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) acc += load<f32>(x + (<usize>(((b * h + iy) * w + ix) * c + ch) << 2));
    store<f32>(y + (<usize>(((b * oh + oy) * ow + ox) * c + ch) << 2), acc / <f32>((y1 - y0) * (x1 - x0)));
  }
}

/** dx (n,h,w,c) = 0, then each window's taps += dy/count, in output order. */
export function avgpool_backward(dy: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, k: i32, s: i32,
                                 padT: i32, padL: i32, oh: i32, ow: i32): void {
  memory.fill(dx, 0, <usize>n * <usize>h * <usize>w * <usize>c << 2);
  const c4 = c & ~3;
  let out = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = lo(oy, s, padT), y1 = hi(oy, s, padT, k, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = lo(ox, s, padL), x1 = hi(ox, s, padL, k, w);
        const cnt = <f32>((y1 - y0) * (x1 - x0));
        for (let ch = 0; ch < c4; ch += 4) {
          const g = f32x4.div(v128.load(dy + (<usize>(out + ch) << 2)), f32x4.splat(cnt));
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const p = dx + (<usize>(((b * h + iy) * w + ix) * c + ch) << 2);
              v128.store(p, f32x4.add(v128.load(p), g));
            }
          }
        }
        for (let ch = c4; ch < c; ch++) {
          const g = load<f32>(dy + (<usize>(out + ch) << 2)) / cnt;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const p = dx + (<usize>(((b * h + iy) * w + ix) * c + ch) << 2);
              store<f32>(p, load<f32>(p) + g);
            }
          }
        }
        out += c;
      }
    }
  }
}

/** Reference of avgpool_backward: zero dx, then a scalar scatter-add in output order. */
export function avgpool_backward_ref(dy: usize, dx: usize, n: i32, h: i32, w: i32, c: i32, k: i32, s: i32,
                                     padT: i32, padL: i32, oh: i32, ow: i32): void {
  const total = n * h * w * c;
  for (let i = 0; i < total; i++) store<f32>(dx + (<usize>i << 2), 0);
  for (let b = 0; b < n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ch = 0; ch < c; ch++) {
    const y0 = lo(oy, s, padT), y1 = hi(oy, s, padT, k, h), x0 = lo(ox, s, padL), x1 = hi(ox, s, padL, k, w);
    const g = load<f32>(dy + (<usize>(((b * oh + oy) * ow + ox) * c + ch) << 2)) / <f32>((y1 - y0) * (x1 - x0));
    for (let iy = y0; iy < y1; iy++) {
      for (let ix = x0; ix < x1; ix++) {
        const p = dx + (<usize>(((b * h + iy) * w + ix) * c + ch) << 2);
        store<f32>(p, load<f32>(p) + g);
      }
    }
  }
}
