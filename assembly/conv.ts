// 2-D convolution over NHWC tensors, forward and both backward passes, with bias.
//   x (n,h,w,c), filter (kh,kw,c,oc), bias (oc), y (n,oh,ow,oc), dilation (dh, dw): tap (ky,kx)
//   reads x at (oy·stride − pad + ky·dh, ox·stride − pad + kx·dw), so the effective kernel is
//   (kh−1)·dh+1 × (kw−1)·dw+1 and oh = (h + 2·pad − ((kh−1)·dh+1))/stride + 1 (likewise ow;
//   floor; the binding checks oh, ow >= 1 and every extent before it calls these).
//
// Method: im2col + the packed GEMM of gemm.ts, over chunks of CONV_ROWS output pixels.
// With rows r = (b, oy, ox) of the output flattened and K = kh·kw·c, the filter stored
// (kh,kw,c,oc) is already the K×oc matrix W, and
//   forward          y[rows]  = col(x)[rows] (R,K) · W (K,oc) + bias      (one GEMM per chunk)
//   backward-filter  dWᵀ (oc,K) = Σ_chunks dy[rows]ᵀ (oc,R) · col(x) (R,K)  (GEMM's Aᵀ·B path,
//                              beta = 0 for the first chunk, 1 after: fixed order, deterministic),
//                              accumulated in the workspace and transposed into dW at the end
//                              (measured 2-5% faster than col(x)ᵀ·dy straight into dW: packing
//                              col as GEMM's B operand is a row-by-row copy, as its A it is a
//                              transpose); for K < DWT_MIN_K, dW = Σ col(x)ᵀ·dy directly;
//                    dbias    = Σ_rows dy, per chunk (sum_rows, row order within a chunk)
//   backward-data    stride 1, pad <= k−1 and c >= FLIP_MIN_C: dx is the forward convolution of dy, padded by
//                    k'−1−pad (k' the effective kernel; same dilation), with the filter rotated 180° and its in/out channels swapped
//                    (W' (kh,kw,oc,c), built in the workspace) — a gather, no scatter;
//                    otherwise (stride > 1, or few input channels, where the rotated form's
//                    GEMM would be c < 16 columns wide): dcol = dy[rows] (R,oc) · Wᵀ (oc,K) per
//                    chunk, then col2im adds dcol into dx (zeroed first). At c = 1 (a network's
//                    first layer) col2im measured 10 GFLOP/s against 2 for the rotated form; at
//                    c = 8, 27 against 15; at c = 16 both about 33.
// A 1×1, stride 1, pad 0 convolution needs no im2col: x is the column matrix, and each pass
// is a single GEMM on the tensors themselves.
// Forward with few input channels (c <= 4, a first layer; conv_direct.ts): a direct kernel over
// a zero-padded copy of each image, no column matrix, with the very bits of im2col + GEMM (same
// k order, zeros in the same places). svhnCnn's 28×28×1→32 measured 22% of the peak loop by
// im2col + GEMM (K = 9: packing and the tile epilogue dominate) and ~53% direct; 28×28×{2,3,4}
// 34/41/46% against 62/64/68%.
//
// Why im2col + GEMM: the GEMM micro-kernel already runs near this machine's f32x4 peak and its
// packing absorbs the transposes, so the three passes share one tuned inner loop. The im2col
// copy is O(R·K) against the GEMM's O(R·K·oc) work (oc >= 32 in the CNNs here), and a chunk
// of CONV_ROWS rows keeps the column matrix small and cache-resident (256 × 576 floats =
// 576 KiB for a 3×3×64 filter) instead of materializing n·oh·ow rows (128, 256 and 512 rows
// measured within 1% of each other). The gather form of backward-data (rotated filter)
// measured 5-10% faster than GEMM + col2im at stride 1 with c >= 16 (42.1 against 40.1 GFLOP/s
// at 32×32×64→64, 38.3 against 34.9 at 28×28×32→32): its GEMM has the long K = kh·kw·oc inner
// dimension and it writes dx once, with no read-modify-write scatter.
//
// Workspace (caller provides conv2d_workspace_bytes(...) bytes, 16-byte aligned):
//   [GEMM packing: gemm_workspace_bytes()][column chunk: R·max(K, kh·kw·oc)][rotated filter or dWᵀ: K·oc]
//
// The scalar references (`*_ref`) are the plain direct loops (no im2col, no workspace), in conv_ref.ts.

