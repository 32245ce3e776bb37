// DepthwiseConv2D and Conv2D's dilationRate as layers: finite-difference checks of their backward
// passes through a model (SIMD kernels and scalar references, as in conv-layers.test.ts), the
// options and shapes TF.js would give, a checkpoint round trip, and a short training run of a
// MobileNet-style block (DepthwiseConv2D → BatchNorm → ReLU → 1×1 Conv2D) whose loss falls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  init,
  Activation, Adam, BatchNorm, Conv2D, Dense, DepthwiseConv2D, Flatten, GlobalAveragePooling2D, type Layer, Sequential,
  layerFromConfig, makeDataset, memoryHandler, parseSafetensors, setKernelImpl,
} from '../src/index.js';
import { checkGradients, randomArray, randomLabels } from './helpers.js';

await init();

interface Case { name: string; input: number[]; layers: () => Layer[]; training?: boolean; eps?: number }

const cases: Case[] = [
  { name: 'DepthwiseConv2D 3×3 valid', input: [5, 6, 2], layers: () => [new DepthwiseConv2D(3), new Flatten(), new Dense(3)] },
  {
    name: 'DepthwiseConv2D 3×3 same, stride 2 (TF padding), depthMultiplier 2, no bias',
    input: [6, 5, 3],
    layers: () => [new DepthwiseConv2D(3, { padding: 'same', strides: 2, depthMultiplier: 2, useBias: false }), new Flatten(), new Dense(3)],
  },
  {
    name: 'DepthwiseConv2D dilation 2 same + tanh, depthMultiplier 3',
    input: [7, 6, 2],
    layers: () => [new DepthwiseConv2D(3, { padding: 'same', dilationRate: 2, depthMultiplier: 3, activation: 'tanh' }), new Flatten(), new Dense(3)],
  },
  {
    name: 'DepthwiseConv2D [2, 3] valid, dilation [3, 1], then Conv2D 1×1',
    input: [8, 6, 3],
    layers: () => [new DepthwiseConv2D([2, 3], { dilationRate: [3, 1] }), new Conv2D(2, 1), new Flatten(), new Dense(3)],
  },
  {
    name: 'MobileNet block: DepthwiseConv2D → BatchNorm (training) → ReLU → Conv2D 1×1',
    input: [5, 5, 3],
    layers: () => [new DepthwiseConv2D(3, { padding: 'same', useBias: false }), new BatchNorm(), new Activation('relu'), new Conv2D(4, 1), new Flatten(), new Dense(3)],
    training: true,
    eps: 1e-3,
  },
  { name: 'Conv2D 3×3 dilation 2 same', input: [7, 6, 2], layers: () => [new Conv2D(3, 3, { padding: 'same', dilationRate: 2 }), new Flatten(), new Dense(3)] },
  {
    name: 'Conv2D [3, 2] dilation [2, 3] valid + tanh, c = 17 (rotated-filter backward-data)',
    input: [7, 6, 17],
    layers: () => [new Conv2D(2, [3, 2], { dilationRate: [2, 3], activation: 'tanh' }), new Flatten(), new Dense(3)],
  },
];

for (const c of cases) {
  for (const impl of ['simd', 'scalar'] as const) {
    test(`finite differences (${impl} kernels): ${c.name}`, () => {
      setKernelImpl(impl);
      try {
        const model = new Sequential(c.layers(), { inputShape: c.input });
        model.build(undefined, { seed: 11 });
        const batch = 3;
        const d = c.input.reduce((a, b) => a * b, 1);
        const x = randomArray(batch * d, 101, 1.5);
        const y = randomLabels(batch, model.numClasses, 102);
        checkGradients(c.name, model, x, y, !!c.training, c.eps ?? 1e-2, 3e-4);
        model.dispose();
      } finally {
        setKernelImpl('simd');
      }
    });
  }
}

