// Direct 2-D convolution forward for few input channels (a network's first layer: c = 1 gray,
// c = 3 RGB), called by conv.ts's conv2d_forward when conv_direct_fits(...) says it applies.
//   x (n,h,w,c), filter (kh,kw,c,oc), bias (oc) or 0, y (n,oh,ow,oc); stride, pad, dilation
//   (dh, dw) as in conv.ts.
//
// Why: with K = kh·kw·c = 9 (3×3, c = 1) im2col + GEMM spends most of its time around the
// micro-kernel rather than in it: a scalar im2col copying 3-float runs, GEMM packing of the
// column chunk and of the filter for every 256-row chunk, and a tile epilogue every 9 k steps
// (svhnCnn conv1 ran at ~24% of the peak loop). Here there is no column matrix: each image is
// copied once into a zero-padded (h+2·pad, w+2·pad, c) buffer, so every tap of every output is
// an unchecked load at a fixed offset, and the filter is packed once per call into 16-channel
// blocks (K × 16 floats, zero-padded past oc).
//
// Method: a 2 × 16 register tile (2 output pixels × 16 output channels: 8 f32x4 accumulators),
// the same shape as GEMM's micro-kernel: per tap 2 broadcast loads of x, 4 loads of the packed
// filter, 8 multiply-adds (madd.ts: mul + add in the default builds, relaxed_madd in the fast
// ones). The 2 pixels are consecutive in the image's (oy, ox) order, possibly on two rows; an
// image with an odd oh·ow computes its last pixel twice and stores it once.
//
// Arithmetic: each output is acc = 0; acc = madd(x_k, W_k, acc) for k = (ky, kx, ci) in order,
// taps in the padding reading 0; then acc + bias. That is exactly what GEMM computes for the
// im2col row (same k order, zeros in the same places, alpha = 1 exact, bias added after), so
// the result has the same bits as the im2col + GEMM path of conv.ts, in both builds (the spec
// checks it), and it does not depend on how a caller splits the batch.
//
// Workspace: the caller's conv2d workspace (conv2d_workspace_bytes); this path uses only its
// first gemm_workspace_bytes() (GEMM's packing area, unused here), laid out as
//   [packed filter: nb·K·16][bias: nb·16][tap offsets: K i32][edge: 2·16][padded image: hp·wp·c]
// with nb = ceil(oc/16); conv_direct_fits refuses a geometry that does not fit there.

import { madd } from "./madd";
import { out_size } from "./conv_geom";
import { gemm_workspace_bytes } from "./gemm";

const DIRECT_MAX_C: i32 = 4; // c <= this takes the direct path (faster than im2col + GEMM at c = 1..4, measured: conv.ts header)
const NB: i32 = 16;          // output channels per block (4 f32x4)

// @ts-ignore: decorator
@inline function round4(n: i32): i32 {
  return (n + 3) & ~3; // floats, to keep each area 16-byte aligned
}

// floats of the workspace this path needs
// @ts-ignore: decorator
@inline function direct_floats(h: i32, w: i32, c: i32, oc: i32, K: i32, pad: i32): f64 {
  const nb = (oc + NB - 1) / NB;
  return <f64>nb * <f64>K * NB + <f64>nb * NB + <f64>round4(K) + 2 * NB
    + <f64>(h + 2 * pad) * <f64>(w + 2 * pad) * <f64>c;
}

/** Whether conv2d_forward takes the direct path for this geometry (few channels, not 1×1, fits the workspace). */
// @ts-ignore: decorator
@inline export function conv_direct_fits(h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32, pad: i32): bool {
  if (c > DIRECT_MAX_C || kh * kw == 1) return false;
  return direct_floats(h, w, c, oc, kh * kw * c, pad) * 4 <= <f64>gemm_workspace_bytes();
}

