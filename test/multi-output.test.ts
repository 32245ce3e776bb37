// Models of several outputs (src/heads/multi-head.ts), as Keras trains them: a loss per output
// (a list or an object by output name), lossWeights, y as a list or an object, each output's
// loss and metrics in the logs and in evaluate, predictAll, the total's gradient against
// central differences, checkpoints that keep the losses, and the errors for what does not fit.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Activation, Adam, Dense, Model, init, input, makeMultiOutputDataset, subset } from '../src/index.js';
import { loadBundledDigits } from '../src/node.js';
import { assertClose, randomArray } from './helpers.js';

await init();
const { train, test: testSet } = loadBundledDigits();

/** One trunk, two heads: the digit (10 logits) and "digit ≥ 5" (one logit). */
function twoHeads(): Model {
  const x = input({ shape: [784], name: 'pixels' });
  const h = new Activation('relu').apply(new Dense(48).apply(x));
  return new Model({ inputs: x, outputs: [new Dense(10).apply(h), new Dense(1).apply(h)] });
}

const big = (y: Int32Array): Float32Array => Float32Array.from(y, (v) => (v >= 5 ? 1 : 0));
const both = (d: typeof train, n: number) => {
  const s = subset(d, { start: 0, end: n });
  return makeMultiOutputDataset(s.x, [784], [{ labels: s.y, numClasses: 10 }, { targets: big(s.y), size: 1 }], `${d.name} (two outputs)`);
};

test('a model of two outputs trains with a loss per output; logs, evaluate and History name each output', async () => {
  const m = twoHeads();
  m.compile({ optimizer: new Adam({ lr: 3e-3 }), loss: ['sparseCategoricalCrossentropy', 'binaryCrossentropy'], lossWeights: [1, 0.5] });
  assert.deepEqual(m.outputNames(), ['dense_2', 'dense_3']);
  const h = await m.fit(both(train, 2000), { epochs: 3, batchSize: 64, seed: 2, validationData: both(testSet, 500) });
  const last = h.epochs[2] as Record<string, number>;
  for (const k of ['loss', 'dense_2_loss', 'dense_2_accuracy', 'dense_3_loss', 'dense_3_binaryAccuracy', 'valLoss', 'val_dense_2_accuracy', 'val_dense_3_binaryAccuracy']) {
    assert.equal(typeof last[k], 'number', k);
  }
  assert.equal(h.history.dense_2_accuracy.length, 3);
  // the total is Σ wᵢ·Lᵢ, epoch by epoch
  for (const e of h.epochs as Array<Record<string, number>>) assertClose('total loss', [e.loss], [e.dense_2_loss + 0.5 * e.dense_3_loss], 1e-5, 1e-6);
  assert.ok(last.dense_2_accuracy > 0.8 && last.dense_3_binaryAccuracy > 0.85, `${last.dense_2_accuracy} ${last.dense_3_binaryAccuracy}`);
  const ev = m.evaluate(both(testSet, 500));
  assert.equal(ev.loss, last.valLoss);
  assert.equal(ev.dense_3_binaryAccuracy, last.val_dense_3_binaryAccuracy);
  const [probs, p5] = m.predictAll(testSet.x.subarray(0, 3 * 784));
  assert.equal(probs.length, 30);
  assert.equal(p5.length, 3);
  assert.ok(p5.every((p) => p > 0 && p < 1), 'sigmoid probabilities');
  assertClose('row sums', [probs.subarray(0, 10).reduce((a, b) => a + b, 0)], [1], 1e-5, 1e-6);
});

