// The fit API as TF.js and Keras users write it: compile, fit(x, y, options) with arrays,
// validationSplit (the last fraction), initialEpoch, callbacks with TF.js's signatures and keys,
// History.history, metrics, trainOnBatch, evaluate(x, y), EarlyStopping and ReduceLROnPlateau,
// and the errors for what fit would otherwise ignore.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Activation, Adam, Dense, EarlyStopping, ReduceLROnPlateau, SGD, Sequential, init, makeTargetDataset, subset,
} from '../src/index.js';
import { loadBundledDigits } from '../src/node.js';
import { Rng } from '../src/rng.js';

await init();
const { train } = loadBundledDigits();
const small = subset(train, { start: 0, end: 600 });

const mlp = (outputs = 10, inputs = 784): Sequential =>
  new Sequential([new Dense(32), new Activation('tanh'), new Dense(outputs)], { inputShape: [inputs] });

/** The digits as TF.js users hold them: an array of rows and an array of labels. */
const rows = (n: number): { xs: number[][]; ys: number[] } => ({
  xs: Array.from({ length: n }, (_, i) => Array.from(small.x.subarray(i * 784, (i + 1) * 784))),
  ys: Array.from(small.y.subarray(0, n)),
});

test("the TF.js form runs as written: fit(xs, ys, { epochs, batchSize, validationSplit: 0.1, callbacks: [{ onEpochEnd: (epoch, logs) => ... }] })", async () => {
  const { xs, ys } = rows(500);
  const model = mlp();
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const seen: Array<[number, number, number, number]> = [];
  const history = await model.fit(xs, ys, {
    epochs: 3, batchSize: 32, validationSplit: 0.1, seed: 1,
    callbacks: [{ onEpochEnd: (epoch, logs) => { seen.push([epoch, logs.loss, logs.val_loss as number, logs.acc as number]); } }],
  });
  assert.deepEqual(seen.map((s) => s[0]), [0, 1, 2], 'epochs are 0-based, as TF.js passes them');
  for (const [, loss, valLoss, acc] of seen) assert.ok(loss > 0 && valLoss > 0 && acc > 0 && acc <= 1, `${loss} ${valLoss} ${acc}`);
  assert.deepEqual(history.epoch, [0, 1, 2]);
  for (const k of ['loss', 'acc', 'accuracy', 'val_loss', 'val_acc', 'val_accuracy']) assert.equal(history.history[k]?.length, 3, k);
  assert.deepEqual(history.history.loss, history.epochs.map((e) => e.loss));
  assert.deepEqual(history.history.val_loss, history.epochs.map((e) => e.valLoss));
  assert.ok(history.history.loss[2] < history.history.loss[0]);
  // the aliases are not enumerable: JSON output and checkpoints hold each value once
  assert.ok(!Object.keys(history.epochs[0]).includes('val_loss'));
  // 500 samples, split at ⌊500 · 0.9⌋ = 450: the last 50 validate (Keras's rule)
  assert.equal(history.epochs[0].steps, Math.ceil(450 / 32));
});

test('validationSplit holds out the last fraction, the same bits as validationData with that part', async () => {
  const data = subset(small, { start: 0, end: 400 });
  const a = mlp();
  const ha = await a.fit(data, { epochs: 2, batchSize: 50, seed: 3, validationSplit: 0.25 });
  const b = mlp();
  const hb = await b.fit(subset(data, { start: 0, end: 300 }), { epochs: 2, batchSize: 50, seed: 3, validationData: subset(data, { start: 300, end: 400 }) });
  assert.equal(await a.weightsSha256(), await b.weightsSha256());
  assert.deepEqual(ha.history.val_loss, hb.history.val_loss);
  await assert.rejects(mlp().fit(data, { validationSplit: 1 }), /validationSplit must be a number in \(0, 1\), got 1/);
  await assert.rejects(mlp().fit(data, { validationSplit: 0.2, validationData: data }), /validationSplit or validationData, not both/);
  await assert.rejects(mlp().fit(subset(data, { start: 0, end: 3 }), { validationSplit: 0.9 }), /validationSplit 0.9 of .* \(3 samples\) leaves 0 for training and 3 for validation/);
});

test('initialEpoch continues a run: fit to epoch 2, then initialEpoch 2 to epoch 4 with the same optimizer, gives the bits of one fit of 4 epochs', async () => {
  const data = subset(small, { start: 0, end: 300 });
  const one = mlp();
  const h1 = await one.fit(data, { epochs: 4, batchSize: 64, seed: 5, optimizer: new Adam({ lr: 0.003 }) });
  const two = mlp();
  const opt = new Adam({ lr: 0.003 });
  await two.fit(data, { epochs: 2, batchSize: 64, seed: 5, optimizer: opt });
  const h2 = await two.fit(data, { epochs: 4, initialEpoch: 2, batchSize: 64, seed: 5, optimizer: opt });
  assert.equal(await two.weightsSha256(), await one.weightsSha256());
  assert.deepEqual(h2.epochs.map((e) => e.epoch), [3, 4]);
  assert.deepEqual(h2.epoch, [2, 3]);
  assert.deepEqual(h2.history.loss, h1.history.loss.slice(2));
  await assert.rejects(mlp().fit(data, { epochs: 2, initialEpoch: 2 }), /initialEpoch 2 leaves no epoch to train/);
});

