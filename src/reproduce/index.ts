// `gaaf reproduce mlp`, `gaaf reproduce cnn` and `gaaf reproduce gaaf-shapes`: run the paper's MLP
// (Tables 1-3) or CNN (Table 4) experiments, or the GAAF shape questions, and write
// results.json, REPORT.md and the charts (SVG) to one directory.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { init } from '../binding.js';
import { buildCharts } from './charts.js';
import { type CnnReproduceOptions, type CnnReproduceResults, buildVariant, loadCnnSplits, runCnnExperiment } from './cnn.js';
import { buildCnnCharts, renderCnnReport } from './cnn-report.js';
import { type ReproduceOptions, type ReproduceResults, loadSplits, runExperiment } from './experiment.js';
import { type ShapesOptions, type ShapesResults, runShapes, selectConfigs } from './gaaf-shapes.js';
import { findingsOf } from './gaaf-shapes-findings.js';
import { buildShapesCharts, renderShapesReport } from './gaaf-shapes-report.js';
import {
  LAYER_MAPPING, PAPER_GAAF_GRAD, PAPER_SOURCE, PAPER_TABLE1, PAPER_TABLE2, PAPER_TABLE3, PAPER_TABLE4, PAPER_TABLE4_SOURCE, PAPER_TABLE4_TRAIN,
} from './paper.js';
import { writeRunFiles, writeText } from './run-files.js';
import { renderReport } from './report.js';

export { DEFAULTS, MODEL_KEYS, MODEL_LABELS, type ModelKey, type Monitor, type ReproduceOptions, type ReproduceResults, type RunResult, type ModelSummary } from './experiment.js';
export {
  CNN_DEFAULTS, CNN_VARIANTS, CNN_VARIANT_LABELS, type CnnVariant, type CnnModelName, type CnnReproduceOptions, type CnnReproduceResults,
  type CnnRunResult, type CnnVariantSummary,
} from './cnn.js';
export { CONFIGS, CONFIG_KEYS, SHAPES_DEFAULTS, type ShapeConfig, type ShapeRun, type ShapesOptions, type ShapesResults } from './gaaf-shapes.js';
export { DEFAULT_HISTOGRAM, type HistogramSpec, type LayerHistogram, netHistograms, netVariance } from './measure.js';

export interface ReproduceOutput {
  results: ReproduceResults;
  dir: string;
  files: string[];
  /** Set when the SVG charts were not written: why, and how to get them (vega is an optional peer dependency). */
  chartsSkipped?: string;
}

/** Runs the experiment and writes results.json, REPORT.md and the SVG charts into `out`. */
export async function reproduceMlp(o: ReproduceOptions, meta: { command: string; version: string; out: string }): Promise<ReproduceOutput> {
  await init(); // loads the Wasm module if the caller has not
  const t0 = performance.now();
  const splits = loadSplits(o); // a data error stops the command before anything is written
  mkdirSync(meta.out, { recursive: true });
  const results = await runExperiment(o, meta, splits);
  results.paper = {
    source: PAPER_SOURCE,
    table1GradInfo: PAPER_TABLE1,
    gaafGradInfo: PAPER_GAAF_GRAD,
    table2NetVariance: PAPER_TABLE2,
    table3: PAPER_TABLE3,
  };
  results.layerMapping = { ...LAYER_MAPPING };
  const { files, chartsSkipped } = await writeRunFiles(results, meta.out, buildCharts(results), (charts) => renderReport(results, charts), t0);
  return { results, dir: meta.out, files, chartsSkipped };
}

export interface CnnReproduceOutput {
  results: CnnReproduceResults;
  dir: string;
  files: string[];
  /** As ReproduceOutput's. */
  chartsSkipped?: string;
}

