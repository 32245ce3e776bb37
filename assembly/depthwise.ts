// Depthwise 2-D convolution over NHWC tensors (MobileNet's), forward and both backward passes.
//   x (n,h,w,c), filter (kh,kw,c,m) as TF.js stores it (m: the depth multiplier), bias (C),
//   y (n,oh,ow,C) with C = c·m output channels, output channel j = k·m + q reading input channel k:
//     y[b,oy,ox,j] = Σ_{ky,kx} x[b, oy·s − padT + ky·dh, ox·s − padL + kx·dw, j/m] · f[ky,kx,j] + bias[j]
//   (taps outside the image read 0). The binding computes oh, ow, padT and padL (TF's 'same' and
//   'valid') and checks every extent; here every tap is bounds-checked against h and w, so any
//   oh, ow >= 1 and pads >= 0 stay inside x, y and the filter.
//
// Vectorisation: the filter flattened is (kh·kw, C), aligned with y's channels, so f32x4 runs over
// output channels j (blocks of 16, then 4, then a scalar tail): m = 1 loads x as it is, m = 2
// duplicates pairs with a shuffle, m % 4 == 0 splats one channel, other m build the four lanes.
// Backward-data sums over q for each input channel k: m = 1 is the same f32x4 over k; m > 1
// gathers lanes k..k+3 at stride m.
//
// Every output element sums its terms in the order of its scalar reference (depthwise_ref.ts):
// taps in (ky,kx) order then the bias (forward), taps then q (backward-data), pixels in (b,oy,ox)
// order (backward-filter, dbias). Wasm SIMD has no fused multiply-add, so each lane does exactly
// the reference's f32 mul and add: SIMD and reference agree bit for bit (the spec checks it), and
// splitting a call over images or channel ranges (src/wasm/depthwise.ts) cannot change a bit.
// No workspace: the kernels keep their sums in registers or in the output.

// first k with i0 + k·d >= 0
// @ts-ignore: decorator
@inline function tap_lo(i0: i32, d: i32): i32 {
  return i0 >= 0 ? 0 : (d - 1 - i0) / d;
}
// one past the last k < kmax with i0 + k·d < size
// @ts-ignore: decorator
@inline function tap_hi(i0: i32, d: i32, size: i32, kmax: i32): i32 {
  return i0 >= size ? 0 : min(kmax, (size - 1 - i0) / d + 1);
}

// x channels j/m, (j+1)/m, (j+2)/m, (j+3)/m of the pixel at xp
// @ts-ignore: decorator
@inline function xvec(xp: usize, j: i32, m: i32): v128 {
  if (m == 1) return v128.load(xp + (<usize>j << 2));
  if (m == 2 && (j & 1) == 0) {
    const v = v128.load64_zero(xp + (<usize>(j >> 1) << 2));
    return v128.shuffle<f32>(v, v, 0, 0, 1, 1);
  }
  if ((m & 3) == 0 && (j & 3) == 0) return v128.load32_splat(xp + (<usize>(j / m) << 2));
  let v = f32x4.splat(load<f32>(xp + (<usize>(j / m) << 2)));
  v = f32x4.replace_lane(v, 1, load<f32>(xp + (<usize>((j + 1) / m) << 2)));
  v = f32x4.replace_lane(v, 2, load<f32>(xp + (<usize>((j + 2) / m) << 2)));
  return f32x4.replace_lane(v, 3, load<f32>(xp + (<usize>((j + 3) / m) << 2)));
}

// p[0], p[m], p[2m], p[3m]
// @ts-ignore: decorator
@inline function strided(p: usize, m: i32): v128 {
  if (m == 1) return v128.load(p);
  const s = <usize>m << 2;
  let v = f32x4.splat(load<f32>(p));
  v = f32x4.replace_lane(v, 1, load<f32>(p + s));
  v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * s));
  return f32x4.replace_lane(v, 3, load<f32>(p + 3 * s));
}

