// ops.* on plain Float32Arrays: results against plain JavaScript, and clear errors for
// wrong lengths and shapes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { init, ops, setKernelImpl } from '../src/index.js';
import { assertClose, randomArray } from './helpers.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

/** op(A)·op(B) in float64, with A (m,k) or (k,m) and B (k,n) or (n,k). */
function matmulRef(a: Float32Array, b: Float32Array, m: number, k: number, n: number, tA: boolean, tB: boolean): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (tA ? a[p * m + i] : a[i * k + p]) * (tB ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  }
  return c;
}

test('ops.matmul matches float64 on awkward sizes, all transposes', () => {
  const sizes = [1, 3, 4, 8, 9, 17, 63];
  let seed = 1;
  for (const m of sizes) for (const k of [1, 5, 17, 63, 255]) for (const n of [1, 3, 9, 17]) {
    for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]]) {
      const a = randomArray(m * k, seed++);
      const b = randomArray(k * n, seed++);
      const c = ops.matmul(a, b, m, k, n, { transposeA: tA, transposeB: tB });
      assertClose(`matmul ${m}×${k}×${n} tA=${tA} tB=${tB}`, c, matmulRef(a, b, m, k, n, tA, tB), 1e-5, 2e-6 * k);
    }
  }
});

test('ops.matmul: bias and alpha', () => {
  const [m, k, n] = [5, 7, 6];
  const a = randomArray(m * k, 1);
  const b = randomArray(k * n, 2);
  const bias = randomArray(n, 3);
  const c = ops.matmul(a, b, m, k, n, { bias, alpha: 0.5 });
  const ref = matmulRef(a, b, m, k, n, false, false).map((v, i) => 0.5 * v + bias[i % n]);
  assertClose('matmul bias', c, ref, 1e-5, 1e-6);
});

test('ops.matmul: scalar reference kernels give the same result', () => {
  const [m, k, n] = [33, 65, 17];
  const a = randomArray(m * k, 4);
  const b = randomArray(k * n, 5);
  const simd = ops.matmul(a, b, m, k, n, { transposeB: true });
  setKernelImpl('scalar');
  try {
    const scalar = ops.matmul(a, b, m, k, n, { transposeB: true });
    assertClose('simd vs scalar', simd, scalar, 1e-5, 1e-5);
  } finally {
    setKernelImpl('simd');
  }
});

test('ops.matmul: wrong lengths and shapes are clear errors', () => {
  const a = new Float32Array(6);
  const b = new Float32Array(12);
  assert.throws(() => ops.matmul(a, b, 2, 3, 5), /b must have 15 values \(3×5\), got 12/);
  assert.throws(() => ops.matmul(a, b, 3, 3, 4), /a must have 9 values \(3×3\), got 6/);
  assert.throws(() => ops.matmul(a, b, 2, 3, 4, { transposeA: true, bias: new Float32Array(3) }), /bias must have 4 values/);
  assert.throws(() => ops.matmul(a, b, -2, 3, 4), /m must be a non-negative integer, got -2/);
  assert.throws(() => ops.matmul([1, 2] as unknown as Float32Array, b, 1, 2, 6), /a must be a Float32Array/);
  assert.deepEqual(ops.matmul(new Float32Array(0), new Float32Array(0), 0, 0, 0), new Float32Array(0));
});

test('ops activations match Math on a sweep, including saturation', () => {
  const x = new Float32Array(2001).map((_, i) => (i - 1000) / 40);
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));
  assertClose('tanh', ops.activation('tanh', x), Array.from(x, Math.tanh), 4e-7, 2e-7);
  assertClose('sigmoid', ops.activation('sigmoid', x), Array.from(x, sig), 4e-7, 2e-7);
  assertClose('relu', ops.activation('relu', x), Array.from(x, (v) => Math.max(0, v)), 0, 0);
  const dy = randomArray(x.length, 6);
  assertClose('tanh backward', ops.activationBackward('tanh', x, dy), Array.from(x, (v, i) => dy[i] * (1 - Math.tanh(v) ** 2)), 1e-5, 2e-7);
  assertClose('sigmoid backward', ops.activationBackward('sigmoid', x, dy), Array.from(x, (v, i) => dy[i] * sig(v) * (1 - sig(v))), 1e-5, 2e-7);
  assert.throws(() => ops.activation('gelu' as 'tanh', x), /unknown activation 'gelu'/);
  assert.throws(() => ops.activationBackward('tanh', x, new Float32Array(3)), /dy must have 2001 values/);
});

test('ops activations pass NaN through instead of hiding it', () => {
  const y = ops.activation('tanh', Float32Array.from([0, NaN, 1, 2, 3]));
  assert.ok(Number.isNaN(y[1]));
});

