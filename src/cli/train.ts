// `gaaf train`: trains one of the paper's models (by the paper MLP's recipe unless told
// otherwise) on the bundled digits or a data directory, or resumes a checkpointed run, and
// reports per-epoch lines (or JSON) and a summary with the gradient information.
import cliProgress from 'cli-progress';
import { InvalidArgumentError } from 'commander';
import { type ActKind, init, threads } from '../binding.js';
import type { FitOptions } from '../checkpoint/callback.js';
import type { Restored } from '../checkpoint/checkpoint.js';
import { checkpointDir } from '../checkpoint/node.js';
import type { Dataset } from '../data/dataset.js';
import { loadTrainTest } from '../data/load.js';
import type { EpochLogs, History } from '../fit.js';
import { GradientInfo } from '../gradient-info.js';
import { Activation } from '../layers/activation.js';
import { Dropout } from '../layers/dropout.js';
import { shapeStr } from '../layers/layer.js';
import { DEFAULT_LR, type OptimizerName, makeOptimizer } from '../optimizers.js';
import { PAPER_MLP_RECIPE, paperMlp, reducedVgg16, svhnCnn } from '../paper-models.js';
import { residualCnn } from '../resnet.js';
import { Model } from '../sequential.js';
import { VERSION, flag, pct } from './args.js';
import { type GaafFlags, gaafFlagsGiven, gaafOptionsFromFlags } from './gaaf-flags.js';

/** --model, and the paper builder each names (a checkpoint records the builder, so --resume reads it back). */
export const MODEL_BUILDERS = { mlp: 'paperMlp', cnn: 'svhnCnn', vgg: 'reducedVgg16', resnet: 'residualCnn' } as const;
export type ModelFlag = keyof typeof MODEL_BUILDERS;

/** The learning rate of a run: --lr, else the recipe's for its optimizer, else that optimizer's default. */
export const trainLr = (optimizer: OptimizerName, lr?: number): number =>
  lr ?? (optimizer === PAPER_MLP_RECIPE.optimizer ? PAPER_MLP_RECIPE.lr : DEFAULT_LR[optimizer]);

export interface TrainOpts extends GaafFlags {
  /** 'layers': a resumed checkpoint whose layers no paper builder made (or one saved before checkpoints recorded the builder). */
  model: ModelFlag | 'layers';
  hidden: number[];
  activation?: ActKind;
  bn: boolean;
  filters?: number[];
  dense?: number[];
  gaaf: boolean;
  gaafK: number;
  dropout: number;
  /** Unset: the recipe's, or with --resume the run's recorded total. */
  epochs?: number;
  batch: number;
  lr?: number;
  optimizer: OptimizerName;
  seed: number;
  data?: string;
  json: boolean;
  progress: boolean;
  checkpoint?: string;
  checkpointEvery?: number;
  resume?: string;
  threads?: number;
}

function epochLine(l: EpochLogs, epochs: number): string {
  const parts = [
    `epoch ${String(l.epoch).padStart(String(epochs).length)}/${epochs}`,
    `loss ${l.loss.toFixed(4)}`,
    `train acc ${pct(l.accuracy)}`,
  ];
  if (l.valAccuracy !== undefined) parts.push(`test acc ${pct(l.valAccuracy)}`);
  parts.push(`${Math.round(l.samplesPerSec).toLocaleString('en-US')} samples/s`);
  return parts.join('  ');
}

export async function train(o: TrainOpts): Promise<void> {
  const t0 = performance.now();
  // Results do not depend on the thread count (bit-identical weights), only the speed does.
  await init(o.threads !== undefined ? { threads: o.threads } : {});
  // --- checkpoints (issue #7): --resume takes the model, optimizer, seed and batch size from the checkpoint
  if (o.checkpointEvery !== undefined && o.checkpoint === undefined && o.resume === undefined) throw new InvalidArgumentError('--checkpoint-every needs --checkpoint DIR.');
  const resumed = o.resume !== undefined ? await Model.loadCheckpoint(o.resume) : null;
  if (resumed && !resumed.training) throw new InvalidArgumentError(`${o.resume} holds weights but no training state; it cannot be resumed.`);
  const epochs = o.epochs ?? resumed?.training?.epochs ?? PAPER_MLP_RECIPE.epochs;
  if (resumed) {
    o.seed = resumed.training!.seed;
    o.batch = resumed.training!.batchSize;
    // the checkpoint's record of its builder names the model; its layers say whether it has BatchNorm
    const built = resumed.model.builtBy?.name;
    o.model = (Object.keys(MODEL_BUILDERS) as ModelFlag[]).find((k) => MODEL_BUILDERS[k] === built) ?? 'layers';
    o.bn = resumed.model.layers.some((l) => l.className === 'BatchNorm');
  }
  const checkpointDirArg = o.checkpoint ?? o.resume;
  // Taken now, before the data is loaded: a directory that cannot be written, or that another run writes, is refused at once.
  const ckDir = checkpointDirArg !== undefined ? checkpointDir(checkpointDirArg) : null;
  await ckDir?.open();
  try {
    await trainWith(o, t0, epochs, resumed, ckDir
      ? { to: ckDir, everySteps: o.checkpointEvery, onSave: (c) => { if (o.json) log(JSON.stringify({ type: 'checkpoint', ...c })); } }
      : undefined);
  } finally {
    await ckDir?.close();
  }
}

