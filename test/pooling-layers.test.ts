// The pooling layers of issue 14 (GlobalAveragePooling2D, GlobalMaxPooling2D, ...): finite-difference
// checks of every backward pass on both kernel implementations (odd H/W, channels not a multiple
// of 4, batch 1 and 3), forward values against plain loops, shape and option errors, the registry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  init, Activation, AveragePooling2D, Conv2D, Embedding, LayerNormalization, MaxPool2D, Reshape, loadModel, memoryHandler, saveModel, Dense, Flatten, GlobalAveragePooling2D, GlobalMaxPooling2D, type Layer, Sequential, layerFromConfig, setKernelImpl,
} from '../src/index.js';
import { checkGradients, randomArray, randomLabels } from './helpers.js';

await init();

interface Case { name: string; input: number[]; layers: () => Layer[]; batch: number; eps?: number }

const cases: Case[] = [
  { name: 'GlobalAveragePooling2D on [5, 7, 3]', input: [5, 7, 3], layers: () => [new GlobalAveragePooling2D(), new Dense(3)], batch: 3 },
  { name: 'Conv2D + GlobalAveragePooling2D, 6 channels, batch 1', input: [3, 5, 2], layers: () => [new Conv2D(6, 3, { padding: 'same' }), new GlobalAveragePooling2D(), new Dense(3)], batch: 1 },
  { name: 'GlobalMaxPooling2D on [5, 3, 5]', input: [5, 3, 5], layers: () => [new GlobalMaxPooling2D(), new Dense(3)], batch: 3, eps: 1e-3 },
  { name: 'Conv2D + GlobalMaxPooling2D on [1, 1, 3] (one position)', input: [1, 1, 3], layers: () => [new Conv2D(5, 1), new GlobalMaxPooling2D(), new Dense(3)], batch: 3, eps: 1e-3 },
  { name: 'AveragePooling2D(2) valid on [5, 7, 3]', input: [5, 7, 3], layers: () => [new AveragePooling2D(2), new Flatten(), new Dense(3)], batch: 3 },
  { name: "AveragePooling2D(3, stride 2, 'same') on [5, 4, 5], batch 1", input: [5, 4, 5], layers: () => [new AveragePooling2D(3, { strides: 2, padding: 'same' }), new Flatten(), new Dense(3)], batch: 1 },
  { name: "Conv2D + AveragePooling2D(2, stride 1, 'same') on [3, 3, 2]", input: [3, 3, 2], layers: () => [new Conv2D(3, 1), new AveragePooling2D(2, { strides: 1, padding: 'same' }), new Flatten(), new Dense(3)], batch: 3 },
  { name: "MaxPool2D(3, stride 2, 'same') on [5, 4, 5]", input: [5, 4, 5], layers: () => [new MaxPool2D(3, { strides: 2, padding: 'same' }), new Flatten(), new Dense(3)], batch: 3, eps: 1e-3 },
  { name: "Conv2D + MaxPool2D(2, 'same') on [3, 3, 2], batch 1", input: [3, 3, 2], layers: () => [new Conv2D(3, 1), new MaxPool2D(2, { padding: 'same' }), new Flatten(), new Dense(3)], batch: 1, eps: 1e-3 },
  { name: 'Reshape [12] → [2, 3, 2] + Conv2D + Reshape [-1]', input: [12], layers: () => [new Reshape([2, 3, 2]), new Conv2D(3, 1), new Reshape([-1]), new Dense(3)], batch: 3 },
  { name: 'Dense + LayerNormalization on 7 features', input: [5], layers: () => [new Dense(7), new LayerNormalization(), new Dense(3)], batch: 3 },
  { name: 'LayerNormalization first on [3, 5, 6] (last axis, input gradient), batch 1', input: [3, 5, 6], layers: () => [new LayerNormalization({ epsilon: 1e-2 }), new Flatten(), new Dense(3)], batch: 1 },
];

for (const c of cases) {
  for (const impl of ['simd', 'scalar'] as const) {
    test(`finite differences (${impl} kernels): ${c.name}`, () => {
      setKernelImpl(impl);
      try {
        const model = new Sequential(c.layers(), { inputShape: c.input }).build(undefined, { seed: 5 });
        const d = c.input.reduce((a, b) => a * b, 1);
        checkGradients(c.name, model, randomArray(c.batch * d, 31, 1.5), randomLabels(c.batch, model.numClasses, 32), false, c.eps ?? 1e-2, 3e-4);
        model.dispose();
      } finally {
        setKernelImpl('simd');
      }
    });
  }
}