// @ts-ignore: decorator
@inline function fma4(acc: v128, a: v128, b: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}

/** y (n,oh,ow,c·m) = depthwise conv of x (n,h,w,c) with filter (kh,kw,c,m), + bias (c·m) or 0. */
export function depthwise_forward(x: usize, filter: usize, bias: usize, y: usize,
                                  n: i32, h: i32, w: i32, c: i32, m: i32, kh: i32, kw: i32, stride: i32,
                                  dh: i32, dw: i32, padT: i32, padL: i32, oh: i32, ow: i32): void {
  if (m == 1) {
    forward_m1(x, filter, bias, y, n, h, w, c, kh, kw, stride, dh, dw, padT, padL, oh, ow);
    return;
  }
  const C = c * m;
  const rowBytes = <usize>C << 2;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * stride - padT;
      const ky0 = tap_lo(iy0, dh), ky1 = tap_hi(iy0, dh, h, kh);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * stride - padL;
        const kx0 = tap_lo(ix0, dw), kx1 = tap_hi(ix0, dw, w, kw);
        const yp = y + <usize>((b * oh + oy) * ow + ox) * rowBytes;
        let j = 0;
        for (; j + 16 <= C; j += 16) {
          let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
          for (let ky = ky0; ky < ky1; ky++) {
            const xrow = x + (<usize>((b * h + iy0 + ky * dh) * w) * <usize>c << 2);
            for (let kx = kx0; kx < kx1; kx++) {
              const xp = xrow + (<usize>((ix0 + kx * dw) * c) << 2);
              const fp = filter + <usize>(ky * kw + kx) * rowBytes + (<usize>j << 2);
              a0 = fma4(a0, xvec(xp, j, m), v128.load(fp));
              a1 = fma4(a1, xvec(xp, j + 4, m), v128.load(fp, 16));
              a2 = fma4(a2, xvec(xp, j + 8, m), v128.load(fp, 32));
              a3 = fma4(a3, xvec(xp, j + 12, m), v128.load(fp, 48));
            }
          }
          if (bias != 0) {
            const bp = bias + (<usize>j << 2);
            a0 = f32x4.add(a0, v128.load(bp));
            a1 = f32x4.add(a1, v128.load(bp, 16));
            a2 = f32x4.add(a2, v128.load(bp, 32));
            a3 = f32x4.add(a3, v128.load(bp, 48));
          }
          const o = yp + (<usize>j << 2);
          v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
        }
        for (; j + 4 <= C; j += 4) {
          let a = f32x4.splat(0);
          for (let ky = ky0; ky < ky1; ky++) {
            const xrow = x + (<usize>((b * h + iy0 + ky * dh) * w) * <usize>c << 2);
            for (let kx = kx0; kx < kx1; kx++) {
              const xp = xrow + (<usize>((ix0 + kx * dw) * c) << 2);
              a = fma4(a, xvec(xp, j, m), v128.load(filter + <usize>(ky * kw + kx) * rowBytes + (<usize>j << 2)));
            }
          }
          if (bias != 0) a = f32x4.add(a, v128.load(bias + (<usize>j << 2)));
          v128.store(yp + (<usize>j << 2), a);
        }
        for (; j < C; j++) {
          let s: f32 = 0;
          for (let ky = ky0; ky < ky1; ky++) {
            const xrow = x + (<usize>((b * h + iy0 + ky * dh) * w) * <usize>c << 2);
            for (let kx = kx0; kx < kx1; kx++) {
              s += load<f32>(xrow + (<usize>((ix0 + kx * dw) * c + j / m) << 2)) *
                   load<f32>(filter + <usize>(ky * kw + kx) * rowBytes + (<usize>j << 2));
            }
          }
          if (bias != 0) s += load<f32>(bias + (<usize>j << 2));
          store<f32>(yp + (<usize>j << 2), s);
        }
      }
    }
  }
}

