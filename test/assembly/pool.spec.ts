import { maxpool_forward, maxpool_forward_ref, maxpool_backward, maxpool_backward_ref } from "../../assembly/pool";

import { nextU32, ptr, seedRandom, uniform } from "./random";

// maxpool_forward/backward against their scalar references, bit for bit, on awkward shapes
// (odd H and W, 1 channel, channels not a multiple of 4, overlapping windows, batch 3), with
// many ties and a NaN; the reference against a naive max written here.

seedRandom(0x9001);

class P {
  pt: i32 = 0; pl: i32 = 0; same: bool;
  constructor(public n: i32, public h: i32, public w: i32, public c: i32, public k: i32, public s: i32, same: bool = false) {
    this.same = same;
    if (same) {
      this.pt = max((this.oh - 1) * s + k - h, 0) / 2;
      this.pl = max((this.ow - 1) * s + k - w, 0) / 2;
    }
  }
  get oh(): i32 { return this.same ? (this.h + this.s - 1) / this.s : (this.h - this.k) / this.s + 1; }
  get ow(): i32 { return this.same ? (this.w + this.s - 1) / this.s : (this.w - this.k) / this.s + 1; }
  toString(): string {
    return "n=" + this.n.toString() + " h=" + this.h.toString() + " w=" + this.w.toString() + " c=" + this.c.toString()
      + " k=" + this.k.toString() + " s=" + this.s.toString() + (this.same ? " same" : "");
  }
}

const CASES: P[] = [
  new P(1, 5, 7, 1, 2, 2), new P(3, 9, 7, 5, 3, 2), new P(3, 9, 7, 5, 2, 2), new P(2, 8, 8, 32, 2, 2),
  new P(1, 6, 5, 17, 3, 1), new P(2, 4, 4, 4, 4, 4), new P(1, 3, 3, 3, 1, 1),
  new P(3, 9, 7, 5, 3, 2, true), new P(1, 5, 5, 17, 2, 2, true), new P(3, 7, 3, 63, 3, 1, true), new P(1, 1, 1, 3, 2, 2, true),
];

function bits(a: StaticArray<f32>, b: StaticArray<f32>, n: i32): i32 {
  for (let i = 0; i < n; i++) if (reinterpret<u32>(a[i]) != reinterpret<u32>(b[i])) return i;
  return -1;
}

describe("maxpool", () => {
  it("SIMD matches _ref bit for bit; _ref matches a naive window max", () => {
    for (let t = 0; t < CASES.length; t++) {
      const g = CASES[t], tag = g.toString();
      const nx = g.n * g.h * g.w * g.c, ny = g.n * g.oh * g.ow * g.c;
      const x = new StaticArray<f32>(nx), dy = new StaticArray<f32>(ny);
      for (let i = 0; i < nx; i++) x[i] = <f32>(<i32>(nextU32() % 9)) - 4; // ties everywhere
      x[(t * 7) % nx] = NaN;
      for (let i = 0; i < ny; i++) dy[i] = uniform(-1, 1);
      const yS = new StaticArray<f32>(ny + 1), yR = new StaticArray<f32>(ny + 1);
      const aS = new StaticArray<i32>(ny + 1), aR = new StaticArray<i32>(ny + 1);
      const dxS = new StaticArray<f32>(nx + 1), dxR = new StaticArray<f32>(nx + 1);
      for (let i = 0; i < nx; i++) { dxS[i] = NaN; dxR[i] = NaN; } // overwritten
      yS[ny] = 7; aS[ny] = 7; dxS[nx] = 7; // guards
      maxpool_forward(ptr(x), ptr(yS), ptr(aS), g.n, g.h, g.w, g.c, g.k, g.s, g.pt, g.pl, g.oh, g.ow);
      maxpool_forward_ref(ptr(x), ptr(yR), ptr(aR), g.n, g.h, g.w, g.c, g.k, g.s, g.pt, g.pl, g.oh, g.ow);
      expect<i32>(maxpool_backward(ptr(dy), ptr(aS), ptr(dxS), g.n, g.h, g.w, g.c, g.k, g.s, g.pt, g.pl, g.oh, g.ow)).toBe(0, tag);
      expect<i32>(maxpool_backward_ref(ptr(dy), ptr(aR), ptr(dxR), g.n, g.h, g.w, g.c, g.k, g.s, g.pt, g.pl, g.oh, g.ow)).toBe(0, tag);
      expect<i32>(bits(yS, yR, ny)).toBe(-1, "y " + tag);
      let am = -1;
      for (let i = 0; i < ny; i++) if (aS[i] != aR[i]) { am = i; break; }
      expect<i32>(am).toBe(-1, "argmax " + tag);
      expect<i32>(bits(dxS, dxR, nx)).toBe(-1, "dx " + tag);
      expect<f32>(yS[ny]).toBe(7, "y guard " + tag);
      expect<i32>(aS[ny]).toBe(7, "argmax guard " + tag);
      expect<f32>(dxS[nx]).toBe(7, "dx guard " + tag);
      // naive: first index of the window maximum, NaN counting as the largest
      let bad = -1;
      for (let b = 0; b < g.n; b++) for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) for (let c = 0; c < g.c; c++) {
        let best = -1;
        for (let ky = 0; ky < g.k; ky++) for (let kx = 0; kx < g.k; kx++) {
          const iy = oy * g.s - g.pt + ky, ix = ox * g.s - g.pl + kx;
          if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
          const i = ((b * g.h + iy) * g.w + ix) * g.c + c;
          if (best < 0) { best = i; continue; }
          const v = x[i], m = x[best];
          if (!isNaN(m) && (isNaN(v) || v > m)) best = i;
        }
        const o = ((b * g.oh + oy) * g.ow + ox) * g.c + c;
        if (aR[o] != best || reinterpret<u32>(yR[o]) != reinterpret<u32>(x[best])) { bad = o; }
      }
      expect<i32>(bad).toBe(-1, "ref vs naive " + tag);
    }
  });

  it("counts argmax entries outside their window and writes nothing outside dx", () => {
    const g = new P(1, 4, 4, 5, 2, 2);
    const nx = 80, ny = 20;
    const x = new StaticArray<f32>(nx), dy = new StaticArray<f32>(ny);
    for (let i = 0; i < nx; i++) x[i] = uniform(-1, 1);
    for (let i = 0; i < ny; i++) dy[i] = 1;
    const y = new StaticArray<f32>(ny), a = new StaticArray<i32>(ny);
    maxpool_forward(ptr(x), ptr(y), ptr(a), g.n, g.h, g.w, g.c, g.k, g.s, g.pt, g.pl, g.oh, g.ow);
    a[0] = 79; a[3] = -5; a[19] = 1 << 30;
    const dx = new StaticArray<f32>(nx + 1);
    dx[nx] = 7;
    expect<i32>(maxpool_backward(ptr(dy), ptr(a), ptr(dx), g.n, g.h, g.w, g.c, g.k, g.s, g.pt, g.pl, g.oh, g.ow)).toBe(3);
    expect<i32>(maxpool_backward_ref(ptr(dy), ptr(a), ptr(dx), g.n, g.h, g.w, g.c, g.k, g.s, g.pt, g.pl, g.oh, g.ow)).toBe(3);
    expect<f32>(dx[nx]).toBe(7);
  });
});
