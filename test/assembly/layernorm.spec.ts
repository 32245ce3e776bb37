import { layernorm_forward, layernorm_forward_ref, layernorm_backward, layernorm_backward_ref } from "../../assembly/layernorm";
import { ptr, seedRandom, uniform } from "./random";

// LayerNormalization over the last axis: SIMD against the scalar references bit for bit on
// cols 1, 3, 4, 17, 63, 255 and rows 1, 3 (guards after every output), and the forward against
// f64 (mean 0, variance 1 before γ, β).

seedRandom(0x1a7e);

function bits(a: StaticArray<f32>, b: StaticArray<f32>, n: i32): i32 {
  for (let i = 0; i < n; i++) if (reinterpret<u32>(a[i]) != reinterpret<u32>(b[i])) return i;
  return -1;
}

describe("layernorm", () => {
  it("SIMD matches _ref bit for bit; xhat has mean 0 and variance σ²/(σ² + ε)", () => {
    const COLS: i32[] = [1, 3, 4, 17, 63, 255];
    const ROWS: i32[] = [1, 3];
    for (let a = 0; a < ROWS.length; a++) for (let c = 0; c < COLS.length; c++) {
      const rows = ROWS[a], cols = COLS[c], n = rows * cols, eps: f32 = 1e-3;
      const tag = "rows=" + rows.toString() + " cols=" + cols.toString();
      const x = new StaticArray<f32>(n), dy = new StaticArray<f32>(n), g = new StaticArray<f32>(cols), b = new StaticArray<f32>(cols);
      for (let i = 0; i < n; i++) { x[i] = uniform(-3, 5); dy[i] = uniform(-1, 1); }
      for (let j = 0; j < cols; j++) { g[j] = uniform(0.5, 1.5); b[j] = uniform(-1, 1); }
      const yS = new StaticArray<f32>(n + 1), yR = new StaticArray<f32>(n + 1), hS = new StaticArray<f32>(n + 1), hR = new StaticArray<f32>(n + 1);
      const rS = new StaticArray<f32>(rows + 1), rR = new StaticArray<f32>(rows + 1);
      const dxS = new StaticArray<f32>(n + 1), dxR = new StaticArray<f32>(n + 1);
      const dgS = new StaticArray<f32>(cols + 1), dgR = new StaticArray<f32>(cols + 1), dbS = new StaticArray<f32>(cols + 1), dbR = new StaticArray<f32>(cols + 1);
      yS[n] = 7; hS[n] = 7; rS[rows] = 7; dxS[n] = 7; dgS[cols] = 7; dbS[cols] = 7;
      layernorm_forward(ptr(x), ptr(g), ptr(b), ptr(yS), ptr(hS), ptr(rS), rows, cols, eps);
      layernorm_forward_ref(ptr(x), ptr(g), ptr(b), ptr(yR), ptr(hR), ptr(rR), rows, cols, eps);
      layernorm_backward(ptr(dy), ptr(hS), ptr(rS), ptr(g), ptr(dxS), ptr(dgS), ptr(dbS), rows, cols);
      layernorm_backward_ref(ptr(dy), ptr(hR), ptr(rR), ptr(g), ptr(dxR), ptr(dgR), ptr(dbR), rows, cols);
      expect<i32>(bits(yS, yR, n)).toBe(-1, "y " + tag);
      expect<i32>(bits(hS, hR, n)).toBe(-1, "xhat " + tag);
      expect<i32>(bits(rS, rR, rows)).toBe(-1, "rstd " + tag);
      expect<i32>(bits(dxS, dxR, n)).toBe(-1, "dx " + tag);
      expect<i32>(bits(dgS, dgR, cols)).toBe(-1, "dgamma " + tag);
      expect<i32>(bits(dbS, dbR, cols)).toBe(-1, "dbeta " + tag);
      expect<f32>(yS[n]).toBe(7); expect<f32>(hS[n]).toBe(7); expect<f32>(rS[rows]).toBe(7);
      expect<f32>(dxS[n]).toBe(7); expect<f32>(dgS[cols]).toBe(7); expect<f32>(dbS[cols]).toBe(7);
      for (let r = 0; r < rows; r++) {
        let m: f64 = 0, v: f64 = 0, hm: f64 = 0;
        for (let j = 0; j < cols; j++) m += <f64>x[r * cols + j];
        m /= <f64>cols;
        for (let j = 0; j < cols; j++) { v += (<f64>x[r * cols + j] - m) ** 2; hm += <f64>hR[r * cols + j]; }
        v /= <f64>cols;
        let worst: f64 = 0;
        for (let j = 0; j < cols; j++) worst = Math.max(worst, Math.abs((<f64>x[r * cols + j] - m) / Math.sqrt(v + 1e-3) - <f64>hR[r * cols + j]));
        expect<bool>(worst < 1e-5).toBe(true, "xhat vs f64 " + tag);
      }
    }
  });
});
