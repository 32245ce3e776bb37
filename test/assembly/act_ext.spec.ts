import {
  actx_forward, actx_forward_ref, actx_backward, actx_backward_ref, erf64, erfc64,
  softmax_forward, softmax_forward_ref, softmax_backward, softmax_backward_ref,
  ACTX_ELU, ACTX_GELU_TANH, ACTX_GELU, ACTX_SILU, ACTX_SOFTPLUS,
} from "../../assembly/act_ext";
import { v_erfc, v_log1p_unit } from "../../assembly/mathx";
import { ptr, seedRandom, uniform } from "./random";

// ELU, GELU (tanh and exact), SiLU, softplus and softmax: the SIMD kernels against their scalar
// references and both against f64 formulas, on awkward sizes (1, 3, 17, 63, 255 and the 4-lane
// tail), with ±inf and NaN; v_erfc and v_log1p_unit against f64 erf/erfc and Math.log1p, their
// measured error printed (the figures quoted in assembly/mathx.ts come from these logs).

seedRandom(0xac7e);

const SIZES: i32[] = [0, 1, 3, 4, 5, 17, 63, 255, 256];
const KINDS: i32[] = [ACTX_ELU, ACTX_GELU_TANH, ACTX_GELU, ACTX_SILU, ACTX_SOFTPLUS];
const NAMES: string[] = ["elu", "geluTanh", "gelu", "silu", "softplus"];
const PAD = 8;

function f64fwd(kind: i32, x: f64, alpha: f64): f64 {
  if (kind == ACTX_ELU) return x > 0 ? x : alpha * Math.expm1(x);
  if (kind == ACTX_GELU_TANH) {
    const u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
    return x / (1 + Math.exp(-2 * u));
  }
  if (kind == ACTX_GELU) return 0.5 * x * erfc64(-x * 0.7071067811865476);
  if (kind == ACTX_SILU) return x / (1 + Math.exp(-x));
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

function f64der(kind: i32, x: f64, alpha: f64): f64 {
  if (kind == ACTX_ELU) return x > 0 ? 1 : alpha * Math.exp(x);
  if (kind == ACTX_GELU_TANH) {
    const u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
    const s = 1 / (1 + Math.exp(-2 * u));
    return s + x * s * (1 - s) * 2 * 0.7978845608028654 * (1 + 3 * 0.044715 * x * x);
  }
  if (kind == ACTX_GELU) return 0.5 * erfc64(-x * 0.7071067811865476) + x * Math.exp(-0.5 * x * x) * 0.3989422804014327;
  const s = 1 / (1 + Math.exp(-x));
  if (kind == ACTX_SILU) return s + x * s * (1 - s);
  return s;
}

// error measure: |y − t| / max(|t|, 1): relative for |t| >= 1, absolute below
function err(y: f32, t: f64): f64 {
  return Math.abs(<f64>y - t) / Math.max(Math.abs(t), 1);
}

describe("actx kernels", () => {
  it("SIMD and _ref agree with f64 formulas within 4e-6 (relative above 1, absolute below), tails clean", () => {
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[k], alpha: f32 = 0.7;
      let worstF: f64 = 0, worstB: f64 = 0, worstFR: f64 = 0, worstBR: f64 = 0;
      for (let s = 0; s < SIZES.length; s++) {
        const n = SIZES[s] + 1000 * (s == SIZES.length - 1 ? 1 : 0);
        const x = new StaticArray<f32>(n + PAD), dy = new StaticArray<f32>(n + PAD);
        for (let i = 0; i < n; i++) { x[i] = i % 5 == 0 ? uniform(-20, 20) : uniform(-4, 4); dy[i] = 1; }
        const y = new StaticArray<f32>(n + PAD), yr = new StaticArray<f32>(n + PAD);
        const dx = new StaticArray<f32>(n + PAD), dxr = new StaticArray<f32>(n + PAD);
        for (let i = n; i < n + PAD; i++) { y[i] = 7; dx[i] = 7; }
        actx_forward(kind, ptr(x), ptr(y), n, alpha);
        actx_forward_ref(kind, ptr(x), ptr(yr), n, alpha);
        actx_backward(kind, ptr(x), ptr(dy), ptr(dx), n, alpha);
        actx_backward_ref(kind, ptr(x), ptr(dy), ptr(dxr), n, alpha);
        for (let i = 0; i < n; i++) {
          const xv = <f64>x[i];
          worstF = Math.max(worstF, err(y[i], f64fwd(kind, xv, alpha)));
          worstB = Math.max(worstB, err(dx[i], f64der(kind, xv, alpha)));
          worstFR = Math.max(worstFR, err(yr[i], f64fwd(kind, xv, alpha)));
          worstBR = Math.max(worstBR, err(dxr[i], f64der(kind, xv, alpha)));
        }
        for (let i = n; i < n + PAD; i++) {
          expect<f32>(y[i]).toBe(7, NAMES[k] + " forward tail n=" + n.toString());
          expect<f32>(dx[i]).toBe(7, NAMES[k] + " backward tail n=" + n.toString());
        }
      }
      log(NAMES[k] + ": max err vs f64: forward SIMD " + worstF.toString() + " ref " + worstFR.toString() + ", backward SIMD " + worstB.toString() + " ref " + worstBR.toString());
      expect<bool>(worstF < 4e-6 && worstB < 4e-6 && worstFR < 4e-6 && worstBR < 4e-6).toBe(true, NAMES[k]);
    }
  });

  it("NaN stays NaN; ±inf give the limits; in place gives the out-of-place values", () => {
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[k];
      const x = new StaticArray<f32>(3), y = new StaticArray<f32>(3);
      x[0] = NaN; x[1] = Infinity; x[2] = -Infinity;
      actx_forward(kind, ptr(x), ptr(y), 3, 1);
      expect<bool>(isNaN(y[0])).toBe(true, NAMES[k] + " NaN");
      expect<f32>(y[1]).toBe(Infinity, NAMES[k] + " +inf");
      if (kind == ACTX_ELU) expect<f32>(y[2]).toBe(-1, "elu −inf = −α");
      const n = 67;
      const a = new StaticArray<f32>(n), b = new StaticArray<f32>(n);
      for (let i = 0; i < n; i++) a[i] = uniform(-5, 5);
      actx_forward(kind, ptr(a), ptr(b), n, 0.5);
      actx_forward(kind, ptr(a), ptr(a), n, 0.5);
      let same = true;
      for (let i = 0; i < n; i++) if (reinterpret<u32>(a[i]) != reinterpret<u32>(b[i])) same = false;
      expect<bool>(same).toBe(true, NAMES[k] + " in place");
    }
  });
});