// depthwise_forward at m = 1 (MobileNet's): input and output channels coincide, so x loads
// directly, and the tap loop walks x and the filter by pointer. The same sums in the same order.
function forward_m1(x: usize, filter: usize, bias: usize, y: usize,
                    n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, stride: i32,
                    dh: i32, dw: i32, padT: i32, padL: i32, oh: i32, ow: i32): void {
  const rowBytes = <usize>c << 2;
  const xStep = <usize>dw * rowBytes; // next tap along a row of x
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * stride - padT;
      const ky0 = tap_lo(iy0, dh), ky1 = tap_hi(iy0, dh, h, kh);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * stride - padL;
        const kx0 = tap_lo(ix0, dw), kx1 = tap_hi(ix0, dw, w, kw);
        const yp = y + <usize>((b * oh + oy) * ow + ox) * rowBytes;
        // x at tap (ky, kx0), filter at tap (ky, kx0), for ky = ky0
        const x0 = x + <usize>((b * h + iy0 + ky0 * dh) * w + ix0 + kx0 * dw) * rowBytes;
        const f0 = filter + <usize>(ky0 * kw + kx0) * rowBytes;
        const xRowStep = <usize>(dh * w) * rowBytes, fRowStep = <usize>kw * rowBytes;
        let j = 0;
        for (; j + 16 <= c; j += 16) {
          let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
          let xr = x0 + (<usize>j << 2), fr = f0 + (<usize>j << 2);
          for (let ky = ky0; ky < ky1; ky++) {
            let xp = xr, fp = fr;
            for (let kx = kx0; kx < kx1; kx++) {
              a0 = fma4(a0, v128.load(xp), v128.load(fp));
              a1 = fma4(a1, v128.load(xp, 16), v128.load(fp, 16));
              a2 = fma4(a2, v128.load(xp, 32), v128.load(fp, 32));
              a3 = fma4(a3, v128.load(xp, 48), v128.load(fp, 48));
              xp += xStep; fp += rowBytes;
            }
            xr += xRowStep; fr += fRowStep;
          }
          if (bias != 0) {
            const bp = bias + (<usize>j << 2);
            a0 = f32x4.add(a0, v128.load(bp));
            a1 = f32x4.add(a1, v128.load(bp, 16));
            a2 = f32x4.add(a2, v128.load(bp, 32));
            a3 = f32x4.add(a3, v128.load(bp, 48));
          }
          const o = yp + (<usize>j << 2);
          v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
        }
        for (; j + 4 <= c; j += 4) {
          let a = f32x4.splat(0);
          let xr = x0 + (<usize>j << 2), fr = f0 + (<usize>j << 2);
          for (let ky = ky0; ky < ky1; ky++) {
            let xp = xr, fp = fr;
            for (let kx = kx0; kx < kx1; kx++) {
              a = fma4(a, v128.load(xp), v128.load(fp));
              xp += xStep; fp += rowBytes;
            }
            xr += xRowStep; fr += fRowStep;
          }
          if (bias != 0) a = f32x4.add(a, v128.load(bias + (<usize>j << 2)));
          v128.store(yp + (<usize>j << 2), a);
        }
        for (; j < c; j++) {
          let s: f32 = 0;
          let xr = x0 + (<usize>j << 2), fr = f0 + (<usize>j << 2);
          for (let ky = ky0; ky < ky1; ky++) {
            let xp = xr, fp = fr;
            for (let kx = kx0; kx < kx1; kx++) {
              s += load<f32>(xp) * load<f32>(fp);
              xp += xStep; fp += rowBytes;
            }
            xr += xRowStep; fr += fRowStep;
          }
          if (bias != 0) s += load<f32>(bias + (<usize>j << 2));
          store<f32>(yp + (<usize>j << 2), s);
        }
      }
    }
  }
}

