#!/usr/bin/env node
// gaaf command line: `gaaf train ...` trains the paper's MLP (default: on the bundled digits);
// `gaaf reproduce mlp ...` reproduces the paper's MLP experiments and writes a report.
import './checkpoint/node.js'; // directory paths as checkpoint targets (Node)
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { MAX_THREADS, setThreads, threads, type ActKind } from './binding.js';
import { loadBundledDigits } from './data/bundled.js';
import type { Dataset } from './data/dataset.js';
import { loadDataDir } from './data/load.js';
import type { EpochLogs, FitOptions, History } from './fit.js';
import { paperMlp } from './models.js';
import { Sequential } from './sequential.js';
import { Activation } from './layers/activation.js';
import { Dropout } from './layers/dropout.js';
import { makeOptimizer, type OptimizerName } from './optimizers.js';
import { DEFAULTS, MODEL_KEYS, type ModelKey, type Monitor, reproduceMlp } from './reproduce/index.js';
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

function parseWidths(v: string): number[] {
  const parts = v.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p) || !Number.isSafeInteger(Number(p)) || Number(p) < 1)) {
    throw new InvalidArgumentError(`--hidden takes comma-separated positive layer widths, e.g. 512,256,256, got '${v}'.`);
  }
  return parts.map(Number);
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
  model: string;
  hidden: number[];
  activation: ActKind;
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

