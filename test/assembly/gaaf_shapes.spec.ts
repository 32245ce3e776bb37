import {
  gaafs_forward, gaafs_forward_ref, gaafs_backward, gaafs_backward_ref,
  GAAFS_BELL, GAAFS_RING, GAAFS_SHIFTED_SIGMOID, GAAFS_LEFT_BUMP,
} from "../../assembly/gaaf_shapes";
import { gaaf_forward, gaaf_backward, act_forward, act_backward, ACT_TANH, ACT_RELU, ACT_SIGMOID } from "../../assembly/activations";
import { ptr, seedRandom, uniform } from "./random";

// GAAF with a chosen shape (assembly/gaaf_shapes.ts): the SIMD kernels against their scalar
// references and both against f64 formulas of φ + g·s and φ′ + s, for every activation and
// shape, at heights 1 and ¼, on awkward sizes (1, 3, 17, 63, 255 and the 4-lane tail), the
// padding past n untouched; the forward within 1/K of φ; the ring's peak and zero; the bump cut
// at 0; the bell and shifted sigmoid at height 1 give the paper kernels' very bits; ±inf, NaN.

seedRandom(0x5aa9e);

const SIZES: i32[] = [0, 1, 3, 4, 5, 17, 63, 255, 1256];
const KINDS: i32[] = [ACT_TANH, ACT_RELU, ACT_SIGMOID];
const NAMES: string[] = ["tanh", "relu", "sigmoid"];
const SHAPES: i32[] = [GAAFS_BELL, GAAFS_RING, GAAFS_SHIFTED_SIGMOID, GAAFS_LEFT_BUMP];
const SHAPE_NAMES: string[] = ["bell", "ring", "shiftedSigmoid", "leftBump"];
const PAD = 8;
const K: f32 = 10000;

function p1Of(shape: i32): f32 {
  return shape == GAAFS_SHIFTED_SIGMOID ? <f32>3.3 : shape == GAAFS_LEFT_BUMP ? <f32>0.75 : shape == GAAFS_RING ? <f32>2 : <f32>3;
}
function p2Of(shape: i32): f32 {
  return shape == GAAFS_SHIFTED_SIGMOID ? <f32>-0.6 : <f32>0;
}

function f64phi(kind: i32, x: f64): f64 {
  if (kind == ACT_TANH) return Math.tanh(x);
  if (kind == ACT_SIGMOID) return 1 / (1 + Math.exp(-x));
  return x > 0 ? x : 0;
}
function f64dphi(kind: i32, x: f64): f64 {
  if (kind == ACT_TANH) { const t = Math.tanh(x); return 1 - t * t; }
  if (kind == ACT_SIGMOID) { const s = 1 / (1 + Math.exp(-x)); return s * (1 - s); }
  return x > 0 ? 1 : 0;
}
function f64s(shape: i32, x: f64, p1: f64, p2: f64, h: f64): f64 {
  if (shape == GAAFS_SHIFTED_SIGMOID) return h / (1 + Math.exp(-p1 * (x - p2)));
  const u = x * x / p1;
  if (shape == GAAFS_RING) return h * u * Math.exp(1 - u);
  if (shape == GAAFS_LEFT_BUMP) return x <= 0 ? h * Math.exp(-u) : 0;
  return h * Math.exp(-u);
}
function g32(x: f32, k: f32): f64 {
  const xk = x * k;
  if (!(Mathf.abs(xk) < 8388608.0)) return -0.5 / <f64>k;
  return (<f64>xk - Math.floor(<f64>xk) - 0.5) / <f64>k;
}
function err(y: f32, t: f64): f64 {
  return Math.abs(<f64>y - t) / Math.max(Math.abs(t), 1);
}
function sameBits(a: f32, b: f32): bool {
  return isNaN(a) ? isNaN(b) : reinterpret<u32>(a) == reinterpret<u32>(b);
}
function input(n: i32): StaticArray<f32> {
  const x = new StaticArray<f32>(n + PAD);
  for (let i = 0; i < n; i++) x[i] = i % 5 == 0 ? uniform(-20, 20) : uniform(-4, 4);
  return x;
}