/** y (n,oh,ow,oc) = conv(x, filter) + bias (or 0), directly; requires conv_direct_fits(...). */
export function conv2d_forward_direct(x: usize, filter: usize, bias: usize, y: usize, work: usize,
                                      n: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32,
                                      stride: i32, pad: i32, dh: i32, dw: i32): void {
  const oh = out_size(h, kh, stride, pad, dh), ow = out_size(w, kw, stride, pad, dw);
  const K = kh * kw * c, nb = (oc + NB - 1) / NB;
  const hp = h + 2 * pad, wp = w + 2 * pad;
  const fpk = work;                                           // packed filter (nb, K, 16)
  const bp = fpk + (<usize>(nb * K * NB) << 2);               // bias (nb·16), 0 past oc
  const taps = bp + (<usize>(nb * NB) << 2);                  // byte offset of tap k in the padded image
  const edge = taps + (<usize>round4(K) << 2);                // 2×16 scratch for a partial block
  const img = edge + (<usize>(2 * NB) << 2);                  // padded image (hp, wp, c)

  // pack the filter: block j holds channels j·16 .. j·16+15 of every tap, zeros past oc
  for (let j = 0; j < nb; j++) {
    for (let k = 0; k < K; k++) {
      const d = fpk + (<usize>((j * K + k) * NB) << 2);
      for (let l = 0; l < NB; l++) {
        const o = j * NB + l;
        store<f32>(d + (<usize>l << 2), o < oc ? load<f32>(filter + (<usize>(k * oc + o) << 2)) : 0);
      }
    }
  }
  for (let o = 0; o < nb * NB; o++) {
    store<f32>(bp + (<usize>o << 2), bias != 0 && o < oc ? load<f32>(bias + (<usize>o << 2)) : 0);
  }
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      for (let ci = 0; ci < c; ci++) {
        store<i32>(taps + (<usize>((ky * kw + kx) * c + ci) << 2), ((ky * dh * wp + kx * dw) * c + ci) << 2);
      }
    }
  }
  // the padding border of the image buffer is zeroed once; each image overwrites the inside
  for (let i = 0; i < hp * wp * c; i++) store<f32>(img + (<usize>i << 2), 0);

  const ohw = oh * ow;
  const run = dw == 1 ? kw * c : 0;                  // taps of a kernel row, contiguous when dw = 1
  const rs = <usize>(dh * wp * c) << 2;             // bytes between kernel rows in the padded image
  const pixStep = <usize>(stride * c) << 2;          // bytes between horizontally adjacent outputs
  const rowStep = <usize>(stride * wp * c) << 2;     // bytes between vertically adjacent outputs
  const imgIn = <usize>h * <usize>w * <usize>c << 2;
  for (let b = 0; b < n; b++) {
    const src = x + <usize>b * imgIn;
    for (let iy = 0; iy < h; iy++) {
      const s = src + (<usize>(iy * w * c) << 2), d = img + (<usize>(((iy + pad) * wp + pad) * c) << 2);
      for (let i = 0; i < w * c; i++) store<f32>(d + (<usize>i << 2), load<f32>(s + (<usize>i << 2)));
    }
    const yb = y + (<usize>b * <usize>ohw * <usize>oc << 2);
    for (let j = 0; j < nb; j++) {
      const fb = fpk + (<usize>(j * K * NB) << 2);
      const bj = bp + (<usize>(j * NB) << 2);
      const nr = min(NB, oc - j * NB);
      const yj = yb + (<usize>(j * NB) << 2);
      // full blocks with contiguous kernel rows: the lean loop; the rest (a partial block, dilated
      // width, an odd last pixel) tile by tile through the scratch
      const pairs = nr == NB && run > 0 ? ohw >> 1 : 0;
      if (pairs > 0) pairs_full(img, fb, bj, bias != 0, yj, oc, pairs, ow, pixStep, rowStep, rs, kh, run);
      for (let p = pairs << 1; p < ohw; p += 2) {
        const p0 = img + <usize>(p / ow) * rowStep + <usize>(p % ow) * pixStep;
        const q = p + 1 < ohw ? p + 1 : p; // an odd last pixel: computed twice, stored once
        const p1 = img + <usize>(q / ow) * rowStep + <usize>(q % ow) * pixStep;
        tile(p0, p1, taps, fb, K, kh, run, rs, bj, bias != 0, yj + (<usize>(p * oc) << 2), oc, p + 1 < ohw ? 2 : 1, nr, edge);
      }
    }
  }
}

