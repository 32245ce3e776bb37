// `gaaf reproduce mlp|cnn`: the command line of the paper's experiments (src/reproduce/):
// the flags, the defaults each experiment takes for those left out, and the summary lines.
import { Argument, type Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_LR, type OptimizerName } from '../optimizers.js';
import {
  CNN_DEFAULTS, CNN_VARIANTS, CNN_VARIANT_LABELS, type CnnModelName, type CnnReproduceOptions, type CnnVariant, DEFAULTS, MODEL_KEYS, type ModelKey, type Monitor,
  SHAPES_DEFAULTS, reproduceCnn, reproduceMlp,
} from '../reproduce/index.js';
import { MAX_THREADS, init } from '../binding.js';
import { parseLrList } from '../reproduce/lr-select.js';
import { jobCli, mergeCli, planCli } from './reproduce-jobs.js';
import { type GaafFlags, addGaafShapeFlags, gaafOptionsFromFlags } from './gaaf-flags.js';
import { type ShapesCliOpts, addShapesOptions, reproduceShapesCli } from './reproduce-shapes.js';
import { VERSION, flag, parseIntArg, parseOpenUnit, parsePath, parsePositive, parseUnit, parseWidths, pct, shellQuote } from './args.js';
import type { GaafFields } from '../gaaf.js';

function parseModels(v: string): ModelKey[] {
  const keys = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = keys.filter((k) => !(MODEL_KEYS as readonly string[]).includes(k));
  if (keys.length === 0 || bad.length > 0) {
    throw new InvalidArgumentError(`--models takes a comma-separated list of ${MODEL_KEYS.join(', ')}, got '${v}'${bad.length ? ` (unknown: ${bad.join(', ')})` : ''}.`);
  }
  if (new Set(keys).size !== keys.length) throw new InvalidArgumentError(`--models lists a model twice: '${v}'.`);
  return MODEL_KEYS.filter((k) => keys.includes(k));
}

function parseVariants(v: string): CnnVariant[] {
  const keys = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = keys.filter((k) => !(CNN_VARIANTS as readonly string[]).includes(k));
  if (keys.length === 0 || bad.length > 0) {
    throw new InvalidArgumentError(`--variants takes a comma-separated list of ${CNN_VARIANTS.join(', ')}, got '${v}'${bad.length ? ` (unknown: ${bad.join(', ')})` : ''}.`);
  }
  return CNN_VARIANTS.filter((k) => keys.includes(k));
}

export interface ReproduceCliOpts extends GaafFlags {
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
  lrGrid?: number[];
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
  plan?: string;
  planName?: string;
  job?: string;
  force: boolean;
  threads?: number;
}

const MLP_ONLY = ['models', 'dropout', 'saturation', 'monitor'] as const;
const CNN_ONLY = ['model', 'variants', 'filters', 'dense'] as const;

// every shape flag that applies to the experiment's activation (tanh for mlp, relu for cnn), checked
// against it and its shape; undefined fields take the shape's defaults
const shapeFields = (kind: 'tanh' | 'relu', o: ReproduceCliOpts): Omit<GaafFields, 'gaafK'> => {
  gaafOptionsFromFlags(kind, o.gaafK, o, `'reproduce ${kind === 'tanh' ? 'mlp' : 'cnn'}' (its +GAAF ${kind === 'tanh' ? 'model is GAAF tanh' : 'variants are GAAF ReLU'})`);
  return { gaafC: o.gaafC, gaafA: o.gaafA, gaafB: o.gaafB, gaafShape: o.gaafShape, gaafHeight: o.gaafHeight, gaafSurrogate: o.gaafSurrogate };
};

