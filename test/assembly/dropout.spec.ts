import {
  dropout_forward, dropout_forward_ref, dropout_backward, dropout_backward_ref,
} from "../../assembly/dropout";

import { nextU32, ptr, seedRandom, uniform } from "./random";

seedRandom(0xC0FFEE);
function makeInput(n: i32): StaticArray<f32> {
  const a = new StaticArray<f32>(n);
  for (let i = 0; i < n; i++) a[i] = uniform(-10, 10);
  return a;
}
function bits(v: f32): u32 { return reinterpret<u32>(v); }

const SIZES: i32[] = [0, 1, 3, 4, 5, 17, 63, 255, 1000];
const PS: f32[] = [0.0, 0.1, 0.5, 0.9, 0.999];

function keptCount(mask: StaticArray<f32>, start: i32, step: i32): i32 {
  let c = 0;
  for (let i = start; i < mask.length; i += step) if (mask[i] != 0) c++;
  return c;
}

describe("dropout_forward", () => {
  it("matches dropout_forward_ref bit for bit", () => {
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      for (let q = 0; q < PS.length; q++) {
        const p = PS[q];
        const seed = nextU32(), stream = nextU32() & 0xff;
        const x = makeInput(n);
        const y = new StaticArray<f32>(n + 1), m = new StaticArray<f32>(n + 1);
        const yr = new StaticArray<f32>(n), mr = new StaticArray<f32>(n);
        y[n] = 55.0; m[n] = 55.0;
        dropout_forward(ptr(x), ptr(y), ptr(m), n, p, seed, stream);
        dropout_forward_ref(ptr(x), ptr(yr), ptr(mr), n, p, seed, stream);
        let bad = -1;
        for (let i = 0; i < n; i++) {
          if (bits(m[i]) != bits(mr[i]) || bits(y[i]) != bits(yr[i])) { bad = i; break; }
        }
        const msg = bad < 0 ? "" : "n=" + n.toString() + " p=" + p.toString() + " i=" + bad.toString() +
          " mask=" + m[bad].toString() + " ref=" + mr[bad].toString();
        expect<i32>(bad).toBe(-1, msg);
        expect<f32>(y[n]).toBe(55.0, "wrote past the end of y");
        expect<f32>(m[n]).toBe(55.0, "wrote past the end of mask");
        // mask values are exactly 0 or 1/(1 - p); y = x·mask
        const scale: f32 = <f32>1.0 / (<f32>1.0 - p);
        let wrong = 0;
        for (let i = 0; i < n; i++) {
          if (!(m[i] == 0 || m[i] == scale)) wrong++;
          if (bits(y[i]) != bits(x[i] * m[i])) wrong++;
        }
        expect<i32>(wrong).toBe(0, "mask values or y = x·mask");
      }
    }
  });
  it("keeps everything when p = 0", () => {
    const n = 1001;
    const x = makeInput(n);
    const y = new StaticArray<f32>(n), m = new StaticArray<f32>(n);
    dropout_forward(ptr(x), ptr(y), ptr(m), n, 0.0, 123, 4);
    let wrong = 0;
    for (let i = 0; i < n; i++) if (m[i] != 1.0 || bits(y[i]) != bits(x[i])) wrong++;
    expect<i32>(wrong).toBe(0);
  });
  it("keeps a fraction 1 - p (within 4 sigma), in every lane, with no pair correlation", () => {
    const n = 100000;
    const x = makeInput(n);
    const y = new StaticArray<f32>(n), m = new StaticArray<f32>(n);
    const ps: f32[] = [0.05, 0.1, 0.25, 0.5, 0.8, 0.95];
    for (let q = 0; q < ps.length; q++) {
      const p = <f64>ps[q];
      dropout_forward(ptr(x), ptr(y), ptr(m), n, ps[q], 0xDEADBEEF, <u32>q);
      const sigma = Math.sqrt(p * (1 - p) / <f64>n);
      const frac = <f64>keptCount(m, 0, 1) / <f64>n;
      expect<f64>(Math.abs(frac - (1 - p))).toBeLessThan(4 * sigma, "p=" + p.toString() + " kept " + frac.toString());
      // each SIMD lane separately (n/4 samples each)
      for (let lane = 0; lane < 4; lane++) {
        const fl = <f64>keptCount(m, lane, 4) / <f64>(n / 4);
        expect<f64>(Math.abs(fl - (1 - p))).toBeLessThan(4 * sigma * 2, "lane " + lane.toString());
      }
      // neighbours independent: P(keep_i and keep_i+1) = (1 - p)^2
      let both = 0;
      for (let i = 0; i + 1 < n; i++) if (m[i] != 0 && m[i + 1] != 0) both++;
      const pb = (1 - p) * (1 - p);
      const sb = Math.sqrt(pb * (1 - pb) / <f64>(n - 1));
      expect<f64>(Math.abs(<f64>both / <f64>(n - 1) - pb)).toBeLessThan(5 * sb, "pairs p=" + p.toString());
    }
  });
  it("is reproducible and differs between streams and seeds", () => {
    const n = 10000;
    const p: f32 = 0.5;
    const x = makeInput(n);
    const y = new StaticArray<f32>(n);
    const a = new StaticArray<f32>(n), b = new StaticArray<f32>(n), c = new StaticArray<f32>(n), d = new StaticArray<f32>(n);
    dropout_forward(ptr(x), ptr(y), ptr(a), n, p, 42, 0);
    dropout_forward(ptr(x), ptr(y), ptr(b), n, p, 42, 0);
    dropout_forward(ptr(x), ptr(y), ptr(c), n, p, 42, 1);
    dropout_forward(ptr(x), ptr(y), ptr(d), n, p, 43, 0);
    let same = 0, diffStream = 0, diffSeed = 0;
    for (let i = 0; i < n; i++) {
      if (a[i] == b[i]) same++;
      if (a[i] != c[i]) diffStream++;
      if (a[i] != d[i]) diffSeed++;
    }
    expect<i32>(same).toBe(n);
    // independent masks disagree on 2p(1-p) = 50% of the elements
    const sigma = Math.sqrt(0.25 / <f64>n);
    expect<f64>(Math.abs(<f64>diffStream / <f64>n - 0.5)).toBeLessThan(4 * sigma);
    expect<f64>(Math.abs(<f64>diffSeed / <f64>n - 0.5)).toBeLessThan(4 * sigma);
    // (seed, stream) pairs that a naive key (seed ^ stream, seed + stream) would merge
    const ps: u32[] = [42, 0, 43, 1, 1, 2, 2, 1, 0, 1, 1, 0, 0x80000000, 0, 0, 0x80000000];
    for (let k = 0; k < ps.length; k += 4) {
      dropout_forward(ptr(x), ptr(y), ptr(a), 256, p, ps[k], ps[k + 1]);
      dropout_forward(ptr(x), ptr(y), ptr(b), 256, p, ps[k + 2], ps[k + 3]);
      let diff = 0;
      for (let i = 0; i < 256; i++) if (a[i] != b[i]) diff++;
      expect<i32>(diff).toBeGreaterThan(64, "pair " + k.toString());
    }
    // streams 0..63 of one seed: each pair of adjacent streams differs
    const e = new StaticArray<f32>(64), f = new StaticArray<f32>(64);
    for (let s: u32 = 0; s < 64; s++) {
      dropout_forward(ptr(x), ptr(y), ptr(e), 64, p, 7, s);
      dropout_forward(ptr(x), ptr(y), ptr(f), 64, p, 7, s + 1);
      let diff = 0;
      for (let i = 0; i < 64; i++) if (e[i] != f[i]) diff++;
      expect<i32>(diff).toBeGreaterThan(8);
    }
  });
});

describe("dropout_backward", () => {
  it("matches dropout_backward_ref bit for bit and equals dy·mask", () => {
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      const x = makeInput(n), dy = makeInput(n);
      const y = new StaticArray<f32>(n), m = new StaticArray<f32>(n);
      dropout_forward(ptr(x), ptr(y), ptr(m), n, 0.3, 9, 9);
      const dx = new StaticArray<f32>(n + 1), dxr = new StaticArray<f32>(n);
      dx[n] = 3.0;
      dropout_backward(ptr(dy), ptr(m), ptr(dx), n);
      dropout_backward_ref(ptr(dy), ptr(m), ptr(dxr), n);
      let wrong = 0;
      for (let i = 0; i < n; i++) if (bits(dx[i]) != bits(dxr[i]) || dx[i] != dy[i] * m[i]) wrong++;
      expect<i32>(wrong).toBe(0, "n=" + n.toString());
      expect<f32>(dx[n]).toBe(3.0, "wrote past the end");
    }
  });
});