test('ops.dropout: inverted scaling, reproducible masks', () => {
  const x = new Float32Array(10000).fill(1);
  const a = ops.dropout(x, 0.25, 42, 0);
  const b = ops.dropout(x, 0.25, 42, 0);
  const c = ops.dropout(x, 0.25, 42, 1);
  assert.deepEqual(a.mask, b.mask);
  assert.notDeepEqual(a.mask, c.mask);
  const kept = a.mask.filter((v) => v !== 0);
  assert.ok(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6));
  assert.ok(Math.abs(kept.length / x.length - 0.75) < 0.02, `kept ${kept.length}`);
  const dy = randomArray(x.length, 9);
  assertClose('dropout grad', ops.dropoutGrad(dy, a.mask), Array.from(dy, (v, i) => Math.fround(v * a.mask[i])), 0, 0);
  assert.throws(() => ops.dropout(x, 1, 0), /p must be in \[0, 1\), got 1/);
});

test('ops.softmaxCrossEntropy rejects labels out of range', () => {
  assert.throws(() => ops.softmaxCrossEntropy(new Float32Array(6), [0, 3], 3), /label 3 at row 1 is outside \[0, 3\)/);
  assert.throws(() => ops.softmaxCrossEntropy(new Float32Array(5), [0, 1], 3), /logits must have 6 values/);
});

test('ops.meanAbs and ops.meanVar', () => {
  const x = Float32Array.from([1, -2, 3, -4, 5]);
  assert.equal(ops.meanAbs(x), 3);
  const { mean, variance } = ops.meanVar(x);
  assert.ok(Math.abs(mean - 0.6) < 1e-12);
  assert.ok(Math.abs(variance - 10.64) < 1e-9);
});

// LeakyReLU reaches ops through its table entry alone (src/wasm/activations.ts): one assembly
// function and its _ref, their spec (test/assembly/leaky_relu.spec.ts), one entry.
test("ops.activation('leakyRelu'): x or alpha·x, its gradient, and central finite differences", () => {
  const f32 = Math.fround;
  for (const n of [1, 3, 17, 63, 255, 1000, 70_001]) { // 70,001 is split across the threads
    const x = randomArray(n, n, 3);
    x[0] = 0; // the derivative at 0 is taken from the left: alpha
    const dy = randomArray(n, n + 1);
    for (const alpha of [0.3, 0.01, 1.5]) {
      const opts = alpha === 0.3 ? {} : { alpha }; // 0.3 is the default
      const y = ops.activation('leakyRelu', x, opts);
      const dx = ops.activationBackward('leakyRelu', x, dy, opts);
      for (let i = 0; i < n; i++) {
        const want = x[i] > 0 ? x[i] : f32(f32(alpha) * x[i]);
        if (y[i] !== want) assert.fail(`leakyRelu n=${n} alpha=${alpha} y[${i}] = ${y[i]}, expected ${want}`);
        const dwant = f32(dy[i] * (x[i] > 0 ? 1 : f32(alpha)));
        if (dx[i] !== dwant) assert.fail(`leakyRelu n=${n} alpha=${alpha} dx[${i}] = ${dx[i]}, expected ${dwant}`);
      }
    }
  }
  // the backward pass is the derivative of the forward one (away from the kink at 0)
  const x = randomArray(64, 9, 2).map((v) => (Math.abs(v) < 0.05 ? v + 0.1 : v));
  const h = 1e-2;
  const numeric = x.map((v) => {
    const at = (d: number): number => ops.activation('leakyRelu', Float32Array.of(v + d), { alpha: 0.2 })[0];
    return (at(h) - at(-h)) / (2 * h);
  });
  assertClose('leakyRelu backward vs finite differences', ops.activationBackward('leakyRelu', x, new Float32Array(64).fill(1), { alpha: 0.2 }), numeric, 1e-3, 1e-4);
  // the scalar reference gives the same bits
  const xs = randomArray(1000, 3), simd = ops.activation('leakyRelu', xs, { alpha: 0.1 });
  setKernelImpl('scalar');
  try {
    assert.deepEqual(ops.activation('leakyRelu', xs, { alpha: 0.1 }), simd);
  } finally {
    setKernelImpl('simd');
  }
});

test("ops.activation('leakyRelu'): options that do not apply are errors", () => {
  const x = new Float32Array(4);
  // GAAF applies (its shape is (1 − alpha)·σ(a·(x − b)), test/gaaf-shapes.test.ts), for a slope in [0, 1)
  assert.throws(() => ops.activation('leakyRelu', x, { alpha: 1.2, gaaf: true }), /GAAF for leakyRelu needs alpha in \[0, 1\)/);
  assert.throws(() => ops.activation('tanh', x, { alpha: 0.2 }), /ops.activation: alpha applies to leakyRelu only, not tanh/);
  assert.throws(() => ops.activation('leakyRelu', x, { alpha: NaN }), /alpha must be a finite number, got NaN/);
  assert.throws(() => ops.activationBackward('leakyRelu', x, x, { slope: 0.2 } as never), /ops.activationBackward: unknown option 'slope' \(expected gaaf, alpha\)/);
  assert.throws(() => ops.activation('swish' as never, x), /unknown activation 'swish'/);
});