/** Runs the CNN experiment (Table 4) and writes results.json, REPORT.md and the SVG charts into `out`. */
export async function reproduceCnn(o: CnnReproduceOptions, meta: { command: string; version: string; out: string }): Promise<CnnReproduceOutput> {
  await init(); // loads the Wasm module if the caller has not
  const t0 = performance.now();
  // a data or shape error (e.g. vgg on 28×28 images) stops the command before anything is written
  const splits = loadCnnSplits(o);
  buildVariant(o, 'base', [...splits.train.sampleShape], splits.train.numClasses);
  mkdirSync(meta.out, { recursive: true });
  const results = await runCnnExperiment(o, meta, splits);
  results.paper = { source: PAPER_TABLE4_SOURCE, table4: PAPER_TABLE4, trainAccuracy: PAPER_TABLE4_TRAIN };
  const { files, chartsSkipped } = await writeRunFiles(results, meta.out, buildCnnCharts(results), (charts) => renderCnnReport(results, charts), t0);
  return { results, dir: meta.out, files, chartsSkipped };
}

export { DEFAULT_LR_GRID, type JobSpec, planJobs, planText, readPlan, stageLines } from './jobs.js';
export { type JobResult, readDir, runJob } from './cnn-job.js';
export { buildVariant, loadCnnSplits } from './cnn.js';
export { type MergedDataset, type Table4Merge, mergeTable4 } from './table4-merge.js';

export interface ShapesOutput {
  results: ShapesResults;
  dir: string;
  files: string[];
  /** As ReproduceOutput's. */
  chartsSkipped?: string;
}

/** Runs the gaaf-shapes experiment and writes results.json (with its findings), REPORT.md and the SVG charts into `out`. */
export async function reproduceGaafShapes(o: ShapesOptions, meta: { command: string; version: string; out: string }): Promise<ShapesOutput> {
  await init();
  const t0 = performance.now();
  selectConfigs(o.configs); // an unknown configuration stops the command before anything is run or written
  const splits = loadSplits(o);
  mkdirSync(meta.out, { recursive: true });
  const results = await runShapes(o, meta, splits);
  return writeShapes(results, meta.out, t0);
}

/**
 * Rewrites the findings, the charts and REPORT.md of `out`/results.json from its runs (no
 * training): the report is a function of the results. The command and times stay the run's.
 */
export async function rerenderGaafShapes(out: string): Promise<ShapesOutput> {
  const file = join(out, 'results.json');
  let results: ShapesResults;
  try {
    results = JSON.parse(readFileSync(file, 'utf8')) as ShapesResults;
  } catch (e) {
    throw new RangeError(`gaaf: reproduce gaaf-shapes --report-only: cannot read ${file}: ${(e as Error).message}`);
  }
  if (results.schema !== 'gaaf-reproduce-gaaf-shapes/1') throw new RangeError(`gaaf: reproduce gaaf-shapes --report-only: ${file} has schema '${String(results.schema)}', expected gaaf-reproduce-gaaf-shapes/1`);
  return writeShapes(results, out, null);
}

async function writeShapes(results: ShapesResults, out: string, t0: number | null): Promise<ShapesOutput> {
  const findings = findingsOf(results);
  results.findings = findings;
  const { files, chartsSkipped } = await writeRunFiles(results, out, buildShapesCharts(results), (charts) => renderShapesReport(results, findings, charts), t0);
  return { results, dir: out, files, chartsSkipped };
}

/**
 * Rewrites a finished run's REPORT.md from its results.json with this build's report code
 * (the words; every number is the run's). Returns the report's path.
 */
export function rerenderReport(dir: string): string {
  const file = join(dir, 'results.json');
  const r = JSON.parse(readFileSync(file, 'utf8')) as ReproduceResults | CnnReproduceResults;
  const report = join(dir, 'REPORT.md');
  if (r.schema === 'gaaf-reproduce-mlp/1') {
    r.lrChoice ??= null;
    writeText(report, renderReport(r, buildCharts(r).filter((c) => r.charts.includes(c.file))));
  } else if (r.schema === 'gaaf-reproduce-cnn/1') {
    writeText(report, renderCnnReport(r, buildCnnCharts(r).filter((c) => r.charts.includes(c.file))));
  } else {
    throw new RangeError(`gaaf: ${file}: schema '${(r as { schema?: unknown }).schema}' is neither gaaf-reproduce-mlp/1 nor gaaf-reproduce-cnn/1`);
  }
  return report;
}
