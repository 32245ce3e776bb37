import { sgd_update, sgd_update_ref, adam_update, adam_update_ref } from "../../assembly/optim";

import { nextU32, ptr, seedRandom, uniform } from "./random";

seedRandom(0x5EED);
function rand(n: i32, lo: f64, hi: f64): StaticArray<f32> {
  const a = new StaticArray<f32>(n + 1);
  for (let i = 0; i < n; i++) a[i] = uniform(lo, hi);
  a[n] = 31.0; // guard
  return a;
}
function copy(a: StaticArray<f32>): StaticArray<f32> {
  const b = new StaticArray<f32>(a.length);
  for (let i = 0; i < a.length; i++) b[i] = a[i];
  return b;
}
// index of the first element whose bits differ, or -1 (guard element included)
function firstDiff(a: StaticArray<f32>, b: StaticArray<f32>): i32 {
  for (let i = 0; i < a.length; i++) if (reinterpret<u32>(a[i]) != reinterpret<u32>(b[i])) return i;
  return -1;
}

const SIZES: i32[] = [0, 1, 3, 4, 5, 15, 16, 17, 20, 31, 63, 255, 1000];

describe("sgd_update", () => {
  it("matches sgd_update_ref bit for bit over several steps", () => {
    const mom: f32[] = [0.0, 0.9];
    const wds: f32[] = [0.0, 5e-4];
    for (let s = 0; s < SIZES.length; s++) {
      for (let a = 0; a < 2; a++) {
        for (let b = 0; b < 2; b++) {
          const n = SIZES[s];
          const w = rand(n, -1, 1), v = rand(n, -0.1, 0.1);
          const w2 = copy(w), v2 = copy(v);
          for (let step = 0; step < 3; step++) {
            const g = rand(n, -2, 2);
            sgd_update(ptr(w), ptr(g), ptr(v), n, 0.05, mom[a], wds[b]);
            sgd_update_ref(ptr(w2), ptr(g), ptr(v2), n, 0.05, mom[a], wds[b]);
          }
          const tag = "n=" + n.toString() + " momentum=" + mom[a].toString() + " wd=" + wds[b].toString();
          expect<i32>(firstDiff(w, w2)).toBe(-1, tag + " w");
          expect<i32>(firstDiff(v, v2)).toBe(-1, tag + " v");
        }
      }
    }
  });
  it("computes the formula", () => {
    const w = new StaticArray<f32>(5), g = new StaticArray<f32>(5), v = new StaticArray<f32>(5);
    for (let i = 0; i < 5; i++) { w[i] = <f32>i; g[i] = 1.0; v[i] = 2.0; }
    sgd_update(ptr(w), ptr(g), ptr(v), 5, 0.5, 0.25, 0.125);
    for (let i = 0; i < 5; i++) {
      const gp = 1.0 + 0.125 * <f64>i;
      const vv = 0.25 * 2.0 + gp;
      expect<f32>(v[i]).toBe(<f32>vv);
      expect<f32>(w[i]).toBe(<f32>(<f64>i - 0.5 * vv));
    }
    // momentum 0: plain SGD, v = g'
    sgd_update(ptr(w), ptr(g), ptr(v), 5, 1.0, 0.0, 0.0);
    for (let i = 0; i < 5; i++) expect<f32>(v[i]).toBe(1.0);
  });
});

describe("adam_update", () => {
  it("matches adam_update_ref bit for bit over several steps", () => {
    const wds: f32[] = [0.0, 1e-2];
    for (let s = 0; s < SIZES.length; s++) {
      for (let b = 0; b < 2; b++) {
        const n = SIZES[s];
        const w = rand(n, -1, 1), m = rand(n, 0, 0), v = rand(n, 0, 0);
        const w2 = copy(w), m2 = copy(m), v2 = copy(v);
        const b1: f32 = 0.9, b2: f32 = 0.999;
        for (let t = 1; t <= 4; t++) {
          const g = rand(n, -3, 3);
          const bc1 = <f32>(1.0 - Math.pow(<f64>b1, t)), bc2 = <f32>(1.0 - Math.pow(<f64>b2, t));
          adam_update(ptr(w), ptr(g), ptr(m), ptr(v), n, 1e-3, b1, b2, 1e-8, bc1, bc2, wds[b]);
          adam_update_ref(ptr(w2), ptr(g), ptr(m2), ptr(v2), n, 1e-3, b1, b2, 1e-8, bc1, bc2, wds[b]);
        }
        const tag = "n=" + n.toString() + " wd=" + wds[b].toString();
        expect<i32>(firstDiff(w, w2)).toBe(-1, tag + " w");
        expect<i32>(firstDiff(m, m2)).toBe(-1, tag + " m");
        expect<i32>(firstDiff(v, v2)).toBe(-1, tag + " v");
      }
    }
  });
  it("takes a first step of size lr·sign(g)", () => {
    // t = 1 from m = v = 0: m/bc1 = g, v/bc2 = g², so the step is lr·g/(|g| + eps) ≈ lr·sign(g)
    const n = 9;
    const w = new StaticArray<f32>(n), g = new StaticArray<f32>(n), m = new StaticArray<f32>(n), v = new StaticArray<f32>(n);
    for (let i = 0; i < n; i++) g[i] = <f32>(i - 4) * 0.5;
    adam_update(ptr(w), ptr(g), ptr(m), ptr(v), n, 0.01, 0.9, 0.999, 1e-8, <f32>(1 - 0.9), <f32>(1 - 0.999), 0.0);
    for (let i = 0; i < n; i++) {
      const want = g[i] == 0 ? 0.0 : (g[i] > 0 ? -0.01 : 0.01);
      expect<f64>(Math.abs(<f64>w[i] - want)).toBeLessThan(1e-7);
    }
  });
});
