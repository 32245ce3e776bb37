// `gaaf reproduce gaaf-shapes`: the flags of the GAAF shape experiment (src/reproduce/gaaf-shapes.ts),
// the defaults it takes for the shared flags left out, and its summary lines.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { CONFIG_KEYS, SHAPES_DEFAULTS, rerenderGaafShapes, reproduceGaafShapes } from '../reproduce/index.js';
import { parseLrList } from '../reproduce/lr-select.js';
import { VERSION, flag, parseIntArg, pct } from './args.js';

function parseConfigs(v: string): string[] {
  const keys = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = keys.filter((k) => !CONFIG_KEYS.includes(k));
  if (keys.length === 0 || bad.length > 0) {
    throw new InvalidArgumentError(`--configs takes a comma-separated list of ${CONFIG_KEYS.join(', ')}, got '${v}'${bad.length ? ` (unknown: ${bad.join(', ')})` : ''}.`);
  }
  if (new Set(keys).size !== keys.length) throw new InvalidArgumentError(`--configs lists a configuration twice: '${v}'.`);
  return keys;
}

/** Adds the gaaf-shapes flags to `reproduce` (--lr-grid only where no other experiment has added it). */
export function addShapesOptions(cmd: Command): void {
  cmd.addOption(new Option('--configs <list>', 'gaaf-shapes: comma-separated configurations to run (default: all of them; see docs/reproduction/gaaf-shapes/REPORT.md)').argParser(parseConfigs));
  cmd.option('--report-only', 'gaaf-shapes: rewrite the findings, charts and REPORT.md of --out\'s results.json from its runs, without training');
  cmd.option('--flatness-draws <n>', 'gaaf-shapes: perturbation draws per ε for the flatness measurement', parseIntArg('--flatness-draws', 1, 1000), SHAPES_DEFAULTS.flatness.draws);
  if (!cmd.options.some((o) => o.long === '--lr-grid')) {
    cmd.option('--lr-grid <list>', `learning rates tried per configuration, chosen on validation accuracy (gaaf-shapes default ${SHAPES_DEFAULTS.lrGrid.join(',')})`, (v: string) => parseLrList(v, '--lr-grid'));
  }
}

/** The flags of the other experiments that mean nothing here: each is an error naming it. */
const NOT_HERE = ['model', 'variants', 'filters', 'dense', 'models', 'dropout', 'saturation', 'gaafK', 'gaafC', 'gaafA', 'gaafB', 'gaafShape', 'gaafHeight', 'gaafSurrogate'] as const;

export interface ShapesCliOpts {
  data?: string;
  seeds: number;
  seedStart: number;
  maxEpochs: number;
  patience: number;
  monitor: 'val-accuracy' | 'val-loss';
  optimizer: 'sgd' | 'adam';
  lr?: number;
  lrGrid?: number[];
  momentum: number;
  batch: number;
  valFraction: number;
  trainSamples?: number;
  testSamples?: number;
  configs?: string[];
  flatnessDraws: number;
  reportOnly?: boolean;
  out: string;
}

/** The flags that shape a run: with --report-only each is an error (the run is already in results.json). */
const RUN_FLAGS = ['data', 'seeds', 'seedStart', 'maxEpochs', 'patience', 'monitor', 'optimizer', 'momentum', 'batch', 'valFraction',
  'trainSamples', 'testSamples', 'configs', 'flatnessDraws', 'lrGrid'] as const;

export async function reproduceShapesCli(o: ShapesCliOpts, given: (k: string) => boolean, log: (s: string) => void, command: string): Promise<void> {
  const bad = NOT_HERE.filter(given);
  if (bad.length) throw new InvalidArgumentError(`${bad.map(flag).join(', ')} does not apply to 'reproduce gaaf-shapes': its configurations set their own models and GAAF shapes (choose them with --configs).`);
  if (given('lr')) throw new InvalidArgumentError("--lr does not apply to 'reproduce gaaf-shapes': each configuration's learning rate is chosen on validation accuracy from --lr-grid.");
  if (o.reportOnly) {
    const run = RUN_FLAGS.filter(given);
    if (run.length) throw new InvalidArgumentError(`${run.map(flag).join(', ')} does not apply with --report-only: it rewrites the report of the run in --out's results.json.`);
    const out = given('out') ? o.out : 'gaaf-reproduction-gaaf-shapes';
    const { files, results, chartsSkipped } = await rerenderGaafShapes(out);
    if (chartsSkipped) process.stderr.write(`gaaf: ${chartsSkipped}\n`);
    log(`rewrote ${files.length} files in ${out} from its ${results.runs.length} runs: REPORT.md, results.json and ${results.charts.length} charts`);
    return;
  }
  const pick = <K extends 'seeds' | 'maxEpochs' | 'patience'>(k: K, v: number): number => (given(k) ? v : SHAPES_DEFAULTS[k]);
  const opts = {
    ...SHAPES_DEFAULTS,
    data: o.data,
    seeds: pick('seeds', o.seeds),
    seedStart: o.seedStart,
    maxEpochs: pick('maxEpochs', o.maxEpochs),
    patience: pick('patience', o.patience),
    monitor: o.monitor,
    optimizer: o.optimizer,
    momentum: o.momentum,
    batchSize: o.batch,
    lrGrid: o.lrGrid ?? SHAPES_DEFAULTS.lrGrid,
    valFraction: o.valFraction,
    trainSamples: o.trainSamples,
    testSamples: o.testSamples,
    configs: o.configs ?? SHAPES_DEFAULTS.configs,
    flatness: { ...SHAPES_DEFAULTS.flatness, draws: o.flatnessDraws },
    log,
  };
  const out = given('out') ? o.out : 'gaaf-reproduction-gaaf-shapes';
  log(`gaaf ${VERSION}: the GAAF shape experiment (${opts.configs.length} configuration(s); ${opts.seeds} seed(s); ${opts.optimizer}, lr from ${opts.lrGrid.join(', ')} on validation; ` +
    `batch ${opts.batchSize}; up to ${opts.maxEpochs} epochs, patience ${opts.patience}) into ${out}`);
  const { results, files, chartsSkipped } = await reproduceGaafShapes(opts, { command, version: VERSION, out });
  if (chartsSkipped) process.stderr.write(`gaaf: ${chartsSkipped}\n`);
  const f = results.findings as { summaries: Array<{ label: string; lr: number; testAccuracy: { mean: number } }>; K: { sentence: string } | null };
  for (const s of f.summaries) log(`${s.label.padEnd(44)} lr ${String(s.lr).padEnd(6)} test accuracy ${pct(s.testAccuracy.mean)}`);
  if (f.K) log(f.K.sentence);
  log(`wrote ${files.length} files to ${out} in ${(results.wallSeconds / 60).toFixed(1)} min: REPORT.md, results.json and ${results.charts.length} charts`);
}
