// CNN training throughput: samples/s of training the SVHN-style CNN of src/models.ts
// (svhnCnn: 3×3 'same' conv 32-32, 2×2 max-pool, conv 64-64, max-pool, Dense 512-256-10, ReLU,
// no BatchNorm) on 28×28×1 input at batch 32 with SGD (lr 0.01, momentum 0.9), on random
// images with random labels (throughput does not depend on the data):
//   - ours: Model.fit over 8 batches (one epoch: shuffling, forward, loss, backward, update),
//     samples/s = 8·batch / median time of one fit, at batch 32 and at tfjs-cpu's batch 4;
//   - the same model written with tfjs ops (@tensorflow/tfjs 4.22.0) (conv2d, maxPool, matMul,
//     softmax cross-entropy; tf.train.momentum's minimize for the gradients and update) on the
//     tfjs-wasm (batch 32) and tfjs-cpu (batch 4: its JavaScript kernels need tens of seconds
//     for a batch of 32) backends, one batch per sample, samples/s = batch / median.
// tfjs-wasm has no Conv2DBackpropFilter kernel, so its training step throws; that error is the
// recorded result. Same clock as the conv suite (process CPU time unless GAAF_BENCH_CLOCK=wall).
import { Bench } from 'tinybench';
// the union package: tfjs-core with every op's gradient registered (tfjs-core's Node build
// registers none, and its ESM register_all_gradients does not load in Node) and the cpu backend
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeDataset } from '../src/data/dataset.js';
import { svhnCnn } from '../src/paper-models.js';
import { SGD } from '../src/optimizers.js';
import { Rng } from '../src/rng.js';
import type { BenchRecord, SuiteOptions } from './record.js';
import { recordFrom } from './record.js';

export interface TrainRecord extends BenchRecord {
  clock: 'cpu' | 'wall';
  samplesPerSec: number;
  batch: number;
  error?: string;
}

const BATCH = 32;
const OUR_STEPS = 8;
// tfjs-cpu's JavaScript kernels take tens of seconds for one batch-32 step of this model; it
// trains at batch 4 (samples/s of these kernels barely depends on the batch)
const TF_CPU_BATCH = 4;
const SHAPE = [28, 28, 1];
const CLASSES = 10;
const CLOCK = process.env.GAAF_BENCH_CLOCK === 'wall' ? 'wall' : 'cpu';
function cpuNowMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function randomImages(n: number, seed: number): { x: Float32Array; y: Int32Array } {
  const r = new Rng(seed);
  const x = Float32Array.from({ length: n * 784 }, () => r.next());
  const y = Int32Array.from({ length: n }, () => r.int(CLASSES));
  return { x, y };
}

/** svhnCnn's layers as tfjs-core variables and ops (He-uniform kernels, zero biases). */
function tfSvhnCnn(seed: number) {
  let s = seed;
  const kernel = (shape: number[], fanIn: number) => {
    const lim = Math.sqrt(6 / fanIn);
    return tf.variable(tf.randomUniform(shape, -lim, lim, 'float32', s++));
  };
  const zeros = (n: number) => tf.variable(tf.zeros([n]));
  const conv = [[1, 32], [32, 32], [32, 64], [64, 64]].map(([c, oc]) => ({ k: kernel([3, 3, c, oc], 9 * c), b: zeros(oc) }));
  const dense = [[7 * 7 * 64, 512], [512, 256], [256, CLASSES]].map(([i, o]) => ({ w: kernel([i, o], i), b: zeros(o) }));
  const logits = (x: tf.Tensor4D): tf.Tensor2D => {
    let h: tf.Tensor4D = x;
    conv.forEach((l, i) => {
      h = tf.relu(tf.add(tf.conv2d(h, l.k as tf.Tensor4D, 1, 'same'), l.b)) as tf.Tensor4D;
      if (i === 1 || i === 3) h = tf.maxPool(h, 2, 2, 'valid');
    });
    let z: tf.Tensor2D = tf.reshape(h, [x.shape[0], 7 * 7 * 64]);
    dense.forEach((l, i) => {
      z = tf.add(tf.matMul(z, l.w as tf.Tensor2D), l.b);
      if (i < dense.length - 1) z = tf.relu(z);
    });
    return z;
  };
  const vars = [...conv.flatMap((l) => [l.k, l.b]), ...dense.flatMap((l) => [l.w, l.b])];
  return { logits, vars };
}

