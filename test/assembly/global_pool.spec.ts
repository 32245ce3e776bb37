import {
  gavgpool_forward, gavgpool_forward_ref, gavgpool_backward, gavgpool_backward_ref,
  gmaxpool_forward, gmaxpool_forward_ref, gmaxpool_backward, gmaxpool_backward_ref,
} from "../../assembly/global_pool";
import { nextU32, ptr, seedRandom, uniform } from "./random";

// Global average and max pooling (NHWC → (n,c)) against their scalar references, bit for bit, on
// awkward shapes: hw = 1, 3, 17, 63, 255 positions (odd H·W), 1 channel, channels not a multiple of
// 4 (3, 5, 17, 63), batch 1 and 3, with ties and a NaN; guards after every output; the references
// against a naive mean / max; and a bad argmax is counted, never written through.

seedRandom(0x61061);

const HW: i32[] = [1, 3, 17, 63, 255, 15];
const C: i32[] = [1, 3, 4, 5, 17, 63];
const N: i32[] = [1, 3];

function bits(a: StaticArray<f32>, b: StaticArray<f32>, n: i32): i32 {
  for (let i = 0; i < n; i++) if (reinterpret<u32>(a[i]) != reinterpret<u32>(b[i])) return i;
  return -1;
}

function tagOf(n: i32, hw: i32, c: i32): string {
  return "n=" + n.toString() + " hw=" + hw.toString() + " c=" + c.toString();
}

describe("global average pooling", () => {
  it("SIMD matches _ref bit for bit, _ref matches a naive mean, guards hold", () => {
    for (let a = 0; a < N.length; a++) for (let s = 0; s < HW.length; s++) for (let k = 0; k < C.length; k++) {
      const n = N[a], hw = HW[s], c = C[k], tag = tagOf(n, hw, c);
      const nx = n * hw * c, ny = n * c;
      const x = new StaticArray<f32>(nx), dy = new StaticArray<f32>(ny);
      for (let i = 0; i < nx; i++) x[i] = uniform(-3, 3);
      for (let i = 0; i < ny; i++) dy[i] = uniform(-1, 1);
      const yS = new StaticArray<f32>(ny + 1), yR = new StaticArray<f32>(ny + 1);
      const dxS = new StaticArray<f32>(nx + 1), dxR = new StaticArray<f32>(nx + 1);
      yS[ny] = 7; dxS[nx] = 7;
      gavgpool_forward(ptr(x), ptr(yS), n, hw, c);
      gavgpool_forward_ref(ptr(x), ptr(yR), n, hw, c);
      gavgpool_backward(ptr(dy), ptr(dxS), n, hw, c);
      gavgpool_backward_ref(ptr(dy), ptr(dxR), n, hw, c);
      expect<i32>(bits(yS, yR, ny)).toBe(-1, "y " + tag);
      expect<i32>(bits(dxS, dxR, nx)).toBe(-1, "dx " + tag);
      expect<f32>(yS[ny]).toBe(7, "y guard " + tag);
      expect<f32>(dxS[nx]).toBe(7, "dx guard " + tag);
      let worst: f64 = 0;
      for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) {
        let m: f64 = 0;
        for (let p = 0; p < hw; p++) m += <f64>x[(b * hw + p) * c + ch];
        m /= <f64>hw;
        worst = Math.max(worst, Math.abs(m - <f64>yR[b * c + ch]));
        for (let p = 0; p < hw; p++) {
          if (dxR[(b * hw + p) * c + ch] != <f32>(<f64>dy[b * c + ch] / <f64>hw)) worst = 1;
        }
      }
      expect<bool>(worst < 1e-5).toBe(true, "naive mean " + tag);
    }
  });
});

