import {
  gaafx_forward, gaafx_forward_ref, gaafx_backward, gaafx_backward_ref,
  GAAFX_LEAKY_RELU, GAAFX_ELU, GAAFX_GELU_TANH, GAAFX_GELU, GAAFX_SILU,
} from "../../assembly/gaaf_ext";
import { actx_forward, actx_backward, erfc64, ACTX_ELU, ACTX_GELU_TANH, ACTX_GELU, ACTX_SILU } from "../../assembly/act_ext";
import { leaky_relu_forward, leaky_relu_backward } from "../../assembly/activations";
import { ptr, seedRandom, uniform } from "./random";

// GAAF for leakyRelu, elu, geluTanh, gelu, silu (assembly/gaaf_ext.ts): the SIMD kernels against
// their scalar references and both against f64 formulas of φ + g·s and φ′ + s, on awkward sizes
// (1, 3, 17, 63, 255 and the 4-lane tail), the padding past n untouched; the forward within 1/K
// of φ; the gradient added over the plain kernels equal to s; ±inf, NaN, in place. The measured
// errors are printed (assembly/gaaf_ext.ts quotes them).

seedRandom(0x6aaf);

const SIZES: i32[] = [0, 1, 3, 4, 5, 17, 63, 255, 1256];
const KINDS: i32[] = [GAAFX_LEAKY_RELU, GAAFX_ELU, GAAFX_GELU_TANH, GAAFX_GELU, GAAFX_SILU];
const NAMES: string[] = ["leakyRelu", "elu", "geluTanh", "gelu", "silu"];
const ACTX: i32[] = [-1, ACTX_ELU, ACTX_GELU_TANH, ACTX_GELU, ACTX_SILU];
const PAD = 8;
const K: f32 = 10000;
const A_: f32 = 3.3;
// src/gaaf.ts's defaults for α = 0.3 (leakyRelu) and α = 1 (elu): b = min(0, −ln 2α) − 0.6
function bOf(kind: i32, alpha: f32): f32 {
  if (kind != GAAFX_ELU) return -0.6;
  return <f32>(Math.min(0, -Math.log(2 * <f64>alpha)) - 0.6);
}
function alphaOf(kind: i32): f32 {
  return kind == GAAFX_LEAKY_RELU ? <f32>0.3 : <f32>1.0;
}

function f64phi(kind: i32, x: f64, alpha: f64): f64 {
  if (kind == GAAFX_LEAKY_RELU) return x > 0 ? x : alpha * x;
  if (kind == GAAFX_ELU) return x > 0 ? x : alpha * Math.expm1(x);
  if (kind == GAAFX_GELU_TANH) return x / (1 + Math.exp(-2 * 0.7978845608028654 * (x + 0.044715 * x * x * x)));
  if (kind == GAAFX_GELU) return 0.5 * x * erfc64(-x * 0.7071067811865476);
  return x / (1 + Math.exp(-x));
}

function f64dphi(kind: i32, x: f64, alpha: f64): f64 {
  if (kind == GAAFX_LEAKY_RELU) return x > 0 ? 1 : alpha;
  if (kind == GAAFX_ELU) return x > 0 ? 1 : alpha * Math.exp(x);
  if (kind == GAAFX_GELU_TANH) {
    const s = 1 / (1 + Math.exp(-2 * 0.7978845608028654 * (x + 0.044715 * x * x * x)));
    return s + x * s * (1 - s) * 2 * 0.7978845608028654 * (1 + 3 * 0.044715 * x * x);
  }
  if (kind == GAAFX_GELU) return 0.5 * erfc64(-x * 0.7071067811865476) + x * Math.exp(-0.5 * x * x) * 0.3989422804014327;
  const s = 1 / (1 + Math.exp(-x));
  return s + x * s * (1 - s);
}

// s(x) = A·σ(a·(x − b)), A = 1 − α for leakyRelu, 1 otherwise
function f64s(kind: i32, x: f64, alpha: f64, a: f64, b: f64): f64 {
  const A = kind == GAAFX_LEAKY_RELU ? 1 - alpha : 1.0;
  return A / (1 + Math.exp(-a * (x - b)));
}

