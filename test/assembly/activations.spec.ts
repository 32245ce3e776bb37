import {
  ACT_TANH, ACT_RELU, ACT_SIGMOID,
  act_forward, act_forward_ref, act_backward, act_backward_ref,
  gaaf_forward, gaaf_forward_ref, gaaf_backward, gaaf_backward_ref,
} from "../../assembly/activations";
import { v_exp, v_tanh, v_sigmoid } from "../../assembly/mathx";

// ---- helpers ------------------------------------------------------------------------------

import { nextU32, ptr, seedRandom, uniform } from "./random";

seedRandom(0x12345678);

const SIZES: i32[] = [0, 1, 3, 4, 5, 17, 63, 255, 1000];
const POS_LENGTHS: i32[] = [1, 2, 3, 4, 5, 6, 7, 15, 16, 17, 31, 32, 33, 47, 56];
const KINDS: i32[] = [ACT_TANH, ACT_RELU, ACT_SIGMOID];
const KIND_NAME: string[] = ["tanh", "relu", "sigmoid"];

// Specials sprinkled into the inputs: zeros, subnormals, branch boundaries, saturation, ±inf, NaN.
const SPECIALS: f32[] = [
  0.0, -0.0, 1e-30, -1e-30, 1e-40, -1e-40, 0.625, -0.625, 0.62499994, 9.0, -9.0,
  44.0, -44.0, 88.7, -88.7, 100.0, -100.0, 1e30, -1e30, 3.4e38, -3.4e38,
  Infinity, -Infinity, NaN,
];

// n values in [-20, 20], every 5th one a special value (when specials).
function makeInput(n: i32, lo: f64, hi: f64, specials: bool): StaticArray<f32> {
  const a = new StaticArray<f32>(n);
  for (let i = 0; i < n; i++) {
    a[i] = specials && i % 5 == 2 ? SPECIALS[<i32>(nextU32() % <u32>SPECIALS.length)] : uniform(lo, hi);
  }
  return a;
}

// Size of one float32 ulp at |v| (the spacing of floats in v's binade), as f64.
function ulp32(v: f64): f64 {
  const b = reinterpret<u32>(Mathf.abs(<f32>v));
  const e = (b >> 23) & 0xff;
  if (e == 0) return Math.pow(2, -149);
  return Math.pow(2, <f64>e - 150.0);
}

function sameBits(a: f32, b: f32): bool {
  if (isNaN(a) && isNaN(b)) return true;
  return reinterpret<u32>(a) == reinterpret<u32>(b);
}

// |a - b| <= ulps·ulp32(b) (+ atol); NaN must match NaN, inf must match the same inf.
function closeUlp(a: f32, b: f32, ulps: f64, atol: f64): bool {
  if (isNaN(b) || isNaN(a)) return isNaN(a) && isNaN(b);
  if (!isFinite(b) || !isFinite(a)) return a == b;
  return Math.abs(<f64>a - <f64>b) <= ulps * ulp32(<f64>b) + atol;
}

function f64phi(kind: i32, x: f64): f64 {
  if (kind == ACT_TANH) return Math.tanh(x);
  if (kind == ACT_SIGMOID) return 1.0 / (1.0 + Math.exp(-x));
  return x > 0 ? x : 0;
}

// Applies a mathx vector function to n floats (n a multiple of 4).
function applyVec(fn: i32, x: StaticArray<f32>, y: StaticArray<f32>): void {
  for (let i = 0; i < x.length; i += 4) {
    const v = v128.load(ptr(x) + (<usize>i << 2));
    let r: v128;
    if (fn == 0) r = v_exp(v);
    else if (fn == 1) r = v_tanh(v);
    else r = v_sigmoid(v);
    v128.store(ptr(y) + (<usize>i << 2), r);
  }
}

function truth(fn: i32, x: f64): f64 {
  if (fn == 0) return Math.exp(x);
  if (fn == 1) return Math.tanh(x);
  return 1.0 / (1.0 + Math.exp(-x));
}

