#!/usr/bin/env node
// gaaf command line: `gaaf train ...` trains the paper's MLP or CNNs (default: the MLP on the
// bundled digits); `gaaf reproduce mlp|cnn ...` reproduces the paper's MLP (Tables 1-3) or CNN
// (Table 4) experiments and writes a report.
import './checkpoint/node.js'; // directory paths as checkpoint targets (Node)
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { MAX_THREADS, init, threads, type ActKind } from './binding.js';
import type { Dataset } from './data/dataset.js';
import { loadTrainTest } from './data/load.js';
import type { EpochLogs, FitOptions, History } from './fit.js';
import { Activation } from './layers/activation.js';
import { Dropout } from './layers/dropout.js';
import { shapeStr } from './layers/layer.js';
import { paperMlp, reducedVgg16, svhnCnn } from './models.js';
import { Sequential } from './sequential.js';
import { makeOptimizer, type OptimizerName } from './optimizers.js';
import {
  CNN_DEFAULTS, CNN_VARIANTS, CNN_VARIANT_LABELS, type CnnModelName, type CnnVariant, DEFAULTS, MODEL_KEYS, type ModelKey, type Monitor,
  reproduceCnn, reproduceMlp,
} from './reproduce/index.js';
import { type BenchCliOptions, benchCli } from './bench/command.js';

const VERSION = '0.1.0';
const DEFAULT_LR: Record<OptimizerName, number> = { sgd: 0.05, adam: 0.001 };

function parseIntArg(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got '${v}'.`);
    }
    return n;
  };
}

function parsePositive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got '${v}'.`);
    return n;
  };
}

function parseRate(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !(n >= 0 && n < 1)) throw new InvalidArgumentError(`dropout rate must be in [0, 1), got '${v}'.`);
  return n;
}

function parseOpenUnit(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !(n > 0 && n < 1)) throw new InvalidArgumentError(`${name} must be in (0, 1), got '${v}'.`);
    return n;
  };
}

function parseUnit(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !(n >= 0 && n < 1)) throw new InvalidArgumentError(`${name} must be in [0, 1), got '${v}'.`);
    return n;
  };
}

function parseModels(v: string): ModelKey[] {
  const keys = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = keys.filter((k) => !(MODEL_KEYS as readonly string[]).includes(k));
  if (keys.length === 0 || bad.length > 0) {
    throw new InvalidArgumentError(`--models takes a comma-separated list of ${MODEL_KEYS.join(', ')}, got '${v}'${bad.length ? ` (unknown: ${bad.join(', ')})` : ''}.`);
  }
  if (new Set(keys).size !== keys.length) throw new InvalidArgumentError(`--models lists a model twice: '${v}'.`);
  return MODEL_KEYS.filter((k) => keys.includes(k));
}

const shellQuote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);

