// Checkpoints of a convolutional model: conv kernels, BatchNorm's gamma/beta and its running
// statistics (state tensors, not parameters) all survive a save and load, and the reloaded
// model predicts exactly what the saved one did, in inference mode (running statistics).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { init, Sequential, makeDataset, memoryHandler, parseSafetensors, svhnCnn } from '../src/index.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

test('a CNN with BatchNorm and GAAF saves and loads bit for bit, running statistics included', async () => {
  const n = 24;
  const x = Float32Array.from({ length: n * 12 * 12 }, (_, i) => (Math.sin(i * 0.37) + 1) / 2);
  const y = Int32Array.from({ length: n }, (_, i) => i % 4);
  const data = makeDataset(x, y, [12, 12, 1], 4, 'tiny images');
  const m = svhnCnn({ inputShape: [12, 12, 1], classes: 4, bn: true, gaaf: true, filters: [4, 4, 6, 6], dense: [10, 8] });
  await m.fit(data, { epochs: 2, batchSize: 8, seed: 5, optimizer: 'adam' });
  const h = memoryHandler();
  await m.save(h);
  const st = parseSafetensors(h.saved[0].weights, 'saved');
  const names = [...st.tensors.keys()];
  assert.ok(names.includes('conv2d_1/kernel'), names.join(', '));
  assert.ok(names.includes('batchnorm_1/moving_mean') && names.includes('batchnorm_1/moving_variance'), names.join(', '));
  const mv = st.tensors.get('batchnorm_1/moving_variance')!;
  const again = await Sequential.load(h);
  assert.deepEqual(again.layers.map((l) => [l.className, l.config()]), m.layers.map((l) => [l.className, l.config()]));
  for (const [a, b] of [[m, again]] as const) {
    const sa = a.layers.flatMap((l) => l.stateTensors().map((t) => t.value.read()));
    const sb = b.layers.flatMap((l) => l.stateTensors().map((t) => t.value.read()));
    assert.deepEqual(sb, sa);
  }
  assert.ok(mv.shape[0] === 4, `moving_variance has one value per channel, got shape [${mv.shape}]`);
  assert.deepEqual(again.predict(x), m.predict(x));
  assert.equal(await again.weightsSha256(), await m.weightsSha256());
  m.dispose();
  again.dispose();
});
