// GAAF checks. g is a sawtooth of period 1/K, so a finite difference over any step wider
// than 1/K sees only φ′: GAAF's backward is instead checked against φ′ + s computed in
// float64, and its forward against φ (within 1/K). A small network with GAAF is checked
// against a float64 reference backpropagation that uses the same rule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { init, Activation, Dense, Sequential, ops, resolveGaaf } from '../src/index.js';
import { assertClose, randomArray, randomLabels } from './helpers.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const phi = { tanh: Math.tanh, sigmoid, relu: (x: number) => Math.max(0, x) };
const dphi = {
  tanh: (x: number) => 1 - Math.tanh(x) ** 2,
  sigmoid: (x: number) => sigmoid(x) * (1 - sigmoid(x)),
  relu: (x: number) => (x > 0 ? 1 : 0),
};
const shape = {
  tanh: (x: number, c = 3) => Math.exp((-x * x) / c),
  sigmoid: (x: number, c = 12) => Math.exp((-x * x) / c),
  relu: (x: number, a = 3.3, b = -0.6) => sigmoid(a * (x - b)),
};
type Kind = keyof typeof phi;
const KINDS: Kind[] = ['tanh', 'sigmoid', 'relu'];

function grid(): Float32Array {
  const xs: number[] = [];
  for (let x = -12; x <= 12; x += 0.01237) xs.push(x);
  xs.push(0, -0, 1e-6, -1e-6, 837.9, -837.9, 1000, -1000, 5e4);
  return Float32Array.from(xs);
}

for (const kind of KINDS) {
  test(`GAAF ${kind}: forward differs from φ by less than 1/K`, () => {
    const x = grid();
    for (const K of [10000, 1000, 37]) {
      const y = ops.activation(kind, x, { gaaf: { K } });
      for (let i = 0; i < x.length; i++) {
        const d = Math.abs(y[i] - phi[kind](x[i]));
        // float32 rounding of φ itself adds a few ulps of |φ| on top of the < 0.5/K offset
        assert.ok(d < 1 / K + 4e-7 * Math.max(1, Math.abs(phi[kind](x[i]))), `${kind} K=${K} x=${x[i]}: |φ_new − φ| = ${d}`);
      }
    }
  });

  test(`GAAF ${kind}: backward equals dy·(φ′ + s) (float64 reference)`, () => {
    const x = grid();
    const dy = randomArray(x.length, 3, 2);
    const dx = ops.activationBackward(kind, x, dy, { gaaf: true });
    const ref = Array.from(x, (v, i) => dy[i] * (dphi[kind](v) + shape[kind](v)));
    assertClose(`GAAF ${kind} backward`, dx, ref, 1e-5, 1e-6);
  });

  test(`GAAF ${kind}: the added gradient follows the shape function`, () => {
    // Where φ′ vanishes (saturation), GAAF's gradient is s(x) alone: the paper's point.
    const x = Float32Array.from([-4, -2, 0, 2, 4]);
    const ones = new Float32Array(x.length).fill(1);
    const plain = ops.activationBackward(kind, x, ones);
    const accel = ops.activationBackward(kind, x, ones, { gaaf: true });
    for (let i = 0; i < x.length; i++) {
      assert.ok(Math.abs(accel[i] - plain[i] - shape[kind](x[i])) < 1e-5, `${kind} x=${x[i]}`);
    }
  });
}

test('GAAF parameters: defaults and validation', () => {
  assert.deepEqual(resolveGaaf('tanh', true), { K: 10000, shape: 'bell', p1: 3, p2: 0, height: 1, surrogate: false });
  assert.deepEqual(resolveGaaf('sigmoid', true), { K: 10000, shape: 'bell', p1: 12, p2: 0, height: 1, surrogate: false });
  assert.deepEqual(resolveGaaf('relu', true), { K: 10000, shape: 'shiftedSigmoid', p1: 3.3, p2: -0.6, height: 1, surrogate: false });
  // relu's shape rises from about 5% at −1.5 to about 95% at +0.3 (paper figure 4b)
  assert.ok(Math.abs(shape.relu(-1.5) - 0.05) < 0.01 && Math.abs(shape.relu(0.3) - 0.95) < 0.01);
  assert.throws(() => resolveGaaf('tanh', { K: 0 }), /K must be a positive finite number, got 0/);
  assert.throws(() => resolveGaaf('tanh', { c: -1 }), /bell width c/);
  assert.throws(() => resolveGaaf('relu', { c: 3 }), /shifted sigmoid/);
  assert.throws(() => new Activation('tanh', { gaaf: { K: NaN } }), /K must be a positive finite number, got NaN/);
});

test('GAAF network: every gradient matches a float64 backpropagation with dφ_new = φ′ + s', () => {
  const [nIn, nH, nOut, batch] = [6, 5, 4, 3];
  for (const kind of KINDS) {
    const model = new Sequential([new Dense(nH), new Activation(kind, { gaaf: true }), new Dense(nOut)], { inputShape: [nIn] });
    model.build(undefined, { seed: 5 });
    const x = randomArray(batch * nIn, 8, 2);
    const y = randomLabels(batch, nOut, 9);
    const { loss, grads } = model.lossAndGradients(x, y);
    const [W1, b1, W2, b2] = model.getWeights();
    // float64 reference: z = xW1 + b1, h = φ(z) + g(z)·s(z), o = hW2 + b2. g is taken at the
    // float32 z as the kernel computes it (x·K rounded to float32); one ulp of z moves g by
    // about one ulp, so the reference and the model see the same sawtooth offset.
    const K = 10000;
    const g32 = (v: number): number => { const t = Math.fround(Math.fround(v) * K); return (t - Math.floor(t) - 0.5) / K; };
    const g = [new Float64Array(W1.length), new Float64Array(b1.length), new Float64Array(W2.length), new Float64Array(b2.length)];
    let refLoss = 0;
    for (let r = 0; r < batch; r++) {
      const z = Array.from({ length: nH }, (_, j) => b1[j] + Array.from({ length: nIn }, (_, i) => x[r * nIn + i] * W1[i * nH + j]).reduce((a, b) => a + b));
      const h = z.map((v) => phi[kind](v) + g32(v) * shape[kind](v));
      const o = Array.from({ length: nOut }, (_, k) => b2[k] + h.reduce((a, hv, j) => a + hv * W2[j * nOut + k], 0));
      const m = Math.max(...o);
      const e = o.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b);
      refLoss += (Math.log(s) + m - o[y[r]]) / batch;
      const dO = e.map((v, k) => (v / s - (k === y[r] ? 1 : 0)) / batch);
      dO.forEach((d, k) => { g[3][k] += d; h.forEach((hv, j) => { g[2][j * nOut + k] += hv * d; }); });
      const dz = h.map((_, j) => dO.reduce((a, d, k) => a + d * W2[j * nOut + k], 0) * (dphi[kind](z[j]) + shape[kind](z[j])));
      dz.forEach((d, j) => { g[1][j] += d; for (let i = 0; i < nIn; i++) g[0][i * nH + j] += x[r * nIn + i] * d; });
    }
    assert.ok(Math.abs(loss - refLoss) < 1e-4, `${kind}: loss ${loss} vs ${refLoss}`);
    grads.forEach((gr, k) => assertClose(`GAAF ${kind} network, param ${k}`, gr, g[k], 1e-4, 1e-6));
    model.dispose();
  }
});
