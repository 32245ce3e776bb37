// Shared test helpers: deterministic inputs and gradient comparison.
import assert from 'node:assert/strict';
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