test('y as TF.js gives it: a list per output or an object by output name, the same bits', async () => {
  const s = subset(train, { start: 0, end: 300 });
  const rows = Array.from({ length: 300 }, (_, i) => Array.from(s.x.subarray(i * 784, (i + 1) * 784)));
  const labels = Array.from(s.y);
  const over5 = labels.map((v) => [v >= 5 ? 1 : 0]);
  const a = twoHeads();
  a.compile({ optimizer: 'adam', loss: { dense_2: 'sparseCategoricalCrossentropy', dense_3: 'binaryCrossentropy' } });
  await a.fit(rows, [labels, over5], { epochs: 1, batchSize: 50, seed: 3 });
  const b = twoHeads();
  b.compile({ optimizer: 'adam', loss: ['sparseCategoricalCrossentropy', 'binaryCrossentropy'] });
  await b.fit(rows, { dense_3: over5, dense_2: labels }, { epochs: 1, batchSize: 50, seed: 3 });
  assert.equal(await a.weightsSha256(), await b.weightsSha256());
  await assert.rejects(b.fit(rows, labels, { epochs: 1 }), /the model has 2 outputs \(dense_2, dense_3\): give y as a list of 2 arrays/);
  await assert.rejects(b.fit(rows, { dense_2: labels }, { epochs: 1 }), /y has no entry for the output 'dense_3'/);
});

test('the total loss\'s gradient matches central differences, and lossWeights scale each output\'s part', () => {
  const m = twoHeads();
  m.setLoss(['sparseCategoricalCrossentropy', 'mse'], {}, [1, 0.25]);
  m.build(undefined, { seed: 4 });
  const x = randomArray(4 * 784, 5, 0.5);
  const ys = [Int32Array.of(1, 7, 3, 9), Float32Array.of(0.5, -1, 2, 0.25)];
  const { grads } = m.lossAndGradients(x, ys);
  const w = m.getWeights();
  const EPS = 1e-2;
  // the last layers' kernels and a few trunk weights
  for (const [pi, idx] of [[2, [0, 5, 77]], [4, [0, 13, 40]], [0, [100, 5000]]] as Array<[number, number[]]>) {
    const numeric = idx.map((i) => {
      const v = w[pi][i];
      w[pi][i] = v + EPS; m.setWeights(w); const lp = m.lossAndGradients(x, ys).loss;
      w[pi][i] = v - EPS; m.setWeights(w); const lm = m.lossAndGradients(x, ys).loss;
      w[pi][i] = v; m.setWeights(w);
      return (lp - lm) / (2 * EPS);
    });
    assertClose(`param ${pi}`, idx.map((i) => grads[pi][i]), numeric, 3e-2, 3e-4);
  }
  assert.throws(() => m.lossAndGradients(x, ys[0]), /y must be a list of 2 target arrays, one per output/);
});

test('checkpoints keep each output\'s loss and weight; the errors name the outputs', async () => {
  const m = twoHeads();
  m.compile({ optimizer: 'adam', loss: ['sparseCategoricalCrossentropy', 'binaryCrossentropy'], lossWeights: [1, 2] });
  await m.fit(both(train, 200), { epochs: 1, batchSize: 50, seed: 1 });
  const dir = join(mkdtempSync(join(tmpdir(), 'gaaf-multi-')), 'ck');
  await m.save(dir);
  const back = await Model.load(dir);
  const data = both(testSet, 100);
  back.ensureBatch(50); // the batches m evaluates in (its fit's), so the sums run in the same order
  assert.deepEqual(back.evaluate(data), m.evaluate(data));
  assert.throws(() => twoHeads().compile({ loss: ['mse'] }), /the loss list has 1 entries, the model has 2 outputs \(dense_2, dense_3\)/);
  assert.throws(() => twoHeads().compile({ loss: { dense_9: 'mse', dense_2: 'mse' } }), /names dense_9 \(no such output\)/);
  assert.throws(() => twoHeads().compile({ loss: 'mse', lossWeights: [1, -1] }), /lossWeights for 'dense_3' must be a finite number ≥ 0, got -1/);
  await assert.rejects(twoHeads().fit(data, { epochs: 1 }), /the model has 2 outputs \(dense_2, dense_3\); training and evaluating it needs a loss per output/);
  await assert.rejects(m.fit(data, { epochs: 1, classWeight: { 1: 2 } }), /classWeight applies to a model of one output/);
});