test('output shapes as TF.js computes them, and bad options named', () => {
  const shape = (l: Layer, s: number[]) => [...l.computeOutputShape(s)];
  assert.deepEqual(shape(new DepthwiseConv2D(3, { padding: 'same', strides: 2 }), [10, 9, 3]), [5, 5, 3]);
  assert.deepEqual(shape(new DepthwiseConv2D(3, { depthMultiplier: 2 }), [10, 9, 3]), [8, 7, 6]);
  assert.deepEqual(shape(new DepthwiseConv2D(3, { dilationRate: [2, 3] }), [10, 9, 3]), [6, 3, 3]);
  assert.deepEqual(shape(new DepthwiseConv2D(4, { padding: 'same' }), [7, 7, 2]), [7, 7, 2]); // even kernel: TF's uneven padding
  assert.deepEqual(shape(new Conv2D(4, 3, { dilationRate: 2 }), [10, 9, 3]), [6, 5, 4]);
  assert.deepEqual(shape(new Conv2D(4, 3, { dilationRate: 3, padding: 'same' }), [10, 9, 3]), [10, 9, 4]);
  assert.deepEqual(shape(new Conv2D(4, 2, { dilationRate: 2, padding: 'same' }), [6, 7, 3]), [6, 7, 4]); // 2×2 dilated by 2: 3 wide, odd
  assert.throws(() => new Conv2D(4, 3, { strides: 2, dilationRate: 2 }),
    /Conv2D: strides > 1 together with dilationRate > 1 is not supported \(Keras refuses it too\), got strides 2 and dilationRate \[2, 2\]/);
  assert.throws(() => new DepthwiseConv2D(3, { strides: 2, dilationRate: [1, 2] }),
    /DepthwiseConv2D: strides > 1 together with dilationRate > 1 is not supported .* dilationRate \[1, 2\]/);
  assert.throws(() => new Conv2D(4, 3, { dilationRate: [1, 2], padding: 'same' }),
    /Conv2D padding 'same' needs an odd square kernel .* got 3×3 dilated by \[1, 2\] \(3×5\)/);
  assert.throws(() => new Conv2D(4, 3, { dilationRate: 0 }), /Conv2D dilationRate must be a positive integer or a pair of them \[a, b\], got 0/);
  assert.throws(() => new DepthwiseConv2D(3, { depthMultiplier: 1.5 }), /DepthwiseConv2D depthMultiplier must be a positive integer, got 1.5/);
  assert.throws(() => new DepthwiseConv2D([3, 0]), /DepthwiseConv2D kernelSize must be a positive integer or a pair of them \[a, b\], got \[3,0\]/);
  assert.throws(() => new DepthwiseConv2D(3, { filters: 4 } as never), /DepthwiseConv2D: unknown option 'filters' \(known: depthMultiplier, strides/);
  assert.throws(() => new DepthwiseConv2D(3, { padding: 'causal' as 'same' }), /DepthwiseConv2D padding must be 'valid' or 'same', got 'causal'/);
  assert.throws(() => shape(new DepthwiseConv2D(3, { dilationRate: 3 }), [6, 9, 3]), /a 3×3 dilated by \[3, 3\] \(7×7\) 'valid' kernel does not fit input \[6, 9, 3\]/);
  assert.throws(() => shape(new DepthwiseConv2D(3), [81]), /expects input \[height, width, channels\], got shape \[81\]/);
  assert.throws(() => shape(new Conv2D(2, 3, { dilationRate: 4 }), [8, 8, 1]), /a 3×3 dilated by \[4, 4\] \(9×9\) 'valid' kernel does not fit input \[8, 8, 1\]/);
  // config round trip through the registry; Conv2D without dilation keeps its old config (checkpoints unchanged)
  const dw = new DepthwiseConv2D([3, 2], { depthMultiplier: 2, padding: 'same', dilationRate: [2, 1], useBias: false, activation: 'relu' });
  assert.deepEqual(layerFromConfig('DepthwiseConv2D', dw.config()).config(), dw.config());
  const cd = new Conv2D(5, 3, { dilationRate: [2, 3] });
  assert.deepEqual(layerFromConfig('Conv2D', cd.config()).config(), cd.config());
  assert.equal('dilationRate' in new Conv2D(5, 3).config(), false);
});

/** 64 images 12×12×3 in 4 classes: a bright 4×4 patch in one quadrant (the class), on noise. */
function patches(count: number, seed: number): { x: Float32Array; y: Int32Array } {
  const noise = randomArray(count * 12 * 12 * 3, seed, 0.3);
  const y = randomLabels(count, 4, seed + 1);
  const x = noise.map((v) => v + 0.5);
  for (let i = 0; i < count; i++) {
    const oy = (y[i] >> 1) * 6 + 1, ox = (y[i] & 1) * 6 + 1;
    for (let r = 0; r < 4; r++) for (let s = 0; s < 4; s++) for (let ch = 0; ch < 3; ch++) x[((i * 12 + oy + r) * 12 + ox + s) * 3 + ch] += 1.5;
  }
  return { x, y };
}

const mobileBlock = (): Sequential => new Sequential([
  new Conv2D(8, 3, { padding: 'same', dilationRate: 2, inputShape: [12, 12, 3] }),
  new DepthwiseConv2D(3, { padding: 'same', strides: 2, useBias: false }), new BatchNorm(), new Activation('relu'),
  new Conv2D(16, 1, { useBias: false }), new BatchNorm(), new Activation('relu'),
  new DepthwiseConv2D(3, { padding: 'same', dilationRate: 2, depthMultiplier: 2 }), new Activation('relu'),
  new GlobalAveragePooling2D(), new Dense(4),
]);

test('a MobileNet-style block (DepthwiseConv2D → BatchNorm → ReLU → 1×1 Conv2D) trains: its loss falls', async (t) => {
  const { x, y } = patches(128, 3);
  const model = mobileBlock();
  const history = await model.fit(makeDataset(x, y, [12, 12, 3], 4, 'patches'), { epochs: 6, batchSize: 16, optimizer: new Adam({ lr: 1e-2 }), seed: 2 });
  const losses = history.epochs.map((e) => e.loss);
  t.diagnostic(`loss by epoch ${losses.map((l) => l.toFixed(3)).join(' → ')}, accuracy ${history.epochs.map((e) => e.accuracy.toFixed(2)).join(' → ')}`);
  assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
  assert.ok(losses[5] < 0.5 * losses[0], `loss falls by half: ${losses.map((l) => l.toFixed(3)).join(' → ')}`);
  assert.ok(history.epochs[5].accuracy > 0.6, `training accuracy ${history.epochs[5].accuracy} (chance 0.25)`);
  model.dispose();
});

test('a model with DepthwiseConv2D and dilated Conv2D saves and loads bit for bit', async () => {
  const { x, y } = patches(32, 9);
  const m = mobileBlock();
  await m.fit(makeDataset(x, y, [12, 12, 3], 4, 'patches'), { epochs: 1, batchSize: 8, seed: 5, optimizer: 'adam' });
  const h = memoryHandler();
  await m.save(h);
  const names = [...parseSafetensors(h.saved[0].weights, 'saved').tensors.keys()];
  const dwName = `${m.layers[1].name}/depthwise_kernel`;
  assert.ok(names.includes(dwName), `${dwName} in ${names.join(', ')}`);
  const shapeOf = parseSafetensors(h.saved[0].weights, 'saved').tensors.get(`${m.layers[7].name}/depthwise_kernel`)!.shape;
  assert.deepEqual([...shapeOf], [3, 3, 16, 2], 'the kernel is stored (kh, kw, c, depthMultiplier), as TF.js stores it');
  const again = await Sequential.load(h);
  assert.deepEqual(again.layers.map((l) => [l.className, l.config()]), m.layers.map((l) => [l.className, l.config()]));
  assert.deepEqual(again.predict(x), m.predict(x));
  assert.equal(await again.weightsSha256(), await m.weightsSha256());
  m.dispose();
  again.dispose();
});