// The tiles of pixel pairs 0 .. pairs−1 of one image (pixels 2i, 2i+1 in (oy, ox) order, maybe
// on two rows) for one full 16-channel block, stored straight to y (row stride ldc floats from
// yj). Kernel rows are runs of `run` contiguous floats (dw = 1), `rs` bytes apart. A function of
// its own so its loop keeps its few values in registers (inside the caller they spilled).
function pairs_full(img: usize, fb: usize, bj: usize, hasBias: bool, yj: usize, ldc: i32, pairs: i32, ow: i32,
                    pixStep: usize, rowStep: usize, rs: usize, kh: i32, run: i32): void {
  let ox = 0;
  let rowBase = img; // padded-image address of the window of output (oy, 0)
  let C = yj;
  const cStep = <usize>ldc << 3; // two output pixels
  for (let i = 0; i < pairs; i++) {
    const p0 = rowBase + <usize>ox * pixStep;
    let p1: usize;
    if (ox + 1 < ow) { p1 = p0 + pixStep; ox += 2; }
    else { p1 = rowBase + rowStep; ox = 1; rowBase += rowStep; }
    if (ox >= ow) { ox -= ow; rowBase += rowStep; }
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
    let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
    let b0: v128, b1: v128, b2: v128, b3: v128, a: v128;
    let f = fb, q0 = p0, q1 = p1;
    for (let ky = 0; ky < kh; ky++) {
      let m = run, r0 = q0, r1 = q1;
      while (true) {
        b0 = v128.load(f, 0); b1 = v128.load(f, 16); b2 = v128.load(f, 32); b3 = v128.load(f, 48);
        a = v128.load32_splat(r0, 0);
        c00 = madd(a, b0, c00); c01 = madd(a, b1, c01); c02 = madd(a, b2, c02); c03 = madd(a, b3, c03);
        a = v128.load32_splat(r1, 0);
        c10 = madd(a, b0, c10); c11 = madd(a, b1, c11); c12 = madd(a, b2, c12); c13 = madd(a, b3, c13);
        if (m <= 1) { f += 64; break; }
        b0 = v128.load(f, 64); b1 = v128.load(f, 80); b2 = v128.load(f, 96); b3 = v128.load(f, 112);
        a = v128.load32_splat(r0, 4);
        c00 = madd(a, b0, c00); c01 = madd(a, b1, c01); c02 = madd(a, b2, c02); c03 = madd(a, b3, c03);
        a = v128.load32_splat(r1, 4);
        c10 = madd(a, b0, c10); c11 = madd(a, b1, c11); c12 = madd(a, b2, c12); c13 = madd(a, b3, c13);
        if (m <= 2) { f += 128; break; }
        b0 = v128.load(f, 128); b1 = v128.load(f, 144); b2 = v128.load(f, 160); b3 = v128.load(f, 176);
        a = v128.load32_splat(r0, 8);
        c00 = madd(a, b0, c00); c01 = madd(a, b1, c01); c02 = madd(a, b2, c02); c03 = madd(a, b3, c03);
        a = v128.load32_splat(r1, 8);
        c10 = madd(a, b0, c10); c11 = madd(a, b1, c11); c12 = madd(a, b2, c12); c13 = madd(a, b3, c13);
        if (m <= 3) { f += 192; break; }
        b0 = v128.load(f, 192); b1 = v128.load(f, 208); b2 = v128.load(f, 224); b3 = v128.load(f, 240);
        a = v128.load32_splat(r0, 12);
        c00 = madd(a, b0, c00); c01 = madd(a, b1, c01); c02 = madd(a, b2, c02); c03 = madd(a, b3, c03);
        a = v128.load32_splat(r1, 12);
        c10 = madd(a, b0, c10); c11 = madd(a, b1, c11); c12 = madd(a, b2, c12); c13 = madd(a, b3, c13);
        f += 256; r0 += 16; r1 += 16; m -= 4;
        if (m <= 0) break;
      }
      q0 += rs; q1 += rs;
    }
    if (hasBias) {
      const z0 = v128.load(bj), z1 = v128.load(bj, 16), z2 = v128.load(bj, 32), z3 = v128.load(bj, 48);
      c00 = f32x4.add(c00, z0); c01 = f32x4.add(c01, z1); c02 = f32x4.add(c02, z2); c03 = f32x4.add(c03, z3);
      c10 = f32x4.add(c10, z0); c11 = f32x4.add(c11, z1); c12 = f32x4.add(c12, z2); c13 = f32x4.add(c13, z3);
    }
    const C1 = C + (<usize>ldc << 2);
    v128.store(C, c00); v128.store(C, c01, 16); v128.store(C, c02, 32); v128.store(C, c03, 48);
    v128.store(C1, c10); v128.store(C1, c11, 16); v128.store(C1, c12, 32); v128.store(C1, c13, 48);
    C += cStep;
  }
}

