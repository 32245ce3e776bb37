// Whole training: samples/s of the paper's MLP (784-512-256-256-10, tanh; its recipe: batch 128, SGD
// with momentum 0.9, lr 0.05) with the base, +dropout (0.5) and +GAAF activations, ours
// (SIMD and the scalar reference) against the same model and batch in tfjs-layers on the
// tfjs-wasm and tfjs-cpu backends, all on the same data. Each timed call is one training
// step; the median step time gives samples/s. In a full run a case runs one epoch's steps
// (the 8,000 bundled training digits, or the --data training set); --quick runs a fixed
// number of steps. Then the base model at batch sizes 1 to 512.
//
// Hook: the CNN joins here as another entry of MODELS once it exists (its tfjs-layers twin
// beside it).
import * as tfl from '@tensorflow/tfjs-layers';
import { type KernelImpl, setKernelImpl } from '../src/binding.js';
import { loadBundledDigits } from '../src/data/bundled.js';
import type { Dataset } from '../src/data/dataset.js';
import { loadDataDir } from '../src/data/load.js';
import { PAPER_MLP_RECIPE, paperMlp } from '../src/paper-models.js';
import { SGD } from '../src/optimizers.js';
import type { BenchMode, Case, Prepared } from '../src/bench/runner.js';
import { type SuiteOptions, modeOf, runSuiteCases } from './suite.js';
import { TFJS_ENGINES, type TfjsEngine, tf, tfjsImpl, useBackend } from './tfjs.js';

const { lr: LR, momentum: MOMENTUM } = PAPER_MLP_RECIPE;
const DROPOUT = 0.5;
const SEED = 1;

export const MODELS = {
  'mlp-base': { dropout: 0, gaaf: false },
  'mlp-dropout': { dropout: DROPOUT, gaaf: false },
  'mlp-gaaf': { dropout: 0, gaaf: true },
} as const;
type ModelName = keyof typeof MODELS;

export const TRAIN_SIZES = {
  batch: PAPER_MLP_RECIPE.batchSize,
  // --quick leaves out batch 512 (tfjs-cpu takes 5 s a step there)
  scaling: { full: [1, 8, 32, 128, 512], quick: [1, 8, 32, 128], smoke: [4] },
  /** Steps per case: full runs one epoch at batch 128; scaling runs this many samples. */
  quickSteps: 5,
  scalingSamples: { full: 1024, quick: 64, smoke: 8 },
  /** At most this many steps per scaling case (batch 1 in tfjs-cpu runs about 10 steps/s). */
  maxScalingSteps: 256,
} as const;

/** Our step, as fit() does it: load the batch, forward and backward, count hits, update. */
export function oursStep(name: ModelName, impl: KernelImpl, data: Dataset, batch: number): Prepared {
  const spec = MODELS[name];
  const model = paperMlp({ gaaf: spec.gaaf, dropout: spec.dropout, inputSize: data.sampleShape.reduce((a, b) => a * b, 1), classes: data.numClasses });
  model.build(undefined, { seed: SEED });
  model.ensureBatch(batch);
  const opt = new SGD({ lr: LR, momentum: MOMENTUM });
  opt.attach(model.params());
  const batches = Math.floor(data.count / batch);
  let b = 0;
  return {
    fn: () => {
      setKernelImpl(impl);
      try {
        const start = (b++ % batches) * batch;
        model.loadBatch(data, null, start, batch);
        const loss = model.forwardBackward({ n: batch, training: true, seed: SEED, step: model.step });
        if (!Number.isFinite(loss)) throw new Error(`training diverged: loss ${loss}`);
        model.countCorrect(batch);
        opt.step();
        model.step++;
      } finally {
        setKernelImpl('simd');
      }
    },
    dispose: () => {
      opt.dispose();
      model.dispose();
    },
    impl: impl === 'simd' ? 'gaaf Sequential, SIMD kernels' : 'gaaf Sequential, scalar reference kernels',
  };
}