describe("global max pooling", () => {
  it("SIMD matches _ref bit for bit (ties, NaN), _ref matches a naive max, guards hold", () => {
    let t = 0;
    for (let a = 0; a < N.length; a++) for (let s = 0; s < HW.length; s++) for (let k = 0; k < C.length; k++) {
      const n = N[a], hw = HW[s], c = C[k], tag = tagOf(n, hw, c);
      const nx = n * hw * c, ny = n * c;
      const x = new StaticArray<f32>(nx), dy = new StaticArray<f32>(ny);
      for (let i = 0; i < nx; i++) x[i] = <f32>(<i32>(nextU32() % 9)) - 4; // ties everywhere
      if (t++ % 3 == 0) x[(t * 7) % nx] = NaN;
      for (let i = 0; i < ny; i++) dy[i] = uniform(-1, 1);
      const yS = new StaticArray<f32>(ny + 1), yR = new StaticArray<f32>(ny + 1);
      const aS = new StaticArray<i32>(ny + 1), aR = new StaticArray<i32>(ny + 1);
      const dxS = new StaticArray<f32>(nx + 1), dxR = new StaticArray<f32>(nx + 1);
      for (let i = 0; i < nx; i++) { dxS[i] = NaN; dxR[i] = NaN; } // overwritten
      yS[ny] = 7; aS[ny] = 7; dxS[nx] = 7;
      gmaxpool_forward(ptr(x), ptr(yS), ptr(aS), n, hw, c);
      gmaxpool_forward_ref(ptr(x), ptr(yR), ptr(aR), n, hw, c);
      expect<i32>(gmaxpool_backward(ptr(dy), ptr(aS), ptr(dxS), n, hw, c)).toBe(0, tag);
      expect<i32>(gmaxpool_backward_ref(ptr(dy), ptr(aR), ptr(dxR), n, hw, c)).toBe(0, tag);
      expect<i32>(bits(yS, yR, ny)).toBe(-1, "y " + tag);
      let am = -1;
      for (let i = 0; i < ny; i++) if (aS[i] != aR[i]) { am = i; break; }
      expect<i32>(am).toBe(-1, "argmax " + tag);
      expect<i32>(bits(dxS, dxR, nx)).toBe(-1, "dx " + tag);
      expect<f32>(yS[ny]).toBe(7, "y guard " + tag);
      expect<i32>(aS[ny]).toBe(7, "argmax guard " + tag);
      expect<f32>(dxS[nx]).toBe(7, "dx guard " + tag);
      let bad = -1;
      for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) {
        let best = (b * hw) * c + ch;
        for (let p = 1; p < hw; p++) {
          const i = (b * hw + p) * c + ch;
          const v = x[i], m = x[best];
          if (isNaN(m)) break;
          if (isNaN(v) || v > m) best = i;
        }
        if (aR[b * c + ch] != best) bad = b * c + ch;
        for (let p = 0; p < hw; p++) {
          const i = (b * hw + p) * c + ch;
          const want: f32 = i == best ? dy[b * c + ch] : 0;
          if (reinterpret<u32>(dxR[i]) != reinterpret<u32>(want)) bad = 100000 + i;
        }
      }
      expect<i32>(bad).toBe(-1, "naive max " + tag);
    }
  });

  it("counts an argmax outside its column and writes nothing for it", () => {
    const n = 2, hw = 5, c = 6, nx = n * hw * c, ny = n * c;
    const dy = new StaticArray<f32>(ny), am = new StaticArray<i32>(ny);
    for (let i = 0; i < ny; i++) dy[i] = 1;
    for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) am[b * c + ch] = b * hw * c + ch; // position 0
    am[1] = 0;        // another channel's element
    am[4] = -3;       // before x
    am[5] = nx + 40;  // past x
    am[ny - 1] = 5;   // sample 0's element for sample 1
    const dxS = new StaticArray<f32>(nx + 1), dxR = new StaticArray<f32>(nx + 1);
    dxS[nx] = 7; dxR[nx] = 7;
    expect<i32>(gmaxpool_backward(ptr(dy), ptr(am), ptr(dxS), n, hw, c)).toBe(4);
    expect<i32>(gmaxpool_backward_ref(ptr(dy), ptr(am), ptr(dxR), n, hw, c)).toBe(4);
    expect<i32>(bits(dxS, dxR, nx + 1)).toBe(-1);
    expect<f32>(dxS[nx]).toBe(7);
  });
});
