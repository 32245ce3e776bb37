// Training end to end on the bundled MNIST digits: accuracy, determinism, memory, divergence.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { init, Adam, GradientInfo, PAPER_MLP_RECIPE, SGD, TrainingDivergedError, loadBundledDigits, memoryStats, paperMlp, subset } from '../src/node.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

const { train, test: testSet } = loadBundledDigits();

// The CLI's defaults (npm start): the paper MLP's recipe, SGD lr 0.05, momentum 0.9, batch 128, 15 epochs; seed 1.
test("the paper's MLP with GAAF reaches at least 95% test accuracy in 15 epochs", async () => {
  const model = paperMlp({ gaaf: true });
  const r = PAPER_MLP_RECIPE;
  assert.deepEqual({ ...r }, { optimizer: 'sgd', lr: 0.05, momentum: 0.9, batchSize: 128, epochs: 15 });
  const history = await model.fit(train, {
    epochs: r.epochs, batchSize: r.batchSize, optimizer: new SGD({ lr: r.lr, momentum: r.momentum }), seed: 1, validationData: testSet,
    callbacks: [new GradientInfo()],
  });
  const { accuracy } = model.evaluate(testSet);
  assert.equal(history.epochs.length, 15);
  assert.equal(history.epochs[14].valAccuracy, accuracy);
  assert.ok(accuracy >= 0.95, `test accuracy ${accuracy}`);
  assert.deepEqual(history.layers, ['dense_1', 'dense_2', 'dense_3', 'dense_4']);
  assert.equal(history.gradInfo?.length, 4);
  assert.ok(history.gradInfo!.every((g) => g > 0 && Number.isFinite(g)));
  assert.ok(history.epochs.every((e) => e.gradInfo?.length === 4), 'every epoch has its gradient information');
  model.dispose();
});

test('same seed, same weights bit for bit; another seed, other weights', async () => {
  const small = subset(train, { start: 0, end: 600 });
  const run = async (seed: number, gaaf: boolean, dropout: number): Promise<string> => {
    const model = paperMlp({ gaaf, dropout, hidden: [64, 32] });
    await model.fit(small, { epochs: 2, batchSize: 50, optimizer: new Adam({ lr: 1e-3 }), seed });
    const h = await model.weightsSha256();
    model.dispose();
    return h;
  };
  const a = await run(3, true, 0.5);
  assert.equal(await run(3, true, 0.5), a);
  assert.notEqual(await run(4, true, 0.5), a);
  assert.notEqual(await run(3, false, 0.5), a);
  assert.match(a, /^[0-9a-f]{64}$/);
});

test('a training step allocates nothing: Wasm memory does not grow after the first step', async () => {
  const model = paperMlp({ dropout: 0.5, gaaf: true });
  let after1 = -1;
  await model.fit(subset(train, { start: 0, end: 1000 }), {
    epochs: 2,
    batchSize: 100,
    seed: 2,
    validationData: subset(testSet, { start: 0, end: 300 }),
    callbacks: {
      onBatchEnd: (_i, b) => {
        if (b.step === 1) after1 = memoryStats().memoryBytes;
        else assert.equal(memoryStats().memoryBytes, after1, `memory grew at step ${b.step}`);
      },
    },
  });
  assert.ok(after1 > 0);
  assert.equal(memoryStats().memoryBytes, after1);
  model.dispose();
});

test('a diverging run stops with a message naming the epoch, the step and the layer', async () => {
  // ReLU is unbounded: with a huge learning rate the logits overflow float32 within a few steps
  const model = paperMlp({ hidden: [32], activation: 'relu' });
  await assert.rejects(
    model.fit(subset(train, { start: 0, end: 500 }), { epochs: 2, batchSize: 50, optimizer: new SGD({ lr: 1e12 }), seed: 1 }),
    (e: unknown) => {
      assert.ok(e instanceof TrainingDivergedError, String(e));
      assert.match(e.message, /training diverged at epoch 1, step \d+/);
      assert.match(e.message, /first non-finite values in \w+_\d/);
      assert.match(e.message, /lower learning rate/);
      return true;
    });
  model.dispose();
});

test('fit refuses bad options and mismatched data before any work', async () => {
  const model = paperMlp();
  await assert.rejects(model.fit(train, { batchSize: 0 }), /batchSize must be an integer ≥ 1, got 0/);
  await assert.rejects(model.fit(train, { epochs: 1.5 }), /epochs must be an integer ≥ 1, got 1.5/);
  await assert.rejects(model.fit(train, { lr: -1 }), /lr must be a positive finite number, got -1/);
  await assert.rejects(model.fit(train, { lr: NaN }), /lr must be a positive finite number, got NaN/);
  assert.throws(() => new SGD({ lr: 0 }), /SGD learning rate must be a positive finite number, got 0/);
  const wrong = paperMlp({ inputSize: 100 });
  await assert.rejects(wrong.fit(train, { epochs: 1 }), /the data's samples have shape \[784\], the model was declared with input shape \[100\]/);
  const built = paperMlp({ inputSize: 100 }).build();
  await assert.rejects(built.fit(train, { epochs: 1 }), /has samples of shape \[784\] \(784 values\), the model expects \[100\] \(100 values\)/);
});

test('predict returns probabilities that agree with evaluate', async () => {
  const model = paperMlp({ hidden: [64] });
  await model.fit(subset(train, { start: 0, end: 2000 }), { epochs: 1, seed: 9 });
  const few = subset(testSet, { start: 0, end: 37 });
  const p = model.predict(few.x);
  assert.equal(p.length, 37 * 10);
  let correct = 0;
  for (let r = 0; r < 37; r++) {
    const row = p.subarray(r * 10, r * 10 + 10);
    assert.ok(Math.abs(row.reduce((a, b) => a + b) - 1) < 1e-5);
    if (row.indexOf(Math.max(...row)) === few.y[r]) correct++;
  }
  assert.equal(correct / 37, model.evaluate(few).accuracy);
  assert.throws(() => model.predict(new Float32Array(785)), /not a multiple of the sample size 784/);
  model.dispose();
});