/** The same model and step in tfjs-layers: model.trainOnBatch on pre-sliced batches. */
export async function tfjsStep(name: ModelName, engine: TfjsEngine, data: Dataset, batch: number, steps: number): Promise<Prepared | string> {
  const spec = MODELS[name];
  if (spec.gaaf) return 'no GAAF activation in TF.js';
  await useBackend(engine);
  const d = data.sampleShape.reduce((a, b) => a * b, 1);
  const model = tfl.sequential();
  for (const [i, units] of [512, 256, 256].entries()) {
    model.add(tfl.layers.dense({ units, activation: 'tanh', kernelInitializer: 'glorotUniform', ...(i === 0 ? { inputShape: [d] } : {}) }));
    if (spec.dropout) model.add(tfl.layers.dropout({ rate: spec.dropout }));
  }
  model.add(tfl.layers.dense({ units: data.numClasses, activation: 'softmax' }));
  model.compile({ optimizer: tf.train.momentum(LR, MOMENTUM), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const batches = Math.min(Math.floor(data.count / batch), steps + 8);
  const xs: tf.Tensor[] = [];
  const ys: tf.Tensor[] = [];
  for (let k = 0; k < batches; k++) {
    xs.push(tf.tensor2d(data.x.subarray(k * batch * d, (k + 1) * batch * d), [batch, d]));
    ys.push(tf.tidy(() => tf.oneHot(tf.tensor1d(data.y.subarray(k * batch, (k + 1) * batch), 'int32'), data.numClasses)));
  }
  let b = 0;
  return {
    fn: async () => {
      const k = b++ % batches;
      await model.trainOnBatch(xs[k], ys[k]);
    },
    dispose: () => {
      model.dispose();
      for (const t of [...xs, ...ys]) t.dispose();
    },
    impl: `@tensorflow/tfjs-layers ${tfl.version_layers} on ${tfjsImpl(engine)}`,
  };
}

export interface TrainData {
  train: Dataset;
}

/** Loads the training set once: the bundled digits, or the IDX files in `dir`. */
export function trainData(dir?: string): Dataset {
  return dir ? loadDataDir(dir).train : loadBundledDigits().train;
}

export function trainCases(mode: BenchMode, data: Dataset): Case[] {
  const cases: Case[] = [];
  const engines = ['simd', 'scalar', ...TFJS_ENGINES] as const;
  const add = (name: ModelName, batch: number, steps: number, engine: (typeof engines)[number]): void => {
    cases.push({
      suite: 'train', name, engine, size: batch,
      params: { batch, steps, data: data.name, samplesInData: data.count },
      work: { samples: batch },
      iterations: steps,
      prepare: () => (engine === 'simd' || engine === 'scalar' ? oursStep(name, engine, data, batch) : tfjsStep(name, engine, data, batch, steps)),
    });
  };
  const B = mode === 'smoke' ? 4 : TRAIN_SIZES.batch;
  const epochSteps = Math.floor(data.count / B);
  const steps = mode === 'full' ? epochSteps : mode === 'quick' ? TRAIN_SIZES.quickSteps : 2;
  for (const name of Object.keys(MODELS) as ModelName[]) {
    for (const engine of engines) {
      // the scalar reference is about 30× slower: time a few steps of the base model only
      if (engine === 'scalar' && name !== 'mlp-base') continue;
      add(name, B, engine === 'scalar' ? Math.min(steps, mode === 'full' ? 8 : 2) : steps, engine);
    }
  }
  for (const batch of TRAIN_SIZES.scaling[mode]) {
    if (batch === B) continue; // measured above
    const s = Math.min(TRAIN_SIZES.maxScalingSteps, Math.max(3, Math.ceil(TRAIN_SIZES.scalingSamples[mode] / batch)));
    for (const engine of ['simd', ...TFJS_ENGINES] as const) add('mlp-base', batch, Math.min(s, Math.floor(data.count / batch)), engine);
  }
  return cases;
}

export const trainSuite = (o: SuiteOptions) => runSuiteCases(trainCases(modeOf(o), trainData(o.data)), o);