// g at the float32 x as the kernel computes it (x·K rounded to float32)
function g32(x: f32, k: f32): f64 {
  const xk = x * k;
  if (!(Mathf.abs(xk) < 8388608.0)) return -0.5 / <f64>k;
  return (<f64>xk - Math.floor(<f64>xk) - 0.5) / <f64>k;
}

function sameBits(a: f32, b: f32): bool {
  return isNaN(a) ? isNaN(b) : reinterpret<u32>(a) == reinterpret<u32>(b);
}

// |y − t| / max(|t|, 1): relative above 1, absolute below
function err(y: f32, t: f64): f64 {
  return Math.abs(<f64>y - t) / Math.max(Math.abs(t), 1);
}

function input(n: i32): StaticArray<f32> {
  const x = new StaticArray<f32>(n + PAD);
  for (let i = 0; i < n; i++) x[i] = i % 5 == 0 ? uniform(-20, 20) : uniform(-4, 4);
  return x;
}

describe("gaafx kernels", () => {
  it("SIMD and _ref agree with f64 φ + g·s and φ′ + s, on awkward sizes, the padding untouched", () => {
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[k], alpha = alphaOf(kind), b = bOf(kind, alpha);
      let wF: f64 = 0, wB: f64 = 0, wFR: f64 = 0, wBR: f64 = 0, wSR: f64 = 0;
      for (let s = 0; s < SIZES.length; s++) {
        const n = SIZES[s];
        const x = input(n), dy = new StaticArray<f32>(n + PAD);
        for (let i = 0; i < n; i++) dy[i] = 1;
        const y = new StaticArray<f32>(n + PAD), yr = new StaticArray<f32>(n + PAD);
        const dx = new StaticArray<f32>(n + PAD), dxr = new StaticArray<f32>(n + PAD);
        for (let i = n; i < n + PAD; i++) { y[i] = 7; dx[i] = 7; }
        gaafx_forward(kind, ptr(x), ptr(y), n, alpha, K, A_, b);
        gaafx_forward_ref(kind, ptr(x), ptr(yr), n, alpha, K, A_, b);
        gaafx_backward(kind, ptr(x), ptr(dy), ptr(dx), n, alpha, A_, b);
        gaafx_backward_ref(kind, ptr(x), ptr(dy), ptr(dxr), n, alpha, A_, b);
        for (let i = 0; i < n; i++) {
          const xv = <f64>x[i];
          const tf = f64phi(kind, xv, alpha) + g32(x[i], K) * f64s(kind, xv, alpha, A_, b);
          const tb = f64dphi(kind, xv, alpha) + f64s(kind, xv, alpha, A_, b);
          wF = Math.max(wF, err(y[i], tf));
          wFR = Math.max(wFR, err(yr[i], tf));
          wB = Math.max(wB, err(dx[i], tb));
          wBR = Math.max(wBR, err(dxr[i], tb));
          wSR = Math.max(wSR, Math.max(err(y[i], <f64>yr[i]), err(dx[i], <f64>dxr[i])));
        }
        for (let i = n; i < n + PAD; i++) {
          expect<f32>(y[i]).toBe(7, NAMES[k] + " forward wrote past n=" + n.toString());
          expect<f32>(dx[i]).toBe(7, NAMES[k] + " backward wrote past n=" + n.toString());
        }
      }
      log("gaafx " + NAMES[k] + ": max err vs f64: forward SIMD " + wF.toString() + " ref " + wFR.toString() +
        ", backward SIMD " + wB.toString() + " ref " + wBR.toString() + "; SIMD vs ref " + wSR.toString());
      expect<bool>(wF < 4e-6 && wFR < 4e-6 && wB < 4e-6 && wBR < 4e-6 && wSR < 4e-6).toBe(true, NAMES[k]);
    }
  });

  it("the forward stays within 1/K of φ and really adds g·s; the backward adds exactly s to the plain kernel's φ′", () => {
    const n = 8000;
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[k], alpha = alphaOf(kind), b = bOf(kind, alpha);
      const x = new StaticArray<f32>(n), ones = new StaticArray<f32>(n);
      for (let i = 0; i < n; i++) { x[i] = <f32>(-6.0 + 8.0 * <f64>i / <f64>n); ones[i] = 1; }
      const y = new StaticArray<f32>(n), plain = new StaticArray<f32>(n);
      const dx = new StaticArray<f32>(n), dplain = new StaticArray<f32>(n);
      for (let t = 0; t < 3; t++) {
        const kk: f32 = t == 0 ? K : t == 1 ? <f32>1000 : <f32>37;
        gaafx_forward(kind, ptr(x), ptr(y), n, alpha, kk, A_, b);
        let maxD: f64 = 0;
        let bad = -1;
        for (let i = 0; i < n; i++) {
          const d = Math.abs(<f64>y[i] - f64phi(kind, <f64>x[i], alpha));
          if (!(d < 1.0 / <f64>kk) && bad < 0) bad = i;
          maxD = Math.max(maxD, d);
        }
        expect<i32>(bad).toBe(-1, NAMES[k] + " K=" + kk.toString() + (bad < 0 ? "" : " x=" + x[bad].toString()));
        if (t == 0) log("gaafx " + NAMES[k] + ": max |y − φ| = " + maxD.toString() + " (1/K = 1e-4)");
        // amplitude A·0.5/K: leakyRelu's A = 0.7 gives at most 3.5e-5, the others 5e-5
        expect<f64>(maxD).toBeGreaterThan(0.4 * <f64>(kind == GAAFX_LEAKY_RELU ? 0.7 : 1.0) / <f64>kk);
      }
      gaafx_backward(kind, ptr(x), ptr(ones), ptr(dx), n, alpha, A_, b);
      if (kind == GAAFX_LEAKY_RELU) leaky_relu_backward(ptr(x), ptr(ones), ptr(dplain), n, alpha);
      else actx_backward(ACTX[k], ptr(x), ptr(ones), ptr(dplain), n, alpha);
      let worst: f64 = 0;
      for (let i = 0; i < n; i++) {
        const s = f64s(kind, <f64>x[i], alpha, A_, b);
        // dx = fl(φ′ + s): within an ulp of the sum, plus s's own 2.31 ulp and conditioning
        worst = Math.max(worst, Math.abs((<f64>dx[i] - <f64>dplain[i]) - s));
      }
      log("gaafx " + NAMES[k] + ": max |(dx − dx_plain) − s| = " + worst.toString());
      expect<f64>(worst).toBeLessThan(4e-7);
      // the same φ as the plain kernel: where g·s rounds away (x = 1e6, g·s = −5e-5 below ulp/2), the same bits
      const big = new StaticArray<f32>(4), yb = new StaticArray<f32>(4), pb = new StaticArray<f32>(4);
      big[0] = 1e6; big[1] = 3e5; big[2] = 7e5; big[3] = 2e6;
      gaafx_forward(kind, ptr(big), ptr(yb), 4, alpha, K, A_, b);
      if (kind == GAAFX_LEAKY_RELU) leaky_relu_forward(ptr(big), ptr(pb), 4, alpha);
      else actx_forward(ACTX[k], ptr(big), ptr(pb), 4, alpha);
      for (let i = 0; i < 4; i++) expect<f32>(yb[i]).toBe(pb[i], NAMES[k] + " at " + big[i].toString());
    }
  });

  it("the shapes: A = 1 − α for leakyRelu; 50% at b; elu's b follows α", () => {
    const x = new StaticArray<f32>(3), ones = new StaticArray<f32>(3), dx = new StaticArray<f32>(3);
    x[0] = 30; x[1] = -0.6; x[2] = -30; ones[0] = 1; ones[1] = 1; ones[2] = 1;
    gaafx_backward(GAAFX_LEAKY_RELU, ptr(x), ptr(ones), ptr(dx), 3, 0.1, A_, -0.6);
    expect<f32>(dx[0]).toBe(<f32>1 + (<f32>1 - <f32>0.1)); // φ′ = 1, s = 0.9
    expect<f64>(Math.abs(<f64>dx[1] - (0.1 + 0.45))).toBeLessThan(1e-7);
    expect<f32>(dx[2]).toBe(<f32>0.1); // s(−30) = 0.9·σ(−97) below half an ulp of 0.1
    gaafx_backward(GAAFX_SILU, ptr(x), ptr(ones), ptr(dx), 3, 0, A_, -0.6);
    expect<f32>(dx[0]).toBe(2); // φ′(30) rounds to 1, s = 1
    expect<f64>(Math.abs(<f64>dx[1] - (f64dphi(GAAFX_SILU, -0.6, 0) + 0.5))).toBeLessThan(2e-7);
    // elu α = 1: the default centre b = −ln 2 − 0.6, where s = ½
    const b = bOf(GAAFX_ELU, 1);
    x[1] = b;
    gaafx_backward(GAAFX_ELU, ptr(x), ptr(ones), ptr(dx), 3, 1, A_, b);
    expect<f64>(Math.abs(<f64>dx[1] - (Math.exp(<f64>b) + 0.5))).toBeLessThan(2e-7);
    expect<f64>(Math.abs(<f64>b - (-0.6931471805599453 - 0.6))).toBeLessThan(1e-7);
    expect<f32>(bOf(GAAFX_ELU, 0.25)).toBe(<f32>-0.6); // α ≤ ½: φ′ jumps through ½ at 0
  });

  it("NaN stays NaN; ±inf give the plain limits; in place gives the out-of-place bits", () => {
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[k], alpha = alphaOf(kind), b = bOf(kind, alpha);
      const x = new StaticArray<f32>(3), y = new StaticArray<f32>(3), ones = new StaticArray<f32>(3), dx = new StaticArray<f32>(3);
      x[0] = NaN; x[1] = Infinity; x[2] = -Infinity; ones[0] = 1; ones[1] = 1; ones[2] = 1;
      gaafx_forward(kind, ptr(x), ptr(y), 3, alpha, K, A_, b);
      expect<bool>(isNaN(y[0])).toBe(true, NAMES[k] + " NaN");
      expect<f32>(y[1]).toBe(Infinity, NAMES[k] + " +inf");
      if (kind == GAAFX_ELU) expect<f32>(y[2]).toBe(-1, "elu −inf = −α");
      if (kind == GAAFX_LEAKY_RELU) expect<f32>(y[2]).toBe(-Infinity, "leakyRelu −inf");
      gaafx_backward(kind, ptr(x), ptr(ones), ptr(dx), 3, alpha, A_, b);
      expect<bool>(isNaN(dx[0])).toBe(true, NAMES[k] + " NaN backward");
      // ±inf: s(+inf) = A, s(−inf) = 0 on top of the plain kernel's φ′ (NaN where that is NaN:
      // gelu's and silu's x·(…)′ is inf·0 at ±inf in the plain kernels too)
      const A: f32 = kind == GAAFX_LEAKY_RELU ? <f32>1 - alpha : <f32>1;
      const pd = new StaticArray<f32>(3);
      if (kind == GAAFX_LEAKY_RELU) leaky_relu_backward(ptr(x), ptr(ones), ptr(pd), 3, alpha);
      else actx_backward(ACTX[k], ptr(x), ptr(ones), ptr(pd), 3, alpha);
      expect<bool>(sameBits(dx[1], pd[1] + A) && sameBits(dx[2], pd[2])).toBe(true, NAMES[k] + " ±inf backward: plain φ′ + s(±inf)");
      if (kind == GAAFX_ELU || kind == GAAFX_LEAKY_RELU) {
        expect<f32>(dx[1]).toBe(<f32>1 + A, NAMES[k] + " +inf backward: 1 + A");
        expect<f32>(dx[2]).toBe(kind == GAAFX_ELU ? <f32>0 : alpha, NAMES[k] + " −inf backward");
      }
      const n = 67;
      const a = new StaticArray<f32>(n), o = new StaticArray<f32>(n), d = new StaticArray<f32>(n), od = new StaticArray<f32>(n);
      for (let i = 0; i < n; i++) { a[i] = uniform(-5, 5); d[i] = uniform(-2, 2); }
      gaafx_forward(kind, ptr(a), ptr(o), n, alpha, K, A_, b);
      gaafx_backward(kind, ptr(a), ptr(d), ptr(od), n, alpha, A_, b);
      gaafx_backward(kind, ptr(a), ptr(d), ptr(d), n, alpha, A_, b);
      gaafx_forward(kind, ptr(a), ptr(a), n, alpha, K, A_, b);
      let same = true;
      for (let i = 0; i < n; i++) {
        if (reinterpret<u32>(a[i]) != reinterpret<u32>(o[i]) || reinterpret<u32>(d[i]) != reinterpret<u32>(od[i])) same = false;
      }
      expect<bool>(same).toBe(true, NAMES[k] + " in place");
    }
  });
});