interface TrainOpts {
  model: 'mlp' | 'cnn' | 'vgg';
  hidden: number[];
  activation?: ActKind;
  bn: boolean;
  filters?: number[];
  dense?: number[];
  gaaf: boolean;
  gaafK: number;
  dropout: number;
  epochs: number;
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

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

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

function parseWidths(name: string) {
  return (v: string): number[] => {
    const xs = v.split(',').map((t) => t.trim());
    if (xs.length === 0 || !xs.every((t) => /^\d+$/.test(t) && Number(t) >= 1 && Number(t) <= 65536)) {
      throw new InvalidArgumentError(`${name} takes a comma-separated list of positive integers, got '${v}' (each at most 65536).`);
    }
    return xs.map(Number);
  };
}

async function train(o: TrainOpts): Promise<void> {
  const t0 = performance.now();
  // Results do not depend on the thread count (bit-identical weights), only the speed does.
  await init(o.threads !== undefined ? { threads: o.threads } : {});
  // --- checkpoints (issue #7): --resume takes the model, optimizer, seed and batch size from the checkpoint
  if (o.checkpointEvery !== undefined && !o.checkpoint && !o.resume) throw new InvalidArgumentError('--checkpoint-every needs --checkpoint DIR.');
  const resumed = o.resume ? await Sequential.loadCheckpoint(o.resume) : null;
  if (resumed && !resumed.training) throw new InvalidArgumentError(`${o.resume} holds weights but no training state; it cannot be resumed.`);
  if (resumed) {
    o.seed = resumed.training!.seed;
    o.batch = resumed.training!.batchSize;
    // the checkpoint's architecture decides the model (and so the data's sample shape)
    const cls = new Set(resumed.model.layers.map((l) => l.className));
    o.model = cls.has('Conv2D') ? (resumed.model.inputShape[0] === 32 && resumed.model.layers.filter((l) => l.className === 'Conv2D').length > 4 ? 'vgg' : 'cnn') : 'mlp';
    o.bn = cls.has('BatchNorm');
  }
  const checkpointDirArg = o.checkpoint ?? o.resume;
  const checkpoint: FitOptions['checkpoint'] = checkpointDirArg
    ? { to: checkpointDirArg, everySteps: o.checkpointEvery, onSave: (c) => { if (o.json) log(JSON.stringify({ type: 'checkpoint', ...c })); } }
    : undefined;
  // --- end checkpoints
  const image = o.model !== 'mlp';
  if (!resumed && !image && (o.bn || o.filters || o.dense)) {
    throw new InvalidArgumentError(`${o.bn ? '--bn' : o.filters ? '--filters' : '--dense'} applies to --model cnn or vgg, not mlp.`);
  }
  if (!resumed && image && o.dropout) throw new InvalidArgumentError('--dropout applies to --model mlp; the paper\'s CNNs (Table 4) have no dropout.');
  // convolutional models get image-shaped samples ([28, 28, 1], [32, 32, 3]); the MLP flat ones
  const { train, test }: { train: Dataset; test: Dataset } = loadTrainTest(o.data, { image });
  let activation: ActKind = o.activation ?? (image ? 'relu' : 'tanh');
  const classes = Math.max(train.numClasses, test.numClasses);
  const gaaf = o.gaaf ? { K: o.gaafK } : false;
  const shape = [...train.sampleShape];
  if (!resumed && o.model === 'vgg' && (shape[0] !== 32 || shape[1] !== 32)) {
    throw new InvalidArgumentError(`--model vgg (VGG16 without its last three conv layers) is laid out for 32×32 images such as CIFAR's [32, 32, 3]; ` +
      `'${train.name}' has samples ${shapeStr(shape)}. It does not pad or resize: use --model cnn for this data.`);
  }
  const model = resumed?.model ?? (o.model === 'mlp'
    ? paperMlp({ activation, gaaf, dropout: o.dropout, hidden: o.hidden, inputSize: shape.reduce((a, b) => a * b, 1), classes })
    : (o.model === 'vgg' ? reducedVgg16 : svhnCnn)({ inputShape: shape, classes, activation, gaaf, bn: o.bn, filters: o.filters, dense: o.dense }));
  if (!resumed) model.build(undefined, { seed: o.seed });
  else {
    // Describe the resumed model by its checkpoint, not by the flags.
    const act = model.layers.find((l): l is Activation => l instanceof Activation);
    if (act) {
      activation = act.kind;
      Object.assign(o, { gaaf: !!act.gaaf, gaafK: act.gaaf?.K ?? o.gaafK });
    }
    o.dropout = model.layers.find((l): l is Dropout => l instanceof Dropout)?.rate ?? 0;
    o.optimizer = resumed.optimizer!.name as OptimizerName;
  }
  const denseUnits = model.denseLayers().map((l) => l.units);
  const convWidths = model.layers.filter((l) => l.className === 'Conv2D').map((l) => l.outputShape[2]);
  const widths = [model.inputShape.reduce((a, b) => a * b, 1), ...denseUnits];
  const arch = o.model === 'mlp' ? `MLP ${widths.join('-')}`
    : `${o.model === 'vgg' ? 'reduced VGG16' : 'SVHN CNN'} ${shapeStr(model.inputShape)} → conv ${convWidths.join('-')} → dense ${denseUnits.join('-')}`;
  const optimizer = resumed?.optimizer ?? makeOptimizer(o.optimizer, { lr: o.lr ?? DEFAULT_LR[o.optimizer] });
  const log = (s: string): void => {
    process.stdout.write(s + '\n');
  };
  const describe = `${activation}${o.gaaf ? ` + GAAF (K=${o.gaafK})` : ''}${o.bn ? ' + batch norm' : ''}${o.dropout ? ` + dropout ${o.dropout}` : ''}`;
  if (!o.json) {
    log(`gaaf ${VERSION}: ${arch}, ${describe}, ${optimizer.name} lr ${optimizer.config().lr}, batch ${o.batch}, seed ${o.seed}, ${threads()} thread(s)`);
    log(`data: ${train.count} training samples from ${train.name}, ${test.count} test samples from ${test.name}`);
    if (resumed) log(`resuming from ${o.resume} at epoch ${resumed.training!.epoch}, step ${resumed.training!.step}`);
    if (checkpoint) log(`checkpoints: ${o.checkpointEvery ? `every ${o.checkpointEvery} steps and ` : ''}at each epoch end, into ${checkpointDirArg}`);
  }
  const bar = o.progress && !o.json && process.stdout.isTTY
    ? new cliProgress.SingleBar({ format: ' {bar} {percentage}% | batch {value}/{total} | loss {loss}', clearOnComplete: true, hideCursor: true },
      cliProgress.Presets.shades_classic)
    : null;
  const history: History = await model.fit(train, {
    epochs: o.epochs,
    ...(resumed ? { resume: resumed } : { batchSize: o.batch, optimizer, seed: o.seed }),
    checkpoint,
    validationData: test,
    callbacks: {
      onEpochBegin: () => bar?.start(Math.ceil(train.count / o.batch), 0, { loss: '-' }),
      onBatchEnd: (b) => bar?.update(b.batch, { loss: b.loss.toFixed(4) }),
      onEpochEnd: (l) => {
        bar?.stop();
        if (o.json) log(JSON.stringify({ type: 'epoch', ...l }));
        else log(epochLine(l, o.epochs));
      },
    },
  });
  const final = model.evaluate(test);
  const summary = {
    type: 'summary',
    model: o.model,
    layers: o.model === 'mlp' ? widths : model.layers.map((l) => `${l.name} ${shapeStr(l.outputShape)}`),
    activation,
    gaaf: o.gaaf ? { K: o.gaafK } : false,
    bn: o.bn,
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
    gradInfo: Object.fromEntries(history.layers.map((name, i) => [name, history.gradInfo[i]])),
    weightsSha256: await model.weightsSha256(),
  };
  if (o.json) {
    log(JSON.stringify(summary));
  } else {
    log(`test accuracy: ${pct(final.accuracy)} on ${test.count} samples after ${summary.epochs} epochs ` +
      `(${Math.round(summary.samplesPerSec).toLocaleString('en-US')} samples/s, ${summary.wallSeconds.toFixed(1)} s)`);
    log(`gradient information (mean |dE/dW| per layer): ${history.gradInfo.map((g) => g.toExponential(2)).join(', ')}`);
    log(`weights sha256: ${summary.weightsSha256}`);
  }
  model.dispose();
}

// A reader that stops early (`gaaf train | head`) closes the pipe: end quietly, not with EPIPE.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const program = new Command('gaaf')
  .description('Train neural networks on the CPU with WebAssembly SIMD; reference implementation of GAAF.')
  .version(VERSION)
  .showHelpAfterError('(run gaaf train --help for the options)')
  .configureOutput({ outputError: (s, write) => write(s) });

program.command('train')
  .description("train one of the paper's models (default: the MLP 784-512-256-256-10) and report its test accuracy")
  .addOption(new Option('--model <name>', "mlp: section 5.1's MLP; cnn: section 5.2's SVHN CNN (4 conv + 3 dense); vgg: the reduced VGG16 for 32×32 images (CIFAR)")
    .choices(['mlp', 'cnn', 'vgg']).default('mlp'))
  .option('--hidden <widths>', "mlp: hidden layer widths, comma-separated (the paper's: 512,256,256)", parseWidths('--hidden'), [512, 256, 256])
  .addOption(new Option('--activation <fn>', 'activation function (default: tanh for mlp, relu for cnn and vgg)').choices(['tanh', 'relu', 'sigmoid']))
  .option('--bn', 'cnn, vgg: batch normalization after every hidden conv and dense layer, before its activation', false)
  .option('--filters <list>', 'cnn, vgg: conv widths, comma-separated (default cnn 32,32,64,64; vgg 64,64,128,128,256,256,256,512,512,512)', parseWidths('--filters'))
  .option('--dense <list>', 'cnn, vgg: hidden dense widths, comma-separated (default cnn 512,256; vgg 512,512)', parseWidths('--dense'))
  .option('--gaaf', 'use GAAF (gradient acceleration in activation functions)', false)
  .option('--gaaf-k <K>', 'GAAF frequency constant K', parsePositive('--gaaf-k'), 10000)
  .option('--dropout <p>', 'dropout rate after each hidden layer, in [0, 1)', parseRate, 0)
  .option('--epochs <n>', 'epochs', parseIntArg('--epochs', 1), 15)
  .option('--batch <b>', 'batch size', parseIntArg('--batch', 1, 1 << 20), 128)
  .option('--lr <lr>', 'learning rate (default: 0.05 for sgd with momentum 0.9, 0.001 for adam)', parsePositive('--lr'))
  .addOption(new Option('--optimizer <name>', 'optimizer').choices(['sgd', 'adam']).default('sgd'))
  .option('--seed <s>', 'seed for weights, shuffling and dropout', parseIntArg('--seed', 0, 0xffffffff), 1)
  .option('--data <dir>', 'directory with MNIST-layout IDX files (plain or .gz) or CIFAR-10/100 binary files; default: the bundled 10,000 digits')
  .option('--json', 'print one JSON object per epoch and a summary object', false)
  .option('--no-progress', 'no progress bar')
  .option('--checkpoint <dir>', 'save checkpoints into DIR (atomically) at each epoch end and with --checkpoint-every')
  .option('--checkpoint-every <n>', 'also save a checkpoint every N steps', parseIntArg('--checkpoint-every', 1))
  .option('--threads <n>', 'threads for the kernels (default: the hardware concurrency, or $GAAF_THREADS); results do not depend on it', parseIntArg('--threads', 1, MAX_THREADS))
  .option('--resume <dir>', "continue the run checkpointed in DIR, bit for bit (its model, optimizer, seed and batch size; --epochs is the total); keeps checkpointing there unless --checkpoint is given")
  .action(async (o: TrainOpts) => {
    await train(o);
  });

function parseVariants(v: string): CnnVariant[] {
  const keys = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = keys.filter((k) => !(CNN_VARIANTS as readonly string[]).includes(k));
  if (keys.length === 0 || bad.length > 0) {
    throw new InvalidArgumentError(`--variants takes a comma-separated list of ${CNN_VARIANTS.join(', ')}, got '${v}'${bad.length ? ` (unknown: ${bad.join(', ')})` : ''}.`);
  }
  return CNN_VARIANTS.filter((k) => keys.includes(k));
}

interface ReproduceCliOpts {
  model: CnnModelName;
  variants: CnnVariant[];
  filters?: number[];
  dense?: number[];
  data?: string;
  seeds: number;
  seedStart: number;
  maxEpochs: number;
  patience: number;
  monitor: Monitor;
  optimizer: OptimizerName;
  lr?: number;
  momentum: number;
  batch: number;
  dropout: number;
  gaafK: number;
  valFraction: number;
  saturation: number;
  models: ModelKey[];
  trainSamples?: number;
  testSamples?: number;
  out: string;
  quiet: boolean;
}

const MLP_ONLY = ['models', 'dropout', 'saturation', 'monitor'] as const;
const CNN_ONLY = ['model', 'variants', 'filters', 'dense'] as const;
const flag = (k: string): string => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

async function reproduceCnnCli(o: ReproduceCliOpts, given: (k: string) => boolean, log: (s: string) => void, command: string): Promise<void> {
  const bad = MLP_ONLY.filter(given);
  if (bad.length) throw new InvalidArgumentError(`${bad.map(flag).join(', ')} applies to 'reproduce mlp', not cnn.`);
  // flags left at their (MLP) defaults take the CNN experiment's defaults
  const pick = <K extends keyof typeof CNN_DEFAULTS>(k: K, v: (typeof CNN_DEFAULTS)[K]): (typeof CNN_DEFAULTS)[K] => (given(k) ? v : CNN_DEFAULTS[k]);
  const optimizer = pick('optimizer', o.optimizer);
  const lr = o.lr ?? (optimizer === 'adam' ? 0.001 : 0.01);
  const opts = {
    ...CNN_DEFAULTS,
    data: o.data,
    model: o.model,
    variants: o.variants,
    filters: o.filters,
    dense: o.dense,
    seeds: pick('seeds', o.seeds),
    seedStart: o.seedStart,
    maxEpochs: pick('maxEpochs', o.maxEpochs),
    patience: pick('patience', o.patience),
    optimizer,
    lr,
    momentum: o.momentum,
    batchSize: given('batch') ? o.batch : CNN_DEFAULTS.batchSize,
    gaafK: o.gaafK,
    valFraction: o.valFraction,
    trainSamples: o.trainSamples,
    testSamples: o.testSamples,
    log,
  };
  const out = given('out') ? o.out : 'gaaf-reproduction-cnn';
  log(`gaaf ${VERSION}: reproducing the paper's CNN experiment, Table 4 (${o.model}; ${opts.variants.map((v) => CNN_VARIANT_LABELS[v]).join(', ')}; ` +
    `${opts.seeds} seed(s); ${optimizer} lr ${lr}, batch ${opts.batchSize}; up to ${opts.maxEpochs} epochs, patience ${opts.patience}) into ${out}`);
  const { results, files } = await reproduceCnn(opts, { command, version: VERSION, out });
  for (const s of results.summary) {
    log(`${s.label.padEnd(16)} test accuracy ${pct(s.testAccuracy.mean)}${s.testAccuracy.sd !== null ? ` (sd ${(100 * s.testAccuracy.sd).toFixed(2)})` : ''}, ` +
      `train accuracy ${pct(s.trainAccuracy.mean)}, ${Math.round(s.samplesPerSec.mean)} samples/s`);
  }
  log(`wrote ${files.length} files to ${out} in ${(results.wallSeconds / 60).toFixed(1)} min: REPORT.md, results.json and ${results.charts.length} charts`);
}

async function reproduce(experiment: string, o: ReproduceCliOpts, cmd: Command): Promise<void> {
  const log = (s: string): void => {
    if (!o.quiet) process.stdout.write(s + '\n');
  };
  const command = `gaaf ${process.argv.slice(2).map(shellQuote).join(' ')}`;
  const given = (k: string): boolean => cmd.getOptionValueSource(k) === 'cli';
  if (experiment === 'cnn') return reproduceCnnCli(o, given, log, command);
  const bad = CNN_ONLY.filter(given);
  if (bad.length) throw new InvalidArgumentError(`${bad.map(flag).join(', ')} applies to 'reproduce cnn', not mlp.`);
  const lr = o.lr ?? (o.optimizer === 'adam' ? 0.001 : DEFAULTS.lr);
  log(`gaaf ${VERSION}: reproducing the paper's MLP experiments (${o.models.join(', ')}; ${o.seeds} seed(s); ` +
    `${o.optimizer} lr ${lr}, batch ${o.batch}; up to ${o.maxEpochs} epochs, patience ${o.patience} on ${o.monitor}) into ${o.out}`);
  const { results, files } = await reproduceMlp({
    ...DEFAULTS,
    data: o.data,
    seeds: o.seeds,
    seedStart: o.seedStart,
    maxEpochs: o.maxEpochs,
    patience: o.patience,
    monitor: o.monitor,
    optimizer: o.optimizer,
    lr,
    momentum: o.momentum,
    batchSize: o.batch,
    dropout: o.dropout,
    gaafK: o.gaafK,
    valFraction: o.valFraction,
    saturation: o.saturation,
    models: o.models,
    trainSamples: o.trainSamples,
    testSamples: o.testSamples,
    log,
  }, { command, version: VERSION, out: o.out });
  for (const s of results.summary) {
    log(`${s.label.padEnd(10)} test accuracy ${pct(s.testAccuracy.mean)}${s.testAccuracy.sd !== null ? ` (sd ${(100 * s.testAccuracy.sd).toFixed(3)})` : ''}, ` +
      `epochs to converge ${s.epochs.mean.toFixed(1)}, gradient information ${results.layers.map((l) => s.gradInfo[l].mean.toExponential(2)).join(', ')}`);
  }
  log(`wrote ${files.length} files to ${o.out} in ${(results.wallSeconds / 60).toFixed(1)} min: REPORT.md, results.json and ${results.charts.length} charts`);
}

program.command('reproduce')
  .description("reproduce the paper's experiments; writes results.json, REPORT.md and SVG charts to --out")
  .showHelpAfterError('(run gaaf reproduce --help for the options)')
  .addArgument(new Argument('<experiment>', "the paper's experiment: mlp (Tables 1-3, Figures 2 and 5) or cnn (Table 4)").choices(['mlp', 'cnn']))
  .option('--data <dir>', 'directory with MNIST-layout IDX files (plain or .gz), e.g. /usr/share/datasets/fashion-mnist, or CIFAR-10/100 binary files (cnn); default: the bundled 10,000 digits')
  .addOption(new Option('--model <name>', 'cnn: which model, the SVHN CNN (cnn) or the reduced VGG16 for 32×32 images (vgg)').choices(['cnn', 'vgg']).default('cnn'))
  .addOption(new Option('--variants <list>', `cnn: comma-separated variants to run`).argParser(parseVariants).default([...CNN_VARIANTS], CNN_VARIANTS.join(',')))
  .option('--filters <list>', 'cnn: conv widths, comma-separated (default: the model\'s, see the README)', parseWidths('--filters'))
  .option('--dense <list>', 'cnn: hidden dense widths, comma-separated', parseWidths('--dense'))
  .addOption(new Option('--seeds <n>', 'number of seeds per model (seeds --seed-start, +1, ...)').argParser(parseIntArg('--seeds', 1, 1000))
    .default(DEFAULTS.seeds, `mlp ${DEFAULTS.seeds}, cnn ${CNN_DEFAULTS.seeds}`))
  .option('--seed-start <s>', 'first seed', parseIntArg('--seed-start', 0, 0xffffffff - 1000), DEFAULTS.seedStart)
  .addOption(new Option('--max-epochs <n>', 'most epochs per run').argParser(parseIntArg('--max-epochs', 1, 100000))
    .default(DEFAULTS.maxEpochs, `mlp ${DEFAULTS.maxEpochs}, cnn ${CNN_DEFAULTS.maxEpochs}`))
  .addOption(new Option('--patience <p>', 'stop after P epochs without improvement on the validation split').argParser(parseIntArg('--patience', 1, 100000))
    .default(DEFAULTS.patience, `mlp ${DEFAULTS.patience}, cnn ${CNN_DEFAULTS.patience}`))
  .addOption(new Option('--monitor <metric>', 'validation metric for early stopping').choices(['val-accuracy', 'val-loss']).default(DEFAULTS.monitor))
  .addOption(new Option('--optimizer <name>', 'optimizer').choices(['sgd', 'adam']).default(DEFAULTS.optimizer, `mlp ${DEFAULTS.optimizer}, cnn ${CNN_DEFAULTS.optimizer}`))
  .option('--lr <lr>', `learning rate (default: ${DEFAULTS.lr} for sgd (cnn 0.01), 0.001 for adam)`, parsePositive('--lr'))
  .option('--momentum <m>', 'SGD momentum, in [0, 1)', parseUnit('--momentum'), DEFAULTS.momentum)
  .addOption(new Option('--batch <b>', 'batch size').argParser(parseIntArg('--batch', 1, 1 << 16)).default(DEFAULTS.batchSize, `mlp ${DEFAULTS.batchSize}, cnn ${CNN_DEFAULTS.batchSize}`))
  .option('--dropout <p>', 'mlp: dropout rate of the +dropout model, in (0, 1)', parseOpenUnit('--dropout'), DEFAULTS.dropout)
  .option('--gaaf-k <K>', 'GAAF frequency constant K', parsePositive('--gaaf-k'), DEFAULTS.gaafK)
  .option('--val-fraction <f>', 'share of the training set held out for validation, in (0, 1)', parseOpenUnit('--val-fraction'), DEFAULTS.valFraction)
  .option('--saturation <t>', "mlp: |z| above this is tanh's saturation area", parsePositive('--saturation'), DEFAULTS.saturation)
  .addOption(new Option('--models <list>', 'mlp: comma-separated models to run').argParser(parseModels).default([...MODEL_KEYS], MODEL_KEYS.join(',')))
  .option('--train-samples <n>', 'use only the first N training samples (quick runs)', parseIntArg('--train-samples', 2))
  .option('--test-samples <n>', 'use only the first N test samples (quick runs)', parseIntArg('--test-samples', 1))
  .addOption(new Option('--out <dir>', 'output directory').default('gaaf-reproduction-mlp', 'gaaf-reproduction-mlp or gaaf-reproduction-cnn'))
  .option('--quiet', 'no progress lines', false)
  .action(async (experiment: string, o: ReproduceCliOpts, cmd: Command) => {
    await reproduce(experiment, o, cmd);
  });

program.command('bench')
  .description('benchmark the kernels on this machine: SIMD against the scalar reference, and % of the SIMD peak')
  .argument('[suite...]', 'kernel suites to run: gemm, act, optim (default: all)')
  .option('--quick', 'short run (seconds; the full run takes minutes)', false)
  .addOption(new Option('--smoke', 'tiny sizes and a few calls, for tests').default(false).hideHelp())
  .option('--json', 'print every record and the machine info as one JSON object', false)
  .option('--no-progress', 'no progress indication')
  .action(async (suites: string[], o: BenchCliOptions) => {
    await benchCli(suites, o, `gaaf ${process.argv.slice(2).map(shellQuote).join(' ')}`);
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`gaaf: error: ${msg.replace(/^gaaf: /, '')}\n`);
  process.exitCode = 1;
});
