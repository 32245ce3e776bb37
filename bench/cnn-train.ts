// CNN training throughput: samples/s of training the SVHN-style CNN of src/paper-models.ts
// (svhnCnn: 3×3 'same' conv 32-32, 2×2 max-pool, conv 64-64, max-pool, Dense 512-256-10, ReLU,
// no BatchNorm) on 28×28×1 input at batch 32 with SGD (lr 0.01, momentum 0.9), on random
// images with random labels (throughput does not depend on the data):
//   - ours: Sequential.fit over 8 batches (one epoch: shuffling, forward, loss, backward, update),
//     samples/s = 8·batch / median time of one fit, at batch 32 and at tfjs-cpu's batch 4;
//   - the same model written with tfjs ops (@tensorflow/tfjs 4.22.0) (conv2d, maxPool, matMul,
//     softmax cross-entropy; tf.train.momentum's minimize for the gradients and update) on the
//     tfjs-wasm (batch 32) and tfjs-cpu (batch 4: its JavaScript kernels need tens of seconds
//     for a batch of 32) backends, one batch per sample, samples/s = batch / median.
// tfjs-wasm has no Conv2DBackpropFilter kernel, so its training step throws; that error is the
// recorded result. Cases of the shared harness (src/bench/runner.ts), timed as this process's
// CPU time like the conv suite (GAAF_BENCH_CLOCK=wall for wall time).

// the union package: tfjs-core with every op's gradient registered (tfjs-core's Node build
// registers none, and its ESM register_all_gradients does not load in Node) and the cpu backend
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BenchMode, Case, Prepared } from '../src/bench/runner.js';
import { makeDataset } from '../src/data/dataset.js';
import { SGD } from '../src/optimizers.js';
import { svhnCnn } from '../src/paper-models.js';
import { CLASSES, LR, MOMENTUM, OUR_STEPS, SIZES, type TfModel, randomImages, tfjsTrainCase } from './cnn-train-common.js';
import { residualCases } from './cnn-train-residual.js';
import { type SuiteOptions, modeOf, runSuiteCases } from './suite.js';

const nameOf = (shape: number[]): string => `svhn-cnn ${shape.join('×')}`;

/** Ours: one fit() of OUR_STEPS batches per timed call (shuffle, forward, loss, backward, update). */
function oursCase(mode: BenchMode, batch: number): Case {
  const { shape } = SIZES[mode];
  return {
    suite: 'cnn-train', name: nameOf(shape), engine: 'simd', size: batch, clock: 'cpu', params: { batch, steps: OUR_STEPS },
    impl: 'gaaf Sequential.fit, SIMD kernels', work: { samples: batch * OUR_STEPS }, iterations: mode === 'full' ? 8 : 3,
    prepare: (): Prepared => {
      const { x, y } = randomImages(batch * OUR_STEPS, shape, 3);
      const data = makeDataset(x, y, shape, CLASSES, 'random images');
      const model = svhnCnn({ inputShape: shape, classes: CLASSES });
      return {
        fn: () => model.fit(data, { epochs: 1, batchSize: batch, optimizer: new SGD({ lr: LR, momentum: MOMENTUM }), seed: 1, yieldEveryMs: 1e9 }),
        dispose: () => model.dispose(),
      };
    },
  };
}

/** svhnCnn's layers as tfjs-core variables and ops (He-uniform kernels, zero biases). */
function tfSvhnCnn(seed: number, shape: number[]): TfModel {
  let s = seed;
  const kernel = (sh: number[], fanIn: number) => {
    const lim = Math.sqrt(6 / fanIn);
    return tf.variable(tf.randomUniform(sh, -lim, lim, 'float32', s++));
  };
  const zeros = (n: number) => tf.variable(tf.zeros([n]));
  const conv = [[shape[2], 32], [32, 32], [32, 64], [64, 64]].map(([c, oc]) => ({ k: kernel([3, 3, c, oc], 9 * c), b: zeros(oc) }));
  const flat = (shape[0] / 4) * (shape[1] / 4) * 64;
  const dense = [[flat, 512], [512, 256], [256, CLASSES]].map(([i, o]) => ({ w: kernel([i, o], i), b: zeros(o) }));
  const logits = (x: tf.Tensor4D): tf.Tensor2D => {
    let h: tf.Tensor4D = x;
    conv.forEach((l, i) => {
      h = tf.relu(tf.add(tf.conv2d(h, l.k as tf.Tensor4D, 1, 'same'), l.b)) as tf.Tensor4D;
      if (i === 1 || i === 3) h = tf.maxPool(h, 2, 2, 'valid');
    });
    let z: tf.Tensor2D = tf.reshape(h, [x.shape[0], flat]);
    dense.forEach((l, i) => {
      z = tf.add(tf.matMul(z, l.w as tf.Tensor2D), l.b);
      if (i < dense.length - 1) z = tf.relu(z);
    });
    return z;
  };
  const vars = [...conv.flatMap((l) => [l.k, l.b]), ...dense.flatMap((l) => [l.w, l.b])];
  return { logits, vars };
}

export function cnnTrainCases(mode: BenchMode): Case[] {
  const { batch, cpuBatch } = SIZES[mode];
  return [oursCase(mode, batch), oursCase(mode, cpuBatch), tfjsTrainCase(mode, 'wasm', batch, nameOf(SIZES[mode].shape), 'cpu', tfSvhnCnn), tfjsTrainCase(mode, 'cpu', cpuBatch, nameOf(SIZES[mode].shape), 'cpu', tfSvhnCnn), ...residualCases(mode)];
}

export const cnnTrainSuite = (o: SuiteOptions) => runSuiteCases(cnnTrainCases(modeOf(o)), o);
