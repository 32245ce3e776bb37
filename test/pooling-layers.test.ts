// The pooling layers of issue 14 (GlobalAveragePooling2D, GlobalMaxPooling2D, ...): finite-difference
// checks of every backward pass on both kernel implementations (odd H/W, channels not a multiple
// of 4, batch 1 and 3), forward values against plain loops, shape and option errors, the registry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  init, Conv2D, Dense, GlobalAveragePooling2D, GlobalMaxPooling2D, type Layer, Sequential, layerFromConfig, setKernelImpl,
} from '../src/index.js';
import { checkGradients, randomArray, randomLabels } from './helpers.js';

await init();

interface Case { name: string; input: number[]; layers: () => Layer[]; batch: number; eps?: number }

const cases: Case[] = [
  { name: 'GlobalAveragePooling2D on [5, 7, 3]', input: [5, 7, 3], layers: () => [new GlobalAveragePooling2D(), new Dense(3)], batch: 3 },
  { name: 'Conv2D + GlobalAveragePooling2D, 6 channels, batch 1', input: [3, 5, 2], layers: () => [new Conv2D(6, 3, { padding: 'same' }), new GlobalAveragePooling2D(), new Dense(3)], batch: 1 },
  { name: 'GlobalMaxPooling2D on [5, 3, 5]', input: [5, 3, 5], layers: () => [new GlobalMaxPooling2D(), new Dense(3)], batch: 3, eps: 1e-3 },
  { name: 'Conv2D + GlobalMaxPooling2D on [1, 1, 3] (one position)', input: [1, 1, 3], layers: () => [new Conv2D(5, 1), new GlobalMaxPooling2D(), new Dense(3)], batch: 3, eps: 1e-3 },
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
