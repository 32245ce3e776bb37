// Conv2D, MaxPool2D, BatchNorm and Flatten: finite-difference checks of every backward pass
// (central differences in float64 around float32 weights and inputs, as in gradcheck.test.ts),
// BatchNorm's running statistics and inference mode, shape errors, the registry, and the
// paper's CNN models.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  init,
  Activation, BatchNorm, Conv2D, Dense, Flatten, type Layer, MaxPool2D, Sequential, layerFromConfig, makeDataset,
  memoryStats, reducedVgg16, reshapeDataset, setKernelImpl, svhnCnn,
} from '../src/index.js';
import { assertClose, checkGradients, randomArray, randomLabels } from './helpers.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

// a training-mode pass moves BatchNorm's running statistics; they do not enter the training loss
function checkModel(name: string, model: Sequential, x: Float32Array, y: Int32Array, training: boolean, EPS: number): void {
  checkGradients(name, model, x, y, training, EPS, 3e-4);
}

interface Case {
  name: string;
  input: number[];
  layers: () => Layer[];
  training?: boolean;
  eps?: number;
  batch?: number;
}

const cases: Case[] = [
  { name: 'Conv2D 3×3 valid', input: [5, 5, 2], layers: () => [new Conv2D(3, 3), new Flatten(), new Dense(4)] },
  { name: 'Conv2D 3×3 same, stride 2, no bias', input: [6, 5, 3], layers: () => [new Conv2D(2, 3, { padding: 'same', strides: 2, useBias: false }), new Flatten(), new Dense(3)] },
  {
    name: 'Conv2D 2×3 valid stride 2 + tanh + Conv2D 1×1 + Conv2D 3×3 same',
    input: [7, 6, 2],
    layers: () => [new Conv2D(3, [2, 3], { strides: 2 }), new Activation('tanh'), new Conv2D(2, 1), new Conv2D(2, 3, { padding: 'same' }), new Flatten(), new Dense(3)],
  },
  {
    name: 'Conv2D + MaxPool2D(2)',
    input: [6, 6, 2],
    layers: () => [new Conv2D(3, 3, { padding: 'same' }), new MaxPool2D(2), new Flatten(), new Dense(3)],
    eps: 1e-3,
  },
  {
    name: 'MaxPool2D(3, stride 2) first: overlapping windows, odd sizes',
    input: [7, 8, 2],
    layers: () => [new MaxPool2D(3, { strides: 2 }), new Flatten(), new Dense(3)],
    eps: 1e-3,
  },
  {
    name: 'Conv2D + BatchNorm (training) + tanh',
    input: [4, 4, 3],
    layers: () => [new Conv2D(3, 3, { padding: 'same', useBias: false }), new BatchNorm(), new Activation('tanh'), new Flatten(), new Dense(3)],
    training: true,
  },
  {
    name: 'Dense + BatchNorm (training) + tanh',
    input: [5],
    layers: () => [new Dense(6), new BatchNorm({ momentum: 0.9, epsilon: 1e-2 }), new Activation('tanh'), new Dense(3)],
    training: true,
    batch: 5,
  },
  {
    name: 'BatchNorm first, then Conv2D (training, input gradient through BatchNorm)',
    input: [3, 3, 2],
    layers: () => [new BatchNorm(), new Conv2D(2, 2), new Flatten(), new Dense(3)],
    training: true,
  },
  {
    name: 'Conv2D + BatchNorm at inference (running statistics are constants)',
    input: [4, 3, 2],
    layers: () => [new Conv2D(3, 3, { padding: 'same' }), new BatchNorm(), new Activation('tanh'), new Flatten(), new Dense(3)],
  },
  { name: 'Flatten of [2, 3, 2]', input: [2, 3, 2], layers: () => [new Flatten(), new Dense(4), new Activation('sigmoid'), new Dense(3)] },
];

for (const c of cases) {
  for (const impl of ['simd', 'scalar'] as const) {
    test(`finite differences (${impl} kernels): ${c.name}`, () => {
      setKernelImpl(impl);
      try {
        const model = new Sequential(c.layers(), { inputShape: c.input });
        model.build(undefined, { seed: 11 });
        const batch = c.batch ?? 3;
        const d = c.input.reduce((a, b) => a * b, 1);
        const x = randomArray(batch * d, 101, 1.5);
        const y = randomLabels(batch, model.numClasses, 102);
        checkModel(c.name, model, x, y, !!c.training, c.eps ?? 1e-2);
        model.dispose();
      } finally {
        setKernelImpl('simd');
      }
    });
  }
}

