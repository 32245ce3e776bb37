import { avgpool_forward, avgpool_forward_ref, avgpool_backward, avgpool_backward_ref } from "../../assembly/avgpool";
import { ptr, seedRandom, uniform } from "./random";

// avgpool_forward/backward against their scalar references, bit for bit, valid and 'same' padding,
// odd H and W, 1 channel, channels not a multiple of 4, overlapping windows, batch 1 and 3, with
// guards; the reference against a naive mean over the in-bounds taps written here.

seedRandom(0xa7e);

class P {
  oh: i32; ow: i32; pt: i32; pl: i32;
  constructor(public n: i32, public h: i32, public w: i32, public c: i32, public k: i32, public s: i32, public same: bool) {
    if (same) {
      this.oh = (h + s - 1) / s; this.ow = (w + s - 1) / s;
      this.pt = max((this.oh - 1) * s + k - h, 0) / 2; this.pl = max((this.ow - 1) * s + k - w, 0) / 2;
    } else {
      this.oh = (h - k) / s + 1; this.ow = (w - k) / s + 1; this.pt = 0; this.pl = 0;
    }
  }
  toString(): string {
    return "n=" + this.n.toString() + " h=" + this.h.toString() + " w=" + this.w.toString() + " c=" + this.c.toString()
      + " k=" + this.k.toString() + " s=" + this.s.toString() + (this.same ? " same" : " valid");
  }
}

const CASES: P[] = [
  new P(1, 5, 7, 1, 2, 2, false), new P(3, 9, 7, 5, 3, 2, false), new P(3, 9, 7, 5, 3, 2, true), new P(1, 17, 3, 17, 3, 1, true),
  new P(1, 1, 1, 3, 1, 1, false), new P(3, 7, 5, 63, 2, 2, true), new P(1, 4, 4, 4, 4, 4, false), new P(1, 5, 5, 3, 5, 3, true),
];

function bits(a: StaticArray<f32>, b: StaticArray<f32>, n: i32): i32 {
  for (let i = 0; i < n; i++) if (reinterpret<u32>(a[i]) != reinterpret<u32>(b[i])) return i;
  return -1;
}

describe("avgpool", () => {
  it("SIMD matches _ref bit for bit; _ref matches a naive mean; guards hold", () => {
    for (let t = 0; t < CASES.length; t++) {
      const g = CASES[t], tag = g.toString();
      const nx = g.n * g.h * g.w * g.c, ny = g.n * g.oh * g.ow * g.c;
      const x = new StaticArray<f32>(nx), dy = new StaticArray<f32>(ny);
      for (let i = 0; i < nx; i++) x[i] = uniform(-2, 2);
      for (let i = 0; i < ny; i++) dy[i] = uniform(-1, 1);
      const yS = new StaticArray<f32>(ny + 1), yR = new StaticArray<f32>(ny + 1);
      const dxS = new StaticArray<f32>(nx + 1), dxR = new StaticArray<f32>(nx + 1);
      for (let i = 0; i < nx; i++) { dxS[i] = NaN; dxR[i] = NaN; }
      yS[ny] = 7; dxS[nx] = 7;
      avgpool_forward(ptr(x), ptr(yS), g.n, g.h, g.w, g.c, g.k, g.s, g.pt, g.pl, g.oh, g.ow);
      avgpool_forward_ref(ptr(x), ptr(yR), g.n, g.h, g.w, g.c, g.k, g.s, g.pt, g.pl, g.oh, g.ow);
      avgpool_backward(ptr(dy), ptr(dxS), g.n, g.h, g.w, g.c, g.k, g.s, g.pt, g.pl, g.oh, g.ow);
      avgpool_backward_ref(ptr(dy), ptr(dxR), g.n, g.h, g.w, g.c, g.k, g.s, g.pt, g.pl, g.oh, g.ow);
      expect<i32>(bits(yS, yR, ny)).toBe(-1, "y " + tag);
      expect<i32>(bits(dxS, dxR, nx)).toBe(-1, "dx " + tag);
      expect<f32>(yS[ny]).toBe(7, "y guard " + tag);
      expect<f32>(dxS[nx]).toBe(7, "dx guard " + tag);
      let worst: f64 = 0;
      const dxN = new StaticArray<f64>(nx);
      for (let b = 0; b < g.n; b++) for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) for (let c = 0; c < g.c; c++) {
        let s: f64 = 0, cnt = 0;
        for (let ky = 0; ky < g.k; ky++) for (let kx = 0; kx < g.k; kx++) {
          const iy = oy * g.s - g.pt + ky, ix = ox * g.s - g.pl + kx;
          if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
          s += <f64>x[((b * g.h + iy) * g.w + ix) * g.c + c]; cnt++;
        }
        const o = ((b * g.oh + oy) * g.ow + ox) * g.c + c;
        worst = Math.max(worst, Math.abs(s / <f64>cnt - <f64>yR[o]));
        for (let ky = 0; ky < g.k; ky++) for (let kx = 0; kx < g.k; kx++) {
          const iy = oy * g.s - g.pt + ky, ix = ox * g.s - g.pl + kx;
          if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
          dxN[((b * g.h + iy) * g.w + ix) * g.c + c] += <f64>dy[o] / <f64>cnt;
        }
      }
      for (let i = 0; i < nx; i++) worst = Math.max(worst, Math.abs(dxN[i] - <f64>dxR[i]));
      expect<bool>(worst < 1e-5).toBe(true, "naive " + tag);
    }
  });
});
