// `gaaf reproduce mlp`: a smoke run through the built CLI (1 seed, 3 epochs, a subset of
// the bundled digits) that checks the report, results.json, the histograms and the paper's
// gradient-information claim; and the CLI's errors for bad flags.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { REPORT_SECTIONS } from '../src/reproduce/report.js';
import type { ReproduceResults, RunResult } from '../src/reproduce/experiment.js';
import { init } from '../src/index.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

const SMOKE = ['--seeds', '1', '--max-epochs', '3', '--train-samples', '2000', '--test-samples', '500', '--quiet'];
const WIDTHS: Record<string, number> = { dense_1: 512, dense_2: 256, dense_3: 256 };

let dir = '';
let results: ReproduceResults;
let report = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'gaaf-reproduce-'));
  const r = run('reproduce', 'mlp', ...SMOKE, '--out', dir);
  assert.equal(r.status, 0, `reproduce failed:\n${r.stderr}`);
  results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  report = readFileSync(join(dir, 'REPORT.md'), 'utf8');
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const runOf = (model: string): RunResult => {
  const r = results.runs.find((x) => x.model === model);
  assert.ok(r, `no ${model} run in results.json`);
  return r;
};

test('REPORT.md has every section, the exact command, and links charts that exist', () => {
  const headings = report.split('\n').filter((l) => l.startsWith('## ')).map((l) => l.slice(3));
  assert.deepEqual(headings, [...REPORT_SECTIONS]);
  assert.match(report, /^# Reproducing the GAAF paper's MLP experiments/);
  assert.ok(report.includes(`\`gaaf reproduce mlp ${SMOKE.join(' ')} --out ${dir}\``), 'the report does not state the exact command');
  for (const table of ['| Model | Activation | Test accuracy (%) | Paper |', '| Layer | Base | Paper base | +Dropout | Paper dropout | +GAAF | Paper GAAF (§5.1) |', '| Layer | Net variance | Paper |']) {
    assert.ok(report.includes(table), `missing table: ${table}`);
  }
  for (const paper of ['98.23', '98.40', '98.35', '9.35e-5', '5.83e-4', '1.15e-3', '6.43e-4', '1.78e-4', '1.97']) {
    assert.ok(report.includes(paper), `the paper's ${paper} is not beside ours`);
  }
  for (const what of ['wall time', 'CPU', 'Node', 'Convergence rule', 'learning rate', 'batch size', 'seeds']) {
    assert.ok(report.includes(what), `the report does not give the ${what}`);
  }
  const images = [...report.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
  assert.deepEqual([...images].sort(), [...results.charts].sort());
  for (const f of ['fig2-net-histograms-dropout.svg', 'fig5-net-histograms-gaaf.svg', 'training-curves.svg', 'gradient-information.svg', 'net-variance.svg', 'saturation.svg']) {
    assert.ok(images.includes(f), `REPORT.md does not show ${f}`);
  }
  for (const f of images) {
    const svg = readFileSync(join(dir, f), 'utf8');
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/, `${f} is not an SVG`);
    assert.ok(svg.includes('<path'), `${f} draws nothing`);
  }
});

test('results.json holds every field', () => {
  for (const k of ['schema', 'gaafVersion', 'command', 'startedAt', 'finishedAt', 'wallSeconds', 'machine', 'data', 'protocol', 'layers', 'hiddenLayers', 'runs', 'summary', 'paper', 'layerMapping', 'charts']) {
    assert.ok(k in results, `results.json lacks ${k}`);
  }
  assert.equal(results.schema, 'gaaf-reproduce-mlp/1');
  assert.ok(results.wallSeconds > 0);
  for (const k of ['cpu', 'cores', 'node', 'platform', 'arch', 'memoryGiB', 'kernels']) assert.ok(k in results.machine, `machine lacks ${k}`);
  assert.equal(results.machine.node, process.version);
  assert.deepEqual(
    { train: results.data.trainCount, val: results.data.valCount, test: results.data.testCount },
    { train: 1800, val: 200, test: 500 },
  );
  const p = results.protocol;
  for (const k of ['architecture', 'optimizer', 'batchSize', 'maxEpochs', 'patience', 'monitor', 'convergenceRule', 'seeds', 'dropout', 'gaaf', 'saturationThreshold', 'histogram', 'netVariance', 'gradInfo']) {
    assert.ok(k in p, `protocol lacks ${k}`);
  }
  assert.deepEqual(p.seeds, [1]);
  assert.deepEqual(p.architecture, [784, 512, 256, 256, 10]);
  assert.deepEqual(results.layers, ['dense_1', 'dense_2', 'dense_3', 'dense_4']);
  assert.deepEqual(results.hiddenLayers, ['dense_1', 'dense_2', 'dense_3']);
  assert.equal(results.runs.length, 3);
  for (const r of results.runs) {
    for (const k of ['model', 'seed', 'epochsRun', 'bestEpoch', 'stoppedEarly', 'testAccuracy', 'testLoss', 'gradInfo', 'gradInfoToBest', 'netVariance', 'histograms', 'trainSeconds', 'weightsSha256', 'curve']) {
      assert.ok(k in r, `${r.model} run lacks ${k}`);
    }
    assert.equal(r.epochsRun, 3);
    assert.ok(r.bestEpoch >= 1 && r.bestEpoch <= 3);
    assert.ok(r.testAccuracy > 0.7 && r.testAccuracy <= 1, `${r.model} test accuracy ${r.testAccuracy}`);
    assert.equal(r.curve.length, 3);
    for (const c of r.curve) {
      for (const k of ['epoch', 'loss', 'accuracy', 'valLoss', 'valAccuracy', 'testLoss', 'testAccuracy', 'gradInfo']) assert.ok(k in c, `curve lacks ${k}`);
    }
    assert.deepEqual(Object.keys(r.gradInfo), results.layers);
    assert.match(r.weightsSha256, /^[0-9a-f]{64}$/);
  }
  assert.deepEqual(results.summary.map((s) => s.model), ['base', 'dropout', 'gaaf']);
  for (const s of results.summary) {
    for (const k of ['testAccuracy', 'epochs', 'gradInfo', 'saturation', 'netVariance', 'histograms']) assert.ok(k in s, `${s.model} summary lacks ${k}`);
    assert.equal(s.testAccuracy.n, 1);
  }
  for (const k of ['table1GradInfo', 'gaafGradInfo', 'table2NetVariance', 'table3']) assert.ok(k in results.paper, `paper lacks ${k}`);
  assert.equal(results.layerMapping.dense_1, 'Layer1');
});

test('the histograms count every net: test samples × layer width, per layer and model', () => {
  for (const r of results.runs) {
    for (const [layer, width] of Object.entries(WIDTHS)) {
      const h = r.histograms[layer];
      assert.equal(h.counts.length, results.protocol.histogram.bins);
      const sum = h.counts.reduce((a, b) => a + b, 0) + h.underflow + h.overflow;
      assert.equal(h.total, 500 * width, `${r.model} ${layer} total`);
      assert.equal(sum, 500 * width, `${r.model} ${layer}: the counts add up to ${sum}`);
      assert.ok(h.saturationFraction >= 0 && h.saturationFraction <= 1);
    }
  }
});

// The paper's Table 1 and section 5.1 claim, on the smoke data with a fixed seed (seed 1, the
// default learning rate). Over seeds 1-10 of this smoke run the ratios to base are about
// ×1.5-2.4 for dropout and ×1.5-7.6 for GAAF in every layer. In full-length runs GAAF's
// ratio at the logits layer dense_4 drops below 1 (see REPORT.md): GAAF acts only through
// tanh, and no tanh lies between the loss and dense_4's kernel gradient.
test('+dropout and +GAAF have more gradient information than base in every layer (fixed seed)', () => {
  const base = runOf('base').gradInfo;
  for (const model of ['dropout', 'gaaf']) {
    const g = runOf(model).gradInfo;
    for (const layer of results.layers) {
      assert.ok(g[layer] > base[layer], `${model} ${layer}: ${g[layer].toExponential(3)} is not above base's ${base[layer].toExponential(3)}`);
    }
  }
});

test('net variance under dropout: zero in dense_1 (no dropout on the input), positive above; none without dropout', () => {
  const v = runOf('dropout').netVariance!;
  assert.ok(v, 'the dropout run has no net variance');
  assert.equal(v.dense_1, 0);
  for (const l of ['dense_2', 'dense_3', 'dense_4']) assert.ok(v[l] > 0, `${l} variance ${v[l]}`);
  assert.equal(runOf('base').netVariance, null);
  assert.equal(runOf('gaaf').netVariance, null);
});

for (const [args, msg] of [
  [['mlp', '--seeds', '0'], /--seeds must be an integer in \[1, 1000\], got '0'/],
  [['mlp', '--patience', '-1'], /--patience must be an integer in \[1, 100000\], got '-1'/],
  [['mlp', '--max-epochs', '0'], /--max-epochs must be an integer/],
  [['rnn'], /value 'rnn' is invalid for argument 'experiment'\. Allowed choices are mlp, cnn/],
  [[], /missing required argument 'experiment'/],
  [['mlp', '--models', 'base,resnet'], /--models takes a comma-separated list of base, dropout, gaaf, got 'base,resnet' \(unknown: resnet\)/],
  [['mlp', '--dropout', '0'], /--dropout must be in \(0, 1\), got '0'/],
  [['mlp', '--monitor', 'train-loss'], /Allowed choices are val-accuracy, val-loss/],
  [['mlp', '--lr', '-0.1'], /--lr must be a positive number/],
  [['mlp', '--data', '/nonexistent-dir', '--out', join(tmpdir(), 'gaaf-never-written')], /nonexistent-dir/],
] as Array<[string[], RegExp]>) {
  test(`gaaf reproduce ${args.join(' ')} fails with a clear message`, () => {
    const r = run('reproduce', ...args);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, msg);
  });
}

test('gaaf reproduce --help lists the flags of the issue', () => {
  const r = run('reproduce', '--help');
  assert.equal(r.status, 0);
  for (const f of ['--data', '--seeds', '--max-epochs', '--patience', '--out', '--optimizer', '--lr', '--batch', '--saturation']) assert.ok(r.stdout.includes(f), `help lacks ${f}`);
  assert.ok(!existsSync(join(tmpdir(), 'gaaf-never-written', 'results.json')));
});
