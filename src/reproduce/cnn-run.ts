// One run of the paper's CNN experiment: the model of a variant (cnn.ts holds the experiment,
// its options and results), the data as images, and runCnnOne, which trains one variant with one
// seed (resuming from a checkpoint where one is given) and measures it.
import type { Dataset } from '../data/dataset.js';
import type { Callback, EpochLogs } from '../fit.js';
import { type GaafFields, gaafOptionsFromFields } from '../gaaf.js';
import { hasCheckpoint } from '../checkpoint/node.js';
import { reducedVgg16, svhnCnn } from '../paper-models.js';
import { Sequential } from '../sequential.js';
import type { CnnEpochRecord, CnnReproduceOptions, CnnRunResult } from './cnn.js';
import { testPredictions } from './predictions.js';
import { type RunCheckpoints, type Splits, loadSplits, trainToBest } from './protocol.js';

export type CnnVariant = 'base' | 'bn' | 'gaaf' | 'bnGaaf';
export const CNN_VARIANTS: readonly CnnVariant[] = ['base', 'bn', 'gaaf', 'bnGaaf'];
/** Table 4's row labels. */
export const CNN_VARIANT_LABELS: Readonly<Record<CnnVariant, string>> = {
  base: 'Base Model', bn: '+Batch Norm (BN)', gaaf: '+GAAF', bnGaaf: '+BN +GAAF',
};

export const hasBn = (v: CnnVariant): boolean => v === 'bn' || v === 'bnGaaf';
export const hasGaaf = (v: CnnVariant): boolean => v === 'gaaf' || v === 'bnGaaf';

/** The model of one variant, for samples of `inputShape`. */
export function buildVariant(o: Pick<CnnReproduceOptions, 'model' | 'filters' | 'dense'> & GaafFields, v: CnnVariant, inputShape: number[], classes: number): Sequential {
  const opts = { inputShape, classes, bn: hasBn(v), gaaf: hasGaaf(v) ? gaafOptionsFromFields(o) : false, filters: o.filters, dense: o.dense };
  return o.model === 'vgg' ? reducedVgg16(opts) : svhnCnn(opts);
}

/** Loads the data as images and carves the validation split (the same loader as the MLP experiment). */
export function loadCnnSplits(o: CnnReproduceOptions): Splits {
  return loadSplits({ ...o, image: true });
}

/**
 * The epoch curve of one run (with the test set's figures) and the run's wall time so far: a
 * stateful callback, so that a run resumed from a checkpoint reports every epoch and its whole time.
 */
class CurveRecorder implements Callback {
  readonly stateKey = 'cnnCurve';
  curve: CnnEpochRecord[] = [];
  secondsBefore = 0;
  constructor(private readonly model: Sequential, private readonly test: Dataset, private readonly t0: number,
    private readonly say: (l: EpochLogs, t: { accuracy: number }) => void) {}

  onEpochEnd(_e: number, l: EpochLogs): void {
    const t = this.model.evaluate(this.test);
    this.curve.push({
      epoch: l.epoch, loss: l.loss, accuracy: l.accuracy, valLoss: l.valLoss!, valAccuracy: l.valAccuracy!,
      testLoss: t.loss, testAccuracy: t.accuracy, seconds: l.seconds, samplesPerSec: l.samplesPerSec,
    });
    this.say(l, t);
  }

  seconds(): number {
    return this.secondsBefore + (performance.now() - this.t0) / 1000;
  }

  state(): { curve: CnnEpochRecord[]; seconds: number } {
    return { curve: this.curve, seconds: this.seconds() };
  }

  setState(s: unknown): void {
    const v = s as { curve: CnnEpochRecord[]; seconds: number };
    this.curve = v.curve;
    this.secondsBefore = v.seconds;
  }
}

/**
 * Trains one variant with one seed and measures it. With `checkpoints`, each epoch end saves a
 * checkpoint into checkpoints.dir, and a run that finds one there continues from it (a killed job
 * resumes with the same bits as one that was never stopped).
 */
export async function runCnnOne(v: CnnVariant, seed: number, splits: Splits, o: CnnReproduceOptions,
  checkpoints?: { dir: string; onResume?(epoch: number): void }): Promise<CnnRunResult> {
  const t0 = performance.now();
  const { train, test } = splits;
  let model: Sequential;
  let resume: RunCheckpoints['resume'];
  if (checkpoints && hasCheckpoint(checkpoints.dir)) {
    const r = await Sequential.loadCheckpoint(checkpoints.dir);
    model = r.model;
    resume = { optimizer: r.optimizer, training: r.training };
    checkpoints.onResume?.(r.training?.epoch ?? 0);
  } else {
    model = buildVariant(o, v, [...train.sampleShape], Math.max(train.numClasses, test.numClasses));
  }
  try {
    if (!resume) model.build(undefined, { seed });
    // the epoch curve with the test set's figures (evaluated after each epoch, before the best-epoch bookkeeping)
    const recorder = new CurveRecorder(model, test, t0, (l, t) => o.log?.(`  ${CNN_VARIANT_LABELS[v]} seed ${seed} epoch ${l.epoch}: loss ${l.loss.toFixed(4)}, ` +
      `train ${(100 * l.accuracy).toFixed(2)}%, val ${(100 * l.valAccuracy!).toFixed(2)}%, test ${(100 * t.accuracy).toFixed(2)}%, ${Math.round(l.samplesPerSec)} samples/s`));
    // the experiment's protocol: best epoch by validation accuracy, its weights and BatchNorm statistics restored
    const run = await trainToBest(model, splits, seed, { ...o, monitor: 'val-accuracy' }, {
      callbacks: [recorder],
      ...(checkpoints ? { checkpoints: { dir: checkpoints.dir, resume } } : {}),
    });
    const curve = recorder.curve;
    const history = run.history;
    const final = model.evaluate(test);
    const fitTrain = model.evaluate(train);
    return {
      variant: v,
      seed,
      epochsRun: history.epochs.length,
      bestEpoch: run.bestEpoch,
      stoppedEarly: run.stoppedEarly,
      bestValAccuracy: run.bestValAccuracy,
      testAccuracy: final.accuracy,
      testLoss: final.loss,
      trainAccuracy: fitTrain.accuracy,
      trainLoss: fitTrain.loss,
      predictions: testPredictions(model, test),
      samplesPerSec: history.samplesPerSec,
      trainSeconds: history.seconds,
      seconds: recorder.seconds(),
      weightsSha256: await model.weightsSha256(),
      curve,
    };
  } finally {
    model.dispose();
  }
}