test('BatchNorm: running statistics (unbiased variance) in training, used at inference', () => {
  const cols = 3;
  const rows = 4;
  const model = new Sequential([new BatchNorm({ momentum: 0.75, epsilon: 1e-3 }), new Dense(2)], { inputShape: [cols] }).build(undefined, { seed: 1 });
  const bn = model.layers[0] as BatchNorm;
  const x = randomArray(rows * cols, 5, 2);
  for (let i = 0; i < rows; i++) x[i * cols + 2] += 10; // a column far from 0
  const y = randomLabels(rows, 2, 6);
  const gamma = Float32Array.from([1.5, -0.5, 2]);
  const beta = Float32Array.from([0.25, 0, -1]);
  const w = model.getWeights();
  model.setWeights([gamma, beta, w[2], w[3]]);
  const mean = new Float64Array(cols);
  const biased = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < rows; i++) mean[j] += x[i * cols + j] / rows;
    for (let i = 0; i < rows; i++) biased[j] += (x[i * cols + j] - mean[j]) ** 2 / rows;
  }
  // two training passes: run = m·run + (1 − m)·batch, twice, from mean 0 and variance 1
  model.lossAndGradients(x, y, { training: true });
  model.lossAndGradients(x, y, { training: true });
  const [rm, rv] = bn.stateTensors().map((t) => t.value.read());
  assert.deepEqual(bn.stateTensors().map((t) => t.name), ['batchnorm_1/moving_mean', 'batchnorm_1/moving_variance']);
  const m = 0.75;
  for (let j = 0; j < cols; j++) {
    const unbiased = biased[j] * rows / (rows - 1);
    assertClose(`moving mean ${j}`, [rm[j]], [(1 - m * m) * mean[j]], 1e-5, 1e-6);
    assertClose(`moving variance ${j}`, [rv[j]], [m * m * 1 + (1 - m * m) * unbiased], 1e-5, 1e-6);
  }
  // inference: y = γ·(x − running mean)/√(running var + ε) + β, not the batch statistics
  const ds = makeDataset(x, y, [cols], 2, 'bn');
  model.ensureBatch(rows);
  model.forwardRows(ds, 0, rows);
  const inf = bn.output()!.read(rows * cols);
  const expect = Float64Array.from({ length: rows * cols }, (_, k) => {
    const j = k % cols;
    return gamma[j] * (x[k] - rm[j]) / Math.sqrt(rv[j] + 1e-3) + beta[j];
  });
  assertClose('inference output', inf, expect, 1e-5, 1e-5);
  // training mode normalizes with the batch statistics instead
  model.forwardRows(ds, 0, rows, { training: true });
  const tr = bn.output()!.read(rows * cols);
  const expectTrain = Float64Array.from({ length: rows * cols }, (_, k) => {
    const j = k % cols;
    return gamma[j] * (x[k] - mean[j]) / Math.sqrt(biased[j] + 1e-3) + beta[j];
  });
  assertClose('training output', tr, expectTrain, 1e-4, 1e-4);
  assert.ok(Math.abs(tr[2] - inf[2]) > 0.1, 'inference and training outputs should differ on the far column');
  model.dispose();
});

test('a training step allocates no Wasm memory once the batch is laid out', () => {
  const model = svhnCnn({ inputShape: [8, 8, 1], filters: [2, 2, 3, 3], dense: [4, 4], bn: true, gaaf: true }).build(undefined, { seed: 3 });
  const x = randomArray(4 * 64, 9);
  const y = randomLabels(4, 10, 10);
  model.lossAndGradients(x, y, { training: true });
  const before = memoryStats();
  model.lossAndGradients(x, y, { training: true });
  model.lossAndGradients(x, y, { training: false });
  assert.deepEqual(memoryStats(), before);
  model.dispose();
});