const log = (s: string): void => {
  process.stdout.write(s + '\n');
};

/** Loads the data, builds (or takes the resumed) model and trains it, checkpointing through `checkpoint`. */
async function trainWith(o: TrainOpts, t0: number, epochs: number, resumed: Restored<Model> | null, checkpoint: FitOptions['checkpoint']): Promise<void> {
  const checkpointDirArg = o.checkpoint ?? o.resume;
  // --- end checkpoints
  // image models get image-shaped samples: a resumed model's input shape says which it is
  const image = resumed ? resumed.model.inputShape.length > 1 : o.model !== 'mlp';
  if (!resumed && !image && (o.bn || o.filters || o.dense)) {
    throw new InvalidArgumentError(`${o.bn ? '--bn' : o.filters ? '--filters' : '--dense'} applies to --model cnn or vgg, not mlp.`);
  }
  if (!resumed && image && o.dropout) throw new InvalidArgumentError('--dropout applies to --model mlp; the paper\'s CNNs (Table 4) have no dropout.');
  // convolutional models get image-shaped samples ([28, 28, 1], [32, 32, 3]); the MLP flat ones
  const { train, test }: { train: Dataset; test: Dataset } = loadTrainTest(o.data, { image });
  let activation: ActKind = o.activation ?? (image ? 'relu' : 'tanh');
  const classes = Math.max(train.numClasses, test.numClasses);
  const shapeFlags = gaafFlagsGiven(o);
  if (shapeFlags.length && resumed) throw new InvalidArgumentError(`${shapeFlags.map(flag).join(', ')} applies to a new run; a resumed run keeps its checkpoint's GAAF.`);
  if (shapeFlags.length && !o.gaaf) throw new InvalidArgumentError(`${shapeFlags.map(flag).join(', ')} needs --gaaf.`);
  const gaaf = o.gaaf ? gaafOptionsFromFlags(o.model === 'resnet' ? 'relu' : activation, o.gaafK, o, `--activation ${activation}`) : false;
  const shape = [...train.sampleShape];
  if (!resumed && o.model === 'vgg' && (shape[0] !== 32 || shape[1] !== 32)) {
    throw new InvalidArgumentError(`--model vgg (VGG16 without its last three conv layers) is laid out for 32×32 images such as CIFAR's [32, 32, 3]; ` +
      `'${train.name}' has samples ${shapeStr(shape)}. It does not pad or resize: use --model cnn for this data.`);
  }
  const model = resumed?.model ?? (o.model === 'mlp'
    ? paperMlp({ activation, gaaf, dropout: o.dropout, hidden: o.hidden, inputSize: shape.reduce((a, b) => a * b, 1), classes })
    : o.model === 'resnet' ? residualCnn({ inputShape: shape, classes, gaaf, filters: o.filters })
    : (o.model === 'vgg' ? reducedVgg16 : svhnCnn)({ inputShape: shape, classes, activation, gaaf, bn: o.bn, filters: o.filters, dense: o.dense }));
  if (!resumed) model.build(undefined, { seed: o.seed });
  else {
    // Describe the resumed model by its checkpoint, not by the flags.
    const act = model.layers.find((l): l is Activation => l instanceof Activation);
    if (act) {
      activation = act.kind as typeof activation; // a paper model: tanh, relu or sigmoid
      Object.assign(o, { gaaf: !!act.gaaf, gaafK: act.gaaf?.K ?? o.gaafK });
    }
    o.dropout = model.layers.find((l): l is Dropout => l instanceof Dropout)?.rate ?? 0;
    o.optimizer = resumed.optimizer!.name as OptimizerName;
  }
  const denseUnits = model.denseLayers().map((l) => l.units);
  const convWidths = model.layers.filter((l) => l.className === 'Conv2D').map((l) => l.outputShape[2]);
  const widths = [model.inputShape.reduce((a, b) => a * b, 1), ...denseUnits];
  const arch = o.model === 'mlp' ? `MLP ${widths.join('-')}`
    : o.model === 'layers' ? `${model.layers.length} layers ${shapeStr(model.inputShape)} → ${model.layers.map((l) => l.name).join(', ')}`
      : `${o.model === 'vgg' ? 'reduced VGG16' : o.model === 'resnet' ? 'residual CNN (GAP head)' : 'SVHN CNN'} ${shapeStr(model.inputShape)} → conv ${convWidths.join('-')} → dense ${denseUnits.join('-')}`;
  const lr = trainLr(o.optimizer, o.lr);
  const optimizer = resumed?.optimizer ?? makeOptimizer(o.optimizer, o.optimizer === 'sgd' ? { lr, momentum: PAPER_MLP_RECIPE.momentum } : { lr });
  // the paper's gradient information (eq. 5) per Dense layer; a checkpoint carries its sums
  const gradInfo = new GradientInfo();
  const shapeText = gaaf && shapeFlags.length ? `, ${Object.entries(gaaf).filter(([k]) => k !== 'K').map(([k, v]) => `${k}=${String(v)}`).join(', ')}` : '';
  const describe = `${activation}${o.gaaf ? ` + GAAF (K=${o.gaafK}${shapeText})` : ''}${o.bn ? ' + batch norm' : ''}${o.dropout ? ` + dropout ${o.dropout}` : ''}`;
  if (!o.json) {
    log(`gaaf ${VERSION}: ${arch}, ${describe}, ${optimizer.name} lr ${optimizer.config().lr}, batch ${o.batch}, seed ${o.seed}, ${threads()} thread(s)`);
    log(`data: ${train.count} training samples from ${train.name}, ${test.count} test samples from ${test.name}`);
    if (resumed) {
      const t = resumed.training!;
      log(t.epoch > epochs ? `${o.resume} has finished its run (${t.epoch - 1} of ${epochs} epochs): nothing to train; give --epochs N to train up to N epochs`
        : `resuming from ${o.resume} at epoch ${t.epoch} of ${epochs}, step ${t.step}`);
    }
    if (checkpoint) log(`checkpoints: ${o.checkpointEvery ? `every ${o.checkpointEvery} steps and ` : ''}at each epoch end, into ${checkpointDirArg}`);
  }
  const bar = o.progress && !o.json && process.stdout.isTTY
    ? new cliProgress.SingleBar({ format: ' {bar} {percentage}% | batch {value}/{total} | loss {loss}', clearOnComplete: true, hideCursor: true },
      cliProgress.Presets.shades_classic)
    : null;
  const history: History = await model.fit(train, {
    epochs,
    ...(resumed ? { resume: resumed } : { batchSize: o.batch, optimizer, seed: o.seed }),
    checkpoint,
    validationData: test,
    callbacks: [gradInfo, {
      onEpochBegin: () => bar?.start(Math.ceil(train.count / o.batch), 0, { loss: '-' }),
      onBatchEnd: (_b, b) => bar?.update(b.batch, { loss: b.loss.toFixed(4) }),
      onEpochEnd: (_e, l) => {
        bar?.stop();
        if (o.json) log(JSON.stringify({ type: 'epoch', ...l }));
        else log(epochLine(l, epochs));
      },
    }],
  });
  const final = model.evaluate(test);
  const summary = {
    type: 'summary',
    model: o.model,
    layers: o.model === 'mlp' ? widths : model.layers.map((l) => `${l.name} ${shapeStr(l.outputShape)}`),
    activation,
    gaaf: gaaf ? { ...gaaf, K: o.gaafK } : o.gaaf ? { K: o.gaafK } : false,
    bn: o.model === 'resnet' || o.bn, // the residual CNN always has BatchNorm
    dropout: o.dropout,
    params: model.countParams(),
    optimizer: optimizer.config(),
    batchSize: o.batch,
    seed: o.seed,
    threads: threads(),
    data: { train: train.name, test: test.name, trainCount: train.count, testCount: test.count },
    epochs: history.epochs.length,
    testAccuracy: final.accuracy,
    testLoss: final.loss,
    trainAccuracy: history.epochs[history.epochs.length - 1]?.accuracy,
    samplesPerSec: history.samplesPerSec,
    trainSeconds: history.seconds,
    wallSeconds: (performance.now() - t0) / 1000,
    gradInfo: Object.fromEntries(history.layers!.map((name, i) => [name, history.gradInfo![i]])),
    weightsSha256: await model.weightsSha256(),
  };
  if (o.json) {
    log(JSON.stringify(summary));
  } else {
    log(`test accuracy: ${pct(final.accuracy)} on ${test.count} samples after ${summary.epochs} epochs ` +
      `(${Math.round(summary.samplesPerSec).toLocaleString('en-US')} samples/s, ${summary.wallSeconds.toFixed(1)} s)`);
    log(`gradient information (mean |dE/dW| per layer): ${history.gradInfo!.map((g) => g.toExponential(2)).join(', ')}`);
    log(`weights sha256: ${summary.weightsSha256}`);
  }
  model.dispose();
}

