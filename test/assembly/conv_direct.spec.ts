import { conv2d_forward, conv2d_workspace_bytes } from "../../assembly/conv";
import { conv2d_forward_direct, conv_direct_fits } from "../../assembly/conv_direct";
import { conv2d_forward_ref } from "../../assembly/conv_ref";
import { gemm, gemm_workspace_bytes } from "../../assembly/gemm";

import { G } from "./conv_geometry";
import { ptr, seedRandom, uniform } from "./random";
import { firstBad, firstDiff } from "./compare";

// The direct few-channel conv forward (conv_direct.ts) on awkward shapes, three ways:
//  1. against the scalar reference conv2d_forward_ref within |a − b| <= 1e-5·(1 + K)·max(1, |b|)
//     (both sum in f32 in k order; the reference skips the padding's taps; the tolerance also
//     covers the fast build's fused multiply-adds; a wrong tap, channel or bias is O(1));
//  2. bit for bit against im2col + GEMM written out here (the column matrix of the window taps,
//     zeros in the padding, then gemm with the bias): the arithmetic of conv.ts's general path,
//     which the direct kernel claims to reproduce exactly, so CNN training keeps its bits;
//  3. split by images (as the thread pool splits conv2d forward) against the whole call, bit for
//     bit, and conv2d_forward (which dispatches to it) against it.
// Outputs start as NaN (every element must be written) with a NaN guard past the end.

seedRandom(0xD1EC7);

function rand(n: i32): StaticArray<f32> {
  const a = new StaticArray<f32>(n);
  for (let i = 0; i < n; i++) a[i] = uniform(-1, 1);
  return a;
}
function nans(n: i32): StaticArray<f32> {
  const a = new StaticArray<f32>(n);
  for (let i = 0; i < n; i++) a[i] = NaN;
  return a;
}
// scratch buffers stay referenced here (a bare address would not keep one alive through a collection)
const KEEP: StaticArray<u8>[] = [];
function aligned(bytes: f64): usize {
  const buf = new StaticArray<u8>(<i32>bytes + 16);
  KEEP.push(buf);
  return (ptr(buf) + 15) & ~(<usize>15);
}

// y = col(x) · W + bias by im2col and one gemm (the arithmetic of conv.ts's general path)
function im2colGemm(g: G, x: StaticArray<f32>, W: StaticArray<f32>, bias: usize, y: StaticArray<f32>): void {
  const oh = g.oh, ow = g.ow, K = g.kh * g.kw * g.c, R = g.n * oh * ow;
  const col = new StaticArray<f32>(R * K);
  for (let b = 0; b < g.n; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
    const r = (b * oh + oy) * ow + ox;
    for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) for (let ci = 0; ci < g.c; ci++) {
      const iy = oy * g.stride - g.pad + ky * g.dh, ix = ox * g.stride - g.pad + kx * g.dw;
      const inside = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w;
      col[r * K + (ky * g.kw + kx) * g.c + ci] = inside ? x[((b * g.h + iy) * g.w + ix) * g.c + ci] : 0;
    }
  }
  gemm(0, 0, R, g.oc, K, 1, ptr(col), K, ptr(W), g.oc, 0, ptr(y), g.oc, bias, aligned(gemm_workspace_bytes()));
}