// One 2×16 tile: rows 0, 1 = the outputs whose windows start at p0, p1 in the padded image;
// 16 channels of the packed filter block fb (K × 16). Stores mr rows × nr channels at C (row
// stride ldc floats), through the scratch `edge` when the block is partial.
// With run > 0 (dw = 1) the taps are walked as kh runs of `run` = kw·c floats, contiguous in the
// padded image `rs` bytes apart, 4 steps per iteration with constant offsets (and "m <= s" exits
// at any run length, as in GEMM's micro-kernel); otherwise through the K tap offsets at `taps`.
// Either way in k = (ky, kx, ci) order.
// @ts-ignore: decorator
@inline function tile(p0: usize, p1: usize, taps: usize, fb: usize, K: i32, kh: i32, run: i32, rs: usize,
                      bj: usize, hasBias: bool, C: usize, ldc: i32, mr: i32, nr: i32, edge: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  let b0: v128, b1: v128, b2: v128, b3: v128, a: v128;
  let f = fb;
  if (run > 0) {
    for (let ky = 0; ky < kh; ky++) {
      let q0 = p0 + <usize>ky * rs, q1 = p1 + <usize>ky * rs;
      let m = run;
      while (true) {
        b0 = v128.load(f, 0); b1 = v128.load(f, 16); b2 = v128.load(f, 32); b3 = v128.load(f, 48);
        a = v128.load32_splat(q0, 0);
        c00 = madd(a, b0, c00); c01 = madd(a, b1, c01); c02 = madd(a, b2, c02); c03 = madd(a, b3, c03);
        a = v128.load32_splat(q1, 0);
        c10 = madd(a, b0, c10); c11 = madd(a, b1, c11); c12 = madd(a, b2, c12); c13 = madd(a, b3, c13);
        if (m <= 1) { f += 64; break; }
        b0 = v128.load(f, 64); b1 = v128.load(f, 80); b2 = v128.load(f, 96); b3 = v128.load(f, 112);
        a = v128.load32_splat(q0, 4);
        c00 = madd(a, b0, c00); c01 = madd(a, b1, c01); c02 = madd(a, b2, c02); c03 = madd(a, b3, c03);
        a = v128.load32_splat(q1, 4);
        c10 = madd(a, b0, c10); c11 = madd(a, b1, c11); c12 = madd(a, b2, c12); c13 = madd(a, b3, c13);
        if (m <= 2) { f += 128; break; }
        b0 = v128.load(f, 128); b1 = v128.load(f, 144); b2 = v128.load(f, 160); b3 = v128.load(f, 176);
        a = v128.load32_splat(q0, 8);
        c00 = madd(a, b0, c00); c01 = madd(a, b1, c01); c02 = madd(a, b2, c02); c03 = madd(a, b3, c03);
        a = v128.load32_splat(q1, 8);
        c10 = madd(a, b0, c10); c11 = madd(a, b1, c11); c12 = madd(a, b2, c12); c13 = madd(a, b3, c13);
        if (m <= 3) { f += 192; break; }
        b0 = v128.load(f, 192); b1 = v128.load(f, 208); b2 = v128.load(f, 224); b3 = v128.load(f, 240);
        a = v128.load32_splat(q0, 12);
        c00 = madd(a, b0, c00); c01 = madd(a, b1, c01); c02 = madd(a, b2, c02); c03 = madd(a, b3, c03);
        a = v128.load32_splat(q1, 12);
        c10 = madd(a, b0, c10); c11 = madd(a, b1, c11); c12 = madd(a, b2, c12); c13 = madd(a, b3, c13);
        f += 256; q0 += 16; q1 += 16; m -= 4;
        if (m <= 0) break;
      }
    }
  } else {
    let t = taps;
    const tEnd = taps + (<usize>K << 2);
    do {
      const off = <usize>load<i32>(t);
      b0 = v128.load(f, 0); b1 = v128.load(f, 16); b2 = v128.load(f, 32); b3 = v128.load(f, 48);
      a = v128.load32_splat(p0 + off);
      c00 = madd(a, b0, c00); c01 = madd(a, b1, c01); c02 = madd(a, b2, c02); c03 = madd(a, b3, c03);
      a = v128.load32_splat(p1 + off);
      c10 = madd(a, b0, c10); c11 = madd(a, b1, c11); c12 = madd(a, b2, c12); c13 = madd(a, b3, c13);
      f += NB << 2; t += 4;
    } while (t < tEnd);
  }
  if (hasBias) {
    const z0 = v128.load(bj), z1 = v128.load(bj, 16), z2 = v128.load(bj, 32), z3 = v128.load(bj, 48);
    c00 = f32x4.add(c00, z0); c01 = f32x4.add(c01, z1); c02 = f32x4.add(c02, z2); c03 = f32x4.add(c03, z3);
    c10 = f32x4.add(c10, z0); c11 = f32x4.add(c11, z1); c12 = f32x4.add(c12, z2); c13 = f32x4.add(c13, z3);
  }
  if (mr == 2 && nr == NB) {
    const C1 = C + (<usize>ldc << 2);
    v128.store(C, c00); v128.store(C, c01, 16); v128.store(C, c02, 32); v128.store(C, c03, 48);
    v128.store(C1, c10); v128.store(C1, c11, 16); v128.store(C1, c12, 32); v128.store(C1, c13, 48);
    return;
  }
  v128.store(edge, c00, 0); v128.store(edge, c01, 16); v128.store(edge, c02, 32); v128.store(edge, c03, 48);
  v128.store(edge, c10, 64); v128.store(edge, c11, 80); v128.store(edge, c12, 96); v128.store(edge, c13, 112);
  for (let r = 0; r < mr; r++) {
    const cr = C + (<usize>(r * ldc) << 2), e = edge + (<usize>(r * NB) << 2);
    for (let l = 0; l < nr; l++) store<f32>(cr + (<usize>l << 2), load<f32>(e + (<usize>l << 2)));
  }
}
