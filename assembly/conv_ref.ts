// Scalar references of conv.ts's passes: direct loops over the definition, f32 accumulation,
// no workspace, no im2col. Tap (ky,kx) of output (oy,ox) reads input (oy·stride − pad + ky·dh,
// ox·stride − pad + kx·dw); taps outside the image read zero.

import { out_size } from "./conv_geom";

// @ts-ignore: decorator
@inline function ld(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

/** Reference of conv2d_forward: y[b,oy,ox,o] = Σ_{ky,kx,ci} x[b,iy,ix,ci]·W[ky,kx,ci,o] + bias[o]. */
export function conv2d_forward_ref(x: usize, filter: usize, bias: usize, y: usize,
                                   n: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32,
                                   stride: i32, pad: i32, dh: i32, dw: i32): void {
  const oh = out_size(h, kh, stride, pad, dh), ow = out_size(w, kw, stride, pad, dw);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let o = 0; o < oc; o++) {
          let s: f32 = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * stride - pad + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * stride - pad + kx * dw;
              if (ix < 0 || ix >= w) continue;
              for (let ci = 0; ci < c; ci++) {
                s += ld(x, ((b * h + iy) * w + ix) * c + ci) * ld(filter, ((ky * kw + kx) * c + ci) * oc + o);
              }
            }
          }
          if (bias != 0) s += ld(bias, o);
          store<f32>(y + (<usize>(((b * oh + oy) * ow + ox) * oc + o) << 2), s);
        }
      }
    }
  }
}

/** Reference of conv2d_backward_data: dx[b,iy,ix,ci] = Σ over the outputs whose window covers it. */
export function conv2d_backward_data_ref(dy: usize, filter: usize, dx: usize,
                                         n: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32,
                                         stride: i32, pad: i32, dh: i32, dw: i32): void {
  const oh = out_size(h, kh, stride, pad, dh), ow = out_size(w, kw, stride, pad, dw);
  for (let b = 0; b < n; b++) {
    for (let iy = 0; iy < h; iy++) {
      for (let ix = 0; ix < w; ix++) {
        for (let ci = 0; ci < c; ci++) {
          let s: f32 = 0;
          for (let ky = 0; ky < kh; ky++) {
            const ty = iy + pad - ky * dh; // = oy·stride
            if (ty < 0 || ty % stride != 0) continue;
            const oy = ty / stride;
            if (oy >= oh) continue;
            for (let kx = 0; kx < kw; kx++) {
              const tx = ix + pad - kx * dw;
              if (tx < 0 || tx % stride != 0) continue;
              const ox = tx / stride;
              if (ox >= ow) continue;
              for (let o = 0; o < oc; o++) {
                s += ld(dy, ((b * oh + oy) * ow + ox) * oc + o) * ld(filter, ((ky * kw + kx) * c + ci) * oc + o);
              }
            }
          }
          store<f32>(dx + (<usize>(((b * h + iy) * w + ix) * c + ci) << 2), s);
        }
      }
    }
  }
}

/** Reference of conv2d_backward_filter: dW[ky,kx,ci,o] = Σ_{b,oy,ox} x[b,iy,ix,ci]·dy[b,oy,ox,o]; dbias[o] = Σ dy. */
export function conv2d_backward_filter_ref(x: usize, dy: usize, dfilter: usize, dbias: usize,
                                           n: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32,
                                           stride: i32, pad: i32, dh: i32, dw: i32): void {
  const oh = out_size(h, kh, stride, pad, dh), ow = out_size(w, kw, stride, pad, dw);
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      for (let ci = 0; ci < c; ci++) {
        for (let o = 0; o < oc; o++) {
          let s: f32 = 0;
          for (let b = 0; b < n; b++) {
            for (let oy = 0; oy < oh; oy++) {
              const iy = oy * stride - pad + ky * dh;
              if (iy < 0 || iy >= h) continue;
              for (let ox = 0; ox < ow; ox++) {
                const ix = ox * stride - pad + kx * dw;
                if (ix < 0 || ix >= w) continue;
                s += ld(x, ((b * h + iy) * w + ix) * c + ci) * ld(dy, ((b * oh + oy) * ow + ox) * oc + o);
              }
            }
          }
          store<f32>(dfilter + (<usize>(((ky * kw + kx) * c + ci) * oc + o) << 2), s);
        }
      }
    }
  }
  if (dbias != 0) {
    const rows = n * oh * ow;
    for (let o = 0; o < oc; o++) {
      let s: f32 = 0;
      for (let r = 0; r < rows; r++) s += ld(dy, r * oc + o);
      store<f32>(dbias + (<usize>o << 2), s);
    }
  }
}
