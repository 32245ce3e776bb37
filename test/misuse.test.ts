// Misuse that used to pass silently or crash (issue 19, items 7, 10 and 11): two fit() calls on
// one model, dispose() during fit, options that are fine in float64 but not in the float32 the
// kernels compute in, labels that would be coerced, and datasets made by hand that are not what
// they claim (float labels, a count beyond the rows, NaN inputs).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Activation, Adam, Dense, Dropout, BatchNorm, SGD, Sequential, init, makeDataset, ops, type Dataset } from '../src/node.js';

await init();

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** 64 samples of 6 features, 3 classes, a deterministic pattern. */
function data(n = 64): Dataset {
  const x = new Float32Array(n * 6).map((_, i) => Math.sin(i * 0.37));
  const y = Int32Array.from({ length: n }, (_, i) => i % 3);
  return makeDataset(x, y, [6], 3, 'toy');
}
const model = (): Sequential => new Sequential([new Dense(8), new Activation('tanh'), new Dense(3)], { inputShape: [6] });

test('a second fit() on a model that is training is refused, and the first run is not disturbed', async () => {
  const ds = data();
  const alone = model();
  await alone.fit(ds, { epochs: 2, batchSize: 8, seed: 5 });
  const m = model();
  const [first, second] = await Promise.allSettled([m.fit(ds, { epochs: 2, batchSize: 8, seed: 5 }), m.fit(ds, { epochs: 2, batchSize: 8, seed: 5 })]);
  assert.equal(first.status, 'fulfilled');
  assert.equal(second.status, 'rejected');
  assert.match(String((second as PromiseRejectedResult).reason), /already being trained by another fit\(\) call/);
  assert.equal(await m.weightsSha256(), await alone.weightsSha256(), 'the first run trains exactly as if alone');
  await m.fit(ds, { epochs: 1, batchSize: 8, seed: 5 }); // free again once it has ended
});

test('dispose() during fit stops it before the next step, with a clear rejection, and frees the model', async () => {
  const m = model();
  let batches = 0;
  const run = m.fit(data(), {
    epochs: 3, batchSize: 8, seed: 1,
    callbacks: { onBatchEnd: () => { if (++batches === 3) m.dispose(); } },
  });
  await assert.rejects(run, /the model was disposed during training; stopped before epoch 1, batch 4\/8 \(after step 3\)/);
  assert.equal(batches, 3, 'no step ran after dispose()');
  assert.equal(m.built, false, 'the buffers were freed when fit ended');
  assert.throws(() => m.predict(new Float32Array(6)), /predict/);
});