test('compile keeps the optimizer across fits; trainOnBatch over fit\'s batches gives fit\'s bits', async () => {
  const data = subset(small, { start: 0, end: 256 });
  const viaFit = mlp();
  await viaFit.fit(data, { epochs: 1, batchSize: 64, seed: 9, shuffle: false, optimizer: new SGD({ lr: 0.05 }) });
  const viaBatches = mlp();
  viaBatches.build([784], { seed: 9 });
  viaBatches.compile({ optimizer: new SGD({ lr: 0.05 }), metrics: ['acc'] });
  const results: Array<number | number[]> = [];
  for (let s = 0; s < 256; s += 64) results.push(await viaBatches.trainOnBatch(subset(data, { start: s, end: s + 64 }), undefined, { seed: 9 }));
  assert.equal(await viaBatches.weightsSha256(), await viaFit.weightsSha256());
  assert.equal(viaBatches.step, 4);
  assert.equal(viaBatches.optimizer?.iterations, 4);
  for (const r of results) assert.ok(Array.isArray(r) && r.length === 2 && r[0] > 0 && r[1] >= 0 && r[1] <= 1, String(r));
  // x and y as arrays
  const { xs, ys } = rows(8);
  assert.equal(typeof (await mlp().compile({ optimizer: 'sgd' }).trainOnBatch(xs, ys)), 'number');
  await assert.rejects(mlp().trainOnBatch(xs, ys), /compile the model with an optimizer first/);
  assert.throws(() => mlp().compile({ optimiser: 'adam' } as never), /unknown option 'optimiser'/);
  assert.throws(() => mlp().compile({ loss: 'mse', metrics: ['accuracy'] }), /'accuracy' is not a metric of the loss 'meanSquaredError', which reports mse, mae/);
});

test('regression with x and y arrays: the logs and History carry mse and mae, and the metric under the name compile gave it', async () => {
  const r = new Rng(4);
  const n = 400;
  const xs = Array.from({ length: n }, () => [4 * r.next() - 2, 4 * r.next() - 2]);
  const ys = xs.map(([a, b]) => [Math.sin(a) + b * b]);
  const model = mlp(1, 2);
  model.compile({ optimizer: new Adam({ lr: 0.01 }), loss: 'meanSquaredError', metrics: ['meanAbsoluteError'] });
  const h = await model.fit(xs, ys, { epochs: 3, batchSize: 32, seed: 2, validationData: [xs.slice(0, 50), ys.slice(0, 50)] });
  for (const k of ['loss', 'mse', 'mae', 'meanAbsoluteError', 'val_loss', 'val_mse', 'val_mae', 'val_meanAbsoluteError']) assert.equal(h.history[k]?.length, 3, k);
  assert.deepEqual(h.history.mse, h.history.loss.map((l, i) => h.history.mse[i]), 'one mse per epoch');
  assert.ok(Math.abs(h.history.mse[2] - h.history.loss[2]) < 1e-4 * (1 + h.history.loss[2]), 'with the mse loss, the training mse is the loss');
  const e = model.evaluate(xs.slice(0, 50), ys.slice(0, 50));
  assert.equal(e.loss, h.history.val_loss[2]);
  assert.equal(e.mae, h.history.val_mae[2]);
  await assert.rejects(model.fit(xs, ys.slice(1)), /x has 400 samples, y has 399 \(shape \[399, 1\]\)/);
  await assert.rejects(mlp().fit([[1, 2], [3]], [0, 1]), /x\[1\] has 1 entries, expected 2/);
  await assert.rejects(mlp().fit(xs, ys.map(([v]) => v + 0.5)), /y\[0\] = .* is not a class index/);
});

