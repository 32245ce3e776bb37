// The per-sample test predictions every reproduction run keeps (src/reproduce/predictions.ts),
// and the validation-only learning-rate choice (src/reproduce/lr-select.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Dense, Sequential, init } from '../src/index.js';
import { loadSplits } from '../src/reproduce/protocol.js';
import { correctOf, predictedOf, testPredictions } from '../src/reproduce/predictions.js';
import { chooseLr, parseLrList } from '../src/reproduce/lr-select.js';

await init();

test('testPredictions: its rightness count is evaluate()\'s accuracy, and the records decode to the argmax classes', async () => {
  const { train, test: testSet } = loadSplits({ trainSamples: 600, testSamples: 333, valFraction: 0.1, splitSeed: 7 });
  const m = new Sequential([new Dense(16, { activation: 'tanh' }), new Dense(10)], { inputShape: [784] });
  m.build(undefined, { seed: 3 });
  await m.fit(train, { epochs: 1, batchSize: 32, seed: 3, verbose: 0 });
  const p = testPredictions(m, testSet);
  assert.equal(p.count, 333);
  assert.equal(p.right / p.count, m.evaluate(testSet).accuracy);
  const ok = correctOf(p);
  const cls = predictedOf(p);
  const probs = m.predict(testSet.x);
  for (let i = 0; i < p.count; i++) {
    const row = Array.from(probs.subarray(i * 10, i * 10 + 10));
    assert.equal(cls[i], row.indexOf(Math.max(...row)), `sample ${i}`);
    assert.equal(ok[i], cls[i] === testSet.y[i] ? 1 : 0, `sample ${i}`);
  }
  assert.throws(() => correctOf({ ...p, right: p.right + 1 }, 'job 3'), /job 3: the 'correct' bitset has \d+ samples right, but 'right' says \d+/);
  assert.throws(() => correctOf({ ...p, count: p.count + 16 }), /'correct' bitset holds 42 bytes, expected 44 for 349 samples/);
  m.dispose();
});

test('chooseLr picks by validation accuracy, then validation loss, then the smaller rate', () => {
  assert.equal(chooseLr([{ lr: 0.01, valAccuracy: 0.9, valLoss: 0.3 }, { lr: 0.001, valAccuracy: 0.92, valLoss: 0.4 }]).lr, 0.001);
  assert.equal(chooseLr([{ lr: 0.01, valAccuracy: 0.9, valLoss: 0.3 }, { lr: 0.001, valAccuracy: 0.9, valLoss: 0.4 }]).lr, 0.01);
  assert.equal(chooseLr([{ lr: 0.01, valAccuracy: 0.9, valLoss: 0.3 }, { lr: 0.003, valAccuracy: 0.9, valLoss: 0.3 }]).lr, 0.003);
  assert.deepEqual(chooseLr([{ lr: 0.01, valAccuracy: 0.9, valLoss: 0.3 }, { lr: 0.003, valAccuracy: 0.8, valLoss: 0.3 }]).trials.map((t) => t.lr), [0.003, 0.01]);
  assert.throws(() => chooseLr([]), /at least one trial/);
  assert.throws(() => chooseLr([{ lr: 0.01, valAccuracy: NaN, valLoss: 0 }]), /trial lr 0.01 has validation accuracy NaN/);
  assert.deepEqual(parseLrList('3e-4, 0.001,0.003', '--lr-grid'), [3e-4, 0.001, 0.003]);
  assert.throws(() => parseLrList('0.1,-1', '--lr-grid'), /--lr-grid takes comma-separated positive learning rates, got '0.1,-1'/);
  assert.throws(() => parseLrList('0.1,0.1', '--lr-grid'), /lists a learning rate twice/);
});
