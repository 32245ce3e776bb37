// What the cnn-train suite's models share (bench/cnn-train.ts: the SVHN CNN; ./cnn-train-residual.ts:
// the residual CNN): the recipe (SGD, lr 0.01, momentum 0.9, 8 of our steps per timed fit), the
// batch sizes and image shape per mode, the random images, and the TF.js case (the model written
// in tfjs ops, one momentum minimize step per timed call, tfjs-wasm's refusal recorded).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BenchMode, Case, Clock, Prepared } from '../src/bench/runner.js';
import { Rng } from '../src/rng.js';

export const LR = 0.01;
export const MOMENTUM = 0.9;
export const OUR_STEPS = 8;
export const CLASSES = 10;
/** Batch sizes: ours at tfjs-wasm's batch and at tfjs-cpu's (its JavaScript kernels need tens of seconds for one batch-32 step). */
export const SIZES: Readonly<Record<BenchMode, { batch: number; cpuBatch: number; shape: number[] }>> = {
  full: { batch: 32, cpuBatch: 4, shape: [28, 28, 1] },
  quick: { batch: 32, cpuBatch: 4, shape: [28, 28, 1] },
  smoke: { batch: 2, cpuBatch: 1, shape: [8, 8, 1] },
};

export function randomImages(n: number, shape: number[], seed: number): { x: Float32Array; y: Int32Array } {
  const r = new Rng(seed);
  const x = Float32Array.from({ length: n * shape[0] * shape[1] * shape[2] }, () => r.next());
  const y = Int32Array.from({ length: n }, () => r.int(CLASSES));
  return { x, y };
}

/** A model in tfjs ops: its logits and its variables. */
export interface TfModel {
  logits(x: tf.Tensor4D): tf.Tensor2D;
  vars: tf.Variable[];
}

/** The model `build` makes, in tfjs ops on a backend: one training step (momentum's minimize) per timed call. */
export function tfjsTrainCase(mode: BenchMode, backend: 'wasm' | 'cpu', batch: number, name: string, clock: Clock, build: (seed: number, shape: number[]) => TfModel): Case {
  const { shape } = SIZES[mode];
  return {
    suite: 'cnn-train', name, engine: `tfjs-${backend}`, size: batch, clock, params: { batch },
    impl: `@tensorflow/tfjs ${tf.version.tfjs} ops on the ${backend} backend`, work: { samples: batch }, iterations: mode === 'full' ? 3 : 1,
    prepare: async (): Promise<Prepared | string> => {
      if (!(await tf.setBackend(backend))) return `TF.js backend '${backend}' failed to start`;
      await tf.ready();
      const { x, y } = randomImages(batch, shape, 7);
      const xs = tf.tensor4d(x, [batch, shape[0], shape[1], shape[2]]);
      const ys = tf.oneHot(tf.tensor1d(y, 'int32'), CLASSES);
      const model = build(1, shape);
      const opt = tf.train.momentum(LR, MOMENTUM);
      const dispose = (): void => { xs.dispose(); ys.dispose(); model.vars.forEach((v) => v.dispose()); opt.dispose(); };
      const step = (): void => {
        const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(ys, model.logits(xs)) as tf.Scalar, true);
        cost?.dataSync(); // wait for the step (the loss depends on every op of the forward pass)
        cost?.dispose();
      };
      try {
        step(); // tfjs-wasm fails here (no Conv2DBackpropFilter): that message is the record
      } catch (e) {
        dispose();
        return (e as Error).message;
      }
      return { fn: step, dispose };
    },
  };
}