function libm(fn: i32, x: f32): f32 {
  if (fn == 0) return Mathf.exp(x);
  if (fn == 1) return Mathf.tanh(x);
  return <f32>1.0 / (<f32>1.0 + Mathf.exp(-x));
}

// Max error (ulps of the exact value, for normal results) of mathx function fn over a dense
// sweep of [lo, hi] plus random points; also the max ulp distance to libm (Mathf).
// Returns [maxUlpVsExact, maxRelVsExact, maxUlpVsLibm, maxAbsSubnormal].
function measure(fn: i32, lo: f64, hi: f64, count: i32): StaticArray<f64> {
  const n = count & ~3;
  const x = new StaticArray<f32>(n);
  const y = new StaticArray<f32>(n);
  for (let i = 0; i < n; i++) {
    x[i] = i < n / 2 ? <f32>(lo + (hi - lo) * (<f64>i / <f64>(n / 2))) : uniform(lo, hi);
  }
  applyVec(fn, x, y);
  let maxUlp = 0.0, maxRel = 0.0, maxLib = 0.0, maxSub = 0.0;
  for (let i = 0; i < n; i++) {
    const t = truth(fn, <f64>x[i]);
    const tf = <f32>t;
    if (!isFinite(tf)) continue;
    const err = Math.abs(<f64>y[i] - t);
    if (Math.abs(tf) < 1.1754943508222875e-38) {
      if (err > maxSub) maxSub = err;
      continue;
    }
    const u = err / ulp32(t);
    if (u > maxUlp) maxUlp = u;
    if (t != 0 && err / Math.abs(t) > maxRel) maxRel = err / Math.abs(t);
    const l = libm(fn, x[i]);
    const ul = Math.abs(<f64>y[i] - <f64>l) / ulp32(<f64>l);
    if (ul > maxLib) maxLib = ul;
  }
  const r = new StaticArray<f64>(4);
  r[0] = maxUlp; r[1] = maxRel; r[2] = maxLib; r[3] = maxSub;
  return r;
}

// (as-pect caches logged values by address, so logged strings are kept alive to stay distinct)
const logged: string[] = [];
function say(m: string): void {
  logged.push(m);
  log<string>(m);
}

function report(name: string, r: StaticArray<f64>): void {
  say(name + ": max " + r[0].toString() + " ulp (rel " + r[1].toString() + ") vs exact, max " +
    r[2].toString() + " ulp vs Mathf, max abs err on subnormal results " + r[3].toString());
}

function vec1(fn: i32, v: f32): f32 {
  let r: v128;
  const s = f32x4.splat(v);
  if (fn == 0) r = v_exp(s);
  else if (fn == 1) r = v_tanh(s);
  else r = v_sigmoid(s);
  return f32x4.extract_lane(r, 0);
}

// ---- mathx accuracy -----------------------------------------------------------------------

describe("mathx v_exp", () => {
  it("is within 1 ulp of exp over the whole f32 range", () => {
    let r = measure(0, -104.0, 89.0, 400000);
    report("v_exp [-104, 89]", r);
    expect<f64>(r[0]).toBeLessThanOrEqual(1.0);
    expect<f64>(r[2]).toBeLessThanOrEqual(1.0);
    expect<f64>(r[3]).toBeLessThan(Math.pow(2, -149));
    r = measure(0, -1.0, 1.0, 100000);
    report("v_exp [-1, 1]", r);
    expect<f64>(r[0]).toBeLessThanOrEqual(1.0);
    expect<f64>(r[2]).toBeLessThanOrEqual(1.0);
  });
  it("handles special values", () => {
    expect<f32>(vec1(0, 0.0)).toBe(1.0);
    expect<f32>(vec1(0, Infinity)).toBe(Infinity);
    expect<f32>(vec1(0, 89.0)).toBe(Infinity);
    expect<f32>(vec1(0, 1e30)).toBe(Infinity);
    expect<bool>(isFinite(vec1(0, 88.72))).toBe(true);
    expect<f32>(vec1(0, -Infinity)).toBe(0.0);
    expect<f32>(vec1(0, -104.0)).toBe(0.0);
    expect<f32>(vec1(0, -1e30)).toBe(0.0);
    expect<bool>(vec1(0, -100.0) > 0).toBe(true); // subnormal, not flushed
    expect<bool>(isNaN(vec1(0, NaN))).toBe(true);
    expect<bool>(isNaN(vec1(0, -NaN))).toBe(true);
  });
});