/** dx (n,h,w,c) = ∂(Σ dy·y)/∂x for dy (n,oh,ow,c·m) and filter (kh,kw,c,m). Overwrites dx. */
export function depthwise_backward_data(dy: usize, filter: usize, dx: usize,
                                        n: i32, h: i32, w: i32, c: i32, m: i32, kh: i32, kw: i32, stride: i32,
                                        dh: i32, dw: i32, padT: i32, padL: i32, oh: i32, ow: i32): void {
  if (m == 1 && (stride == 1 || (dh == 1 && dw == 1))) {
    backward_data_m1(dy, filter, dx, n, h, w, c, kh, kw, stride, dh, dw, padT, padL, oh, ow);
    return;
  }
  const C = c * m;
  const rowBytes = <usize>C << 2;
  for (let b = 0; b < n; b++) {
    for (let iy = 0; iy < h; iy++) {
      for (let ix = 0; ix < w; ix++) {
        const dxp = dx + (<usize>(((b * h + iy) * w + ix) * c) << 2);
        let k = 0;
        // m = 1: 16 channels at a time
        if (m == 1) {
          for (; k + 16 <= c; k += 16) {
            let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
            for (let ky = 0; ky < kh; ky++) {
              const ty = iy + padT - ky * dh; // = oy·stride
              if (ty < 0 || ty % stride != 0 || ty / stride >= oh) continue;
              const oy = ty / stride;
              for (let kx = 0; kx < kw; kx++) {
                const tx = ix + padL - kx * dw;
                if (tx < 0 || tx % stride != 0 || tx / stride >= ow) continue;
                const dp = dy + <usize>((b * oh + oy) * ow + tx / stride) * rowBytes + (<usize>k << 2);
                const fp = filter + <usize>(ky * kw + kx) * rowBytes + (<usize>k << 2);
                a0 = fma4(a0, v128.load(dp), v128.load(fp));
                a1 = fma4(a1, v128.load(dp, 16), v128.load(fp, 16));
                a2 = fma4(a2, v128.load(dp, 32), v128.load(fp, 32));
                a3 = fma4(a3, v128.load(dp, 48), v128.load(fp, 48));
              }
            }
            const o = dxp + (<usize>k << 2);
            v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
          }
        }
        // 4 input channels at a time: lanes k..k+3 of output channel k·m + q, for each q in order
        for (; k + 4 <= c; k += 4) {
          let a = f32x4.splat(0);
          for (let ky = 0; ky < kh; ky++) {
            const ty = iy + padT - ky * dh;
            if (ty < 0 || ty % stride != 0 || ty / stride >= oh) continue;
            const oy = ty / stride;
            for (let kx = 0; kx < kw; kx++) {
              const tx = ix + padL - kx * dw;
              if (tx < 0 || tx % stride != 0 || tx / stride >= ow) continue;
              const dp = dy + <usize>((b * oh + oy) * ow + tx / stride) * rowBytes + (<usize>(k * m) << 2);
              const fp = filter + <usize>(ky * kw + kx) * rowBytes + (<usize>(k * m) << 2);
              for (let q = 0; q < m; q++) a = fma4(a, strided(dp + (<usize>q << 2), m), strided(fp + (<usize>q << 2), m));
            }
          }
          v128.store(dxp + (<usize>k << 2), a);
        }
        for (; k < c; k++) {
          let s: f32 = 0;
          for (let ky = 0; ky < kh; ky++) {
            const ty = iy + padT - ky * dh;
            if (ty < 0 || ty % stride != 0 || ty / stride >= oh) continue;
            const oy = ty / stride;
            for (let kx = 0; kx < kw; kx++) {
              const tx = ix + padL - kx * dw;
              if (tx < 0 || tx % stride != 0 || tx / stride >= ow) continue;
              const dp = dy + <usize>((b * oh + oy) * ow + tx / stride) * rowBytes + (<usize>(k * m) << 2);
              const fp = filter + <usize>(ky * kw + kx) * rowBytes + (<usize>(k * m) << 2);
              for (let q = 0; q < m; q++) s += load<f32>(dp + (<usize>q << 2)) * load<f32>(fp + (<usize>q << 2));
            }
          }
          store<f32>(dxp + (<usize>k << 2), s);
        }
      }
    }
  }
}