import { gemm, gemm_workspace_bytes } from "./gemm";
import { sum_rows } from "./stats";
import { out_size } from "./conv_geom";
import { conv_direct_fits, conv2d_forward_direct } from "./conv_direct";

// ---- tile choice: the only place it is set ----
const CONV_ROWS: i32 = 256; // output pixels per im2col chunk (= GEMM's KC, so backward-filter's
                            // inner dimension is one full K block per chunk)
const DWT_MIN_K: i32 = 64;  // backward-filter: dWᵀ = dyᵀ·col when K = kh·kw·c >= this, else dW = colᵀ·dy
                            // (with K < 64 the dWᵀ GEMM is K < 4 micro-tiles wide: conv 3×3×1→32
                            // measured 8.5 GFLOP/s against 13.4)
const FLIP_MIN_C: i32 = 16; // backward-data: rotated-filter gather when c >= this, else col2im (measured, see header)


// @ts-ignore: decorator
@inline function round16(bytes: usize): usize {
  return (bytes + 15) & ~(<usize>15);
}

/** Bytes of scratch that conv2d_forward / _backward_data / _backward_filter need. */
export function conv2d_workspace_bytes(n: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32,
                                       stride: i32, pad: i32, dh: i32, dw: i32): f64 {
  const oh = out_size(h, kh, stride, pad, dh), ow = out_size(w, kw, stride, pad, dw);
  const rowsMax = max<f64>(<f64>n * <f64>oh * <f64>ow, <f64>n * <f64>h * <f64>w);
  const R = min<f64>(<f64>CONV_ROWS, rowsMax);
  const K = <f64>kh * <f64>kw * <f64>max(c, oc);
  const colBytes = R * K * 4;
  const flipBytes = <f64>kh * <f64>kw * <f64>c * <f64>oc * 4;
  return <f64>gemm_workspace_bytes() + Math.ceil(colBytes / 16) * 16 + Math.ceil(flipBytes / 16) * 16;
}

// carve the workspace: GEMM packing, then the column chunk, then the rotated filter
// @ts-ignore: decorator
@inline function col_area(work: usize): usize {
  return work + <usize>gemm_workspace_bytes();
}
// @ts-ignore: decorator
@inline function flip_area(work: usize, n: i32, h: i32, w: i32, oh: i32, ow: i32, c: i32, oc: i32, kh: i32, kw: i32): usize {
  const rowsMax = max<f64>(<f64>n * <f64>oh * <f64>ow, <f64>n * <f64>h * <f64>w);
  const R = <usize>min<f64>(<f64>CONV_ROWS, rowsMax);
  return col_area(work) + round16(R * <usize>(kh * kw * max(c, oc)) << 2);
}

// dst[0:n] = src[0:n] (f32, unaligned)
// @ts-ignore: decorator
@inline function copy_f32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    v128.store(dst + o, v128.load(src + o));
    v128.store(dst + o, v128.load(src + o, 16), 16);
    v128.store(dst + o, v128.load(src + o, 32), 32);
    v128.store(dst + o, v128.load(src + o, 48), 48);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, v128.load(src + o));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(src + o));
  }
}

