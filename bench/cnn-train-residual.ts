// The residual CNN of src/resnet.ts (residualCnn: a 3×3 stem, one basic block per stage of
// 16, 32, 64 channels with BatchNorm and Add, a strided 1×1 conv + BN shortcut where the shape
// changes, global average pooling, Dense 10; ReLU) in the cnn-train suite, on 28×28×1 random
// images with random labels, SGD (lr 0.01, momentum 0.9):
//   - ours: Model.fit over 8 batches on 1 and on 2 threads (wall time: a CPU clock would add
//     the second thread's time), samples/s = 8·batch / median time of one fit;
//   - the same model in tfjs ops (@tensorflow/tfjs 4.22.0: conv2d, moments for BatchNorm in
//     training mode, add, mean, matMul; momentum's minimize), on tfjs-wasm at our batch (its
//     training step throws for want of a Conv2DBackpropFilter kernel: that error is the
//     record) and on tfjs-cpu at a batch its JavaScript kernels do in seconds.
import * as tf from '@tensorflow/tfjs';
import { setThreads, threads } from '../src/binding.js';
import type { BenchMode, Case, Prepared } from '../src/bench/runner.js';
import { makeDataset } from '../src/data/dataset.js';
import { SGD } from '../src/optimizers.js';
import { residualCnn } from '../src/resnet.js';
import { CLASSES, LR, MOMENTUM, OUR_STEPS, SIZES, type TfModel, randomImages, tfjsTrainCase } from './cnn-train-common.js';

const FILTERS = [16, 32, 64];
const nameOf = (shape: number[]): string => `residual-cnn ${shape.join('×')}`;

function oursCase(mode: BenchMode, batch: number, nThreads: number): Case {
  const { shape } = SIZES[mode];
  return {
    suite: 'cnn-train', name: nameOf(shape), engine: nThreads === 1 ? 'simd' : `simd-${nThreads}t`, size: batch, clock: 'wall',
    params: { batch, steps: OUR_STEPS, threads: nThreads }, impl: `gaaf Model.fit (functional residual CNN), SIMD kernels, ${nThreads} thread(s)`,
    work: { samples: batch * OUR_STEPS }, iterations: mode === 'full' ? 6 : 2,
    prepare: async (): Promise<Prepared | string> => {
      const before = threads();
      const got = await setThreads(nThreads);
      if (got !== nThreads) {
        await setThreads(before);
        return `${nThreads} threads are not available here (got ${got})`;
      }
      const { x, y } = randomImages(batch * OUR_STEPS, shape, 3);
      const data = makeDataset(x, y, shape, CLASSES, 'random images');
      const model = residualCnn({ inputShape: shape, classes: CLASSES, filters: FILTERS });
      return {
        fn: () => model.fit(data, { epochs: 1, batchSize: batch, optimizer: new SGD({ lr: LR, momentum: MOMENTUM }), seed: 1, yieldEveryMs: 1e9 }),
        dispose: async () => { model.dispose(); await setThreads(before); },
      };
    },
  };
}

/** residualCnn in tfjs ops: He-uniform kernels, BatchNorm with the batch's moments (training mode), no conv biases. */
function tfResidualCnn(seed: number, shape: number[]): TfModel {
  let s = seed;
  const vars: tf.Variable[] = [];
  const v = (t: tf.Tensor): tf.Variable => { const x = tf.variable(t); vars.push(x); return x; };
  const kernel = (k: number, c: number, oc: number) => v(tf.randomUniform([k, k, c, oc], -Math.sqrt(6 / (k * k * c)), Math.sqrt(6 / (k * k * c)), 'float32', s++));
  const bnParams = (c: number) => ({ g: v(tf.ones([c])), b: v(tf.zeros([c])) });
  type Conv = { k: tf.Variable; bn: { g: tf.Variable; b: tf.Variable }; stride: number };
  const convBn = (k: number, c: number, oc: number, stride: number): Conv => ({ k: kernel(k, c, oc), bn: bnParams(oc), stride });
  const stem = convBn(3, shape[2], FILTERS[0], 1);
  let c = FILTERS[0];
  const blocks = FILTERS.map((f, i) => {
    const stride = i > 0 ? 2 : 1;
    const blk = { a: convBn(3, c, f, stride), b: convBn(3, f, f, 1), short: stride !== 1 || c !== f ? convBn(1, c, f, stride) : null };
    c = f;
    return blk;
  });
  const dense = { w: v(tf.randomUniform([c, CLASSES], -Math.sqrt(6 / c), Math.sqrt(6 / c), 'float32', s++)), b: v(tf.zeros([CLASSES])) };
  const apply = (l: Conv, x: tf.Tensor4D): tf.Tensor4D => {
    const z = tf.conv2d(x, l.k as tf.Tensor4D, l.stride, 'same');
    const { mean, variance } = tf.moments(z, [0, 1, 2]);
    return tf.batchNorm(z, mean, variance, l.bn.b, l.bn.g, 1e-3) as tf.Tensor4D;
  };
  const logits = (x: tf.Tensor4D): tf.Tensor2D => {
    let h = tf.relu(apply(stem, x));
    for (const blk of blocks) {
      const y = apply(blk.b, tf.relu(apply(blk.a, h)));
      h = tf.relu(tf.add(y, blk.short ? apply(blk.short, h) : h)) as tf.Tensor4D;
    }
    return tf.add(tf.matMul(tf.mean(h, [1, 2]) as tf.Tensor2D, dense.w as tf.Tensor2D), dense.b);
  };
  return { logits, vars };
}

export function residualCases(mode: BenchMode): Case[] {
  const { batch, cpuBatch } = SIZES[mode];
  return [oursCase(mode, batch, 1), oursCase(mode, batch, 2), oursCase(mode, cpuBatch, 1), tfjsTrainCase(mode, 'wasm', batch, nameOf(SIZES[mode].shape), 'wall', tfResidualCnn), tfjsTrainCase(mode, 'cpu', cpuBatch, nameOf(SIZES[mode].shape), 'wall', tfResidualCnn)];
}
