// The losses end to end (src/head.ts, src/heads/): resolveHead's names and errors, targets the
// loss refuses, each head's backward through a model against central differences, and the
// issue's examples: regression with MSE on y = sin(x1) + x2², binary 3-vs-8 digits with one
// sigmoid output, multi-label digits with per-label accuracy, classWeight/sampleWeight, and the
// same bits on 1 and 2 threads for a regression model.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Activation, Adam, type Dataset, Dense, Dropout, LOSS_NAME_LIST, Sequential, init, makeDataset, makeTargetDataset, resolveHead, setThreads, subset, threads,
} from '../src/index.js';
import { loadBundledDigits } from '../src/node.js';
import { Rng } from '../src/rng.js';
import { assertClose, randomArray } from './helpers.js';

await init();

/** y = sin(x1) + x2², x uniform in [-2, 2]². */
function sinSquare(n: number, seed: number, name: string): Dataset {
  const r = new Rng(seed);
  const x = new Float32Array(2 * n), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = 4 * r.next() - 2, b = 4 * r.next() - 2;
    x[2 * i] = a; x[2 * i + 1] = b;
    y[i] = Math.sin(a) + b * b;
  }
  return makeTargetDataset(x, y, [2], 1, name);
}

const variance = (v: Float32Array): number => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
};

const mlp = (inputs: number, hidden: number, outputs: number): Sequential =>
  new Sequential([new Dense(hidden), new Activation('tanh'), new Dense(hidden), new Activation('tanh'), new Dense(outputs)], { inputShape: [inputs] });

test('resolveHead knows the TF.js/Keras names and a head object; an unknown name lists the known ones', () => {
  assert.deepEqual([...LOSS_NAME_LIST].sort(), ['binaryCrossentropy', 'categoricalCrossentropy', 'huber', 'mae', 'meanAbsoluteError', 'meanSquaredError', 'mse', 'sparseCategoricalCrossentropy']);
  for (const n of LOSS_NAME_LIST) assert.ok(resolveHead(n).lossName.length > 0);
  assert.equal(resolveHead('mse').lossName, 'meanSquaredError');
  const h = resolveHead('huber', { delta: 2 });
  assert.equal(resolveHead(h), h);
  assert.throws(() => resolveHead('crossEntropy'), /gaaf: loss: unknown loss 'crossEntropy' \(expected one of sparseCategoricalCrossentropy, categoricalCrossentropy, binaryCrossentropy, .*huber, or a head object\)/);
  assert.throws(() => resolveHead('mse', { delta: 1 }), /delta applies to 'huber' only/);
  assert.throws(() => resolveHead('huber', { beta: 1 } as never), /unknown option 'beta'/);
  assert.throws(() => resolveHead('binaryCrossentropy', { labelSmoothing: 1 }), /labelSmoothing must be in \[0, 1\)/);
  // the memory estimate counts the model's own head: a float-target head keeps one more value per row
  const act = (loss: string): number => new Sequential([new Dense(4)], { inputShape: [3], loss }).estimateMemory({ batchSize: 100 }).activationBytes;
  assert.equal(act('mse') - act('sparseCategoricalCrossentropy'), 4 * 100);
});

test('a loss refuses the other kind of targets, naming both', async () => {
  const reg = sinSquare(64, 1, 'reg');
  const labels = makeDataset(new Float32Array(64 * 2), new Int32Array(64).map((_, i) => i % 3), [2], 3, 'labels');
  await assert.rejects(mlp(2, 4, 3).fit(reg, { epochs: 1 }), /the loss 'sparseCategoricalCrossentropy' needs integer class labels, 'reg' holds float targets \(1 per sample\)/);
  await assert.rejects(mlp(2, 4, 3).fit(labels, { epochs: 1, loss: 'mse' }), /the loss 'meanSquaredError' needs float targets of shape \[n, 3\], 'labels' holds integer class labels/);
  await assert.rejects(mlp(2, 4, 3).fit(labels, { epochs: 1, loss: 'categoricalCrossentropy' }), /'categoricalCrossentropy' needs float targets/);
  const twoClass = makeDataset(new Float32Array(8), new Int32Array([0, 1, 1, 0]), [2], 2, 'two');
  await assert.rejects(mlp(2, 4, 1).fit(twoClass, { epochs: 1 }), /the model outputs 1 \(softmax over one value is always 1\): for two classes with one sigmoid output use loss 'binaryCrossentropy'/);
  await assert.rejects(mlp(2, 4, 1).fit(labels, { epochs: 1, loss: 'binaryCrossentropy' }), /with one output needs 0\/1 labels, 'labels' has 3 classes/);
  await assert.rejects(mlp(2, 4, 2).fit(reg, { epochs: 1, loss: 'mse' }), /'reg' has 1 targets per sample, the model outputs 2/);
  await assert.rejects(mlp(2, 4, 1).fit(reg, { epochs: 1, loss: 'binaryCrossentropy' }), /needs targets in \[0, 1\], 'reg' has .* at sample 0/);
  await assert.rejects(mlp(2, 4, 1).fit(reg, { epochs: 1, loss: 'mse', sampleWeight: [1, 2] }), /sampleWeight has 2 values, 'reg' has 64 samples/);
  await assert.rejects(mlp(2, 4, 1).fit(reg, { epochs: 1, loss: 'mse', lossFn: 'x' } as never), /unknown option 'lossFn'/);
});