/** The CNN experiment's options from the flags: flags left at their (MLP) defaults take the CNN experiment's defaults. */
export function cnnOptions(o: ReproduceCliOpts, given: (k: string) => boolean, log: (s: string) => void): CnnReproduceOptions {
  const bad = MLP_ONLY.filter(given);
  if (bad.length) throw new InvalidArgumentError(`${bad.map(flag).join(', ')} applies to 'reproduce mlp', not cnn.`);
  const pick = <K extends keyof typeof CNN_DEFAULTS>(k: K, v: (typeof CNN_DEFAULTS)[K]): (typeof CNN_DEFAULTS)[K] => (given(k) ? v : CNN_DEFAULTS[k]);
  const optimizer = pick('optimizer', o.optimizer);
  return {
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
    lr: o.lr ?? DEFAULT_LR[optimizer],
    lrGrid: o.lrGrid,
    momentum: o.momentum,
    batchSize: given('batch') ? o.batch : CNN_DEFAULTS.batchSize,
    gaafK: o.gaafK,
    ...shapeFields('relu', o),
    valFraction: o.valFraction,
    trainSamples: o.trainSamples,
    testSamples: o.testSamples,
    log,
  };
}

async function reproduceCnnCli(o: ReproduceCliOpts, given: (k: string) => boolean, log: (s: string) => void, command: string): Promise<void> {
  const opts = cnnOptions(o, given, log);
  const { optimizer, lr } = opts;
  const out = given('out') ? o.out : 'gaaf-reproduction-cnn';
  log(`gaaf ${VERSION}: reproducing the paper's CNN experiment, Table 4 (${o.model}; ${opts.variants.map((v) => CNN_VARIANT_LABELS[v]).join(', ')}; ` +
    `${opts.seeds} seed(s); ${optimizer} lr ${o.lrGrid ? `chosen on validation from ${o.lrGrid.join(', ')}` : lr}, batch ${opts.batchSize}; up to ${opts.maxEpochs} epochs, patience ${opts.patience}) into ${out}`);
  const { results, files, chartsSkipped } = await reproduceCnn(opts, { command, version: VERSION, out });
  if (chartsSkipped) process.stderr.write(`gaaf: ${chartsSkipped}\n`);
  for (const s of results.summary) {
    log(`${s.label.padEnd(16)} test accuracy ${pct(s.testAccuracy.mean)}${s.testAccuracy.sd !== null ? ` (sd ${(100 * s.testAccuracy.sd).toFixed(2)})` : ''}, ` +
      `train accuracy ${pct(s.trainAccuracy.mean)}, ${Math.round(s.samplesPerSec.mean)} samples/s`);
  }
  log(`wrote ${files.length} files to ${out} in ${(results.wallSeconds / 60).toFixed(1)} min: REPORT.md, results.json and ${results.charts.length} charts`);
}

const SWEEP_ONLY = ['plan', 'planName', 'job', 'force'] as const;

