import { depthwise_forward, depthwise_backward_data, depthwise_backward_filter, depthwise_backward_filter_ch } from "../../assembly/depthwise";
import { depthwise_forward_ref, depthwise_backward_data_ref, depthwise_backward_filter_ref } from "../../assembly/depthwise_ref";

import { ptr, seedRandom, uniform } from "./random";
import { firstBad, firstDiff } from "./compare";

// Each depthwise pass is checked twice on awkward shapes:
//  1. the SIMD kernel against its scalar reference `_ref`, bit for bit: both sum every element's
//     terms in the same order with the same f32 operations (see assembly/depthwise.ts), so any
//     difference is a wrong index, a dropped tap or a lane in the wrong channel;
//  2. the `_ref` against an independent naive loop written here in the scatter form (one pass
//     over outputs and taps accumulating y, dx, dW and db together), with a tolerance of
//     1e-5·(1 + T)·max(1, |b|) for T summed terms (the orders differ), so a wrong index in the
//     reference is not copied into the kernel's expected values.
// Geometry as TF computes it: 'same': oh = ceil(h/s), padT = floor(max((oh−1)·s + k' − h, 0)/2);
// 'valid': oh = ceil((h − k' + 1)/s), no padding; k' = (k − 1)·d + 1.

seedRandom(0xDE97);

class G {
  oh: i32; ow: i32; padT: i32; padL: i32;
  constructor(public n: i32, public h: i32, public w: i32, public c: i32, public m: i32,
              public kh: i32, public kw: i32, public stride: i32, public same: bool,
              public dh: i32 = 1, public dw: i32 = 1) {
    const eh = (kh - 1) * dh + 1, ew = (kw - 1) * dw + 1;
    if (same) {
      this.oh = (h + stride - 1) / stride; this.ow = (w + stride - 1) / stride;
      this.padT = max(0, (this.oh - 1) * stride + eh - h) / 2;
      this.padL = max(0, (this.ow - 1) * stride + ew - w) / 2;
    } else {
      this.oh = (h - eh + stride) / stride; this.ow = (w - ew + stride) / stride;
      this.padT = 0; this.padL = 0;
    }
  }
  toString(): string {
    return "n=" + this.n.toString() + " h=" + this.h.toString() + " w=" + this.w.toString() + " c=" + this.c.toString()
      + " m=" + this.m.toString() + " k=" + this.kh.toString() + "x" + this.kw.toString() + " s=" + this.stride.toString()
      + (this.same ? " same" : " valid") + " d=" + this.dh.toString() + "x" + this.dw.toString();
  }
}