test('every head: the gradients through a model match central differences', () => {
  const n = 5, x = randomArray(n * 3, 3);
  const cases: Array<[string, number, Int32Array | Float32Array, object?]> = [
    ['mse', 2, randomArray(n * 2, 4)],
    ['huber', 2, randomArray(n * 2, 5, 3), { delta: 0.5 }],
    ['binaryCrossentropy', 3, Float32Array.from(randomArray(n * 3, 6), (v) => (v > 0 ? 1 : 0))],
    ['binaryCrossentropy', 1, new Int32Array([0, 1, 1, 0, 1])],
    ['categoricalCrossentropy', 4, Float32Array.from({ length: n * 4 }, (_, i) => (i % 4 === i % 3 ? 0.5 : 0.25)), { labelSmoothing: 0.1 }],
  ];
  for (const [loss, out, y, o] of cases) {
    const m = new Sequential([new Dense(4), new Activation('tanh'), new Dense(out)], { inputShape: [3], loss, lossOptions: o });
    m.build(undefined, { seed: 2 });
    const { grads } = m.lossAndGradients(x, y);
    const w = m.getWeights();
    const EPS = 1e-2;
    w.forEach((arr, k) => {
      const num = new Float64Array(arr.length);
      for (let i = 0; i < arr.length; i++) {
        const v = arr[i];
        arr[i] = v + EPS; m.setWeights(w); const lp = m.lossAndGradients(x, y).loss;
        arr[i] = v - EPS; m.setWeights(w); const lm = m.lossAndGradients(x, y).loss;
        arr[i] = v; m.setWeights(w);
        num[i] = (lp - lm) / (Math.fround(v + EPS) - Math.fround(v - EPS));
      }
      assertClose(`${loss}: param ${k}`, grads[k], num, 3e-2, 3e-4);
    });
    m.dispose();
  }
});

test('regression: an MLP with MSE on y = sin(x1) + x2² (4,000 samples) reaches a test MSE well under var(y)', async () => {
  const train = sinSquare(4000, 11, 'sin+sq train'), testSet = sinSquare(1000, 12, 'sin+sq test');
  const model = mlp(2, 32, 1);
  const h = await model.fit(train, { epochs: 40, batchSize: 32, optimizer: new Adam({ lr: 0.01 }), seed: 1, loss: 'mse', validationData: testSet });
  const ev = model.evaluate(testSet);
  const v = variance(testSet.targets!);
  console.log(`# regression: test mse ${ev.mse.toFixed(4)}, mae ${ev.mae.toFixed(4)}, var(y) ${v.toFixed(4)}`);
  assert.deepEqual(Object.keys(ev).sort(), ['loss', 'mae', 'mse']);
  assert.equal(ev.loss, ev.mse);
  assert.ok(ev.mse < 0.02 * v, `test mse ${ev.mse} vs var(y) ${v}`);
  const last = h.epochs[h.epochs.length - 1];
  assert.equal(last.accuracy, undefined); // no accuracy for a regression loss
  assert.equal(last.valMse, ev.mse);
  const p = model.predict(testSet.x.subarray(0, 20));
  assert.equal(p.length, 10);
});

test('regression: the same bits on 1 and 2 threads', async () => {
  const before = threads();
  const data = sinSquare(512, 21, 'bits');
  const run = async (t: number): Promise<string> => {
    await setThreads(t);
    const m = mlp(2, 64, 1);
    await m.fit(data, { epochs: 2, batchSize: 128, seed: 3, loss: 'huber', lossOptions: { delta: 0.5 }, optimizer: new Adam({ lr: 0.01 }) });
    const sha = await m.weightsSha256();
    m.dispose();
    return sha;
  };
  try {
    assert.equal(await run(2), await run(1));
  } finally {
    await setThreads(before);
  }
});