test('options are checked in float32, where the kernels use them', () => {
  const below = /below float32's smallest normal number/;
  assert.throws(() => new Activation('tanh', { gaaf: { K: 1e-50 } }), /GAAF K = 1e-50 is below float32's smallest normal number .*it would become 0/);
  assert.throws(() => new Activation('tanh', { gaaf: { c: 1e-50 } }), /GAAF bell width c = 1e-50 is below/);
  assert.throws(() => new Activation('tanh', { gaaf: { K: 1e39 } }), /GAAF K = 1e\+39 is beyond float32's range/);
  assert.throws(() => new Activation('relu', { gaaf: { a: 1e-40 } }), below, 'a subnormal float32 is refused too');
  assert.throws(() => new Activation('relu', { gaaf: { b: -1e39 } }), /GAAF shape centre b = -1e\+39 is beyond float32's range/);
  assert.throws(() => new SGD({ lr: 1e-50 }), /SGD learning rate = 1e-50 is below/);
  assert.throws(() => new Adam({ epsilon: 1e-46 }), /Adam epsilon = 1e-46 is below/);
  assert.throws(() => new Dropout(1 - 1e-9), /Dropout rate = 0.999999999 rounds to 1 in float32/);
  assert.throws(() => new BatchNorm({ epsilon: 1e-45 }), /BatchNorm epsilon = 1e-45 is below/);
  assert.throws(() => ops.activation('leakyRelu', new Float32Array(4), { alpha: 1e39 }), /alpha = 1e\+39 is beyond float32's range/);
  // values that are fine stay accepted, including K of 1e6 and the smallest normal float32
  new Activation('tanh', { gaaf: { K: 1e6, c: 2 ** -126 } });
  new SGD({ lr: 1e-30 });
});

test('the command line refuses --gaaf-k 1e-50 as a flag error, not as divergence after training', () => {
  const r = spawnSync(process.execPath, [cli, 'train', '--gaaf', '--gaaf-k', '1e-50', '--epochs', '1', '--hidden', '8'], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--gaaf-k '1e-50' is below float32's smallest normal number/);
  assert.doesNotMatch(r.stdout + r.stderr, /diverged|epoch 1/);
});

test('ops.softmaxCrossEntropy refuses labels that are not class indices instead of coercing them', () => {
  const logits = new Float32Array(6);
  for (const [bad, shown] of [[Number.NaN, 'NaN'], [1.5, '1.5'], ['x', "'x'"], [Infinity, 'Infinity']] as const) {
    assert.throws(() => ops.softmaxCrossEntropy(logits, [0, bad as number], 3),
      new RegExp(`labels\\[1\\] = ${shown.replace('.', '\\.')} is not a class index, expected an integer in 0\\.\\.2`));
  }
  assert.throws(() => ops.softmaxCrossEntropy(logits, [0, -1], 3), /label -1 at row 1 is outside \[0, 3\)/, 'integers out of range: the kernel table\'s check');
  assert.equal(ops.softmaxCrossEntropy(logits, [0, 2], 3).loss.toFixed(4), Math.log(3).toFixed(4));
});

test('a dataset made by hand is checked where it enters fit, evaluate and predict', async () => {
  const good = data(16);
  const byHand = (o: Partial<Record<keyof Dataset, unknown>>): Dataset => ({ ...good, name: 'by hand', ...o }) as Dataset;
  const m = model();
  // float labels: truncation would train 0.5 as class 0
  await assert.rejects(m.fit(byHand({ y: Float32Array.from({ length: 16 }, (_, i) => (i % 3) + 0.5) }), { epochs: 1 }),
    /fit: 'by hand': label y\[0\] = 0\.5 is not a class index, expected an integer in 0\.\.2/);
  // a count beyond the rows would train on stale memory
  await assert.rejects(m.fit(byHand({ count: 40 }), { epochs: 1 }), /fit: 'by hand': count is 40 but y holds 16 labels/);
  await assert.rejects(m.fit(byHand({ x: new Float32Array(15 * 6) }), { epochs: 1 }), /x has 90 values, expected 96 \(16 samples × 6/);
  await assert.rejects(m.fit(byHand({ x: Array.from(good.x) }), { epochs: 1 }), /x must be a Float32Array, got Array/);
  // NaN or Inf in the inputs: named as bad data, before any step
  const nan = Float32Array.from(good.x);
  nan[5 * 6 + 2] = Number.NaN;
  await assert.rejects(m.fit(byHand({ x: nan }), { epochs: 1 }),
    /fit: 'by hand': sample 5 holds NaN at element 2 \(x\[32\]\): the inputs must be finite numbers/);
  assert.equal(m.step, 0, 'no step ran');
  const inf = Float32Array.from(good.x);
  inf[7 * 6] = -Infinity;
  await assert.rejects(m.fit(good, { epochs: 1, validationData: byHand({ x: inf }) }), /fit \(validationData\): 'by hand': sample 7 holds -Infinity/);
  assert.equal(m.step, 0, 'the validation data is checked before training too');
  await m.fit(good, { epochs: 1, batchSize: 8 });
  assert.throws(() => m.evaluate(byHand({ x: inf })), /evaluate: 'by hand': sample 7 holds -Infinity at element 0/);
  assert.throws(() => m.predict(inf), /predict: sample 7 holds -Infinity at element 0/);
});
