import {
  batchnorm_forward_train, batchnorm_forward_train_ref, batchnorm_forward_inference,
  batchnorm_forward_inference_ref, batchnorm_backward, batchnorm_backward_ref,
} from "../../assembly/batchnorm";

import { ptr, seedRandom, uniform } from "./random";

// Each SIMD batch-norm kernel against its scalar reference, bit for bit (same f64 sums in the
// same order, same f32 elementwise operations), on rows × cols just below, at and above the
// 4- and 8-column blocks; the statistics also against an f64 two-pass computed here.

seedRandom(0xB4);

const ROWS: i32[] = [1, 3, 17, 63, 255];
const COLS: i32[] = [1, 3, 4, 5, 7, 8, 9, 13, 16, 17, 32];

function rand(n: i32, lo: f64, hi: f64): StaticArray<f32> {
  const a = new StaticArray<f32>(n);
  for (let i = 0; i < n; i++) a[i] = uniform(lo, hi);
  return a;
}
function bits(a: StaticArray<f32>, b: StaticArray<f32>, n: i32): i32 {
  for (let i = 0; i < n; i++) if (reinterpret<u32>(a[i]) != reinterpret<u32>(b[i])) return i;
  return -1;
}

describe("batchnorm", () => {
  it("SIMD kernels match their references bit for bit; statistics match an f64 two-pass", () => {
    for (let ri = 0; ri < ROWS.length; ri++) {
      for (let ci = 0; ci < COLS.length; ci++) {
        const R = ROWS[ri], C = COLS[ci], n = R * C;
        const tag = "rows=" + R.toString() + " cols=" + C.toString();
        const x = rand(n, 50, 51); // offset 50, spread 1: one-pass f32 variance would fail
        const dy = rand(n, -1, 1), gamma = rand(C, 0.5, 2), beta = rand(C, -1, 1);
        const rm = rand(C, 49, 51), rv = rand(C, 0.1, 2);
        const eps: f32 = 1e-5;
        const yS = new StaticArray<f32>(n + 1), yR = new StaticArray<f32>(n + 1);
        const mS = new StaticArray<f32>(C + 1), mR = new StaticArray<f32>(C + 1);
        const iS = new StaticArray<f32>(C + 1), iR = new StaticArray<f32>(C + 1);
        yS[n] = 7; mS[C] = 7; iS[C] = 7;
        batchnorm_forward_train(ptr(x), ptr(gamma), ptr(beta), ptr(yS), ptr(mS), ptr(iS), R, C, eps);
        batchnorm_forward_train_ref(ptr(x), ptr(gamma), ptr(beta), ptr(yR), ptr(mR), ptr(iR), R, C, eps);
        expect<i32>(bits(yS, yR, n)).toBe(-1, "train y " + tag);
        expect<i32>(bits(mS, mR, C)).toBe(-1, "mean " + tag);
        expect<i32>(bits(iS, iR, C)).toBe(-1, "invStd " + tag);
        expect<f32>(yS[n] + mS[C] + iS[C]).toBe(21, "guards " + tag);
        for (let j = 0; j < C; j++) {
          let s: f64 = 0;
          for (let i = 0; i < R; i++) s += <f64>x[i * C + j];
          const mu = s / R;
          let q: f64 = 0;
          for (let i = 0; i < R; i++) { const d = <f64>x[i * C + j] - mu; q += d * d; }
          expect<f64>(Math.abs(<f64>mR[j] - mu)).toBeLessThanOrEqual(1e-7 * mu, tag);
          const is = 1.0 / Math.sqrt(q / R + <f64>eps);
          expect<f64>(Math.abs(<f64>iR[j] - is)).toBeLessThanOrEqual(1e-7 * is, tag);
        }

        const zS = new StaticArray<f32>(n + 1), zR = new StaticArray<f32>(n + 1);
        zS[n] = 7;
        batchnorm_forward_inference(ptr(x), ptr(gamma), ptr(beta), ptr(rm), ptr(rv), ptr(zS), R, C, eps);
        batchnorm_forward_inference_ref(ptr(x), ptr(gamma), ptr(beta), ptr(rm), ptr(rv), ptr(zR), R, C, eps);
        expect<i32>(bits(zS, zR, n)).toBe(-1, "inference y " + tag);
        expect<f32>(zS[n]).toBe(7, "inference guard " + tag);

        const dxS = new StaticArray<f32>(n + 1), dxR = new StaticArray<f32>(n + 1);
        const dgS = new StaticArray<f32>(C + 1), dgR = new StaticArray<f32>(C + 1);
        const dbS = new StaticArray<f32>(C + 1), dbR = new StaticArray<f32>(C + 1);
        dxS[n] = 7; dgS[C] = 7; dbS[C] = 7;
        batchnorm_backward(ptr(x), ptr(dy), ptr(gamma), ptr(mS), ptr(iS), ptr(dxS), ptr(dgS), ptr(dbS), R, C);
        batchnorm_backward_ref(ptr(x), ptr(dy), ptr(gamma), ptr(mR), ptr(iR), ptr(dxR), ptr(dgR), ptr(dbR), R, C);
        expect<i32>(bits(dxS, dxR, n)).toBe(-1, "dx " + tag);
        expect<i32>(bits(dgS, dgR, C)).toBe(-1, "dgamma " + tag);
        expect<i32>(bits(dbS, dbR, C)).toBe(-1, "dbeta " + tag);
        expect<f32>(dxS[n] + dgS[C] + dbS[C]).toBe(21, "backward guards " + tag);
        // the gradient of a batch-normalized output sums to zero over each column (x̂ has mean 0);
        // each dx is k·(m·dy − dbeta − x̂·dgamma) in f32, so its rounding is relative to those terms,
        // and x − mean (both ~50) loses |x|·2⁻²⁴ before it is scaled by invStd
        for (let j = 0; j < C; j++) {
          const k = <f64>gamma[j] * <f64>iR[j] / R;
          let s: f64 = 0, a: f64 = 0;
          for (let i = 0; i < R; i++) {
            const xh = (Math.abs(<f64>x[i * C + j]) + Math.abs(<f64>mR[j])) * <f64>iR[j];
            s += <f64>dxR[i * C + j];
            a += Math.abs(k) * (R * Math.abs(<f64>dy[i * C + j]) + Math.abs(<f64>dbR[j]) + Math.abs(xh * <f64>dgR[j]));
          }
          expect<f64>(Math.abs(s)).toBeLessThanOrEqual(1e-6 * a, "Σdx " + tag);
        }
      }
    }
  });
});
