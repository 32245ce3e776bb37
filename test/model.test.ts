// Model construction: shape checks, summaries, weights round trip, bounds checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { init, Activation, Dense, Dropout, Sequential, paperMlp } from '../src/index.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

test('layer shapes that do not chain are refused with the layer named', () => {
  const m = new Sequential([new Dense(4), new Activation('tanh')], { inputShape: [28, 28] });
  assert.throws(() => m.build(), /layer 'dense_1' \(Dense\) expects a flat input \[features\], got shape \[28, 28\]/);
  assert.throws(() => new Sequential([new Dense(3)]).build(), /no input shape/);
  assert.throws(() => new Dense(0), /units must be a positive integer, got 0/);
  assert.throws(() => new Dropout(1), /rate must be in \[0, 1\), got 1/);
  assert.throws(() => new Dropout(-0.1), /rate must be in \[0, 1\)/);
  assert.throws(() => new Activation('mish' as 'tanh'), /unknown activation 'mish'/); // swish is one since issue 14
});

test("summary of the paper's MLP", () => {
  const m = paperMlp({ gaaf: true, dropout: 0.5 }).build();
  const s = m.summary();
  assert.match(s, /dense_1 \(Dense\)\s+\[512\]\s+401920/);
  assert.match(s, /activation_1 \(Activation\)\s+tanh \(GAAF K=10000\)\s+\[512\]/);
  assert.match(s, /Total params: 601610/);
  assert.equal(m.countParams(), 784 * 512 + 512 + 512 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10);
  m.dispose();
});

test('weights round trip and are seeded', () => {
  const a = paperMlp({ hidden: [16] }).build(undefined, { seed: 1 });
  const b = paperMlp({ hidden: [16] }).build(undefined, { seed: 1 });
  const c = paperMlp({ hidden: [16] }).build(undefined, { seed: 2 });
  assert.deepEqual(a.getWeights(), b.getWeights());
  assert.notDeepEqual(a.getWeights(), c.getWeights());
  // Glorot uniform: |w| ≤ sqrt(6/(fanIn+fanOut)); biases start at zero
  const [w1, b1] = a.getWeights();
  const lim = Math.sqrt(6 / (784 + 16));
  assert.ok(w1.every((v) => Math.abs(v) <= lim) && w1.some((v) => Math.abs(v) > 0.9 * lim));
  assert.ok(b1.every((v) => v === 0));
  c.setWeights(a.getWeights());
  assert.deepEqual(c.getWeights(), a.getWeights());
  assert.throws(() => c.setWeights(a.getWeights().slice(1)), /setWeights got 3 arrays, the model has 4 parameters/);
  const bad = a.getWeights();
  bad[0] = new Float32Array(5);
  assert.throws(() => c.setWeights(bad), /'dense_1\/kernel' expects 12544 values \(shape \[784, 16\]\), got 5/);
  for (const m of [a, b, c]) m.dispose();
});