describe("mathx v_tanh", () => {
  it("is within 1.5 ulp of tanh (2 ulp of Mathf.tanh)", () => {
    let r = measure(1, -20.0, 20.0, 400000);
    report("v_tanh [-20, 20]", r);
    expect<f64>(r[0]).toBeLessThanOrEqual(1.5);
    expect<f64>(r[2]).toBeLessThanOrEqual(2.0);
    r = measure(1, -1.0, 1.0, 200000);
    report("v_tanh [-1, 1]", r);
    expect<f64>(r[0]).toBeLessThanOrEqual(1.5);
    expect<f64>(r[2]).toBeLessThanOrEqual(2.0);
    r = measure(1, -1e-3, 1e-3, 100000);
    report("v_tanh [-1e-3, 1e-3]", r);
    expect<f64>(r[0]).toBeLessThanOrEqual(1.5);
  });
  it("saturates, keeps signs, never NaN for finite input", () => {
    expect<f32>(vec1(1, 0.0)).toBe(0.0);
    expect<u32>(reinterpret<u32>(vec1(1, -0.0))).toBe(0x80000000);
    expect<f32>(vec1(1, 1e-40)).toBe(1e-40);
    expect<f32>(vec1(1, 9.5)).toBe(1.0);
    expect<f32>(vec1(1, -9.5)).toBe(-1.0);
    expect<f32>(vec1(1, 3.4e38)).toBe(1.0);
    expect<f32>(vec1(1, -3.4e38)).toBe(-1.0);
    expect<f32>(vec1(1, Infinity)).toBe(1.0);
    expect<f32>(vec1(1, -Infinity)).toBe(-1.0);
    expect<bool>(isNaN(vec1(1, NaN))).toBe(true);
    // random bit patterns: finite in → finite out in [-1, 1]
    let bad = 0;
    for (let i = 0; i < 20000; i++) {
      const v = reinterpret<f32>(nextU32());
      if (!isFinite(v)) continue;
      const t = vec1(1, v);
      if (!(t >= -1 && t <= 1)) bad++;
    }
    expect<i32>(bad).toBe(0);
  });
});

describe("mathx v_sigmoid", () => {
  it("is within 2.5 ulp of 1/(1+exp(-x)) (4 ulp of the Mathf formula)", () => {
    let r = measure(2, -87.0, 30.0, 400000);
    report("v_sigmoid [-87, 30]", r);
    expect<f64>(r[0]).toBeLessThanOrEqual(2.5);
    expect<f64>(r[2]).toBeLessThanOrEqual(4.0);
    r = measure(2, -20.0, 20.0, 200000);
    report("v_sigmoid [-20, 20]", r);
    expect<f64>(r[0]).toBeLessThanOrEqual(2.5);
    expect<f64>(r[2]).toBeLessThanOrEqual(4.0);
  });
  it("is stable for large |x|", () => {
    expect<f32>(vec1(2, 0.0)).toBe(0.5);
    expect<f32>(vec1(2, 100.0)).toBe(1.0);
    expect<f32>(vec1(2, Infinity)).toBe(1.0);
    expect<f32>(vec1(2, -100.0)).toBe(0.0);
    expect<f32>(vec1(2, -1e30)).toBe(0.0);
    expect<f32>(vec1(2, -Infinity)).toBe(0.0);
    expect<bool>(isNaN(vec1(2, NaN))).toBe(true);
  });
});

// ---- act_forward / act_backward -----------------------------------------------------------