// The taps k (0 <= k < K) through which an input at t = i + pad reaches an output
// o = (t − k·d)/s in [0, O), when s = 1 or d = 1, are a progression: from tap_first up to at most
// tap_last, by 1 (s = 1; o falls by d per tap) or by s (d = 1; o falls by 1 per tap).
// @ts-ignore: decorator
@inline function tap_first(t: i32, d: i32, s: i32, O: i32, K: i32): i32 {
  if (t < 0) return K; // none
  if (s == 1) return t - (O - 1) <= 0 ? 0 : (t - (O - 1) + d - 1) / d;
  const lo = max(0, t - (O - 1) * s);
  return lo + (t - lo) % s; // the first k >= lo with k ≡ t (mod s)
}
// @ts-ignore: decorator
@inline function tap_last(t: i32, d: i32, s: i32, K: i32): i32 {
  return t < 0 ? -1 : min(K - 1, s == 1 ? t / d : t);
}

// depthwise_backward_data at m = 1 with stride 1 or no dilation: the taps that reach an input
// form a progression in each direction (tap_first .. tap_last), walked by pointer in (ky, kx)
// order, so no per-tap test and the reference's sums in its order.
function backward_data_m1(dy: usize, filter: usize, dx: usize,
                          n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, stride: i32,
                          dh: i32, dw: i32, padT: i32, padL: i32, oh: i32, ow: i32): void {
  const rowBytes = <usize>c << 2;
  const sy = stride == 1 ? 1 : stride, downY = stride == 1 ? dh : 1; // tap step, output rows per step
  const sx = stride == 1 ? 1 : stride, downX = stride == 1 ? dw : 1;
  for (let b = 0; b < n; b++) {
    for (let iy = 0; iy < h; iy++) {
      const ty = iy + padT;
      const ky0 = tap_first(ty, dh, stride, oh, kh), ky1 = tap_last(ty, dh, stride, kh);
      const cy = ky1 >= ky0 ? (ky1 - ky0) / sy + 1 : 0;
      const oy0 = stride == 1 ? ty - ky0 * dh : (ty - ky0) / stride;
      for (let ix = 0; ix < w; ix++) {
        const tx = ix + padL;
        const kx0 = tap_first(tx, dw, stride, ow, kw), kx1 = tap_last(tx, dw, stride, kw);
        const cx = kx1 >= kx0 ? (kx1 - kx0) / sx + 1 : 0;
        const ox0 = stride == 1 ? tx - kx0 * dw : (tx - kx0) / stride;
        const dxp = dx + <usize>((b * h + iy) * w + ix) * rowBytes;
        const d0 = dy + <usize>((b * oh + oy0) * ow + ox0) * rowBytes, f0 = filter + <usize>(ky0 * kw + kx0) * rowBytes;
        const dRow = <usize>(downY * ow) * rowBytes, fRow = <usize>(sy * kw) * rowBytes;
        const dCol = <usize>downX * rowBytes, fCol = <usize>sx * rowBytes;
        let k = 0;
        for (; k + 16 <= c; k += 16) {
          let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
          let dr = d0 + (<usize>k << 2), fr = f0 + (<usize>k << 2);
          for (let i = 0; i < cy; i++) {
            let dp = dr, fp = fr;
            for (let t = 0; t < cx; t++) {
              a0 = fma4(a0, v128.load(dp), v128.load(fp));
              a1 = fma4(a1, v128.load(dp, 16), v128.load(fp, 16));
              a2 = fma4(a2, v128.load(dp, 32), v128.load(fp, 32));
              a3 = fma4(a3, v128.load(dp, 48), v128.load(fp, 48));
              dp -= dCol; fp += fCol;
            }
            dr -= dRow; fr += fRow;
          }
          const o = dxp + (<usize>k << 2);
          v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
        }
        for (; k + 4 <= c; k += 4) {
          let a = f32x4.splat(0);
          let dr = d0 + (<usize>k << 2), fr = f0 + (<usize>k << 2);
          for (let i = 0; i < cy; i++) {
            let dp = dr, fp = fr;
            for (let t = 0; t < cx; t++) {
              a = fma4(a, v128.load(dp), v128.load(fp));
              dp -= dCol; fp += fCol;
            }
            dr -= dRow; fr += fRow;
          }
          v128.store(dxp + (<usize>k << 2), a);
        }
        for (; k < c; k++) {
          let s: f32 = 0;
          let dr = d0 + (<usize>k << 2), fr = f0 + (<usize>k << 2);
          for (let i = 0; i < cy; i++) {
            let dp = dr, fp = fr;
            for (let t = 0; t < cx; t++) {
              s += load<f32>(dp) * load<f32>(fp);
              dp -= dCol; fp += fCol;
            }
            dr -= dRow; fr += fRow;
          }
          store<f32>(dxp + (<usize>k << 2), s);
        }
      }
    }
  }
}