// dst[0:n] = 0
// @ts-ignore: decorator
@inline function zero_f32(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

// dst[0:n] += src[0:n]
// @ts-ignore: decorator
@inline function add_f32(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

// col (R, kh·kw·c): rows r0 .. r0+R of the column matrix of src (n,h,w,c) for an (oh,ow) output
// with the given stride, padding (padY rows above, padX columns left) and dilation (dh, dw); row
// r = (b,oy,ox) holds the kh×kw×c taps at (oy·stride − padY + ky·dh, ox·stride − padX + kx·dw),
// zeros where they leave the image.
function im2col(src: usize, h: i32, w: i32, c: i32, oh: i32, ow: i32, kh: i32, kw: i32,
                stride: i32, padY: i32, padX: i32, dh: i32, dw: i32, r0: i32, R: i32, col: usize): void {
  const ohw = oh * ow;
  let b = r0 / ohw;
  const rem = r0 - b * ohw;
  let oy = rem / ow, ox = rem - (rem / ow) * ow;
  const rowRun = kw * c; // floats of one kernel row
  const imgBytes = <usize>h * <usize>w * <usize>c << 2;
  const lineBytes = <usize>w * <usize>c << 2;
  let d = col;
  for (let r = 0; r < R; r++) {
    const base = src + <usize>b * imgBytes;
    const iy0 = oy * stride - padY, ix0 = ox * stride - padX;
    const inside = dw == 1 && ix0 >= 0 && ix0 + kw <= w;
    for (let ky = 0; ky < kh; ky++) {
      const iy = iy0 + ky * dh;
      if (iy < 0 || iy >= h) {
        zero_f32(d, rowRun);
      } else {
        const line = base + <usize>iy * lineBytes;
        if (inside) {
          copy_f32(d, line + (<usize>(ix0 * c) << 2), rowRun); // kw·c contiguous floats
        } else {
          for (let kx = 0; kx < kw; kx++) {
            const ix = ix0 + kx * dw;
            const dd = d + (<usize>(kx * c) << 2);
            if (ix < 0 || ix >= w) zero_f32(dd, c);
            else copy_f32(dd, line + (<usize>(ix * c) << 2), c);
          }
        }
      }
      d += <usize>rowRun << 2;
    }
    if (++ox == ow) { ox = 0; if (++oy == oh) { oy = 0; b++; } }
  }
}

// dst (n,h,w,c) += the column chunk col (R, kh·kw·c) of rows r0 .. r0+R (the adjoint of im2col);
// window elements outside the image are dropped.
function col2im(col: usize, h: i32, w: i32, c: i32, oh: i32, ow: i32, kh: i32, kw: i32,
                stride: i32, pad: i32, dh: i32, dw: i32, r0: i32, R: i32, dst: usize): void {
  const ohw = oh * ow;
  let b = r0 / ohw;
  const rem = r0 - b * ohw;
  let oy = rem / ow, ox = rem - (rem / ow) * ow;
  const rowRun = kw * c;
  const imgBytes = <usize>h * <usize>w * <usize>c << 2;
  const lineBytes = <usize>w * <usize>c << 2;
  let s = col;
  for (let r = 0; r < R; r++) {
    const base = dst + <usize>b * imgBytes;
    const iy0 = oy * stride - pad, ix0 = ox * stride - pad;
    const inside = dw == 1 && ix0 >= 0 && ix0 + kw <= w;
    for (let ky = 0; ky < kh; ky++) {
      const iy = iy0 + ky * dh;
      if (iy >= 0 && iy < h) {
        const line = base + <usize>iy * lineBytes;
        if (inside) {
          add_f32(line + (<usize>(ix0 * c) << 2), s, rowRun);
        } else {
          for (let kx = 0; kx < kw; kx++) {
            const ix = ix0 + kx * dw;
            if (ix >= 0 && ix < w) add_f32(line + (<usize>(ix * c) << 2), s + (<usize>(kx * c) << 2), c);
          }
        }
      }
      s += <usize>rowRun << 2;
    }
    if (++ox == ow) { ox = 0; if (++oy == oh) { oy = 0; b++; } }
  }
}

// @ts-ignore: decorator
@inline function is_pointwise(kh: i32, kw: i32, stride: i32, pad: i32): bool {
  return kh == 1 && kw == 1 && stride == 1 && pad == 0;
}

/** y (n,oh,ow,oc) = conv(x (n,h,w,c), filter (kh,kw,c,oc)) + bias (oc) or 0. */
export function conv2d_forward(x: usize, filter: usize, bias: usize, y: usize, work: usize,
                               n: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32,
                               stride: i32, pad: i32, dh: i32, dw: i32): void {
  const oh = out_size(h, kh, stride, pad, dh), ow = out_size(w, kw, stride, pad, dw);
  const rows = n * oh * ow, K = kh * kw * c;
  if (is_pointwise(kh, kw, stride, pad)) {
    gemm(0, 0, rows, oc, c, 1, x, c, filter, oc, 0, y, oc, bias, work);
    return;
  }
  // few input channels (a first layer): the direct kernel, the same bits as im2col + GEMM
  if (conv_direct_fits(h, w, c, oc, kh, kw, pad)) {
    conv2d_forward_direct(x, filter, bias, y, work, n, h, w, c, oc, kh, kw, stride, pad, dh, dw);
    return;
  }
  const col = col_area(work);
  for (let r0 = 0; r0 < rows; r0 += CONV_ROWS) {
    const R = min(CONV_ROWS, rows - r0);
    im2col(x, h, w, c, oh, ow, kh, kw, stride, pad, pad, dh, dw, r0, R, col);
    gemm(0, 0, R, oc, K, 1, col, K, filter, oc, 0, y + (<usize>r0 * <usize>oc << 2), oc, bias, work);
  }
}

/** dx (n,h,w,c) = ∂(Σ dy·y)/∂x for dy (n,oh,ow,oc), filter (kh,kw,c,oc). Overwrites dx. */
export function conv2d_backward_data(dy: usize, filter: usize, dx: usize, work: usize,
                                     n: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32,
                                     stride: i32, pad: i32, dh: i32, dw: i32): void {
  const oh = out_size(h, kh, stride, pad, dh), ow = out_size(w, kw, stride, pad, dw);
  const ekh = (kh - 1) * dh + 1, ekw = (kw - 1) * dw + 1; // the effective (dilated) kernel
  const col = col_area(work);
  if (is_pointwise(kh, kw, stride, pad)) {
    gemm(0, 1, n * h * w, c, oc, 1, dy, oc, filter, oc, 0, dx, c, 0, work);
    return;
  }
  if (stride == 1 && pad <= ekh - 1 && pad <= ekw - 1 && c >= FLIP_MIN_C) {
    // dx = conv(dy padded by (ekh−1−pad, ekw−1−pad), W', same dilation), W'[ky,kx,o,ci] = W[kh−1−ky, kw−1−kx, ci, o]
    const flip = flip_area(work, n, h, w, oh, ow, c, oc, kh, kw);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const src = filter + (<usize>(((kh - 1 - ky) * kw + (kw - 1 - kx)) * c * oc) << 2);
        const dst = flip + (<usize>((ky * kw + kx) * oc * c) << 2);
        for (let ci = 0; ci < c; ci++) {
          for (let o = 0; o < oc; o++) {
            store<f32>(dst + (<usize>(o * c + ci) << 2), load<f32>(src + (<usize>(ci * oc + o) << 2)));
          }
        }
      }
    }
    const rows = n * h * w, K2 = kh * kw * oc;
    for (let r0 = 0; r0 < rows; r0 += CONV_ROWS) {
      const R = min(CONV_ROWS, rows - r0);
      im2col(dy, oh, ow, oc, h, w, kh, kw, 1, ekh - 1 - pad, ekw - 1 - pad, dh, dw, r0, R, col);
      gemm(0, 0, R, c, K2, 1, col, K2, flip, c, 0, dx + (<usize>r0 * <usize>c << 2), c, 0, work);
    }
    return;
  }
  // general stride: dcol = dy·Wᵀ per chunk, scattered back with col2im
  const rows = n * oh * ow, K = kh * kw * c;
  zero_f32(dx, n * h * w * c);
  for (let r0 = 0; r0 < rows; r0 += CONV_ROWS) {
    const R = min(CONV_ROWS, rows - r0);
    gemm(0, 1, R, K, oc, 1, dy + (<usize>r0 * <usize>oc << 2), oc, filter, oc, 0, col, K, 0, work);
    col2im(col, h, w, c, oh, ow, kh, kw, stride, pad, dh, dw, r0, R, dx);
  }
}