async function tfStep(backend: 'wasm' | 'cpu', batch: number, bench: Bench, errors: Map<string, string>, dispose: (() => void)[]): Promise<void> {
  await tf.setBackend(backend);
  await tf.ready();
  const { x, y } = randomImages(batch, 7);
  const xs = tf.tensor4d(x, [batch, 28, 28, 1]);
  const ys = tf.oneHot(tf.tensor1d(y, 'int32'), CLASSES);
  const model = tfSvhnCnn(1);
  const opt = tf.train.momentum(0.01, 0.9);
  const step = () => {
    const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(ys, model.logits(xs)) as tf.Scalar, true);
    cost?.dataSync(); // wait for the step (the loss depends on every op of the forward pass)
    cost?.dispose();
  };
  const name = `tfjs-${backend}|${batch}`;
  try {
    step();
  } catch (e) {
    errors.set(name, (e as Error).message);
    dispose.push(() => { xs.dispose(); ys.dispose(); model.vars.forEach((v) => v.dispose()); opt.dispose(); });
    return;
  }
  // run each backend's task on its own backend (tinybench runs tasks one after another)
  bench.add(name, step, { beforeAll: async () => { await tf.setBackend(backend); } });
  dispose.push(() => { xs.dispose(); ys.dispose(); model.vars.forEach((v) => v.dispose()); opt.dispose(); });
}

/** A timed record as samples/s: `samples` trained per timed call. */
function asTrain(r: BenchRecord, samples: number, batch: number): TrainRecord {
  return { ...r, gflops: 0, metric: 'samplesPerSec', samplesPerSec: samples / (r.medianMs / 1000), clock: CLOCK, batch, params: { clock: CLOCK } };
}

export async function cnnTrainSuite(opts: SuiteOptions): Promise<BenchRecord[]> {
  const records: TrainRecord[] = [];
  const errors = new Map<string, string>();
  const dispose: (() => void)[] = [];
  const mk = (iterations: number) => new Bench({ time: 0, iterations, warmupTime: 0, warmupIterations: 1,
    ...(CLOCK === 'cpu' ? { now: cpuNowMs } : {}) });

  // ours, at tfjs-wasm's batch and at tfjs-cpu's, so each peer has a same-batch ratio
  for (const batch of [BATCH, TF_CPU_BATCH]) {
    const { x, y } = randomImages(batch * OUR_STEPS, 3);
    const data = makeDataset(x, y, SHAPE, CLASSES, 'random 28×28×1');
    const model = svhnCnn({ inputShape: SHAPE, classes: CLASSES });
    const ours = mk(opts.quick ? 3 : 8);
    ours.add('simd', async () => {
      await model.fit(data, { epochs: 1, batchSize: batch, optimizer: new SGD({ lr: 0.01, momentum: 0.9 }), seed: 1, yieldEveryMs: 1e9 });
    });
    await ours.run();
    const r = recordFrom('cnn-train', 'svhn-cnn 28×28×1', 'simd', batch, ours.tasks[0], 0);
    if (r) records.push(asTrain(r, batch * OUR_STEPS, batch));
    model.dispose();
  }

  // tfjs on both backends
  // the first (untimed) step of each is the warm-up
  const peers = new Bench({ time: 0, iterations: opts.quick ? 1 : 3, warmupTime: 0, warmupIterations: 0,
    ...(CLOCK === 'cpu' ? { now: cpuNowMs } : {}) });
  await tfStep('wasm', BATCH, peers, errors, dispose);
  await tfStep('cpu', TF_CPU_BATCH, peers, errors, dispose);
  await peers.run();
  for (const task of peers.tasks) {
    const [engine, b] = task.name.split('|');
    const q = recordFrom('cnn-train', 'svhn-cnn 28×28×1', engine, Number(b), task, 0);
    if (q) records.push(asTrain(q, Number(b), Number(b)));
  }
  for (const [name, error] of errors) {
    const [engine, b] = name.split('|');
    records.push({ suite: 'cnn-train', name: 'svhn-cnn 28×28×1', engine, size: Number(b), gflops: 0, medianMs: 0, madMs: 0,
      samples: 0, metric: 'samplesPerSec', clock: CLOCK, batch: Number(b), samplesPerSec: 0, error });
  }
  for (const d of dispose) d();

  const ours = (b: number) => records.find((q) => q.engine === 'simd' && q.batch === b && !q.error);
  console.log(`SVHN-style CNN training (svhnCnn on 28×28×1, batch ${BATCH}, SGD momentum), one thread, ` +
    `medians of ${CLOCK === 'cpu' ? 'process CPU time' : 'wall time'}`);
  console.table(records.map((q) => ({
    engine: q.engine,
    batch: q.batch,
    'samples/s': q.error ? 'failed' : +q.samplesPerSec.toFixed(1),
    'ours ÷ this (same batch)': ours(q.batch) && !q.error ? +(ours(q.batch)!.samplesPerSec / q.samplesPerSec).toFixed(2) : '-',
    'median ms': q.error ? '-' : +q.medianMs.toFixed(1),
    error: q.error ?? '',
  })));
  return records;
}