async function reproduce(experiment: string, dirs: string[], o: ReproduceCliOpts, cmd: Command): Promise<void> {
  const log = (s: string): void => {
    if (!o.quiet) process.stdout.write(s + '\n');
  };
  const command = `gaaf ${process.argv.slice(2).map(shellQuote).join(' ')}`;
  const given = (k: string): boolean => cmd.getOptionValueSource(k) === 'cli';
  if (experiment !== 'merge' && dirs.length) throw new InvalidArgumentError(`reproduce ${experiment} takes no directories (got ${dirs.join(' ')}); only 'reproduce merge DIR...' does.`);
  if (o.plan !== undefined && o.job !== undefined) throw new InvalidArgumentError('--plan writes a job file and --job runs one of its lines: give one of them.');
  if (given('planName') && o.plan === undefined) throw new InvalidArgumentError('--plan-name names the plan of --plan; give --plan FILE.');
  if (given('force') && o.job === undefined) throw new InvalidArgumentError('--force reruns a finished job of --job; give --job FILE:LINE.');
  await init(o.threads !== undefined ? { threads: o.threads } : {});
  if (experiment !== 'cnn') {
    const sweep = SWEEP_ONLY.filter(given);
    if (sweep.length) throw new InvalidArgumentError(`${sweep.map(flag).join(', ')} applies to 'reproduce cnn' (the Table 4 sweep), not ${experiment}.`);
  }
  if (experiment === 'gaaf-shapes') return reproduceShapesCli(o as unknown as ShapesCliOpts, given, log, command);
  for (const k of ['configs', 'flatnessDraws', 'reportOnly']) if (given(k)) throw new InvalidArgumentError(`${flag(k)} applies to 'reproduce gaaf-shapes', not ${experiment}.`);
  if (experiment === 'merge') return mergeCli(dirs, o, given, log, command);
  if (experiment === 'cnn' && o.plan !== undefined) return planCli(o, given, log);
  if (experiment === 'cnn' && o.job !== undefined) return jobCli(o, given, log, command);
  if (o.lrGrid && o.lr !== undefined) throw new InvalidArgumentError('--lr and --lr-grid exclude each other: --lr-grid chooses the rate on the validation split.');
  if (experiment === 'cnn') return reproduceCnnCli(o, given, log, command);
  const bad = CNN_ONLY.filter(given);
  if (bad.length) throw new InvalidArgumentError(`${bad.map(flag).join(', ')} applies to 'reproduce cnn', not mlp.`);
  const lr = o.lr ?? (o.optimizer === DEFAULTS.optimizer ? DEFAULTS.lr : DEFAULT_LR[o.optimizer]);
  log(`gaaf ${VERSION}: reproducing the paper's MLP experiments (${o.models.join(', ')}; ${o.seeds} seed(s); ` +
    `${o.optimizer} lr ${o.lrGrid ? `chosen on validation from ${o.lrGrid.join(', ')}` : lr}, batch ${o.batch}; up to ${o.maxEpochs} epochs, patience ${o.patience} on ${o.monitor}) into ${o.out}`);
  const { results, files, chartsSkipped } = await reproduceMlp({
    ...DEFAULTS,
    data: o.data,
    seeds: o.seeds,
    seedStart: o.seedStart,
    maxEpochs: o.maxEpochs,
    patience: o.patience,
    monitor: o.monitor,
    optimizer: o.optimizer,
    lr,
    lrGrid: o.lrGrid,
    momentum: o.momentum,
    batchSize: o.batch,
    dropout: o.dropout,
    gaafK: o.gaafK,
    ...shapeFields('tanh', o),
    valFraction: o.valFraction,
    saturation: o.saturation,
    models: o.models,
    trainSamples: o.trainSamples,
    testSamples: o.testSamples,
    log,
  }, { command, version: VERSION, out: o.out });
  if (chartsSkipped) process.stderr.write(`gaaf: ${chartsSkipped}\n`);
  for (const s of results.summary) {
    log(`${s.label.padEnd(10)} test accuracy ${pct(s.testAccuracy.mean)}${s.testAccuracy.sd !== null ? ` (sd ${(100 * s.testAccuracy.sd).toFixed(3)})` : ''}, ` +
      `epochs to converge ${s.epochs.mean.toFixed(1)}, gradient information ${results.layers.map((l) => s.gradInfo[l].mean.toExponential(2)).join(', ')}`);
  }
  log(`wrote ${files.length} files to ${o.out} in ${(results.wallSeconds / 60).toFixed(1)} min: REPORT.md, results.json and ${results.charts.length} charts`);
}

