// Shared test helpers: deterministic inputs and gradient comparison.
import assert from 'node:assert/strict';
import type { Network } from '../src/model.js';
import { Rng } from '../src/rng.js';

export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = new Rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (2 * r.next() - 1) * scale;
  return a;
}

export function randomLabels(n: number, classes: number, seed: number): Int32Array {
  const r = new Rng(seed);
  return Int32Array.from({ length: n }, () => r.int(classes));
}

/**
 * Asserts that `analytic` matches `numeric` within atol + rtol·max(|a|, |n|) element-wise,
 * naming the first element that does not.
 */
export function assertClose(what: string, analytic: ArrayLike<number>, numeric: ArrayLike<number>, rtol: number, atol: number): void {
  assert.equal(analytic.length, numeric.length, `${what}: lengths differ`);
  for (let i = 0; i < analytic.length; i++) {
    const a = analytic[i];
    const n = numeric[i];
    const tol = atol + rtol * Math.max(Math.abs(a), Math.abs(n));
    if (!(Math.abs(a - n) <= tol)) {
      assert.fail(`${what}[${i}]: analytic ${a} vs numeric ${n} (|diff| ${Math.abs(a - n)} > tol ${tol})`);
    }
  }
}

/**
 * Checks every parameter's gradient and the input gradient of `model` on (x, y) against central
 * differences in float64 around the float32 values: (L(w + ε) − L(w − ε)) / (fround(w + ε) −
 * fround(w − ε)), the exact distance the float32 value moved. Within atol + rtol·max(|a|, |n|).
 */
export function checkGradients(name: string, model: Network, x: Float32Array, y: Int32Array, training: boolean, EPS: number, atol = 2e-4, rtol = 2e-2): void {
  const opts = { training, seed: 7, step: 3, inputGrad: true };
  const { grads, inputGrad } = model.lossAndGradients(x, y, opts);
  const lossAt = (): number => model.lossAndGradients(x, y, opts).loss;
  const weights = model.getWeights();
  const params = model.params();
  weights.forEach((w, k) => {
    const numeric = new Float64Array(w.length);
    for (let i = 0; i < w.length; i++) {
      const w0 = w[i];
      w[i] = w0 + EPS; model.setWeights(weights);
      const lp = lossAt();
      w[i] = w0 - EPS; model.setWeights(weights);
      const lm = lossAt();
      w[i] = w0; model.setWeights(weights);
      numeric[i] = (lp - lm) / (Math.fround(w0 + EPS) - Math.fround(w0 - EPS));
    }
    assertClose(`${name}: ${params[k].name}`, grads[k], numeric, rtol, atol);
  });
  const numericX = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i];
    x[i] = x0 + EPS;
    const lp = lossAt();
    x[i] = x0 - EPS;
    const lm = lossAt();
    x[i] = x0;
    numericX[i] = (lp - lm) / (Math.fround(x0 + EPS) - Math.fround(x0 - EPS));
  }
  assertClose(`${name}: input gradient`, inputGrad!, numericX, rtol, atol);
}