describe("gaafs kernels", () => {
  it("SIMD and _ref agree with f64 φ + g·s and φ′ + s for every activation, shape and height, on awkward sizes", () => {
    for (let k = 0; k < KINDS.length; k++) {
      for (let s = 0; s < SHAPES.length; s++) {
        for (let t = 0; t < 2; t++) {
          const kind = KINDS[k], shape = SHAPES[s], p1 = p1Of(shape), p2 = p2Of(shape);
          const h: f32 = t == 0 ? <f32>1 : <f32>0.25;
          let wF: f64 = 0, wB: f64 = 0, wFR: f64 = 0, wBR: f64 = 0, wSR: f64 = 0;
          for (let z = 0; z < SIZES.length; z++) {
            const n = SIZES[z];
            const x = input(n), dy = new StaticArray<f32>(n + PAD);
            for (let i = 0; i < n; i++) dy[i] = uniform(-2, 2);
            const y = new StaticArray<f32>(n + PAD), yr = new StaticArray<f32>(n + PAD);
            const dx = new StaticArray<f32>(n + PAD), dxr = new StaticArray<f32>(n + PAD);
            for (let i = n; i < n + PAD; i++) { y[i] = 7; dx[i] = 7; yr[i] = 7; dxr[i] = 7; }
            gaafs_forward(kind, shape, ptr(x), ptr(y), n, K, p1, p2, h);
            gaafs_forward_ref(kind, shape, ptr(x), ptr(yr), n, K, p1, p2, h);
            gaafs_backward(kind, shape, ptr(x), ptr(dy), ptr(dx), n, p1, p2, h);
            gaafs_backward_ref(kind, shape, ptr(x), ptr(dy), ptr(dxr), n, p1, p2, h);
            for (let i = 0; i < n; i++) {
              const xv = <f64>x[i];
              const sv = f64s(shape, xv, p1, p2, h);
              const tf = f64phi(kind, xv) + g32(x[i], K) * sv;
              const tb = <f64>dy[i] * (f64dphi(kind, xv) + sv);
              wF = Math.max(wF, err(y[i], tf));
              wFR = Math.max(wFR, err(yr[i], tf));
              wB = Math.max(wB, err(dx[i], tb));
              wBR = Math.max(wBR, err(dxr[i], tb));
              wSR = Math.max(wSR, Math.max(err(y[i], <f64>yr[i]), err(dx[i], <f64>dxr[i])));
            }
            for (let i = n; i < n + PAD; i++) {
              const what = NAMES[k] + " " + SHAPE_NAMES[s] + " n=" + n.toString();
              expect<f32>(y[i]).toBe(7, what + " forward wrote past n");
              expect<f32>(dx[i]).toBe(7, what + " backward wrote past n");
              expect<f32>(yr[i]).toBe(7, what + " forward_ref wrote past n");
              expect<f32>(dxr[i]).toBe(7, what + " backward_ref wrote past n");
            }
          }
          const what = NAMES[k] + " " + SHAPE_NAMES[s] + " h=" + h.toString();
          log("gaafs " + what + ": max err vs f64: forward SIMD " + wF.toString() + " ref " + wFR.toString() +
            ", backward SIMD " + wB.toString() + " ref " + wBR.toString() + "; SIMD vs ref " + wSR.toString());
          expect<bool>(wF < 4e-6 && wFR < 4e-6 && wB < 4e-6 && wBR < 4e-6 && wSR < 4e-6).toBe(true, what);
        }
      }
    }
  });

  it("the bell and the shifted sigmoid at height 1 give the paper kernels' bits; the forward stays within 1/K of φ", () => {
    const n = 1001;
    const x = new StaticArray<f32>(n), dy = new StaticArray<f32>(n);
    for (let i = 0; i < n; i++) { x[i] = <f32>(-8.0 + 16.0 * <f64>i / <f64>(n - 1)) + <f32>0.000123; dy[i] = 1; }
    const a = new StaticArray<f32>(n), b = new StaticArray<f32>(n);
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[k];
      const shape = kind == ACT_RELU ? GAAFS_SHIFTED_SIGMOID : GAAFS_BELL;
      const p1: f32 = kind == ACT_RELU ? <f32>3.3 : kind == ACT_TANH ? <f32>3 : <f32>12, p2: f32 = kind == ACT_RELU ? <f32>-0.6 : <f32>0;
      gaafs_forward(kind, shape, ptr(x), ptr(a), n, K, p1, p2, 1);
      gaaf_forward(kind, ptr(x), ptr(b), n, K, p1, p2);
      let same = true;
      for (let i = 0; i < n; i++) same = same && sameBits(a[i], b[i]);
      expect<bool>(same).toBe(true, NAMES[k] + " forward bits");
      gaafs_backward(kind, shape, ptr(x), ptr(dy), ptr(a), n, p1, p2, 1);
      gaaf_backward(kind, ptr(x), ptr(dy), ptr(b), n, p1, p2);
      same = true;
      for (let i = 0; i < n; i++) same = same && sameBits(a[i], b[i]);
      expect<bool>(same).toBe(true, NAMES[k] + " backward bits");
      for (let s = 0; s < SHAPES.length; s++) {
        gaafs_forward(kind, SHAPES[s], ptr(x), ptr(a), n, K, p1Of(SHAPES[s]), p2Of(SHAPES[s]), 1);
        let worst: f64 = 0;
        for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(<f64>a[i] - f64phi(kind, <f64>x[i])));
        expect<f64>(worst).toBeLessThan(1.0 / <f64>K);
      }
    }
  });

  it("the ring is 0 at x = 0 and peaks at h at |x| = √c; the bump is h at 0⁻ and 0 for x > 0; the backward adds s to φ′", () => {
    const x = new StaticArray<f32>(6), ones = new StaticArray<f32>(6), dx = new StaticArray<f32>(6), plain = new StaticArray<f32>(6), y = new StaticArray<f32>(6);
    x[0] = 0; x[1] = <f32>Math.sqrt(2); x[2] = -<f32>Math.sqrt(2); x[3] = <f32>1.3; x[4] = <f32>1.5; x[5] = 1e-30;
    for (let i = 0; i < 6; i++) ones[i] = 1;
    gaafs_backward(ACT_TANH, GAAFS_RING, ptr(x), ptr(ones), ptr(dx), 6, 2, 0, 0.5);
    act_forward(ACT_TANH, ptr(x), ptr(y), 6);
    act_backward(ACT_TANH, ptr(x), ptr(y), ptr(ones), ptr(plain), 6);
    expect<f64>(Math.abs(<f64>dx[0] - 1)).toBeLessThan(1e-7); // tanh′(0) = 1, s(0) = 0
    expect<f64>(Math.abs(<f64>dx[1] - (f64dphi(ACT_TANH, <f64>x[1]) + 0.5))).toBeLessThan(3e-7); // the peak: h
    expect<f64>(Math.abs(<f64>dx[2] - <f64>dx[1])).toBeLessThan(1e-7); // even
    // the peak is a maximum: s below h on either side
    expect<f64>(f64s(GAAFS_RING, 1.3, 2, 0, 0.5)).toBeLessThan(0.5);
    expect<f64>(f64s(GAAFS_RING, 1.5, 2, 0, 0.5)).toBeLessThan(0.5);
    expect<f64>(Math.abs((<f64>dx[3] - f64dphi(ACT_TANH, <f64>x[3])) - f64s(GAAFS_RING, <f64>x[3], 2, 0, 0.5))).toBeLessThan(3e-7);
    x[0] = -1e-30; x[1] = 1e-30; x[2] = -1; x[3] = 2; x[4] = -0.0; x[5] = 0;
    gaafs_backward(ACT_RELU, GAAFS_LEFT_BUMP, ptr(x), ptr(ones), ptr(dx), 6, 0.75, 0, 1);
    expect<f32>(dx[0]).toBe(1); // 0⁻: relu′ = 0, s = 1
    expect<f32>(dx[1]).toBe(1); // 0⁺: relu′ = 1, s = 0
    expect<f64>(Math.abs(<f64>dx[2] - Math.exp(-1 / 0.75))).toBeLessThan(2e-7);
    expect<f32>(dx[3]).toBe(1);
    expect<f32>(dx[4]).toBe(1); // −0 ≤ 0
    expect<f32>(dx[5]).toBe(1); // 0: relu′(0) = 0 (from the left), s(0) = 1
  });

  it("NaN stays NaN; ±inf give φ(±inf) and φ′ + s(±inf) without NaN; in place gives the out-of-place bits", () => {
    for (let k = 0; k < KINDS.length; k++) {
      for (let s = 0; s < SHAPES.length; s++) {
        const kind = KINDS[k], shape = SHAPES[s], p1 = p1Of(shape), p2 = p2Of(shape);
        const what = NAMES[k] + " " + SHAPE_NAMES[s];
        const x = new StaticArray<f32>(3), y = new StaticArray<f32>(3), ones = new StaticArray<f32>(3), dx = new StaticArray<f32>(3);
        x[0] = NaN; x[1] = Infinity; x[2] = -Infinity; ones[0] = 1; ones[1] = 1; ones[2] = 1;
        gaafs_forward(kind, shape, ptr(x), ptr(y), 3, K, p1, p2, 1);
        expect<bool>(isNaN(y[0])).toBe(true, what + " NaN");
        // g(±inf) = −0.5/K; s(+inf) = 1 for the shifted sigmoid, 0 for the others; s(−inf) = 0
        const sp: f32 = shape == GAAFS_SHIFTED_SIGMOID ? <f32>1 : <f32>0;
        const phiInf: f32 = kind == ACT_TANH || kind == ACT_SIGMOID ? <f32>1 : Infinity;
        expect<f32>(y[1]).toBe(phiInf + ((<f32>0 - <f32>0.5) / K) * sp, what + " +inf");
        expect<f32>(y[2]).toBe(kind == ACT_TANH ? <f32>-1 : <f32>0, what + " −inf");
        gaafs_backward(kind, shape, ptr(x), ptr(ones), ptr(dx), 3, p1, p2, 1);
        // NaN: φ′ is NaN for tanh and sigmoid; relu′(NaN) = 0 as in the plain kernel, and the ring
        // and bump masks compare false (s = 0), while the bell and shifted sigmoid give NaN
        const masked = kind == ACT_RELU && (shape == GAAFS_RING || shape == GAAFS_LEFT_BUMP);
        if (masked) expect<f32>(dx[0]).toBe(0, what + " NaN backward: relu′ and a masked s");
        else expect<bool>(isNaN(dx[0])).toBe(true, what + " NaN backward");
        expect<bool>(!isNaN(dx[1]) && !isNaN(dx[2])).toBe(true, what + " ±inf backward");
        expect<f32>(dx[1]).toBe((kind == ACT_RELU ? <f32>1 : <f32>0) + sp, what + " +inf backward");
        expect<f32>(dx[2]).toBe(0, what + " −inf backward");
        // in place
        const n = 63;
        const xi = input(n), xo = input(0), out = new StaticArray<f32>(n + PAD), d = new StaticArray<f32>(n + PAD), dout = new StaticArray<f32>(n + PAD);
        for (let i = 0; i < n; i++) d[i] = uniform(-1, 1);
        gaafs_forward(kind, shape, ptr(xi), ptr(out), n, K, p1, p2, 0.25);
        gaafs_backward(kind, shape, ptr(xi), ptr(d), ptr(dout), n, p1, p2, 0.25);
        gaafs_backward(kind, shape, ptr(xi), ptr(d), ptr(d), n, p1, p2, 0.25);
        gaafs_forward(kind, shape, ptr(xi), ptr(xi), n, K, p1, p2, 0.25);
        let same = true;
        for (let i = 0; i < n; i++) same = same && sameBits(xi[i], out[i]) && sameBits(d[i], dout[i]);
        expect<bool>(same).toBe(true, what + " in place");
        expect<i32>(xo.length).toBe(PAD);
      }
    }
  });
});
