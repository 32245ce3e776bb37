// Scalar references of depthwise.ts's passes: direct loops over the definition, one output
// element at a time, f32 accumulation, no SIMD. x (n,h,w,c), filter (kh,kw,c,m), bias (c·m),
// y (n,oh,ow,c·m); output channel j = k·m + q reads input channel k; tap (ky,kx) of output
// (oy,ox) reads input (oy·stride − padT + ky·dh, ox·stride − padL + kx·dw), zero outside.

// @ts-ignore: decorator
@inline function ld(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

/** Reference of depthwise_forward: y[b,oy,ox,j] = Σ_{ky,kx} x[b,iy,ix,j/m]·f[ky,kx,j] + bias[j]. */
export function depthwise_forward_ref(x: usize, filter: usize, bias: usize, y: usize,
                                      n: i32, h: i32, w: i32, c: i32, m: i32, kh: i32, kw: i32, stride: i32,
                                      dh: i32, dw: i32, padT: i32, padL: i32, oh: i32, ow: i32): void {
  const C = c * m;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let j = 0; j < C; j++) {
          let s: f32 = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * stride - padT + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * stride - padL + kx * dw;
              if (ix < 0 || ix >= w) continue;
              s += ld(x, ((b * h + iy) * w + ix) * c + j / m) * ld(filter, (ky * kw + kx) * C + j);
            }
          }
          if (bias != 0) s += ld(bias, j);
          store<f32>(y + (<usize>(((b * oh + oy) * ow + ox) * C + j) << 2), s);
        }
      }
    }
  }
}

/** Reference of depthwise_backward_data: dx[b,iy,ix,k] = Σ over the outputs whose taps read it, and q, of dy·f. */
export function depthwise_backward_data_ref(dy: usize, filter: usize, dx: usize,
                                            n: i32, h: i32, w: i32, c: i32, m: i32, kh: i32, kw: i32, stride: i32,
                                            dh: i32, dw: i32, padT: i32, padL: i32, oh: i32, ow: i32): void {
  const C = c * m;
  for (let b = 0; b < n; b++) {
    for (let iy = 0; iy < h; iy++) {
      for (let ix = 0; ix < w; ix++) {
        for (let k = 0; k < c; k++) {
          let s: f32 = 0;
          for (let ky = 0; ky < kh; ky++) {
            const ty = iy + padT - ky * dh; // = oy·stride
            if (ty < 0 || ty % stride != 0) continue;
            const oy = ty / stride;
            if (oy >= oh) continue;
            for (let kx = 0; kx < kw; kx++) {
              const tx = ix + padL - kx * dw;
              if (tx < 0 || tx % stride != 0) continue;
              const ox = tx / stride;
              if (ox >= ow) continue;
              for (let q = 0; q < m; q++) {
                const j = k * m + q;
                s += ld(dy, ((b * oh + oy) * ow + ox) * C + j) * ld(filter, (ky * kw + kx) * C + j);
              }
            }
          }
          store<f32>(dx + (<usize>(((b * h + iy) * w + ix) * c + k) << 2), s);
        }
      }
    }
  }
}

/** Reference of depthwise_backward_filter: df[ky,kx,j] = Σ_{b,oy,ox} x[b,iy,ix,j/m]·dy[b,oy,ox,j]; dbias[j] = Σ dy. */
export function depthwise_backward_filter_ref(x: usize, dy: usize, dfilter: usize, dbias: usize,
                                              n: i32, h: i32, w: i32, c: i32, m: i32, kh: i32, kw: i32, stride: i32,
                                              dh: i32, dw: i32, padT: i32, padL: i32, oh: i32, ow: i32): void {
  const C = c * m;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      for (let j = 0; j < C; j++) {
        let s: f32 = 0;
        for (let b = 0; b < n; b++) {
          for (let oy = 0; oy < oh; oy++) {
            const iy = oy * stride - padT + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let ox = 0; ox < ow; ox++) {
              const ix = ox * stride - padL + kx * dw;
              if (ix < 0 || ix >= w) continue;
              s += ld(x, ((b * h + iy) * w + ix) * c + j / m) * ld(dy, ((b * oh + oy) * ow + ox) * C + j);
            }
          }
        }
        store<f32>(dfilter + (<usize>((ky * kw + kx) * C + j) << 2), s);
      }
    }
  }
  if (dbias != 0) {
    const rows = n * oh * ow;
    for (let j = 0; j < C; j++) {
      let s: f32 = 0;
      for (let r = 0; r < rows; r++) s += ld(dy, r * C + j);
      store<f32>(dbias + (<usize>j << 2), s);
    }
  }
}
