#!/usr/bin/env node
// gaaf command line: `gaaf train ...` trains the paper's MLP or CNNs (default: the MLP on the
// bundled digits; ./cli/train.ts); `gaaf reproduce mlp|cnn ...` reproduces the paper's MLP
// (Tables 1-3) or CNN (Table 4) experiments and writes a report (./cli/reproduce.ts); `gaaf
// bench` times the kernels (./bench/). This file holds the program and the train flags.
import './checkpoint/node.js'; // directory paths as checkpoint targets (Node)
import { Command, Option } from 'commander';
import { MAX_THREADS } from './binding.js';
import { type BenchCliOptions, benchCli } from './bench/command.js';
import { KERNEL_SUITES } from './bench/index.js';
import { VERSION, parseIntArg, parsePath, parsePositive, parseRate, parseWidths, shellQuote } from './cli/args.js';
import { addExportCommand } from './cli/export.js';
import { addGaafShapeFlags } from './cli/gaaf-flags.js';
import { addReproduceCommand } from './cli/reproduce.js';
import { type TrainOpts, train } from './cli/train.js';
import { DEFAULT_LR } from './optimizers.js';
import { PAPER_MLP_RECIPE } from './paper-models.js';

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

const trainCmd = program.command('train')
  .description("train one of the paper's models (default: the MLP 784-512-256-256-10) and report its test accuracy")
  .addOption(new Option('--model <name>', "mlp: section 5.1's MLP; cnn: section 5.2's SVHN CNN (4 conv + 3 dense); vgg: the reduced VGG16 for 32×32 images (CIFAR); resnet: a small residual CNN (BatchNorm, Add, global average pooling)")
    .choices(['mlp', 'cnn', 'vgg', 'resnet']).default('mlp'))
  .option('--hidden <widths>', "mlp: hidden layer widths, comma-separated (the paper's: 512,256,256)", parseWidths('--hidden'), [512, 256, 256])
  .addOption(new Option('--activation <fn>', 'activation function (default: tanh for mlp, relu for cnn and vgg)').choices(['tanh', 'relu', 'sigmoid']))
  .option('--bn', 'cnn, vgg: batch normalization after every hidden conv and dense layer, before its activation', false)
  .option('--filters <list>', 'cnn, vgg: conv widths, comma-separated (default cnn 32,32,64,64; vgg 64,64,128,128,256,256,256,512,512,512)', parseWidths('--filters'))
  .option('--dense <list>', 'cnn, vgg: hidden dense widths, comma-separated (default cnn 512,256; vgg 512,512)', parseWidths('--dense'))
  .option('--gaaf', 'use GAAF (gradient acceleration in activation functions)', false)
  .option('--gaaf-k <K>', 'GAAF frequency constant K', parsePositive('--gaaf-k'), 10000);
addGaafShapeFlags(trainCmd)
  .option('--dropout <p>', 'dropout rate after each hidden layer, in [0, 1)', parseRate, 0)
  .option('--epochs <n>', `epochs, the total (default: ${PAPER_MLP_RECIPE.epochs}; with --resume, the run's recorded total)`, parseIntArg('--epochs', 1))
  .option('--batch <b>', 'batch size', parseIntArg('--batch', 1, 1 << 20), PAPER_MLP_RECIPE.batchSize)
  .option('--lr <lr>', `learning rate (default: the paper MLP's recipe, ${PAPER_MLP_RECIPE.lr} for sgd with momentum ${PAPER_MLP_RECIPE.momentum}; ${DEFAULT_LR.adam} for adam)`, parsePositive('--lr'))
  .addOption(new Option('--optimizer <name>', 'optimizer').choices(['sgd', 'adam']).default(PAPER_MLP_RECIPE.optimizer))
  .option('--seed <s>', 'seed for weights, shuffling and dropout', parseIntArg('--seed', 0, 0xffffffff), 1)
  .option('--data <dir>', 'directory with MNIST-layout IDX files (plain or .gz) or CIFAR-10/100 binary files; default: the bundled 10,000 digits', parsePath('--data'))
  .option('--json', 'print one JSON object per epoch and a summary object', false)
  .option('--no-progress', 'no progress bar')
  .option('--checkpoint <dir>', 'save checkpoints into DIR (atomically) at each epoch end and with --checkpoint-every', parsePath('--checkpoint'))
  .option('--checkpoint-every <n>', 'also save a checkpoint every N steps', parseIntArg('--checkpoint-every', 1))
  .option('--threads <n>', 'threads for the kernels (default: the hardware concurrency, or $GAAF_THREADS); results do not depend on it', parseIntArg('--threads', 1, MAX_THREADS))
  .option('--resume <dir>', "continue the run checkpointed in DIR, bit for bit (its model, optimizer, seed and batch size; --epochs is the total, by default the run's); keeps checkpointing there unless --checkpoint is given", parsePath('--resume'))
  .action(async (o: TrainOpts) => {
    await train(o);
  });

addReproduceCommand(program);
addExportCommand(program);


program.command('bench')
  .description('benchmark the kernels on this machine: SIMD against the scalar reference, and % of the SIMD peak')
  .argument('[suite...]', `kernel suites to run: ${Object.keys(KERNEL_SUITES).join(', ')} (default: all)`)
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
