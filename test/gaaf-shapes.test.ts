// GAAF for leakyRelu, elu, gelu, geluTanh, silu/swish (our shapes, src/gaaf.ts). g is a sawtooth
// of period 1/K, so a finite difference over a step wider than 1/K sees only φ′ (see
// gaaf.test.ts): the layer's backward is checked as φ′ by central differences of the plain
// layer plus s by its formula, and against φ′ + s in float64, on both kernel implementations;
// the forward within 1/K of φ; a network's gradients against a float64 backpropagation with
// dφ_new = φ′ + s; the defaults, the errors, and the options through config and a checkpoint.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  init, Activation, Adam, Dense, Sequential, gaafDefaultCentre, layerFromConfig, loadBundledDigits, memoryHandler, ops,
  resolveGaaf, setKernelImpl, subset,
} from '../src/node.js';
import { assertClose, randomArray, randomLabels } from './helpers.js';

await init();

const erf = (z: number): number => {
  let term = z, sum = z;
  for (let k = 1; k < 120; k++) { term *= -z * z / k; sum += term / (2 * k + 1); }
  return sum * 2 / Math.sqrt(Math.PI);
};
const sig = (v: number): number => 1 / (1 + Math.exp(-v));
const Phi = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));
const pdf = (x: number): number => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
const C = Math.sqrt(2 / Math.PI);
const gt = (x: number): number => sig(2 * C * (x + 0.044715 * x ** 3)); // ½(1 + tanh u)

const KINDS = ['leakyRelu', 'elu', 'gelu', 'geluTanh', 'silu', 'swish'] as const;
type Kind = typeof KINDS[number];
const ALPHA: Partial<Record<Kind, number>> = { leakyRelu: 0.3, elu: 1 };
const phi: Record<Kind, (x: number, al: number) => number> = {
  leakyRelu: (x, al) => (x > 0 ? x : al * x), elu: (x, al) => (x > 0 ? x : al * Math.expm1(x)),
  gelu: (x) => x * Phi(x), geluTanh: (x) => x * gt(x), silu: (x) => x * sig(x), swish: (x) => x * sig(x),
};
const dphi: Record<Kind, (x: number, al: number) => number> = {
  leakyRelu: (x, al) => (x > 0 ? 1 : al), elu: (x, al) => (x > 0 ? 1 : al * Math.exp(x)),
  gelu: (x) => Phi(x) + x * pdf(x),
  geluTanh: (x) => gt(x) + x * gt(x) * (1 - gt(x)) * 2 * C * (1 + 3 * 0.044715 * x * x),
  silu: (x) => sig(x) * (1 + x * (1 - sig(x))), swish: (x) => sig(x) * (1 + x * (1 - sig(x))),
};
/** Our shapes, as documented: A·σ(a·(x − b)), A = 1 − α for leakyRelu, b = min(0, −ln 2α) − 0.6 for elu. */
function shape(kind: Kind, x: number, al: number, a = 3.3, b = kind === 'elu' ? Math.min(0, -Math.log(2 * al)) - 0.6 : -0.6): number {
  return (kind === 'leakyRelu' ? 1 - al : 1) * sig(a * (x - b));
}