test('shape errors name the layer and the expected and actual shapes', () => {
  assert.throws(() => new Sequential([new Conv2D(4, 3), new Flatten(), new Dense(2)], { inputShape: [784] }).build(),
    /layer 'conv2d_1' \(Conv2D\) expects input \[height, width, channels\], got shape \[784\]/);
  assert.throws(() => new Sequential([new Conv2D(4, 3), new Dense(2)], { inputShape: [5, 5, 1] }).build(),
    /layer 'dense_1' \(Dense\) expects a flat input \[features\], got shape \[3, 3, 4\]; flatten it first/);
  assert.throws(() => new Sequential([new Conv2D(4, 5), new Flatten(), new Dense(2)], { inputShape: [4, 6, 1] }).build(),
    /layer 'conv2d_1' \(Conv2D\): a 5×5 'valid' kernel does not fit input \[4, 6, 1\]/);
  assert.throws(() => new Sequential([new MaxPool2D(3), new Flatten(), new Dense(2)], { inputShape: [2, 2, 1] }).build(),
    /layer 'maxpool2d_1' \(MaxPool2D\): a 3×3 window does not fit input \[2, 2, 1\]/);
  assert.throws(() => new Sequential([new BatchNorm(), new Dense(2)], { inputShape: [2, 3] }).build(),
    /layer 'batchnorm_1' \(BatchNorm\) expects input \[features\] \(after Dense\) or \[height, width, channels\] \(after Conv2D\), got shape \[2, 3\]/);
  assert.throws(() => new Conv2D(4, 2, { padding: 'same' }), /padding 'same' needs an odd square kernel/);
  assert.throws(() => new Conv2D(0, 3), /filters must be a positive integer/);
  assert.throws(() => reducedVgg16({ inputShape: [28, 28, 1] }), /reducedVgg16 is laid out for 32×32 images .* got input shape \[28, 28, 1\]/);
  // an image model refuses flat samples instead of reshaping them silently
  const model = svhnCnn({ inputShape: [28, 28, 1], filters: [1, 1, 1, 1], dense: [2, 2] }).build();
  const flat = makeDataset(new Float32Array(784), new Int32Array(1), [784], 10, 'flat');
  assert.throws(() => model.evaluate(flat), /'flat' has samples of shape \[784\], the model expects images of shape \[28, 28, 1\]; reshape the dataset explicitly/);
  assert.equal(model.evaluate(reshapeDataset(flat, [28, 28, 1])).accuracy, 1);
  model.dispose();
});

test('every conv layer rebuilds from its config() to the same config and outputs', () => {
  const a = new Sequential([
    new Conv2D(3, [3, 2], { strides: 2, useBias: false, kernelInitializer: 'heNormal' }), new BatchNorm({ momentum: 0.9, epsilon: 1e-4 }),
    new Activation('relu', { gaaf: true }), new Conv2D(2, 3, { padding: 'same' }), new MaxPool2D(2, { strides: 1 }), new Flatten(), new Dense(3),
  ], { inputShape: [7, 6, 2] }).build(undefined, { seed: 4 });
  const b = new Sequential(a.layers.map((l) => layerFromConfig(l.className, l.config()))).build([7, 6, 2], { seed: 4 });
  assert.deepEqual(b.layers.map((l) => l.config()), a.layers.map((l) => l.config()));
  const x = randomArray(2 * 84, 3);
  assert.deepEqual(b.predict(x), a.predict(x));
  a.dispose();
  b.dispose();
});

test("the paper's CNNs: layer sizes, BatchNorm and GAAF placement", () => {
  const cnn = svhnCnn({ inputShape: [28, 28, 1], bn: true, gaaf: true }).build(undefined, { seed: 1 });
  assert.deepEqual(cnn.layers.map((l) => l.className).join(' '),
    'Conv2D BatchNorm Activation Conv2D BatchNorm Activation MaxPool2D Conv2D BatchNorm Activation Conv2D BatchNorm Activation MaxPool2D ' +
    'Flatten Dense BatchNorm Activation Dense BatchNorm Activation Dense');
  assert.deepEqual(cnn.layers.filter((l) => l instanceof Conv2D).map((l) => l.outputShape), [[28, 28, 32], [28, 28, 32], [14, 14, 64], [14, 14, 64]]);
  assert.deepEqual(cnn.layers.filter((l) => l instanceof Dense).map((l) => (l as Dense).units), [512, 256, 10]);
  assert.ok(cnn.layers.filter((l) => l instanceof Activation).every((l) => (l as Activation).kind === 'relu' && (l as Activation).gaaf?.shape === 'shiftedSigmoid'));
  cnn.dispose();
  // the four variants of Table 4 start from the same conv and dense kernels for the same seed
  const kernels = [false, true].flatMap((bn) => [false, true].map((gaaf) => {
    const m = svhnCnn({ inputShape: [12, 12, 2], bn, gaaf, filters: [2, 2, 3, 3], dense: [5, 4] }).build(undefined, { seed: 5 });
    const k = m.params().filter((p) => p.name.endsWith('/kernel')).map((p) => Array.from(p.value.read()));
    m.dispose();
    return k;
  }));
  for (const k of kernels.slice(1)) assert.deepEqual(k, kernels[0]);
  const vgg = reducedVgg16({ classes: 100 }).build(undefined, { seed: 1 });
  assert.deepEqual(vgg.layers.filter((l) => l instanceof Conv2D).map((l) => l.outputShape[2]), [64, 64, 128, 128, 256, 256, 256, 512, 512, 512]);
  assert.deepEqual(vgg.layers.find((l) => l instanceof Flatten)!.outputShape, [2048]);
  assert.deepEqual(vgg.layers.filter((l) => l instanceof Dense).map((l) => (l as Dense).units), [512, 512, 100]);
  assert.ok(!vgg.layers.some((l) => l instanceof BatchNorm || (l instanceof Activation && l.gaaf)));
  vgg.dispose();
});