describe("mathx erfc and log1p", () => {
  it("v_erfc against f64 erf/erfc over [−6, 6]; v_log1p_unit against Math.log1p over [0, 1]", () => {
    let relC: f64 = 0, absE: f64 = 0, relC4: f64 = 0;
    for (let i = 0; i <= 240000; i++) {
      const z = <f32>(-6.0 + 12.0 * <f64>i / 240000.0);
      const r = f32x4.extract_lane(v_erfc(f32x4.splat(z)), 0);
      const t = erfc64(<f64>z);
      const rel = Math.abs(<f64>r - t) / t;
      relC = Math.max(relC, rel);
      if (Math.abs(<f64>z) <= 4) relC4 = Math.max(relC4, rel);
      absE = Math.max(absE, Math.abs((1 - <f64>r) - erf64(<f64>z)));
    }
    log("v_erfc: max relative error of erfc " + relC4.toString() + " on [−4, 4], " + relC.toString() + " on [−6, 6]; max absolute error of erf = 1 − erfc: " + absE.toString());
    expect<bool>(relC4 < 2e-6 && relC < 5e-6 && absE < 5e-7).toBe(true);
    let relL: f64 = 0;
    for (let i = 0; i <= 100000; i++) {
      const u = <f32>(<f64>i / 100000.0);
      const r = f32x4.extract_lane(v_log1p_unit(f32x4.splat(u)), 0);
      const t = Math.log1p(<f64>u);
      if (t > 0) relL = Math.max(relL, Math.abs(<f64>r - t) / t);
      else expect<f32>(r).toBe(0);
    }
    const tiny = f32x4.extract_lane(v_log1p_unit(f32x4.splat(<f32>1e-30)), 0);
    log("v_log1p_unit: max relative error " + relL.toString() + " on [0, 1]; log1p(1e-30) = " + tiny.toString());
    expect<bool>(relL < 3e-7).toBe(true);
    expect<f32>(tiny).toBe(<f32>1e-30);
  });
});

describe("softmax", () => {
  it("SIMD matches _ref within 2 ulp-ish, rows sum to 1, backward matches, on awkward widths", () => {
    const COLS: i32[] = [1, 3, 4, 5, 17, 63, 255];
    const ROWS: i32[] = [1, 3];
    let worst: f64 = 0, worstB: f64 = 0;
    for (let a = 0; a < ROWS.length; a++) for (let c = 0; c < COLS.length; c++) {
      const rows = ROWS[a], cols = COLS[c], n = rows * cols;
      const x = new StaticArray<f32>(n + PAD), dy = new StaticArray<f32>(n + PAD);
      for (let i = 0; i < n; i++) { x[i] = uniform(-30, 30); dy[i] = uniform(-1, 1); }
      const y = new StaticArray<f32>(n + PAD), yr = new StaticArray<f32>(n + PAD);
      const dx = new StaticArray<f32>(n + PAD), dxr = new StaticArray<f32>(n + PAD);
      for (let i = n; i < n + PAD; i++) { y[i] = 7; dx[i] = 7; }
      softmax_forward(ptr(x), ptr(y), rows, cols);
      softmax_forward_ref(ptr(x), ptr(yr), rows, cols);
      softmax_backward(ptr(y), ptr(dy), ptr(dx), rows, cols);
      softmax_backward_ref(ptr(yr), ptr(dy), ptr(dxr), rows, cols);
      for (let r = 0; r < rows; r++) {
        let s: f64 = 0, m: f64 = -Infinity;
        for (let j = 0; j < cols; j++) m = Math.max(m, <f64>x[r * cols + j]);
        for (let j = 0; j < cols; j++) s += Math.exp(<f64>x[r * cols + j] - m);
        let dot: f64 = 0;
        for (let j = 0; j < cols; j++) dot += <f64>dy[r * cols + j] * Math.exp(<f64>x[r * cols + j] - m) / s;
        for (let j = 0; j < cols; j++) {
          const i = r * cols + j;
          const t = Math.exp(<f64>x[i] - m) / s;
          worst = Math.max(worst, Math.max(Math.abs(<f64>y[i] - t), Math.abs(<f64>yr[i] - t)));
          const tb = t * (<f64>dy[i] - dot);
          worstB = Math.max(worstB, Math.max(Math.abs(<f64>dx[i] - tb), Math.abs(<f64>dxr[i] - tb)));
        }
      }
      for (let i = n; i < n + PAD; i++) { expect<f32>(y[i]).toBe(7); expect<f32>(dx[i]).toBe(7); }
    }
    log("softmax: max abs err vs f64 forward " + worst.toString() + ", backward " + worstB.toString());
    expect<bool>(worst < 1e-6 && worstB < 2e-6).toBe(true);
  });
});