describe("act_forward", () => {
  it("matches act_forward_ref (relu bitwise, tanh/sigmoid within 4 ulp of libm)", () => {
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[k];
      for (let s = 0; s < SIZES.length; s++) {
        const n = SIZES[s];
        const x = makeInput(n, -20, 20, true);
        const y = new StaticArray<f32>(n + 1);
        const yr = new StaticArray<f32>(n + 1);
        y[n] = 12345.0; // guard: must not be written
        act_forward(kind, ptr(x), ptr(y), n);
        act_forward_ref(kind, ptr(x), ptr(yr), n);
        let bad = -1;
        for (let i = 0; i < n; i++) {
          const ok = kind == ACT_RELU ? sameBits(y[i], yr[i]) : closeUlp(y[i], yr[i], 4.0, 0);
          if (!ok) { bad = i; break; }
        }
        const msg = bad < 0 ? "" : KIND_NAME[kind] + " n=" + n.toString() + " x=" + x[bad].toString() +
          " simd=" + y[bad].toString() + " ref=" + yr[bad].toString();
        expect<i32>(bad).toBe(-1, msg);
        expect<f32>(y[n]).toBe(12345.0, "wrote past the end");
      }
    }
  });
  it("each output depends only on its input (no dependence on position or n)", () => {
    const x = makeInput(64, -20, 20, true);
    const y = new StaticArray<f32>(64);
    const z = new StaticArray<f32>(64);
    for (let k = 0; k < KINDS.length; k++) {
      act_forward(KINDS[k], ptr(x), ptr(y), 64);
      let bad = 0;
      for (let off = 1; off < 8; off++) {
        // lengths below, at and past the 16- and 32-element loops of tanh, relu and sigmoid
        for (let q = 0; q < POS_LENGTHS.length; q++) {
          const m = POS_LENGTHS[q];
          act_forward(KINDS[k], ptr(x) + (<usize>off << 2), ptr(z), m);
          for (let i = 0; i < m; i++) if (!sameBits(z[i], y[off + i])) bad++;
        }
      }
      expect<i32>(bad).toBe(0);
    }
  });
  it("works in place", () => {
    const x = makeInput(17, -5, 5, false);
    const y = new StaticArray<f32>(17);
    act_forward(ACT_TANH, ptr(x), ptr(y), 17);
    act_forward(ACT_TANH, ptr(x), ptr(x), 17);
    for (let i = 0; i < 17; i++) expect<f32>(x[i]).toBe(y[i]);
  });
});

describe("act_backward", () => {
  it("matches act_backward_ref bitwise", () => {
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[k];
      for (let s = 0; s < SIZES.length; s++) {
        const n = SIZES[s];
        const x = makeInput(n, -20, 20, true);
        const y = new StaticArray<f32>(n);
        act_forward_ref(kind, ptr(x), ptr(y), n);
        const dy = makeInput(n, -3, 3, false);
        const dx = new StaticArray<f32>(n + 1);
        const dxr = new StaticArray<f32>(n + 1);
        dx[n] = 777.0;
        act_backward(kind, ptr(x), ptr(y), ptr(dy), ptr(dx), n);
        act_backward_ref(kind, ptr(x), ptr(y), ptr(dy), ptr(dxr), n);
        let bad = -1;
        for (let i = 0; i < n; i++) if (!sameBits(dx[i], dxr[i])) { bad = i; break; }
        const msg = bad < 0 ? "" : KIND_NAME[kind] + " n=" + n.toString() + " x=" + x[bad].toString() +
          " simd=" + dx[bad].toString() + " ref=" + dxr[bad].toString();
        expect<i32>(bad).toBe(-1, msg);
        expect<f32>(dx[n]).toBe(777.0, "wrote past the end");
      }
    }
  });
  it("computes the textbook derivatives", () => {
    const x = new StaticArray<f32>(5);
    const y = new StaticArray<f32>(5);
    const dy = new StaticArray<f32>(5);
    const dx = new StaticArray<f32>(5);
    x[0] = -1; x[1] = 0; x[2] = 0.5; x[3] = 2; x[4] = -0.0;
    for (let i = 0; i < 5; i++) dy[i] = 2.0;
    act_forward(ACT_TANH, ptr(x), ptr(y), 5);
    act_backward(ACT_TANH, ptr(x), ptr(y), ptr(dy), ptr(dx), 5);
    for (let i = 0; i < 5; i++) {
      const t = Math.tanh(<f64>x[i]);
      expect<f64>(Math.abs(<f64>dx[i] - 2.0 * (1 - t * t))).toBeLessThan(1e-6);
    }
    act_forward(ACT_SIGMOID, ptr(x), ptr(y), 5);
    act_backward(ACT_SIGMOID, ptr(x), ptr(y), ptr(dy), ptr(dx), 5);
    for (let i = 0; i < 5; i++) {
      const sg = 1.0 / (1.0 + Math.exp(-<f64>x[i]));
      expect<f64>(Math.abs(<f64>dx[i] - 2.0 * sg * (1 - sg))).toBeLessThan(1e-6);
    }
    act_backward(ACT_RELU, ptr(x), 0, ptr(dy), ptr(dx), 5); // relu never reads y
    expect<f32>(dx[0]).toBe(0.0);
    expect<f32>(dx[1]).toBe(0.0); // relu'(0) = 0
    expect<f32>(dx[2]).toBe(2.0);
    expect<f32>(dx[3]).toBe(2.0);
    expect<f32>(dx[4]).toBe(0.0);
  });
});

