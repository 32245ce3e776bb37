// The activations of issue 14 (softmax, LeakyReLU, ELU, GELU tanh/exact, SiLU/swish, softplus,
// linear) as Activation layers and as the `activation` option of Dense and Conv2D: finite-
// difference checks of every backward pass on both kernel implementations, forward values
// against f64 formulas, errors for unknown names (own properties only) and options, the registry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  init, Activation, Conv2D, Dense, Flatten, type Layer, Sequential, layerFromConfig, setKernelImpl,
} from '../src/index.js';
import { checkGradients, randomArray, randomLabels } from './helpers.js';

await init();

const NAMES = ['linear', 'leakyRelu', 'elu', 'gelu', 'geluTanh', 'silu', 'swish', 'softplus', 'softmax'] as const;

interface Case { name: string; input: number[]; layers: () => Layer[]; batch: number }
const cases: Case[] = [
  ...NAMES.map((a) => ({ name: `Activation('${a}') on 7 features`, input: [7], batch: 3, layers: () => [new Dense(7), new Activation(a), new Dense(3)] })),
  { name: "Activation('elu', { alpha: 0.5 }), Activation('leakyRelu', { alpha: 0.1 })", input: [5], batch: 1,
    layers: () => [new Dense(6), new Activation('elu', { alpha: 0.5 }), new Dense(5), new Activation('leakyRelu', { alpha: 0.1 }), new Dense(3)] },
  { name: "Dense(9, { activation: 'gelu' }) + Dense(5, { activation: 'tanh' })", input: [4], batch: 3,
    layers: () => [new Dense(9, { activation: 'gelu' }), new Dense(5, { activation: 'tanh' }), new Dense(3)] },
  { name: "Conv2D(5, 3, { activation: 'silu' }) + Conv2D(3, 1, { activation: 'softmax' })", input: [5, 3, 2], batch: 3,
    layers: () => [new Conv2D(5, 3, { padding: 'same', activation: 'silu' }), new Conv2D(3, 1, { activation: 'softmax' }), new Flatten(), new Dense(3)] },
];

for (const c of cases) {
  for (const impl of ['simd', 'scalar'] as const) {
    test(`finite differences (${impl} kernels): ${c.name}`, () => {
      setKernelImpl(impl);
      try {
        const model = new Sequential(c.layers(), { inputShape: c.input }).build(undefined, { seed: 9 });
        const d = c.input.reduce((a, b) => a * b, 1);
        checkGradients(c.name, model, randomArray(c.batch * d, 41, 1.5), randomLabels(c.batch, model.numClasses, 42), false, 1e-2, 3e-4);
        model.dispose();
      } finally {
        setKernelImpl('simd');
      }
    });
  }
}

const erf = (z: number): number => { // Abramowitz–Stegun 7.1.26 is too coarse here: series
  let term = z, sum = z;
  for (let k = 1; k < 100; k++) { term *= -z * z / k; sum += term / (2 * k + 1); }
  return sum * 2 / Math.sqrt(Math.PI);
};
const sig = (v: number): number => 1 / (1 + Math.exp(-v));
const F64: Record<string, (x: number) => number> = {
  linear: (x) => x, leakyRelu: (x) => (x > 0 ? x : 0.3 * x), elu: (x) => (x > 0 ? x : Math.expm1(x)),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)), geluTanh: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  silu: (x) => x * sig(x), swish: (x) => x * sig(x), softplus: (x) => Math.log1p(Math.exp(x)), relu: (x) => Math.max(x, 0),
};

test('Activation and the Dense option compute the named function (against f64; softmax rows sum to 1)', () => {
  const x = Float32Array.from({ length: 24 }, (_, i) => (i - 12) / 3);
  for (const a of [...NAMES, 'relu'] as const) {
    const act = new Activation(a);
    const m = new Sequential([act, new Dense(2)], { inputShape: [6] }).build(undefined, { seed: 1 });
    m.predict(x);
    const y = act.output()!.read(24);
    if (a === 'softmax') {
      for (let r = 0; r < 4; r++) {
        const row = Array.from(x.subarray(r * 6, r * 6 + 6));
        const s = row.reduce((p, v) => p + Math.exp(v), 0);
        row.forEach((v, j) => assert.ok(Math.abs(y[r * 6 + j] - Math.exp(v) / s) < 1e-6, `softmax ${r},${j}`));
      }
    } else {
      x.forEach((v, i) => assert.ok(Math.abs(y[i] - F64[a](v)) <= 2e-6 * Math.max(1, Math.abs(F64[a](v))), `${a}(${v}) = ${y[i]}, expected ${F64[a](v)}`));
    }
    m.dispose();
  }
  // Dense(…, { activation: 'relu' }) is no longer linear
  const d = new Dense(4, { activation: 'relu' });
  const m = new Sequential([d, new Dense(2)], { inputShape: [6] }).build(undefined, { seed: 2 });
  m.predict(randomArray(60, 3, 2));
  const y = d.output()!.read(40);
  assert.ok(y.every((v) => v >= 0) && y.some((v) => v > 0), 'relu output');
  m.dispose();
});

test('unknown activation names (own properties only) and unknown options are errors naming them', () => {
  for (const bad of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'GELU', 'mish']) {
    assert.throws(() => new Activation(bad as never), new RegExp(`Activation: unknown activation '${bad.replace(/_/g, '_')}'`));
    assert.throws(() => new Dense(3, { activation: bad as never }), /Dense activation: unknown activation/);
    assert.throws(() => new Conv2D(3, 3, { activation: bad as never }), /Conv2D activation: unknown activation/);
  }
  assert.throws(() => new Dense(3, { activaton: 'relu' } as never), /Dense: unknown option 'activaton'/);
  assert.throws(() => new Conv2D(3, 3, { dilation: 2, kernelRegularizer: 1 } as never), /Conv2D: unknown option/);
  assert.throws(() => new Activation('relu', { alpha: 0.2 }), /alpha applies to leakyRelu and elu, not relu/);
  assert.throws(() => new Activation('elu', { alpha: -1 }), /elu alpha must be positive/);
  assert.throws(() => new Activation('softplus', { gaaf: true }), /Activation: GAAF has no shape function for softplus \(it has one for relu, tanh, sigmoid, leakyRelu, elu, gelu, geluTanh, silu, swish; not for linear, softplus, softmax\)/);
  for (const a of ['softmax', 'linear'] as const) assert.throws(() => new Activation(a, { gaaf: { K: 100 } }), new RegExp(`GAAF has no shape function for ${a} `));
  assert.throws(() => new Activation('relu', { gaaf: true, slope: 1 } as never), /Activation: unknown option 'slope'/);
});

test('registry round trip keeps the activation and alpha; linear Dense/Conv2D configs are unchanged', () => {
  for (const l of [new Activation('elu', { alpha: 0.25 }), new Activation('leakyRelu'), new Activation('softmax'),
    new Dense(4, { activation: 'silu' }), new Conv2D(2, 3, { activation: 'geluTanh' })]) {
    const back = layerFromConfig(l.className, l.config());
    assert.deepEqual(back.config(), l.config());
  }
  assert.deepEqual(new Activation('elu', { alpha: 0.25 }).config(), { activation: 'elu', gaaf: false, alpha: 0.25 });
  assert.deepEqual(new Dense(4).config(), { units: 4, useBias: true, kernelInitializer: 'glorotUniform' });
  assert.equal('activation' in new Conv2D(2, 3).config(), false);
});
