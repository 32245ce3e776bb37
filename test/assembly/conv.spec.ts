import { conv2d_forward, conv2d_backward_data, conv2d_backward_filter, conv2d_workspace_bytes } from "../../assembly/conv";
import { conv2d_forward_ref, conv2d_backward_data_ref, conv2d_backward_filter_ref } from "../../assembly/conv_ref";

import { G } from "./conv_geometry";
import { ptr, seedRandom, uniform } from "./random";
import { firstBad } from "./compare";

// Each conv pass is checked twice on awkward shapes:
//  1. the SIMD kernel (im2col + GEMM, chunked) against its scalar reference `_ref` (direct
//     gather loops), and
//  2. the `_ref` against an independent naive loop written here in the scatter form (one pass
//     over outputs and window taps accumulating y, dx, dW and db together), so a wrong index in
//     the reference is not copied into the kernel's expected values.
// Both sides sum in f32 in different orders; inputs are in [-1, 1], so a sum of T terms may
// differ by a few T·2⁻²⁴; we allow |a − b| <= 1e-5·(1 + T)·max(1, |b|). A wrong tap, a dropped
// chunk, a misplaced channel or a missed bias is O(1) and fails.

seedRandom(0xC0117);

const CASES: G[] = [
  new G(1, 5, 7, 1, 3, 3, 3, 1, 1),     // 1 channel, odd H and W
  new G(3, 9, 7, 5, 17, 3, 3, 2, 1),    // batch 3, c = 5, stride 2, pad 1
  new G(3, 9, 7, 5, 17, 3, 3, 2, 0),    // pad 0
  new G(1, 8, 6, 6, 4, 5, 5, 1, 2),     // 5×5
  new G(3, 7, 9, 3, 5, 1, 1, 1, 0),     // 1×1 (no im2col: the tensors are the GEMM operands)
  new G(2, 5, 5, 7, 9, 1, 1, 2, 1),     // 1×1 with stride and padding (through im2col)
  new G(1, 11, 9, 32, 20, 3, 3, 1, 0),  // K = 288 > GEMM's KC = 256
  new G(3, 13, 11, 3, 16, 3, 3, 1, 1),  // 429 output rows: two chunks, the boundary inside an image (c < 16: col2im)
  new G(3, 23, 21, 2, 7, 3, 3, 2, 1),   // stride 2, 396 rows: col2im across chunks
  new G(1, 6, 5, 4, 15, 3, 2, 2, 0),    // kh != kw
  new G(1, 3, 3, 4, 4, 3, 3, 1, 2),     // pad > k−1 at stride 1: the general (col2im) path
  new G(2, 13, 11, 16, 5, 3, 3, 1, 1),  // c >= 16 at stride 1: backward-data by the rotated filter, 286 rows
  new G(1, 7, 5, 17, 3, 5, 5, 1, 2),    // the same with a 5×5 filter and c = 17
  // dilation (stride 1, as Keras requires): 'same' pads (k'−1)/2 with k' = (k−1)·d+1
  new G(2, 9, 7, 3, 5, 3, 3, 1, 2, 2, 2),    // d = 2 'same' (pad 2), c < 16: col2im
  new G(1, 11, 13, 17, 6, 3, 3, 1, 3, 3, 3), // d = 3 'same' (pad 3), c = 17: rotated-filter backward-data
  new G(2, 10, 9, 5, 4, 3, 3, 1, 0, 2, 2),   // d = 2 'valid': 6×5 outputs
  new G(1, 9, 11, 16, 7, 3, 2, 1, 1, 2, 3),  // dh != dw, kh != kw, c = 16, pad 1 < k'−1
  new G(3, 15, 13, 2, 9, 3, 3, 1, 2, 2, 2),  // 3·15·13 = 585 output rows: chunks across images, with dilation
  new G(1, 8, 8, 20, 3, 2, 2, 1, 0, 3, 1),   // 2×2 dilated by 3×1, c = 20
];

function rand(n: i32): StaticArray<f32> {
  const a = new StaticArray<f32>(n);
  for (let i = 0; i < n; i++) a[i] = uniform(-1, 1);
  return a;
}
function filled(n: i32, v: f32): StaticArray<f32> {
  const a = new StaticArray<f32>(n);
  for (let i = 0; i < n; i++) a[i] = v;
  return a;
}