for (const kind of KINDS) {
  const al = ALPHA[kind] ?? 0;
  const opts = (gaaf: boolean | object) => (ALPHA[kind] !== undefined ? { gaaf, alpha: al } : { gaaf });

  for (const impl of ['simd', 'scalar'] as const) {
    test(`GAAF ${kind} (${impl}): backward = central differences of the plain layer + s·dy; forward within 1/K of φ`, () => {
      setKernelImpl(impl);
      try {
        const n = 40, batch = 2;
        // x away from leakyRelu's and elu's kink at 0 (a difference across it would see both slopes)
        const x = Float32Array.from(randomArray(batch * n, 77, 4), (v) => (Math.abs(v) < 0.02 ? v + 0.05 : v));
        const y = randomLabels(batch, n, 78);
        const accel = new Sequential([new Activation(kind, opts(true))], { inputShape: [n] }).build(undefined, { seed: 1 });
        const plain = new Sequential([new Activation(kind, opts(false))], { inputShape: [n] }).build(undefined, { seed: 1 });
        const dx = accel.lossAndGradients(x, y, { inputGrad: true }).inputGrad!;
        // dy = dL/dφ for the mean softmax cross-entropy over the activations as logits (float64)
        const dy = new Float64Array(x.length);
        for (let r = 0; r < batch; r++) {
          const h = Array.from(x.subarray(r * n, r * n + n), (v) => phi[kind](v, al));
          const m = Math.max(...h), e = h.map((v) => Math.exp(v - m)), s = e.reduce((p, v) => p + v);
          e.forEach((v, j) => { dy[r * n + j] = (v / s - (j === y[r] ? 1 : 0)) / batch; });
        }
        const EPS = 1e-2, numeric = new Float64Array(x.length), ref = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) {
          const x0 = x[i];
          x[i] = x0 + EPS; const lp = plain.lossAndGradients(x, y).loss;
          x[i] = x0 - EPS; const lm = plain.lossAndGradients(x, y).loss;
          x[i] = x0;
          numeric[i] = (lp - lm) / (Math.fround(x0 + EPS) - Math.fround(x0 - EPS)) + shape(kind, x0, al) * dy[i];
          ref[i] = dy[i] * (dphi[kind](x0, al) + shape(kind, x0, al));
        }
        assertClose(`GAAF ${kind} backward vs differences + s`, dx, numeric, 2e-2, 2e-5);
        assertClose(`GAAF ${kind} backward vs float64 φ′ + s`, dx, ref, 2e-3, 1e-7);
        // the forward: the layer's output within 1/K (+ float32 rounding) of φ, and not φ itself
        accel.predict(x);
        const out = (accel.layers[0] as Activation).output()!.read(x.length);
        let moved = 0;
        for (let i = 0; i < x.length; i++) {
          const d = Math.abs(out[i] - phi[kind](x[i], al));
          assert.ok(d < 1e-4 + 3e-7 * Math.max(1, Math.abs(out[i])), `${kind}(${x[i]}): |φ_new − φ| = ${d}`);
          moved = Math.max(moved, d);
        }
        assert.ok(moved > 1e-5, `${kind}: GAAF moved the forward by ${moved} at most`);
        accel.dispose(); plain.dispose();
      } finally {
        setKernelImpl('simd');
      }
    });
  }

  test(`GAAF ${kind}: a network's gradients match a float64 backpropagation with dφ_new = φ′ + s`, () => {
    const [nIn, nH, nOut, batch, K] = [6, 5, 4, 3, 10000];
    const model = new Sequential([new Dense(nH), new Activation(kind, opts({ K })), new Dense(nOut)], { inputShape: [nIn] });
    model.build(undefined, { seed: 5 });
    const x = randomArray(batch * nIn, 8, 2);
    const y = randomLabels(batch, nOut, 9);
    const { loss, grads } = model.lossAndGradients(x, y);
    const [W1, b1, W2, b2] = model.getWeights();
    const g32 = (v: number): number => { const t = Math.fround(Math.fround(v) * K); return (t - Math.floor(t) - 0.5) / K; };
    const g = [W1, b1, W2, b2].map((w) => new Float64Array(w.length));
    let refLoss = 0;
    for (let r = 0; r < batch; r++) {
      const z = Array.from({ length: nH }, (_, j) => b1[j] + Array.from({ length: nIn }, (_, i) => x[r * nIn + i] * W1[i * nH + j]).reduce((p, q) => p + q));
      const h = z.map((v) => phi[kind](v, al) + g32(v) * shape(kind, v, al));
      const o = Array.from({ length: nOut }, (_, k) => b2[k] + h.reduce((p, hv, j) => p + hv * W2[j * nOut + k], 0));
      const m = Math.max(...o), e = o.map((v) => Math.exp(v - m)), s = e.reduce((p, q) => p + q);
      refLoss += (Math.log(s) + m - o[y[r]]) / batch;
      const dO = e.map((v, k) => (v / s - (k === y[r] ? 1 : 0)) / batch);
      dO.forEach((d, k) => { g[3][k] += d; h.forEach((hv, j) => { g[2][j * nOut + k] += hv * d; }); });
      const dz = h.map((_, j) => dO.reduce((p, d, k) => p + d * W2[j * nOut + k], 0) * (dphi[kind](z[j], al) + shape(kind, z[j], al)));
      dz.forEach((d, j) => { g[1][j] += d; for (let i = 0; i < nIn; i++) g[0][i * nH + j] += x[r * nIn + i] * d; });
    }
    assert.ok(Math.abs(loss - refLoss) < 1e-4, `${kind}: loss ${loss} vs ${refLoss}`);
    grads.forEach((gr, k) => assertClose(`GAAF ${kind} network, param ${k}`, gr, g[k], 1e-4, 1e-6));
    model.dispose();
  });
}

test('GAAF shapes: the documented defaults, and where the added gradient goes', () => {
  const relu = { K: 10000, shape: 'shiftedSigmoid', p1: 3.3, p2: -0.6, height: 1, surrogate: false };
  assert.deepEqual(resolveGaaf('relu', true), relu);
  for (const k of ['gelu', 'geluTanh', 'silu'] as const) assert.deepEqual(resolveGaaf(k, true), relu);
  assert.deepEqual(resolveGaaf('leakyRelu', true, 0.3), relu);
  assert.deepEqual(resolveGaaf('elu', true, 1), { ...relu, p2: -Math.LN2 - 0.6 });
  assert.equal(gaafDefaultCentre('elu', 0.5), -0.6); // α ≤ ½: φ′ jumps through ½ at 0
  assert.ok(Math.abs(gaafDefaultCentre('elu', 2) - (-Math.log(4) - 0.6)) < 1e-15);
  assert.deepEqual(resolveGaaf('silu', { K: 50, a: 2, b: -1 }), { K: 50, shape: 'shiftedSigmoid', p1: 2, p2: -1, height: 1, surrogate: false });
  // the shape is half its amplitude at b, and φ′ + s there: elu (α = 1) at b = −1.293
  const x = Float32Array.of(-Math.LN2 - 0.6, 5, -8);
  const ones = new Float32Array(3).fill(1);
  const plain = ops.activationBackward('leakyRelu', x, ones, { alpha: 0.2 });
  const accel = ops.activationBackward('leakyRelu', x, ones, { alpha: 0.2, gaaf: true });
  // leakyRelu (α = 0.2): A = 0.8; at x = 5 the shape is (almost) A, at −8 (almost) 0
  assert.ok(Math.abs(accel[1] - plain[1] - 0.8) < 1e-6 && Math.abs(accel[2] - plain[2]) < 1e-9, `leakyRelu ${accel}`);
  assert.ok(Math.abs(ops.activation('leakyRelu', x, { alpha: 0.2, gaaf: { K: 100 } })[1] - 5) < 0.5 * 0.8 / 100 + 1e-6);
});