/**
 * dfilter (kh,kw,c,oc) = Σ_{n,oh,ow} x-window ⊗ dy, dbias (oc) = Σ_{n,oh,ow} dy (when dbias != 0),
 * for x (n,h,w,c), dy (n,oh,ow,oc). Overwrites dfilter and dbias.
 */
export function conv2d_backward_filter(x: usize, dy: usize, dfilter: usize, dbias: usize, work: usize,
                                       n: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32,
                                       stride: i32, pad: i32, dh: i32, dw: i32): void {
  conv2d_backward_filter_oc(x, dy, dfilter, dbias, work, n, h, w, c, oc, kh, kw, stride, pad, dh, dw, 0, oc);
}

/**
 * conv2d_backward_filter for the output channels [o0, o1) only: writes dfilter[.., o0:o1] and
 * dbias[o0:o1] and nothing else (threads split the filter gradient this way, each with its own
 * workspace; the sum over the batch stays whole, so every value has the same arithmetic as in
 * the unsplit call: GEMM rows or columns, and sum_rows columns, are computed independently).
 */
export function conv2d_backward_filter_oc(x: usize, dy: usize, dfilter: usize, dbias: usize, work: usize,
                                          n: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32,
                                          stride: i32, pad: i32, dh: i32, dw: i32, o0: i32, o1: i32): void {
  const oh = out_size(h, kh, stride, pad, dh), ow = out_size(w, kw, stride, pad, dw);
  const rows = n * oh * ow, K = kh * kw * c;
  const m = o1 - o0;
  if (m <= 0) return;
  const off = <usize>o0 << 2;
  const db = dbias != 0 ? dbias + off : 0;
  if (is_pointwise(kh, kw, stride, pad)) {
    if (db != 0) sum_rows(dy + off, rows, m, oc, db, 0);
    gemm(1, 0, c, m, rows, 1, x, c, dy + off, oc, 0, dfilter + off, oc, 0, work);
    return;
  }
  const col = col_area(work);
  const dwt = flip_area(work, n, h, w, oh, ow, c, oc, kh, kw);
  const transposed = K >= DWT_MIN_K;
  for (let r0 = 0; r0 < rows; r0 += CONV_ROWS) {
    const R = min(CONV_ROWS, rows - r0);
    const dyc = dy + (<usize>r0 * <usize>oc << 2) + off;
    const bt: f32 = r0 == 0 ? 0 : 1;
    // dbias per chunk, while the chunk of dy is in cache for the GEMM
    if (db != 0) sum_rows(dyc, R, m, oc, db, bt);
    im2col(x, h, w, c, oh, ow, kh, kw, stride, pad, pad, dh, dw, r0, R, col);
    if (transposed) gemm(1, 0, m, K, R, 1, dyc, oc, col, K, bt, dwt + (<usize>o0 * <usize>K << 2), K, 0, work);
    else gemm(1, 0, K, m, R, 1, col, K, dyc, oc, bt, dfilter + off, oc, 0, work);
  }
  if (!transposed) return;
  for (let o = o0; o < o1; o++) {
    for (let k = 0; k < K; k++) {
      store<f32>(dfilter + (<usize>(k * oc + o) << 2), load<f32>(dwt + (<usize>(o * K + k) << 2)));
    }
  }
}
