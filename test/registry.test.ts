import assert from 'node:assert/strict';
import { test } from 'node:test';
import { init, Activation, Dense, Dropout, Sequential, layerFromConfig } from '../src/index.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

test('every layer rebuilds from its config() to the same config and the same outputs', async () => {
  const layers = [new Dense(7, { inputShape: [5] }), new Activation('relu', { gaaf: { K: 500, a: 2, b: -0.5 } }), new Dropout(0.25),
    new Dense(4, { useBias: false, kernelInitializer: 'heNormal' }), new Activation('tanh', { gaaf: true }), new Dense(3)];
  const a = new Sequential(layers).build(undefined, { seed: 4 });
  const b = new Sequential(a.layers.map((l) => layerFromConfig(l.className, l.config()))).build([5], { seed: 4 });
  assert.deepEqual(b.layers.map((l) => l.config()), a.layers.map((l) => l.config()));
  const x = Float32Array.from({ length: 20 }, (_, i) => Math.sin(i));
  assert.deepEqual(b.predict(x), a.predict(x));
  a.dispose();
  b.dispose();
});

test('an unknown layer class is a clear error', () => {
  assert.throws(() => layerFromConfig('Conv9D', {}), /unknown layer class 'Conv9D' \(known: Dense, Activation, Dropout/);
});