function check(g: G, withBias: bool): void {
  const tag = g.toString() + (withBias ? " bias" : " no bias");
  const oh = g.oh, ow = g.ow, K = g.kh * g.kw * g.c;
  const nx = g.n * g.h * g.w * g.c, ny = g.n * oh * ow * g.oc;
  const x = rand(nx), W = rand(K * g.oc), b = rand(g.oc);
  const bias = withBias ? ptr(b) : 0;
  const work = aligned(conv2d_workspace_bytes(g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad, g.dh, g.dw));
  expect<bool>(conv_direct_fits(g.h, g.w, g.c, g.oc, g.kh, g.kw, g.pad)).toBe(true, "fits " + tag);
  const yD = nans(ny + 1), yR = nans(ny + 1), yG = nans(ny + 1), yF = nans(ny + 1), yS = nans(ny + 1);
  conv2d_forward_direct(ptr(x), ptr(W), bias, ptr(yD), work, g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad, g.dh, g.dw);
  conv2d_forward_ref(ptr(x), ptr(W), bias, ptr(yR), g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad, g.dh, g.dw);
  im2colGemm(g, x, W, bias, yG);
  conv2d_forward(ptr(x), ptr(W), bias, ptr(yF), work, g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad, g.dh, g.dw);
  // images [0, 1) and [1, n) in two calls, as two threads would
  const imgX = <usize>(g.h * g.w * g.c) << 2, imgY = <usize>(oh * ow * g.oc) << 2;
  conv2d_forward_direct(ptr(x), ptr(W), bias, ptr(yS), work, 1, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad, g.dh, g.dw);
  if (g.n > 1) {
    conv2d_forward_direct(ptr(x) + imgX, ptr(W), bias, ptr(yS) + imgY, work, g.n - 1, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad, g.dh, g.dw);
  }
  KEEP.length = 0;
  expect<i32>(firstBad(yD, yR, ny, K)).toBe(-1, "direct vs ref " + tag);
  expect<i32>(firstDiff(yD, yG, ny)).toBe(-1, "direct vs im2col+GEMM, bit for bit " + tag);
  expect<i32>(firstDiff(yD, yF, ny)).toBe(-1, "conv2d_forward vs direct " + tag);
  expect<i32>(firstDiff(yD, yS, ny)).toBe(-1, "split by images vs whole " + tag);
  expect<bool>(isNaN(yD[ny]) && isNaN(yF[ny]) && isNaN(yS[ny])).toBe(true, "guard " + tag);
}

describe("conv2d_forward_direct", () => {
  it("matches the reference, and im2col + GEMM bit for bit, on awkward sizes (1, 3, 17, 63; oc 1..33; batch 1, 3; pad 0/1; stride 1/2)", () => {
    const SIDES: i32[] = [1, 3, 17, 63];
    const OCS: i32[] = [1, 3, 17, 32, 33];
    let t = 0, ran = 0;
    for (let hi = 0; hi < SIDES.length; hi++) for (let wi = 0; wi < SIDES.length; wi++) {
      for (let oi = 0; oi < OCS.length; oi++) for (let pad = 0; pad <= 1; pad++) for (let stride = 1; stride <= 2; stride++) {
        const n = (t & 1) == 0 ? 1 : 3;
        const c = t % 3 == 2 ? 3 : 1; // mostly one channel, every third case RGB
        t++;
        const g = new G(n, SIDES[hi], SIDES[wi], c, OCS[oi], 3, 3, stride, pad);
        if (!g.valid) continue;
        check(g, (t & 2) == 0);
        ran++;
      }
    }
    expect<i32>(ran).toBe(250); // the valid geometries of the 320 (a 3×3 window needs h + 2·pad >= 3)
  });

  it("other kernels, dilation and channel counts", () => {
    check(new G(2, 17, 13, 1, 32, 5, 5, 1, 2), true);          // 5×5: runs of 5 (4 + 1 steps)
    check(new G(3, 9, 11, 2, 17, 3, 2, 2, 1), true);           // kh != kw, c = 2
    check(new G(1, 28, 28, 1, 32, 3, 3, 1, 1), true);          // svhnCnn's first layer, one image
    check(new G(3, 28, 28, 1, 32, 3, 3, 1, 1), false);         // ... three, no bias
    check(new G(2, 17, 15, 1, 33, 3, 3, 1, 2, 2, 2), true);    // dilation 2 'same': the tap-offset loop
    check(new G(1, 16, 19, 4, 20, 3, 3, 1, 3, 3, 1), true);    // dh != dw = 1, c = 4 (runs of 12)
    check(new G(3, 8, 9, 3, 5, 2, 2, 2, 0), true);             // 2×2 stride 2, c = 3
  });

  it("refuses what it does not cover", () => {
    expect<bool>(conv_direct_fits(28, 28, 5, 32, 3, 3, 1)).toBe(false, "c = 5");
    expect<bool>(conv_direct_fits(28, 28, 1, 32, 1, 1, 0)).toBe(false, "1×1");
    expect<bool>(conv_direct_fits(1000, 1000, 1, 32, 3, 3, 1)).toBe(false, "a padded image larger than the workspace");
    expect<bool>(conv_direct_fits(112, 112, 3, 64, 7, 7, 3)).toBe(true, "a 7×7 stem on 112×112×3");
  });
});