test('callbacks: TF.js signatures for every hook, and what fit would otherwise ignore is an error', async () => {
  const data = subset(small, { start: 0, end: 100 });
  const calls: string[] = [];
  await mlp().fit(data, {
    epochs: 2, batchSize: 50, seed: 1,
    callbacks: {
      onTrainBegin: (logs) => { calls.push(`trainBegin ${JSON.stringify(logs)}`); },
      onEpochBegin: (epoch) => { calls.push(`epochBegin ${epoch}`); },
      onBatchBegin: (batch, logs) => { calls.push(`batchBegin ${batch} ${logs.size}`); },
      onBatchEnd: (batch, logs) => { calls.push(`batchEnd ${batch} ${logs.size} ${logs.loss > 0}`); },
      onEpochEnd: (epoch, logs) => { calls.push(`epochEnd ${epoch} ${logs.epoch}`); },
      onTrainEnd: (logs, run) => { calls.push(`trainEnd ${(logs as { epoch: number }).epoch} ${run.history.epochs.length}`); },
    },
  });
  assert.deepEqual(calls, [
    'trainBegin {}', 'epochBegin 0', 'batchBegin 0 50', 'batchEnd 0 50 true', 'batchBegin 1 50', 'batchEnd 1 50 true', 'epochEnd 0 1',
    'epochBegin 1', 'batchBegin 0 50', 'batchEnd 0 50 true', 'batchBegin 1 50', 'batchEnd 1 50 true', 'epochEnd 1 2', 'trainEnd 2 2']);
  await assert.rejects(mlp().fit(data, { callbacks: [{ onEpochEnds: () => {} } as never] }), /callbacks\[0\] has 'onEpochEnds', which fit never calls/);
  await assert.rejects(mlp().fit(data, { epoch: 2 } as never), /unknown option 'epoch'/);
  await assert.rejects(mlp().fit(data, { optimizer: new SGD(), lr: 0.1 }), /lr goes with an optimizer given by name/);
  await assert.rejects(mlp().fit(data, { verbose: 3 as never }), /verbose must be 0, 1 or 2/);
});

test('EarlyStopping stops after `patience` epochs without improvement and restores the best weights', async () => {
  const data = subset(small, { start: 0, end: 200 });
  const weights: string[] = [];
  const model = mlp();
  // a learning rate that makes the validation loss rise after the first epochs
  const stop = new EarlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
  const h = await model.fit(data, {
    epochs: 30, batchSize: 20, seed: 1, optimizer: new Adam({ lr: 0.02 }), validationData: subset(train, { start: 1000, end: 1100 }),
    callbacks: [{ onEpochEnd: async (_e, _l, run) => { weights.push(await run.model.weightsSha256()); } }, stop],
  });
  const vl = h.history.val_loss;
  const best = vl.indexOf(Math.min(...vl));
  assert.ok(h.epochs.length < 30, `stopped early (${h.epochs.length} epochs)`);
  assert.equal(stop.stoppedEpoch, h.epochs.length - 1);
  assert.equal(stop.bestEpoch, best);
  assert.equal(h.epochs.length - 1 - best, 2, 'stopped `patience` epochs after the best');
  assert.equal(await model.weightsSha256(), weights[best], 'the best epoch\'s weights are back');
  await assert.rejects(mlp().fit(data, { epochs: 2, callbacks: [new EarlyStopping()] }), /monitor 'val_loss' is not in the epoch's logs .*give fit validationData or validationSplit/);
  assert.throws(() => new EarlyStopping({ patiences: 2 } as never), /unknown option 'patiences'/);
});

test('ReduceLROnPlateau multiplies the learning rate by factor after patience epochs without improvement, and logs lr', async () => {
  const data = subset(small, { start: 0, end: 100 });
  const opt = new SGD({ lr: 0.04 });
  // mode 'max' on the loss: a falling loss never "improves", so the rate drops every 2 epochs
  const h = await mlp().fit(data, { epochs: 6, batchSize: 50, seed: 1, optimizer: opt, callbacks: [new ReduceLROnPlateau({ monitor: 'loss', mode: 'max', factor: 0.5, patience: 2 })] });
  // epoch 0 sets the best; epochs 1 and 2 do not improve: lowered after epoch 2, then after epoch 4
  assert.deepEqual(h.history.lr, [0.04, 0.04, 0.04, 0.02, 0.02, 0.01]);
  assert.equal(opt.lr, 0.01);
  assert.throws(() => new ReduceLROnPlateau({ factor: 1 }), /factor must be in \(0, 1\)/);
});

test('makeTargetDataset rows and x as a Float32Array of rows with a declared input shape', async () => {
  const x = new Float32Array(small.x.subarray(0, 40 * 784));
  const model = mlp();
  const h = await model.fit(x, Int32Array.from(small.y.subarray(0, 40)), { epochs: 1, batchSize: 20 });
  assert.equal(h.epochs[0].steps, 2);
  await assert.rejects(new Sequential([new Dense(2)]).fit(new Float32Array(8), [0, 1]), /x is flat \(8 values\) and the model's input shape is not known yet/);
  const t = makeTargetDataset(new Float32Array([1, 2]), new Float32Array([3]), [2], 1, 't');
  assert.equal(mlp(1, 2).compile({ loss: 'mse' }).build([2]).evaluate(t).loss >= 0, true);
});