test('GAAF shapes: errors name the option, the activation and what is expected', () => {
  assert.throws(() => new Activation('leakyRelu', { alpha: 1.5, gaaf: true }), /GAAF for leakyRelu needs alpha in \[0, 1\) \(its shape is \(1 − alpha\)·σ\(a·\(x − b\)\), the relu part's\), got 1\.5/);
  assert.throws(() => new Activation('leakyRelu', { alpha: -0.1, gaaf: true }), /needs alpha in \[0, 1\).*got -0\.1/);
  assert.doesNotThrow(() => new Activation('leakyRelu', { alpha: 1.5 })); // without GAAF any finite slope
  assert.throws(() => new Activation('elu', { gaaf: { c: 3 } }), /GAAF for elu uses the shifted sigmoid \(a, b\), not the bell width c/);
  assert.throws(() => new Activation('gelu', { gaaf: { K: 10, width: 2 } as never }), /GAAF for gelu: unknown option 'width' \(expected K, a, b, shape, surrogate\)/);
  assert.throws(() => new Activation('tanh', { gaaf: { b: 1 } }), /GAAF for tanh uses the bell width c/);
  assert.throws(() => new Activation('silu', { gaaf: { a: 0 } }), /GAAF shape slope a must be a positive finite number, got 0/);
  assert.throws(() => new Activation('swish', { gaaf: { b: Infinity } }), /GAAF shape centre b/);
  assert.throws(() => new Activation('softplus', { gaaf: true }), /GAAF has no shape function for softplus/);
  assert.throws(() => ops.activation('leakyRelu', new Float32Array(2), { alpha: 1, gaaf: true }), /needs alpha in \[0, 1\)/);
});

test('GAAF shapes: the options survive config, the registry and a checkpoint (the same bits after loading)', async () => {
  const layers = () => [
    new Dense(6), new Activation('elu', { alpha: 0.5, gaaf: { K: 100, a: 2 } }),
    new Dense(5), new Activation('leakyRelu', { alpha: 0.1, gaaf: true }),
    new Dense(5), new Activation('swish', { gaaf: { b: -1 } }), new Dense(3),
  ];
  const ls = layers();
  assert.deepEqual(ls[1].config(), { activation: 'elu', gaaf: { K: 100, a: 2, b: -0.6 }, alpha: 0.5 });
  assert.deepEqual(ls[3].config(), { activation: 'leakyRelu', gaaf: { K: 10000, a: 3.3, b: -0.6 }, alpha: 0.1 });
  assert.deepEqual(ls[5].config(), { activation: 'swish', gaaf: { K: 10000, a: 3.3, b: -1 } });
  for (const l of ls) assert.deepEqual(layerFromConfig(l.className, l.config()).config(), l.config());
  const m = new Sequential(ls, { inputShape: [4] }).build(undefined, { seed: 3 });
  const x = randomArray(8, 4, 3);
  const before = m.predict(x);
  const h = memoryHandler('g');
  await m.save(h);
  const saved = JSON.parse(new TextDecoder().decode(h.saved[0].config));
  assert.deepEqual(saved.model.layers[1].config.gaaf, { K: 100, a: 2, b: -0.6 });
  const back = await Sequential.load(h);
  assert.deepEqual(back.layers.map((l) => l.config()), m.layers.map((l) => l.config()));
  assert.deepEqual(new Uint32Array(back.predict(x).buffer), new Uint32Array(before.buffer));
  m.dispose(); back.dispose();
});

test('GAAF shapes train: on 400 bundled digits the loss falls every epoch for each new GAAF activation', async () => {
  const digits = subset(loadBundledDigits().train, { start: 0, end: 400 });
  for (const kind of ['leakyRelu', 'elu', 'gelu', 'geluTanh', 'silu'] as const) {
    const m = new Sequential([new Dense(32), new Activation(kind, { gaaf: true }), new Dense(10)], { inputShape: [784] }).build(undefined, { seed: 2 });
    const h = await m.fit(digits, { epochs: 3, batchSize: 32, optimizer: new Adam({ lr: 1e-3 }), seed: 2 });
    const loss = h.epochs.map((e) => e.loss);
    assert.ok(loss[1] < loss[0] && loss[2] < loss[1] && loss[2] < 0.8 * loss[0], `${kind}: loss ${loss.join(' → ')}`);
    m.dispose();
  }
});