const CASES: G[] = [
  new G(1, 5, 7, 1, 1, 3, 3, 1, true),          // 1 channel, odd H and W
  new G(2, 9, 7, 3, 1, 3, 3, 2, true),          // c = 3, stride 2 'same': TF's odd pad row at the bottom/right
  new G(2, 10, 6, 17, 1, 3, 3, 2, true),        // c = 17 (one 16-block + tail), even sizes at stride 2: padT 0
  new G(1, 11, 9, 63, 1, 3, 3, 1, false),       // c = 63: 3 blocks of 16, 3 of 4, 3 scalars
  new G(3, 6, 5, 17, 2, 3, 3, 1, true),         // m = 2: C = 34
  new G(1, 7, 9, 3, 2, 5, 5, 3, false),         // m = 2, 5×5, stride 3
  new G(2, 9, 11, 5, 3, 3, 3, 1, true, 2, 2),   // m = 3 (lanes built one by one), dilation 2
  new G(1, 13, 10, 6, 4, 3, 3, 1, true, 3, 3),  // m = 4 (splat), dilation 3
  new G(2, 11, 13, 63, 1, 3, 3, 1, true, 2, 2), // c = 63, dilation 2 'same'
  new G(1, 10, 9, 17, 2, 3, 3, 1, false, 3, 2), // dh != dw 'valid', m = 2
  new G(1, 6, 7, 20, 1, 2, 4, 2, true),         // even, non-square kernel with 'same' and stride 2
  new G(2, 3, 3, 32, 1, 5, 5, 1, true),         // kernel larger than the image: most taps outside
  new G(1, 5, 6, 1, 2, 1, 1, 1, false),         // 1×1, c = 1, m = 2
  new G(2, 10, 11, 7, 1, 3, 3, 3, true),        // m = 1, stride 3: backward-data's taps step by 3
  new G(1, 11, 10, 5, 1, 3, 3, 2, false, 2, 2), // m = 1, stride and dilation (the kernel allows it; the layers do not)
  new G(1, 4, 9, 18, 1, 5, 2, 2, false),        // kernel taller than the stride, 'valid', c = 18
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

describe("depthwise conv2d", () => {
  it("SIMD matches _ref bit for bit, and _ref matches a naive scatter loop, on awkward shapes", () => {
    for (let t = 0; t < CASES.length; t++) {
      const g = CASES[t];
      const oh = g.oh, ow = g.ow, tag = g.toString(), C = g.c * g.m;
      const nx = g.n * g.h * g.w * g.c, ny = g.n * oh * ow * C, nw = g.kh * g.kw * C;
      const x = rand(nx), W = rand(nw), b = rand(C), dy = rand(ny);

      // naive scatter loop
      const yN = new StaticArray<f32>(ny), dxN = new StaticArray<f32>(nx), dWN = new StaticArray<f32>(nw), dbN = new StaticArray<f32>(C);
      for (let n = 0; n < g.n; n++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let j = 0; j < C; j++) {
        const yi = ((n * oh + oy) * ow + ox) * C + j;
        let s = b[j];
        dbN[j] += dy[yi];
        for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) {
          const iy = oy * g.stride - g.padT + ky * g.dh, ix = ox * g.stride - g.padL + kx * g.dw;
          if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
          const xi = ((n * g.h + iy) * g.w + ix) * g.c + j / g.m, wi = (ky * g.kw + kx) * C + j;
          s += x[xi] * W[wi];
          dxN[xi] += dy[yi] * W[wi];
          dWN[wi] += dy[yi] * x[xi];
        }
        yN[yi] = s;
      }

      // outputs start as NaN: every element must be overwritten (+1: a guard past the end)
      const yS = filled(ny + 1, NaN), yR = filled(ny + 1, NaN);
      const dxS = filled(nx + 1, NaN), dxR = filled(nx + 1, NaN);
      const dWS = filled(nw + 1, NaN), dWR = filled(nw + 1, NaN);
      const dbS = filled(C + 1, NaN), dbR = filled(C + 1, NaN);
      depthwise_forward(ptr(x), ptr(W), ptr(b), ptr(yS), g.n, g.h, g.w, g.c, g.m, g.kh, g.kw, g.stride, g.dh, g.dw, g.padT, g.padL, oh, ow);
      depthwise_forward_ref(ptr(x), ptr(W), ptr(b), ptr(yR), g.n, g.h, g.w, g.c, g.m, g.kh, g.kw, g.stride, g.dh, g.dw, g.padT, g.padL, oh, ow);
      depthwise_backward_data(ptr(dy), ptr(W), ptr(dxS), g.n, g.h, g.w, g.c, g.m, g.kh, g.kw, g.stride, g.dh, g.dw, g.padT, g.padL, oh, ow);
      depthwise_backward_data_ref(ptr(dy), ptr(W), ptr(dxR), g.n, g.h, g.w, g.c, g.m, g.kh, g.kw, g.stride, g.dh, g.dw, g.padT, g.padL, oh, ow);
      depthwise_backward_filter(ptr(x), ptr(dy), ptr(dWS), ptr(dbS), g.n, g.h, g.w, g.c, g.m, g.kh, g.kw, g.stride, g.dh, g.dw, g.padT, g.padL, oh, ow);
      depthwise_backward_filter_ref(ptr(x), ptr(dy), ptr(dWR), ptr(dbR), g.n, g.h, g.w, g.c, g.m, g.kh, g.kw, g.stride, g.dh, g.dw, g.padT, g.padL, oh, ow);

      const T = g.kh * g.kw, Td = g.kh * g.kw * g.m, R = g.n * oh * ow;
      expect<i32>(firstDiff(yS, yR, ny)).toBe(-1, "forward SIMD vs ref " + tag);
      expect<i32>(firstBad(yR, yN, ny, T)).toBe(-1, "forward ref vs naive " + tag);
      expect<i32>(firstDiff(dxS, dxR, nx)).toBe(-1, "backward-data SIMD vs ref " + tag);
      expect<i32>(firstBad(dxR, dxN, nx, Td)).toBe(-1, "backward-data ref vs naive " + tag);
      expect<i32>(firstDiff(dWS, dWR, nw)).toBe(-1, "backward-filter SIMD vs ref " + tag);
      expect<i32>(firstBad(dWR, dWN, nw, R)).toBe(-1, "backward-filter ref vs naive " + tag);
      expect<i32>(firstDiff(dbS, dbR, C)).toBe(-1, "dbias SIMD vs ref " + tag);
      expect<i32>(firstBad(dbR, dbN, C, R)).toBe(-1, "dbias ref vs naive " + tag);
      // nothing written past the ends
      expect<bool>(isNaN(yS[ny]) && isNaN(dxS[nx]) && isNaN(dWS[nw]) && isNaN(dbS[C])).toBe(true, "guard " + tag);
    }
  });

  it("backward-filter over channel ranges gives the whole call's bits and writes nothing else; no bias leaves dbias alone", () => {
    const g = new G(2, 9, 7, 17, 2, 3, 3, 1, true, 2, 2);
    const C = g.c * g.m, nx = g.n * g.h * g.w * g.c, ny = g.n * g.oh * g.ow * C, nw = g.kh * g.kw * C;
    const x = rand(nx), dy = rand(ny);
    const whole = new StaticArray<f32>(nw), dbW = new StaticArray<f32>(C);
    depthwise_backward_filter(ptr(x), ptr(dy), ptr(whole), ptr(dbW), g.n, g.h, g.w, g.c, g.m, g.kh, g.kw, g.stride, g.dh, g.dw, g.padT, g.padL, g.oh, g.ow);
    const parts = filled(nw, NaN), dbP = filled(C, NaN);
    const cuts: i32[] = [0, 16, 20, 33, C];
    for (let i = 0; i + 1 < cuts.length; i++) {
      depthwise_backward_filter_ch(ptr(x), ptr(dy), ptr(parts), ptr(dbP), g.n, g.h, g.w, g.c, g.m, g.kh, g.kw, g.stride,
        g.dh, g.dw, g.padT, g.padL, g.oh, g.ow, cuts[i], cuts[i + 1]);
      // channels at and past the cut are still untouched
      if (cuts[i + 1] < C) expect<bool>(isNaN(parts[cuts[i + 1]]) && isNaN(dbP[cuts[i + 1]])).toBe(true, "range " + i.toString());
    }
    expect<i32>(firstDiff(parts, whole, nw)).toBe(-1, "dfilter by ranges");
    expect<i32>(firstDiff(dbP, dbW, C)).toBe(-1, "dbias by ranges");
    const noBias = new StaticArray<f32>(nw);
    depthwise_backward_filter(ptr(x), ptr(dy), ptr(noBias), 0, g.n, g.h, g.w, g.c, g.m, g.kh, g.kw, g.stride, g.dh, g.dw, g.padT, g.padL, g.oh, g.ow);
    expect<i32>(firstDiff(noBias, whole, nw)).toBe(-1, "dfilter without dbias");
  });
});