// ---- GAAF -----------------------------------------------------------------------------------

const K: f32 = 10000.0;
// default shape parameters per kind: [tanh c, relu a, sigmoid c], relu b
const P1: f32[] = [3.0, 3.3, 12.0];
const P2: f32 = -0.6;

function s64(kind: i32, x: f64): f64 {
  if (kind == ACT_RELU) return 1.0 / (1.0 + Math.exp(-(<f64>P1[kind]) * (x - <f64>P2)));
  return Math.exp(-x * x / <f64>P1[kind]);
}
// |argument| of the exponential in s, for the conditioning allowance of the tolerance
function sArg(kind: i32, x: f64): f64 {
  if (kind == ACT_RELU) return Math.abs(<f64>P1[kind] * (x - <f64>P2));
  return x * x / <f64>P1[kind];
}
function dphi64(kind: i32, x: f64): f64 {
  if (kind == ACT_RELU) return x > 0 ? 1.0 : 0.0;
  if (kind == ACT_TANH) { const c = Math.cosh(x); return 1.0 / (c * c); }
  const e = Math.exp(-Math.abs(x));
  return e / ((1.0 + e) * (1.0 + e));
}

describe("gaaf_forward", () => {
  it("matches gaaf_forward_ref", () => {
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[k];
      for (let s = 0; s < SIZES.length; s++) {
        const n = SIZES[s];
        const x = makeInput(n, -20, 20, true);
        const y = new StaticArray<f32>(n + 1);
        const yr = new StaticArray<f32>(n + 1);
        y[n] = 4242.0;
        gaaf_forward(kind, ptr(x), ptr(y), n, K, P1[kind], P2);
        gaaf_forward_ref(kind, ptr(x), ptr(yr), n, K, P1[kind], P2);
        let bad = -1;
        for (let i = 0; i < n; i++) {
          // φ within 4 ulp of libm, g·s (|g·s| <= 5e-5) within ~1e-6 relative: 1e-11 absolute
          if (!closeUlp(y[i], yr[i], 4.0, 1e-11)) { bad = i; break; }
        }
        const msg = bad < 0 ? "" : KIND_NAME[kind] + " n=" + n.toString() + " x=" + x[bad].toString() +
          " simd=" + y[bad].toString() + " ref=" + yr[bad].toString();
        expect<i32>(bad).toBe(-1, msg);
        expect<f32>(y[n]).toBe(4242.0, "wrote past the end");
      }
    }
  });
  it("stays within 1/K of phi, and actually adds g·s", () => {
    const n = 20000;
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[k];
      const x = makeInput(n, -20, 20, true);
      // a dense stretch around 0 where s ≈ 1 and large |x| where x·K has no fraction bits
      for (let i = 0; i < 4000; i++) x[i] = <f32>(-2.0 + 4.0 * <f64>i / 4000.0);
      for (let i = 4000; i < 4100; i++) x[i] = uniform(-5000, 5000);
      const y = new StaticArray<f32>(n);
      gaaf_forward(kind, ptr(x), ptr(y), n, K, P1[kind], P2);
      let maxDiff = 0.0, bad = -1;
      for (let i = 0; i < n; i++) {
        const xi = <f64>x[i];
        if (isNaN(xi)) { if (!isNaN(y[i])) bad = i; continue; }
        const phi = f64phi(kind, xi);
        const d = isFinite(phi) ? Math.abs(<f64>y[i] - phi) : (<f64>y[i] == phi ? 0.0 : Infinity);
        if (!(d < 1.0 / <f64>K)) { bad = i; break; }
        if (d > maxDiff) maxDiff = d;
      }
      const msg = bad < 0 ? "" : KIND_NAME[kind] + " x=" + x[bad].toString() + " y=" + y[bad].toString();
      expect<i32>(bad).toBe(-1, msg);
      say("gaaf_forward " + KIND_NAME[kind] + ": max |y - phi| = " + maxDiff.toString() + " (1/K = 1e-4)");
      expect<f64>(maxDiff).toBeGreaterThan(0.4 / <f64>K); // g·s is really there
    }
  });
  it("adds exactly the sawtooth g where s = 1", () => {
    // relu at x in [2, 3): s = σ(3.3·(x + 0.6)) > 0.9998, φ = x, so y − x ≈ g(x)·s(x)
    const n = 1000;
    const x = new StaticArray<f32>(n);
    const y = new StaticArray<f32>(n);
    for (let i = 0; i < n; i++) x[i] = uniform(2, 3);
    gaaf_forward(ACT_RELU, ptr(x), ptr(y), n, K, P1[ACT_RELU], P2);
    for (let i = 0; i < n; i++) {
      const xk = <f64>(x[i] * K);
      const g = (xk - Math.floor(xk) - 0.5) / <f64>K;
      const want = <f64>x[i] + g * s64(ACT_RELU, <f64>x[i]);
      expect<f64>(Math.abs(<f64>y[i] - want)).toBeLessThanOrEqual(ulp32(<f64>x[i]));
    }
  });
  it("uses g = -0.5/K once |x·K| >= 2^23 and maps ±inf to phi(±inf)", () => {
    const x = new StaticArray<f32>(8);
    const y = new StaticArray<f32>(8);
    x[0] = 1000.0; x[1] = 4096.0; x[2] = Infinity; x[3] = -Infinity;
    x[4] = 3.4e38; x[5] = -3.4e38; x[6] = NaN; x[7] = -1000.0;
    gaaf_forward(ACT_RELU, ptr(x), ptr(y), 8, K, P1[ACT_RELU], P2);
    expect<f32>(y[0]).toBe(<f32>(1000.0 - 0.5 / 10000.0)); // nearest float to x − 0.5/K
    expect<f32>(y[1]).toBe(4096.0); // 0.5/K is below half an ulp of 4096
    expect<f32>(y[2]).toBe(Infinity);
    expect<f32>(y[3]).toBe(0.0);
    expect<f32>(y[4]).toBe(3.4e38);
    expect<f32>(y[5]).toBe(0.0);
    expect<bool>(isNaN(y[6])).toBe(true);
    expect<f32>(y[7]).toBe(0.0);
    gaaf_forward(ACT_TANH, ptr(x), ptr(y), 8, K, P1[ACT_TANH], P2);
    expect<f32>(y[2]).toBe(1.0);
    expect<f32>(y[3]).toBe(-1.0);
    expect<f32>(y[4]).toBe(1.0);
    expect<bool>(isNaN(y[6])).toBe(true);
    gaaf_forward(ACT_SIGMOID, ptr(x), ptr(y), 8, K, P1[ACT_SIGMOID], P2);
    expect<f32>(y[2]).toBe(1.0);
    expect<f32>(y[3]).toBe(0.0);
    expect<bool>(isNaN(y[6])).toBe(true);
  });
});