test('binary: one sigmoid output with binaryCrossentropy on digits 3 vs 8 reaches ≥ 98% test accuracy', async () => {
  const { train, test: te } = loadBundledDigits();
  const pick = (d: Dataset): Dataset => {
    const idx = [...d.y.keys()].filter((i) => d.y[i] === 3 || d.y[i] === 8);
    const s = subset(d, idx);
    return makeDataset(s.x, s.y.map((v) => (v === 8 ? 1 : 0)), s.sampleShape, 2, `${d.name} 3 vs 8`);
  };
  const tr = pick(train), ts = pick(te);
  const model = new Sequential([
    new Dense(128), new Activation('relu'), new Dropout(0.3), new Dense(128), new Activation('relu'), new Dense(1),
  ], { inputShape: [784] });
  await model.fit(tr, { epochs: 20, batchSize: 32, optimizer: new Adam({ lr: 1e-3 }), seed: 1, loss: 'binaryCrossentropy' });
  const ev = model.evaluate(ts);
  console.log(`# binary 3 vs 8: test binaryAccuracy ${(100 * ev.binaryAccuracy).toFixed(2)}% on ${ts.count}`);
  assert.deepEqual(Object.keys(ev).sort(), ['binaryAccuracy', 'loss']);
  assert.ok(ev.binaryAccuracy >= 0.98, `${ev.binaryAccuracy}`);
  const p = model.predict(ts.x.subarray(0, 784 * 4));
  assert.ok(p.every((v) => v >= 0 && v <= 1));
});

test('multi-label: "digit ≥ 5" and "digit is even" with per-label accuracy; classWeight and sampleWeight change training', async () => {
  const { train, test: te } = loadBundledDigits();
  const labels = (d: Dataset): Dataset => {
    const t = new Float32Array(2 * d.count);
    for (let i = 0; i < d.count; i++) { t[2 * i] = d.y[i] >= 5 ? 1 : 0; t[2 * i + 1] = d.y[i] % 2 === 0 ? 1 : 0; }
    return makeTargetDataset(d.x, t, d.sampleShape, 2, `${d.name} (≥5, even)`);
  };
  const tr = labels(subset(train, { start: 0, end: 3000 })), ts = labels(te);
  const model = new Sequential([new Dense(64), new Activation('relu'), new Dense(2)], { inputShape: [784] });
  await model.fit(tr, { epochs: 5, batchSize: 32, optimizer: new Adam({ lr: 1e-3 }), seed: 1, loss: 'binaryCrossentropy' });
  const ev = model.evaluate(ts);
  console.log(`# multi-label: binaryAccuracy ${ev.binaryAccuracy.toFixed(4)}, ≥5 ${ev.binaryAccuracy_0.toFixed(4)}, even ${ev.binaryAccuracy_1.toFixed(4)}`);
  assert.deepEqual(Object.keys(ev).sort(), ['binaryAccuracy', 'binaryAccuracy_0', 'binaryAccuracy_1', 'loss']);
  assert.ok(ev.binaryAccuracy_0 > 0.85 && ev.binaryAccuracy_1 > 0.85, JSON.stringify(ev));
  assert.ok(Math.abs(ev.binaryAccuracy - (ev.binaryAccuracy_0 + ev.binaryAccuracy_1) / 2) < 1e-9);

  // weights: unit weights train as none; zero weight on class 0 trains it away
  const digits = subset(train, { start: 0, end: 1000 });
  const fitWith = async (o: object): Promise<{ sha: string; acc0: number }> => {
    const m = new Sequential([new Dense(16), new Activation('tanh'), new Dense(10)], { inputShape: [784] });
    await m.fit(digits, { epochs: 2, batchSize: 50, seed: 4, ...o });
    const p = m.predict(digits.x);
    let right0 = 0, n0 = 0;
    for (let i = 0; i < digits.count; i++) {
      if (digits.y[i] !== 0) continue;
      n0++;
      const row = p.subarray(i * 10, i * 10 + 10);
      if (row.indexOf(Math.max(...row)) === 0) right0++;
    }
    return { sha: await m.weightsSha256(), acc0: right0 / n0 };
  };
  const plain = await fitWith({});
  const ones = await fitWith({ sampleWeight: new Float32Array(digits.count).fill(1) });
  const no0 = await fitWith({ classWeight: { 0: 0 } });
  // unit weights: the same training up to rounding (the weighted path runs the soft-target kernel on one-hot rows)
  assert.ok(Math.abs(ones.acc0 - plain.acc0) < 0.05, `class 0 right: ${ones.acc0} with unit weights, ${plain.acc0} without`);
  assert.ok(no0.acc0 < 0.2 && plain.acc0 > 0.6, `class 0 right: ${no0.acc0} with weight 0, ${plain.acc0} without`);
});

test('a checkpoint records the loss and its options: a loaded regression model predicts and evaluates as saved', async () => {
  const { memoryHandler } = await import('../src/index.js');
  const data = sinSquare(256, 31, 'ckpt');
  const model = mlp(2, 8, 1);
  await model.fit(data, { epochs: 1, batchSize: 64, seed: 2, loss: 'huber', lossOptions: { delta: 0.25 } });
  const store = memoryHandler();
  await model.save(store);
  const back = await Sequential.load(store);
  assert.equal(back.head.lossName, 'huber');
  assert.deepEqual(back.head.lossOptions, { delta: 0.25 });
  back.ensureBatch(model.batchCapacity); // the same batches: the same sums
  assert.deepEqual(back.predict(data.x), model.predict(data.x));
  assert.deepEqual(back.evaluate(data), model.evaluate(data));
});