// dst[0:n] = 0
// @ts-ignore: decorator
@inline function zero_f32(dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/**
 * dfilter (kh,kw,c,m) = Σ_{b,oy,ox} x-tap ⊗ dy, dbias (c·m) = Σ_{b,oy,ox} dy (when dbias != 0),
 * for x (n,h,w,c), dy (n,oh,ow,c·m). Overwrites dfilter and dbias.
 */
export function depthwise_backward_filter(x: usize, dy: usize, dfilter: usize, dbias: usize,
                                          n: i32, h: i32, w: i32, c: i32, m: i32, kh: i32, kw: i32, stride: i32,
                                          dh: i32, dw: i32, padT: i32, padL: i32, oh: i32, ow: i32): void {
  depthwise_backward_filter_ch(x, dy, dfilter, dbias, n, h, w, c, m, kh, kw, stride, dh, dw, padT, padL, oh, ow, 0, c * m);
}

/**
 * depthwise_backward_filter for the output channels [j0, j1) only (0 <= j0 <= j1 <= c·m): writes
 * dfilter[.., j0:j1] and dbias[j0:j1] and nothing else (threads split the filter gradient this way;
 * each channel's sum over the batch is the same as in the whole call).
 */
export function depthwise_backward_filter_ch(x: usize, dy: usize, dfilter: usize, dbias: usize,
                                             n: i32, h: i32, w: i32, c: i32, m: i32, kh: i32, kw: i32, stride: i32,
                                             dh: i32, dw: i32, padT: i32, padL: i32, oh: i32, ow: i32,
                                             j0: i32, j1: i32): void {
  const C = c * m;
  const rowBytes = <usize>C << 2;
  if (j1 <= j0) return;
  for (let t = 0; t < kh * kw; t++) zero_f32(dfilter + <usize>t * rowBytes + (<usize>j0 << 2), j1 - j0);
  if (dbias != 0) zero_f32(dbias + (<usize>j0 << 2), j1 - j0);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * stride - padT;
      const ky0 = tap_lo(iy0, dh), ky1 = tap_hi(iy0, dh, h, kh);
      const dyRow = dy + <usize>((b * oh + oy) * ow) * rowBytes;
      for (let ky = ky0; ky < ky1; ky++) {
        const xrow = x + (<usize>((b * h + iy0 + ky * dh) * w) * <usize>c << 2);
        for (let kx = 0; kx < kw; kx++) {
          // outputs ox whose tap kx is inside: 0 <= ox·stride − padL + kx·dw < w
          const t0 = padL - kx * dw;
          const ox0 = t0 <= 0 ? 0 : (t0 + stride - 1) / stride;
          const ox1 = w - 1 + t0 < 0 ? 0 : min(ow, (w - 1 + t0) / stride + 1);
          if (ox0 >= ox1) continue;
          const dfp = dfilter + <usize>(ky * kw + kx) * rowBytes;
          let j = j0;
          if (m == 1) { // x's channels are the output channels: direct loads, walked by pointer
            const xStep = <usize>stride * rowBytes;
            const x0 = xrow + <usize>(ox0 * stride - t0) * rowBytes, d0 = dyRow + <usize>ox0 * rowBytes;
            for (; j + 16 <= j1; j += 16) {
              const o = dfp + (<usize>j << 2);
              let a0 = v128.load(o), a1 = v128.load(o, 16), a2 = v128.load(o, 32), a3 = v128.load(o, 48);
              let xp = x0 + (<usize>j << 2), dp = d0 + (<usize>j << 2);
              for (let ox = ox0; ox < ox1; ox++) {
                a0 = fma4(a0, v128.load(xp), v128.load(dp));
                a1 = fma4(a1, v128.load(xp, 16), v128.load(dp, 16));
                a2 = fma4(a2, v128.load(xp, 32), v128.load(dp, 32));
                a3 = fma4(a3, v128.load(xp, 48), v128.load(dp, 48));
                xp += xStep; dp += rowBytes;
              }
              v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
            }
          }
          for (; j + 16 <= j1; j += 16) {
            const o = dfp + (<usize>j << 2);
            let a0 = v128.load(o), a1 = v128.load(o, 16), a2 = v128.load(o, 32), a3 = v128.load(o, 48);
            for (let ox = ox0; ox < ox1; ox++) {
              const xp = xrow + (<usize>((ox * stride - t0) * c) << 2);
              const dp = dyRow + <usize>ox * rowBytes + (<usize>j << 2);
              a0 = fma4(a0, xvec(xp, j, m), v128.load(dp));
              a1 = fma4(a1, xvec(xp, j + 4, m), v128.load(dp, 16));
              a2 = fma4(a2, xvec(xp, j + 8, m), v128.load(dp, 32));
              a3 = fma4(a3, xvec(xp, j + 12, m), v128.load(dp, 48));
            }
            v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
          }
          for (; j + 4 <= j1; j += 4) {
            const o = dfp + (<usize>j << 2);
            let a = v128.load(o);
            for (let ox = ox0; ox < ox1; ox++) {
              const xp = xrow + (<usize>((ox * stride - t0) * c) << 2);
              a = fma4(a, xvec(xp, j, m), v128.load(dyRow + <usize>ox * rowBytes + (<usize>j << 2)));
            }
            v128.store(o, a);
          }
          for (; j < j1; j++) {
            const o = dfp + (<usize>j << 2);
            let s = load<f32>(o);
            for (let ox = ox0; ox < ox1; ox++) {
              s += load<f32>(xrow + (<usize>((ox * stride - t0) * c + j / m) << 2)) *
                   load<f32>(dyRow + <usize>ox * rowBytes + (<usize>j << 2));
            }
            store<f32>(o, s);
          }
        }
      }
      if (dbias != 0) {
        for (let ox = 0; ox < ow; ox++) {
          const dp = dyRow + <usize>ox * rowBytes;
          let j = j0;
          for (; j + 4 <= j1; j += 4) {
            const o = dbias + (<usize>j << 2);
            v128.store(o, f32x4.add(v128.load(o), v128.load(dp + (<usize>j << 2))));
          }
          for (; j < j1; j++) {
            const o = dbias + (<usize>j << 2);
            store<f32>(o, load<f32>(o) + load<f32>(dp + (<usize>j << 2)));
          }
        }
      }
    }
  }
}
