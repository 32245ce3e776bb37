#!/usr/bin/env node
// gaaf command line: `gaaf train ...` trains the paper's MLP (default: on the bundled digits).
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import type { ActKind } from './binding.js';
import { loadBundledDigits } from './data/bundled.js';
import type { Dataset } from './data/dataset.js';
import { loadDataDir } from './data/load.js';
import type { EpochLogs, History } from './fit.js';
import { paperMlp } from './models.js';
import { makeOptimizer, type OptimizerName } from './optimizers.js';

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

interface TrainOpts {
  model: string;
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
  let train: Dataset;
  let test: Dataset;
  if (o.data) ({ train, test } = loadDataDir(o.data));
  else ({ train, test } = loadBundledDigits());
  const model = paperMlp({
    activation: o.activation,
    gaaf: o.gaaf ? { K: o.gaafK } : false,
    dropout: o.dropout,
    inputSize: train.sampleShape.reduce((a, b) => a * b, 1),
    classes: Math.max(train.numClasses, test.numClasses),
  });
  model.build(undefined, { seed: o.seed });
  const optimizer = makeOptimizer(o.optimizer, { lr: o.lr ?? DEFAULT_LR[o.optimizer] });
  const log = (s: string): void => {
    process.stdout.write(s + '\n');
  };
  const describe = `${o.activation}${o.gaaf ? ` + GAAF (K=${o.gaafK})` : ''}${o.dropout ? ` + dropout ${o.dropout}` : ''}`;
  if (!o.json) {
    log(`gaaf ${VERSION}: MLP 784-512-256-256-${model.numClasses}, ${describe}, ${optimizer.name} lr ${optimizer.config().lr}, batch ${o.batch}, seed ${o.seed}`);
    log(`data: ${train.count} training samples from ${train.name}, ${test.count} test samples from ${test.name}`);
  }
  const bar = o.progress && !o.json && process.stdout.isTTY
    ? new cliProgress.SingleBar({ format: ' {bar} {percentage}% | batch {value}/{total} | loss {loss}', clearOnComplete: true, hideCursor: true },
      cliProgress.Presets.shades_classic)
    : null;
  const history: History = await model.fit(train, {
    epochs: o.epochs,
    batchSize: o.batch,
    optimizer,
    seed: o.seed,
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
    layers: [784, 512, 256, 256, model.numClasses],
    activation: o.activation,
    gaaf: o.gaaf ? { K: o.gaafK } : false,
    dropout: o.dropout,
    optimizer: optimizer.config(),
    batchSize: o.batch,
    seed: o.seed,
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

const program = new Command('gaaf')
  .description('Train neural networks on the CPU with WebAssembly SIMD; reference implementation of GAAF.')
  .version(VERSION)
  .showHelpAfterError('(run gaaf train --help for the options)')
  .configureOutput({ outputError: (s, write) => write(s) });

program.command('train')
  .description("train the paper's MLP (784-512-256-256-10) and report its test accuracy")
  .addOption(new Option('--model <name>', 'model').choices(['mlp']).default('mlp'))
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
  .action(async (o: TrainOpts) => {
    await train(o);
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`gaaf: error: ${msg.replace(/^gaaf: /, '')}\n`);
  process.exitCode = 1;
});