/** Adds `reproduce` to the program. */
export function addReproduceCommand(program: Command): void {
  const cmd = program.command('reproduce')
    .description("reproduce the paper's experiments; writes results.json, REPORT.md and SVG charts (with the optional vega and vega-lite installed) to --out")
    .showHelpAfterError('(run gaaf reproduce --help for the options)')
    .addArgument(new Argument('<experiment>', "the paper's experiment: mlp (Tables 1-3, Figures 2 and 5), cnn (Table 4), gaaf-shapes (which part of GAAF does the work); merge: Table 4 from a sweep's job directories").choices(['mlp', 'cnn', 'gaaf-shapes', 'merge']))
    .addArgument(new Argument('[dirs...]', 'merge: the job directories (each the --out of a plan\'s jobs)'))
    .option('--data <dir>', 'directory with MNIST-layout IDX files (plain or .gz), e.g. /usr/share/datasets/fashion-mnist, or CIFAR-10/100 binary files (cnn); default: the bundled 10,000 digits', parsePath('--data'))
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
    .option('--lr <lr>', `learning rate (default: ${DEFAULTS.lr} for sgd (cnn ${DEFAULT_LR.sgd}), ${DEFAULT_LR.adam} for adam)`, parsePositive('--lr'))
    .option('--momentum <m>', 'SGD momentum, in [0, 1)', parseUnit('--momentum'), DEFAULTS.momentum)
    .addOption(new Option('--batch <b>', 'batch size').argParser(parseIntArg('--batch', 1, 1 << 16)).default(DEFAULTS.batchSize, `mlp ${DEFAULTS.batchSize}, cnn ${CNN_DEFAULTS.batchSize}`))
    .option('--dropout <p>', 'mlp: dropout rate of the +dropout model, in (0, 1)', parseOpenUnit('--dropout'), DEFAULTS.dropout)
    .option('--gaaf-k <K>', 'GAAF frequency constant K', parsePositive('--gaaf-k'), DEFAULTS.gaafK)
    .option('--val-fraction <f>', 'share of the training set held out for validation, in (0, 1)', parseOpenUnit('--val-fraction'), DEFAULTS.valFraction)
    .option('--saturation <t>', "mlp: |z| above this is tanh's saturation area", parsePositive('--saturation'), DEFAULTS.saturation)
    .addOption(new Option('--models <list>', 'mlp: comma-separated models to run').argParser(parseModels).default([...MODEL_KEYS], MODEL_KEYS.join(',')))
    .option('--train-samples <n>', 'use only the first N training samples (quick runs)', parseIntArg('--train-samples', 2))
    .option('--test-samples <n>', 'use only the first N test samples (quick runs)', parseIntArg('--test-samples', 1))
    .addOption(new Option('--out <dir>', 'output directory').argParser(parsePath('--out')).default('gaaf-reproduction-mlp', 'gaaf-reproduction-mlp or gaaf-reproduction-cnn'))
    .option('--quiet', 'no progress lines', false)
    .option('--threads <n>', 'threads for the kernels (default: GAAF_THREADS or the cores); the results record it', parseIntArg('--threads', 1, MAX_THREADS))
    .option('--plan <file>', 'cnn: write the sweep\'s job file (one training run per line) instead of running; see the README', parsePath('--plan'))
    .option('--plan-name <name>', 'cnn --plan: the name the reports give the plan (default: the data)')
    .option('--lr-grid <list>', `comma-separated learning rates to try, chosen on validation accuracy: mlp and cnn, each rate on every model with the first seed, the best mean validation accuracy used for all seeds (excludes --lr); cnn --plan, the rates each variant's check tries on the first seed (default: 0.0003,0.001,0.003 for adam; 0.003,0.01,0.03 for sgd); gaaf-shapes, the rates tried per configuration (default: ${SHAPES_DEFAULTS.lrGrid.join(',')})`, (v: string) => {
      try {
        return parseLrList(v, '--lr-grid');
      } catch (e) {
        throw new InvalidArgumentError((e as Error).message.replace(/^gaaf: /, ''));
      }
    })
    .option('--job <file:line>', 'cnn: run line LINE (from 1) of a job file written by --plan, into --out')
    .option('--force', 'cnn --job: run the job again even if --out holds its result', false);
  addGaafShapeFlags(cmd);
  addShapesOptions(cmd);
  cmd.action(async (experiment: string, dirs: string[], o: ReproduceCliOpts, cmd: Command) => {
      await reproduce(experiment, dirs, o, cmd);
    });
}