describe("conv2d", () => {
  it("SIMD matches _ref, and _ref matches a naive scatter loop, on awkward shapes", () => {
    for (let t = 0; t < CASES.length; t++) {
      const g = CASES[t];
      const oh = g.oh, ow = g.ow, tag = g.toString();
      const nx = g.n * g.h * g.w * g.c, ny = g.n * oh * ow * g.oc, nw = g.kh * g.kw * g.c * g.oc;
      const x = rand(nx), W = rand(nw), b = rand(g.oc), dy = rand(ny);
      const work = new StaticArray<u8>(<i32>conv2d_workspace_bytes(g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad, g.dh, g.dw) + 16);
      const wp = (ptr(work) + 15) & ~(<usize>15);

      // naive scatter loop
      const yN = new StaticArray<f32>(ny), dxN = new StaticArray<f32>(nx), dWN = new StaticArray<f32>(nw), dbN = new StaticArray<f32>(g.oc);
      for (let n = 0; n < g.n; n++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let o = 0; o < g.oc; o++) {
        const yi = ((n * oh + oy) * ow + ox) * g.oc + o;
        let s = b[o];
        dbN[o] += dy[yi];
        for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) {
          const iy = oy * g.stride - g.pad + ky * g.dh, ix = ox * g.stride - g.pad + kx * g.dw;
          if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
          for (let c = 0; c < g.c; c++) {
            const xi = ((n * g.h + iy) * g.w + ix) * g.c + c, wi = ((ky * g.kw + kx) * g.c + c) * g.oc + o;
            s += x[xi] * W[wi];
            dxN[xi] += dy[yi] * W[wi];
            dWN[wi] += dy[yi] * x[xi];
          }
        }
        yN[yi] = s;
      }

      // outputs start as NaN: every element must be overwritten (+1: a guard past the end)
      const yS = filled(ny + 1, NaN), yR = filled(ny + 1, NaN);
      const dxS = filled(nx + 1, NaN), dxR = filled(nx + 1, NaN);
      const dWS = filled(nw + 1, NaN), dWR = filled(nw + 1, NaN);
      const dbS = filled(g.oc + 1, NaN), dbR = filled(g.oc + 1, NaN);
      conv2d_forward(ptr(x), ptr(W), ptr(b), ptr(yS), wp, g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad, g.dh, g.dw);
      conv2d_forward_ref(ptr(x), ptr(W), ptr(b), ptr(yR), g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad, g.dh, g.dw);
      conv2d_backward_data(ptr(dy), ptr(W), ptr(dxS), wp, g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad, g.dh, g.dw);
      conv2d_backward_data_ref(ptr(dy), ptr(W), ptr(dxR), g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad, g.dh, g.dw);
      conv2d_backward_filter(ptr(x), ptr(dy), ptr(dWS), ptr(dbS), wp, g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad, g.dh, g.dw);
      conv2d_backward_filter_ref(ptr(x), ptr(dy), ptr(dWR), ptr(dbR), g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad, g.dh, g.dw);

      const K = g.kh * g.kw * g.c, Kd = g.kh * g.kw * g.oc, R = g.n * oh * ow;
      expect<i32>(firstBad(yS, yR, ny, K)).toBe(-1, "forward SIMD vs ref " + tag);
      expect<i32>(firstBad(yR, yN, ny, K)).toBe(-1, "forward ref vs naive " + tag);
      expect<i32>(firstBad(dxS, dxR, nx, Kd)).toBe(-1, "backward-data SIMD vs ref " + tag);
      expect<i32>(firstBad(dxR, dxN, nx, Kd)).toBe(-1, "backward-data ref vs naive " + tag);
      expect<i32>(firstBad(dWS, dWR, nw, R)).toBe(-1, "backward-filter SIMD vs ref " + tag);
      expect<i32>(firstBad(dWR, dWN, nw, R)).toBe(-1, "backward-filter ref vs naive " + tag);
      expect<i32>(firstBad(dbS, dbR, g.oc, R)).toBe(-1, "dbias SIMD vs ref " + tag);
      expect<i32>(firstBad(dbR, dbN, g.oc, R)).toBe(-1, "dbias ref vs naive " + tag);
      // nothing written past the ends
      expect<bool>(isNaN(yS[ny]) && isNaN(dxS[nx]) && isNaN(dWS[nw]) && isNaN(dbS[g.oc])).toBe(true, "guard " + tag);
    }
  });

  it("backward-filter without bias leaves dbias alone, and the SIMD passes are deterministic", () => {
    const g = new G(3, 13, 11, 3, 16, 3, 3, 1, 1);
    const nx = g.n * g.h * g.w * g.c, ny = g.n * g.oh * g.ow * g.oc, nw = g.kh * g.kw * g.c * g.oc;
    const x = rand(nx), dy = rand(ny);
    const work = new StaticArray<u8>(<i32>conv2d_workspace_bytes(g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad, g.dh, g.dw) + 16);
    const wp = (ptr(work) + 15) & ~(<usize>15);
    const a = new StaticArray<f32>(nw), b = new StaticArray<f32>(nw);
    conv2d_backward_filter(ptr(x), ptr(dy), ptr(a), 0, wp, g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad, g.dh, g.dw);
    conv2d_backward_filter(ptr(x), ptr(dy), ptr(b), 0, wp, g.n, g.h, g.w, g.c, g.oc, g.kh, g.kw, g.stride, g.pad, g.dh, g.dw);
    let same = true;
    for (let i = 0; i < nw; i++) if (reinterpret<u32>(a[i]) != reinterpret<u32>(b[i])) same = false;
    expect<bool>(same).toBe(true);
  });
});