async function train(o: TrainOpts): Promise<void> {
  if (o.model !== 'mlp') throw new InvalidArgumentError(`unknown model '${o.model}' (available: mlp).`);
  const t0 = performance.now();
  // Results do not depend on the thread count (bit-identical weights), only the speed does.
  if (o.threads !== undefined) await setThreads(o.threads);
  // --- checkpoints (issue #7): --resume takes the model, optimizer, seed and batch size from the checkpoint
  if (o.checkpointEvery !== undefined && !o.checkpoint && !o.resume) throw new InvalidArgumentError('--checkpoint-every needs --checkpoint DIR.');
  const resumed = o.resume ? await Sequential.loadCheckpoint(o.resume) : null;
  if (resumed && !resumed.training) throw new InvalidArgumentError(`${o.resume} holds weights but no training state; it cannot be resumed.`);
  if (resumed) {
    o.seed = resumed.training!.seed;
    o.batch = resumed.training!.batchSize;
  }
  const checkpointDirArg = o.checkpoint ?? o.resume;
  const checkpoint: FitOptions['checkpoint'] = checkpointDirArg
    ? { to: checkpointDirArg, everySteps: o.checkpointEvery, onSave: (c) => { if (o.json) log(JSON.stringify({ type: 'checkpoint', ...c })); } }
    : undefined;
  // --- end checkpoints
  let train: Dataset;
  let test: Dataset;
  if (o.data) ({ train, test } = loadDataDir(o.data));
  else ({ train, test } = loadBundledDigits());
  const model = resumed?.model ?? paperMlp({
    activation: o.activation,
    gaaf: o.gaaf ? { K: o.gaafK } : false,
    dropout: o.dropout,
    hidden: o.hidden,
    inputSize: train.sampleShape.reduce((a, b) => a * b, 1),
    classes: Math.max(train.numClasses, test.numClasses),
  });
  if (!resumed) model.build(undefined, { seed: o.seed });
  else {
    // Describe the resumed model by its checkpoint, not by the flags.
    const act = model.layers.find((l): l is Activation => l instanceof Activation);
    if (act) Object.assign(o, { activation: act.kind, gaaf: !!act.gaaf, gaafK: act.gaaf?.K ?? o.gaafK });
    o.dropout = model.layers.find((l): l is Dropout => l instanceof Dropout)?.rate ?? 0;
    o.optimizer = resumed.optimizer!.name as OptimizerName;
  }
  const widths = [model.inputShape[0], ...model.denseLayers().map((l) => l.units)];
  const optimizer = resumed?.optimizer ?? makeOptimizer(o.optimizer, { lr: o.lr ?? DEFAULT_LR[o.optimizer] });
  const log = (s: string): void => {
    process.stdout.write(s + '\n');
  };
  const describe = `${o.activation}${o.gaaf ? ` + GAAF (K=${o.gaafK})` : ''}${o.dropout ? ` + dropout ${o.dropout}` : ''}`;
  if (!o.json) {
    log(`gaaf ${VERSION}: MLP ${widths.join('-')}, ${describe}, ${optimizer.name} lr ${optimizer.config().lr}, batch ${o.batch}, seed ${o.seed}, ${threads()} thread(s)`);
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
    model: 'mlp',
    layers: widths,
    activation: o.activation,
    gaaf: o.gaaf ? { K: o.gaafK } : false,
    dropout: o.dropout,
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
  .description("train the paper's MLP (784-512-256-256-10) and report its test accuracy")
  .addOption(new Option('--model <name>', 'model').choices(['mlp']).default('mlp'))
  .option('--hidden <widths>', "hidden layer widths, comma-separated (the paper's: 512,256,256)", parseWidths, [512, 256, 256])
  .addOption(new Option('--activation <fn>', 'activation function').choices(['tanh', 'relu', 'sigmoid']).default('tanh'))
  .option('--gaaf', 'use GAAF (gradient acceleration in activation functions)', false)
  .option('--gaaf-k <K>', 'GAAF frequency constant K', parsePositive('--gaaf-k'), 10000)
  .option('--dropout <p>', 'dropout rate after each hidden layer, in [0, 1)', parseRate, 0)
  .option('--epochs <n>', 'epochs', parseIntArg('--epochs', 1), 15)
  .option('--batch <b>', 'batch size', parseIntArg('--batch', 1, 1 << 20), 128)
  .option('--lr <lr>', 'learning rate (default: 0.05 for sgd with momentum 0.9, 0.001 for adam)', parsePositive('--lr'))
  .addOption(new Option('--optimizer <name>', 'optimizer').choices(['sgd', 'adam']).default('sgd'))
  .option('--seed <s>', 'seed for weights, shuffling and dropout', parseIntArg('--seed', 0, 0xffffffff), 1)
  .option('--data <dir>', 'directory with MNIST-layout IDX files (plain or .gz); default: the bundled 10,000 digits')
  .option('--json', 'print one JSON object per epoch and a summary object', false)
  .option('--no-progress', 'no progress bar')
  .option('--checkpoint <dir>', 'save checkpoints into DIR (atomically) at each epoch end and with --checkpoint-every')
  .option('--checkpoint-every <n>', 'also save a checkpoint every N steps', parseIntArg('--checkpoint-every', 1))
  .option('--threads <n>', 'threads for the kernels (default: the hardware concurrency, or $GAAF_THREADS); results do not depend on it', parseIntArg('--threads', 1, MAX_THREADS))
  .option('--resume <dir>', "continue the run checkpointed in DIR, bit for bit (its model, optimizer, seed and batch size; --epochs is the total); keeps checkpointing there unless --checkpoint is given")
  .action(async (o: TrainOpts) => {
    await train(o);
  });

interface ReproduceCliOpts {
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

async function reproduce(experiment: string, o: ReproduceCliOpts): Promise<void> {
  if (experiment !== 'mlp') throw new InvalidArgumentError(`unknown experiment '${experiment}' (available: mlp).`);
  const log = (s: string): void => {
    if (!o.quiet) process.stdout.write(s + '\n');
  };
  const command = `gaaf ${process.argv.slice(2).map(shellQuote).join(' ')}`;
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
  .addArgument(new Argument('<experiment>', "the paper's experiment: mlp (Tables 1-3, Figures 2 and 5)").choices(['mlp']))
  .option('--data <dir>', 'directory with MNIST-layout IDX files (plain or .gz), e.g. /usr/share/datasets/fashion-mnist; default: the bundled 10,000 digits')
  .option('--seeds <n>', 'number of seeds per model (seeds --seed-start, +1, ...)', parseIntArg('--seeds', 1, 1000), DEFAULTS.seeds)
  .option('--seed-start <s>', 'first seed', parseIntArg('--seed-start', 0, 0xffffffff - 1000), DEFAULTS.seedStart)
  .option('--max-epochs <n>', 'most epochs per run', parseIntArg('--max-epochs', 1, 100000), DEFAULTS.maxEpochs)
  .option('--patience <p>', 'stop after P epochs without improvement on the validation split', parseIntArg('--patience', 1, 100000), DEFAULTS.patience)
  .addOption(new Option('--monitor <metric>', 'validation metric for early stopping').choices(['val-accuracy', 'val-loss']).default(DEFAULTS.monitor))
  .addOption(new Option('--optimizer <name>', 'optimizer').choices(['sgd', 'adam']).default(DEFAULTS.optimizer))
  .option('--lr <lr>', `learning rate (default: ${DEFAULTS.lr} for sgd, 0.001 for adam)`, parsePositive('--lr'))
  .option('--momentum <m>', 'SGD momentum, in [0, 1)', parseUnit('--momentum'), DEFAULTS.momentum)
  .option('--batch <b>', 'batch size', parseIntArg('--batch', 1, 1 << 16), DEFAULTS.batchSize)
  .option('--dropout <p>', 'dropout rate of the +dropout model, in (0, 1)', parseOpenUnit('--dropout'), DEFAULTS.dropout)
  .option('--gaaf-k <K>', 'GAAF frequency constant K', parsePositive('--gaaf-k'), DEFAULTS.gaafK)
  .option('--val-fraction <f>', 'share of the training set held out for validation, in (0, 1)', parseOpenUnit('--val-fraction'), DEFAULTS.valFraction)
  .option('--saturation <t>', "|z| above this is tanh's saturation area", parsePositive('--saturation'), DEFAULTS.saturation)
  .addOption(new Option('--models <list>', 'comma-separated models to run').argParser(parseModels).default([...MODEL_KEYS], MODEL_KEYS.join(',')))
  .option('--train-samples <n>', 'use only the first N training samples (quick runs)', parseIntArg('--train-samples', 2))
  .option('--test-samples <n>', 'use only the first N test samples (quick runs)', parseIntArg('--test-samples', 1))
  .option('--out <dir>', 'output directory', 'gaaf-reproduction-mlp')
  .option('--quiet', 'no progress lines', false)
  .action(async (experiment: string, o: ReproduceCliOpts) => {
    await reproduce(experiment, o);
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