describe("gaaf_backward", () => {
  it("matches gaaf_backward_ref", () => {
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[k];
      for (let s = 0; s < SIZES.length; s++) {
        const n = SIZES[s];
        const x = makeInput(n, -20, 20, true);
        const dy = makeInput(n, -3, 3, false);
        const dx = new StaticArray<f32>(n + 1);
        const dxr = new StaticArray<f32>(n + 1);
        dx[n] = 99.0;
        gaaf_backward(kind, ptr(x), ptr(dy), ptr(dx), n, P1[kind], P2);
        gaaf_backward_ref(kind, ptr(x), ptr(dy), ptr(dxr), n, P1[kind], P2);
        let bad = -1;
        for (let i = 0; i < n; i++) {
          // exp of up to ~65 in magnitude: SIMD and libm may differ by a few ulp of the result
          if (!closeUlp(dx[i], dxr[i], 6.0, 1e-44)) { bad = i; break; }
        }
        const msg = bad < 0 ? "" : KIND_NAME[kind] + " n=" + n.toString() + " x=" + x[bad].toString() +
          " simd=" + dx[bad].toString() + " ref=" + dxr[bad].toString();
        expect<i32>(bad).toBe(-1, msg);
        expect<f32>(dx[n]).toBe(99.0, "wrote past the end");
      }
    }
  });
  it("equals dy·(phi' + s) computed in f64", () => {
    const n = 20000;
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[k];
      const x = makeInput(n, -20, 20, false);
      for (let i = 0; i < 4000; i++) x[i] = <f32>(-3.0 + 6.0 * <f64>i / 4000.0);
      const dy = makeInput(n, -3, 3, false);
      const dx = new StaticArray<f32>(n);
      gaaf_backward(kind, ptr(x), ptr(dy), ptr(dx), n, P1[kind], P2);
      let maxRel = 0.0, bad = -1;
      for (let i = 0; i < n; i++) {
        const xi = <f64>x[i];
        const dp = dphi64(kind, xi), s = s64(kind, xi);
        const want = <f64>dy[i] * (dp + s);
        // a few ulp, plus the float32 conditioning of exp(-u) in s: u is rounded twice
        // (x·x and ·(1/c), or x − b and a·), each a relative 2^-24, giving |u|·2·2^-24 in s
        const tol = Math.abs(<f64>dy[i]) * ((dp + s) * 6.0 + s * sArg(kind, xi) * 2.0) * Math.pow(2, -24) + 1e-44;
        const err = Math.abs(<f64>dx[i] - want);
        if (!(err <= tol)) { bad = i; break; }
        if (want != 0 && err / Math.abs(want) > maxRel) maxRel = err / Math.abs(want);
      }
      const msg = bad < 0 ? "" : KIND_NAME[kind] + " x=" + x[bad].toString() + " dy=" + dy[bad].toString() +
        " dx=" + dx[bad].toString();
      expect<i32>(bad).toBe(-1, msg);
      say("gaaf_backward " + KIND_NAME[kind] + ": max rel err vs f64 = " + maxRel.toString());
    }
  });
  it("propagates NaN and handles ±inf", () => {
    const x = new StaticArray<f32>(3);
    const dy = new StaticArray<f32>(3);
    const dx = new StaticArray<f32>(3);
    x[0] = NaN; x[1] = Infinity; x[2] = -Infinity;
    dy[0] = 1; dy[1] = 1; dy[2] = 1;
    for (let k = 0; k < KINDS.length; k++) {
      gaaf_backward(KINDS[k], ptr(x), ptr(dy), ptr(dx), 3, P1[KINDS[k]], P2);
      expect<bool>(isNaN(dx[0])).toBe(true);
      expect<f32>(dx[1]).toBe(KINDS[k] == ACT_RELU ? 2.0 : 0.0);
      expect<f32>(dx[2]).toBe(0.0);
    }
  });
});