test('global pooling: forward values are the per-channel mean and max over h·w; shapes [h, w, c] → [c]', () => {
  const [h, w, c, n] = [3, 5, 7, 3];
  const x = randomArray(n * h * w * c, 9, 2);
  for (const [L, reduce] of [[GlobalAveragePooling2D, (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length],
    [GlobalMaxPooling2D, (v: number[]) => Math.max(...v)]] as const) {
    const pool = new L();
    const model = new Sequential([pool, new Dense(2)], { inputShape: [h, w, c] }).build(undefined, { seed: 1 });
    assert.deepEqual(pool.outputShape, [c]);
    model.predict(x);
    const y = pool.output()!.read(n * c);
    for (let b = 0; b < n; b++) {
      for (let ch = 0; ch < c; ch++) {
        const col = Array.from({ length: h * w }, (_, p) => x[(b * h * w + p) * c + ch]);
        assert.ok(Math.abs(y[b * c + ch] - reduce(col)) < 1e-5, `${pool.className} b=${b} ch=${ch}`);
      }
    }
    model.dispose();
  }
});

test('global pooling: bad input shapes and unknown options are errors naming the layer; registry round trip', () => {
  assert.throws(() => new Sequential([new GlobalAveragePooling2D(), new Dense(2)], { inputShape: [12] }).build(),
    /globalaveragepooling2d_1' \(GlobalAveragePooling2D\) expects input \[height, width, channels\], got shape \[12\]/);
  assert.throws(() => new GlobalMaxPooling2D({ poolSize: 2 } as never), /GlobalMaxPooling2D: unknown option 'poolSize'/);
  for (const cls of ['GlobalAveragePooling2D', 'GlobalMaxPooling2D']) {
    const l = layerFromConfig(cls, {});
    assert.equal(l.className, cls);
    assert.deepEqual(l.config(), {});
  }
});

test("AveragePooling2D: shapes as Keras gives them (valid, 'same'), the mean excludes padding, errors, registry", () => {
  const shape = (p: AveragePooling2D, s: number[]): readonly number[] => p.computeOutputShape(s);
  assert.deepEqual(shape(new AveragePooling2D(2), [7, 5, 3]), [3, 2, 3]);
  assert.deepEqual(shape(new AveragePooling2D(2, { padding: 'same' }), [7, 5, 3]), [4, 3, 3]);
  assert.deepEqual(shape(new AveragePooling2D(3, { strides: 1, padding: 'same' }), [7, 5, 3]), [7, 5, 3]);
  // 'same' 2×2 on a 3×3 single-channel image: the last row/column windows are clipped and average fewer taps
  const p = new AveragePooling2D(2, { padding: 'same' });
  const m = new Sequential([p, new Flatten(), new Dense(2)], { inputShape: [3, 3, 1] }).build(undefined, { seed: 1 });
  m.predict(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
  assert.deepEqual(Array.from(p.output()!.read(4)), [3, 4.5, 7.5, 9]);
  m.dispose();
  assert.throws(() => new AveragePooling2D(2, { padding: 'full' as never }), /AveragePooling2D padding must be 'valid' or 'same', got 'full'/);
  assert.throws(() => new AveragePooling2D(2, { pool: 2 } as never), /AveragePooling2D: unknown option 'pool'/);
  assert.throws(() => new Sequential([new AveragePooling2D(4), new Flatten(), new Dense(2)], { inputShape: [3, 5, 1] }).build(), /a 4×4 'valid' window does not fit input \[3, 5, 1\]/);
  const c = new AveragePooling2D(3, { strides: 2, padding: 'same' }).config();
  assert.deepEqual(layerFromConfig('AveragePooling2D', c).config(), c);
});

test("MaxPool2D 'same': Keras shapes, clipped windows (padding never wins), config and registry", () => {
  assert.deepEqual(new MaxPool2D(2, { padding: 'same' }).computeOutputShape([7, 5, 3]), [4, 3, 3]);
  assert.deepEqual(new MaxPool2D(3, { strides: 1, padding: 'same' }).computeOutputShape([2, 2, 1]), [2, 2, 1]);
  const p = new MaxPool2D(2, { padding: 'same' });
  const m = new Sequential([p, new Flatten(), new Dense(2)], { inputShape: [3, 3, 1] }).build(undefined, { seed: 1 });
  m.predict(Float32Array.from([-1, -2, -3, -4, -5, -6, -7, -8, -9]));
  assert.deepEqual(Array.from(p.output()!.read(4)), [-1, -3, -7, -9]);
  m.dispose();
  assert.deepEqual(new MaxPool2D(2).config(), { poolSize: 2, strides: 2 });
  const c = new MaxPool2D(3, { strides: 2, padding: 'same' }).config();
  assert.deepEqual(layerFromConfig('MaxPool2D', c).config(), c);
  assert.throws(() => new MaxPool2D(2, { padding: 'causal' as never }), /MaxPool2D padding must be 'valid' or 'same', got 'causal'/);
  assert.throws(() => new MaxPool2D(2, { stride: 1 } as never), /MaxPool2D: unknown option 'stride'/);
});

test('Reshape: −1 is inferred, a size mismatch names the layer and both shapes, registry', () => {
  assert.deepEqual(new Reshape([3, -1]).computeOutputShape([4, 3]), [3, 4]);
  assert.throws(() => new Sequential([new Reshape([5, 5]), new Flatten(), new Dense(2)], { inputShape: [24] }).build(),
    /layer 'reshape_1' \(Reshape\): input \[24\] has 24 values, which do not fit target shape \[5, 5\]/);
  assert.throws(() => new Reshape([-1, -1]), /at most one −1/);
  assert.throws(() => new Reshape([2, 0]), /targetShape must be positive integers/);
  assert.deepEqual(layerFromConfig('Reshape', { targetShape: [2, -1] }).config(), { targetShape: [2, -1] });
});

test('Embedding: rows of the table, gradients by finite differences, an index out of range names index, row and vocabulary', () => {
  const emb = new Embedding(6, 3);
  const m = new Sequential([emb, new Flatten(), new Dense(3)], { inputShape: [4] }).build(undefined, { seed: 2 });
  const x = Float32Array.from([0, 5, 5, 2, 1, 1, 3, 0, 4, 2, 2, 2]); // repeated indices accumulate
  m.predict(x);
  const table = emb.params()[0].value.read();
  const y = emb.output()!.read(36);
  x.forEach((v, i) => assert.deepEqual(Array.from(y.subarray(i * 3, i * 3 + 3)), Array.from(table.subarray(v * 3, v * 3 + 3))));
  for (const impl of ['simd', 'scalar'] as const) {
    setKernelImpl(impl);
    try {
      const { grads } = m.lossAndGradients(x, randomLabels(3, 3, 8), { inputGrad: true });
      const lossAt = (): number => m.lossAndGradients(x, randomLabels(3, 3, 8)).loss;
      const w = m.getWeights();
      const numeric = new Float64Array(w[0].length);
      for (let i = 0; i < w[0].length; i++) {
        const w0 = w[0][i];
        w[0][i] = w0 + 1e-2; m.setWeights(w); const lp = lossAt();
        w[0][i] = w0 - 1e-2; m.setWeights(w); const lm = lossAt();
        w[0][i] = w0; m.setWeights(w);
        numeric[i] = (lp - lm) / (Math.fround(w0 + 1e-2) - Math.fround(w0 - 1e-2));
      }
      grads[0].forEach((g, i) => assert.ok(Math.abs(g - numeric[i]) <= 3e-4 + 2e-2 * Math.abs(numeric[i]), `${impl} embeddings[${i}]: ${g} vs ${numeric[i]}`));
    } finally {
      setKernelImpl('simd');
    }
  }
  const bad = x.slice();
  bad[6] = 6;
  assert.throws(() => m.predict(bad), /layer 'embedding_1' \(Embedding\): index 6 at row 1 of the batch, position 2, is not an integer in \[0, 6\) \(the vocabulary size is 6\)/);
  bad[6] = 2.5;
  assert.throws(() => m.predict(bad), /index 2.5 at row 1/);
  m.dispose();
  assert.throws(() => new Embedding(0, 3), /inputDim \(vocabulary size\) must be a positive integer/);
  assert.deepEqual(layerFromConfig('Embedding', { inputDim: 6, outputDim: 3 }).config(), { inputDim: 6, outputDim: 3 });
});

test('checkpoint round trip of a model with every new layer: same config, same weights, same predictions', async () => {
  const layers = (): Layer[] => [
    new Embedding(7, 4), new Reshape([4, 4, 1]), new Conv2D(4, 3, { padding: 'same', activation: 'gelu' }),
    new MaxPool2D(2, { padding: 'same', strides: 1 }), new AveragePooling2D(2, { padding: 'same' }),
    new LayerNormalization(), new GlobalMaxPooling2D(), new Dense(5, { activation: 'silu' }), new Activation('elu', { alpha: 0.5 }), new Dense(3),
  ];
  const model = new Sequential(layers(), { inputShape: [4] }).build(undefined, { seed: 4 });
  const x = Float32Array.from([0, 1, 2, 3, 6, 5, 4, 3, 1, 1, 0, 6]);
  const before = model.predict(x);
  const h = memoryHandler();
  await saveModel(model, h);
  const back = await loadModel(Sequential, h);
  assert.deepEqual(back.layers.map((l) => [l.className, l.config()]), model.layers.map((l) => [l.className, l.config()]));
  assert.deepEqual(back.predict(x), before);
  model.dispose();
  back.dispose();
});
