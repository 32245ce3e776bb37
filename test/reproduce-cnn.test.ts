// `gaaf reproduce cnn` (Table 4) and `gaaf train --model cnn|vgg`: smoke runs through the built
// CLI on a small subset of the bundled digits with narrow widths (seconds), checking the
// report, results.json, the paper's numbers beside ours, determinism, and the errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CNN_REPORT_SECTIONS } from '../src/reproduce/cnn-report.js';
import type { CnnReproduceResults } from '../src/reproduce/cnn.js';
import type { LrSelection } from '../src/reproduce/lr-trials.js';
import { init } from '../src/index.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

const DATA = ['--train-samples', '600', '--test-samples', '200', '--filters', '4,4,8,8', '--dense', '32,16', '--lr', '0.003', '--quiet'];
const SMOKE = ['--seeds', '2', '--max-epochs', '2', ...DATA];

let dir = '';
let results: CnnReproduceResults;
let report = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'gaaf-reproduce-cnn-'));
  const r = run('reproduce', 'cnn', ...SMOKE, '--out', dir);
  assert.equal(r.status, 0, `reproduce cnn failed:\n${r.stderr}`);
  results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  report = readFileSync(join(dir, 'REPORT.md'), 'utf8');
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('REPORT.md has every section, the exact command, Table 4 beside ours, and charts that exist', () => {
  const headings = report.split('\n').filter((l) => l.startsWith('## ')).map((l) => l.slice(3));
  assert.deepEqual(headings, [...CNN_REPORT_SECTIONS]);
  assert.ok(report.includes(`\`gaaf reproduce cnn ${SMOKE.join(' ')} --out ${dir}\``), 'the report does not state the exact command');
  assert.ok(report.includes('| Model | Activation | Test accuracy (%) | Train accuracy (%) |'));
  for (const paper of ['59.63', '89.55', '92.03', '67.48', '91.10', '93.80', '61.29', '90.16', '92.19', '69.36', '91.92', '94.16', '+0.16', '+1.88']) {
    assert.ok(report.includes(paper), `the paper's ${paper} is not beside ours`);
  }
  for (const what of ['wall time', 'CPU', 'Node', 'Convergence rule', 'learning rate', 'batch size', 'seeds', 'Narrower than the defaults', 'Reduced protocol']) {
    assert.ok(report.includes(what), `the report does not give the ${what}`);
  }
  const images = [...report.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
  assert.deepEqual([...images].sort(), [...results.charts].sort());
  assert.deepEqual([...images].sort(), ['table4-accuracy.svg', 'training-curves.svg']);
  for (const f of images) {
    const svg = readFileSync(join(dir, f), 'utf8');
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/, `${f} is not an SVG`);
    assert.ok(svg.includes('<path'), `${f} draws nothing`);
  }
});

test('results.json: four variants × two seeds on [28, 28, 1] images, mean and sd per variant', () => {
  assert.equal(results.schema, 'gaaf-reproduce-cnn/1');
  assert.deepEqual({ train: results.data.trainCount, val: results.data.valCount, test: results.data.testCount }, { train: 540, val: 60, test: 200 });
  assert.deepEqual(results.data.sampleShape, [28, 28, 1]);
  assert.deepEqual(results.protocol.filters, [4, 4, 8, 8]);
  assert.deepEqual(results.protocol.dense, [32, 16]);
  assert.equal(results.protocol.defaultWidths, false);
  assert.deepEqual(results.protocol.seeds, [1, 2]);
  assert.equal(results.runs.length, 8);
  assert.deepEqual(results.summary.map((s) => s.variant), ['base', 'bn', 'gaaf', 'bnGaaf']);
  for (const s of results.summary) {
    assert.equal(s.testAccuracy.n, 2);
    assert.ok(s.testAccuracy.sd !== null && s.trainAccuracy.sd !== null);
    const rs = results.runs.filter((r) => r.variant === s.variant);
    assert.ok(Math.abs(s.testAccuracy.mean - (rs[0].testAccuracy + rs[1].testAccuracy) / 2) < 1e-12);
  }
  for (const r of results.runs) {
    assert.equal(r.curve.length, 2);
    assert.ok(r.bestEpoch >= 1 && r.bestEpoch <= 2);
    assert.ok(r.samplesPerSec > 0);
    assert.match(r.weightsSha256, /^[0-9a-f]{64}$/);
    // 540 samples and 2 epochs of a tiny CNN: above chance (10%), far from done
    assert.ok(r.testAccuracy > 0.15, `${r.variant} seed ${r.seed}: test accuracy ${r.testAccuracy}`);
  }
  for (const v of ['bn', 'bnGaaf']) {
    const m = results.summary.find((s) => s.variant === v)!.testAccuracy.mean;
    assert.ok(m > 0.45, `${v}: mean test accuracy ${m}`);
  }
  // BatchNorm layers carry γ and β and drop the conv/dense biases
  assert.ok(results.protocol.params.bn !== results.protocol.params.base);
  assert.equal(results.protocol.params.gaaf, results.protocol.params.base);
  assert.ok(results.protocol.layers.some((l) => /BatchNorm/.test(l)) && results.protocol.layers.some((l) => /relu \+ GAAF/.test(l)));
  assert.deepEqual(Object.keys(results.paper.table4 as object), ['base', 'bn', 'gaaf', 'bnGaaf']);
  // the BatchNorm settings reported are those of the layers the models build
  assert.deepEqual({ momentum: results.protocol.batchNorm.momentum, epsilon: results.protocol.batchNorm.epsilon }, { momentum: 0.9, epsilon: 1e-3 });
  assert.ok(results.protocol.layers.filter((l) => /BatchNorm/.test(l)).every((l) => l.includes('momentum 0.9, ε 0.001')));
  assert.ok(report.includes('BatchNorm momentum 0.9, ε 0.001'));
});

test('the GAAF comparisons are paired over the seeds (t interval at n − 1 df, bootstrap, McNemar), and the paper is quoted right', () => {
  assert.ok(report.includes('| Comparison | This run | 95% t interval (df) | Paired bootstrap | McNemar p per seed | Seeds improved | Verdict |'));
  assert.match(report, /\| \+GAAF vs Base Model \| [−+][0-9.]+ \| \[[−+][0-9.]+, [−+][0-9.]+\] \(1\) \|/);
  assert.match(report, /- \+GAAF − Base Model: [−+][0-9.]+ points \([0-9.]+ of 200 test samples( on average)?\), 95% t interval over 2 seeds .* at 1 df; McNemar exact p per seed /);
  assert.match(report, /§4 gives K = 10,000 for its experiments, as here/);
  assert.match(report, /fixes the conv widths \(VGG16's without its last three conv layers, 64-64-128-128-256-256-256-512-512-512\)/);
  assert.doesNotMatch(report, /no layer widths for either model|GAAF's K for ReLU|two standard deviations/);
  assert.match(report, /The learning rate 0\.003 was given, not chosen on the validation split/);
});

test('--lr-grid chooses the CNN\'s rate on validation and says so in the report', () => {
  const d = mkdtempSync(join(tmpdir(), 'gaaf-reproduce-cnn-lr-'));
  try {
    const noLr = DATA.filter((a, i) => a !== '--lr' && DATA[i - 1] !== '--lr');
    const r = run('reproduce', 'cnn', '--seeds', '1', '--max-epochs', '1', ...noLr, '--variants', 'base,gaaf', '--lr-grid', '0.001,0.003', '--out', d);
    assert.equal(r.status, 0, r.stderr);
    const x: CnnReproduceResults = JSON.parse(readFileSync(join(d, 'results.json'), 'utf8'));
    const choice = x.lrChoice as LrSelection; // plain reproduce cnn: one rate for every variant
    assert.deepEqual(choice.trials.map((t) => t.lr), [0.001, 0.003]);
    assert.equal(x.protocol.optimizer.lr, choice.lr);
    assert.equal(x.runs.length, 2, 'the chosen trials are the runs of seed 1');
    const rep = readFileSync(join(d, 'REPORT.md'), 'utf8');
    assert.match(rep, new RegExp(`The rate chosen on validation is ${choice.lr}|The rate chosen on validation, ${choice.lr}, is the earlier default`));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('the same command gives the same weights (one variant, one seed)', () => {
  const d = mkdtempSync(join(tmpdir(), 'gaaf-reproduce-cnn-again-'));
  try {
    // one epoch of seed 1's +BN +GAAF run: its first epoch must match bit for bit
    const r = run('reproduce', 'cnn', '--seeds', '1', '--max-epochs', '1', ...DATA, '--variants', 'bnGaaf', '--out', d);
    assert.equal(r.status, 0, r.stderr);
    const again: CnnReproduceResults = JSON.parse(readFileSync(join(d, 'results.json'), 'utf8'));
    const runAgain = again.runs[0];
    assert.equal(runAgain.epochsRun, 1);
    const first = results.runs.find((x) => x.variant === 'bnGaaf' && x.seed === 1)!;
    assert.equal(runAgain.curve[0].loss, first.curve[0].loss);
    assert.equal(runAgain.curve[0].testAccuracy, first.curve[0].testAccuracy);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

for (const [args, msg] of [
  [['cnn', '--model', 'vgg', '--out', join(tmpdir(), 'gaaf-never-written-cnn')], /reducedVgg16 is laid out for 32×32 images .* got input shape \[28, 28, 1\]/],
  [['cnn', '--dropout', '0.3'], /--dropout applies to 'reproduce mlp', not cnn/],
  [['mlp', '--variants', 'base'], /--variants applies to 'reproduce cnn', not mlp/],
  [['cnn', '--variants', 'base,resnet'], /--variants takes a comma-separated list of base, bn, gaaf, bnGaaf, got 'base,resnet' \(unknown: resnet\)/],
  [['cnn', '--filters', '4,x'], /--filters takes a comma-separated list of positive integers, got '4,x'/],
  [['cnn', '--filters', '4,4,8', '--out', join(tmpdir(), 'gaaf-never-written-cnn')], /svhnCnn filters takes 4 positive integer widths, got \[4, 4, 8\]/],
  [['cnn', '--lr-grid', '0.001', '--lr', '0.01'], /--lr and --lr-grid exclude each other/],
  [['resnet'], /value 'resnet' is invalid for argument 'experiment'\. Allowed choices are mlp, cnn/],
] as Array<[string[], RegExp]>) {
  test(`gaaf reproduce ${args.join(' ')} fails with a clear message`, () => {
    const r = run('reproduce', ...args);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, msg);
    assert.ok(!existsSync(join(tmpdir(), 'gaaf-never-written-cnn')));
  });
}

test('gaaf train --model cnn --bn --gaaf --json trains the SVHN CNN on [28, 28, 1] digits', () => {
  const r = run('train', '--model', 'cnn', '--bn', '--gaaf', '--filters', '4,4,8,8', '--dense', '16,16', '--optimizer', 'adam', '--epochs', '1', '--json', '--seed', '3');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const s = lines[lines.length - 1];
  assert.equal(s.type, 'summary');
  assert.equal(s.model, 'cnn');
  assert.equal(s.activation, 'relu');
  assert.equal(s.bn, true);
  assert.equal(s.layers[0], 'conv2d_1 [28, 28, 4]');
  assert.ok(s.testAccuracy > 0.5, `test accuracy ${s.testAccuracy}`); // one epoch of a tiny CNN (about 0.7)
});

test('gaaf train --model resnet --gaaf --json trains the residual CNN (functional: BatchNorm, Add, global pooling) with GAAF ReLU', () => {
  const r = run('train', '--model', 'resnet', '--gaaf', '--filters', '16,32', '--optimizer', 'adam', '--epochs', '1', '--batch', '64', '--json', '--seed', '3');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const s = lines[lines.length - 1];
  assert.equal(s.type, 'summary');
  assert.equal(s.model, 'resnet');
  assert.deepEqual(s.gaaf, { K: 10000 });
  assert.equal(s.bn, true, 'its BatchNorm layers');
  assert.ok(s.layers.some((l: string) => l.startsWith('add_')), `a residual Add in ${JSON.stringify(s.layers)}`);
  assert.ok(s.testAccuracy > 0.5, `test accuracy ${s.testAccuracy}`); // one epoch, 125 steps: 0.58 (a residual net this small starts slowly)
});

for (const [args, msg] of [
  [['--model', 'vgg'], /--model vgg .* is laid out for 32×32 images .* has samples \[28, 28, 1\]\. It does not pad or resize: use --model cnn/],
  [['--bn'], /--bn applies to --model cnn or vgg, not mlp/],
  [['--model', 'cnn', '--dropout', '0.5'], /--dropout applies to --model mlp/],
] as Array<[string[], RegExp]>) {
  test(`gaaf train ${args.join(' ')} fails with a clear message`, () => {
    const r = run('train', ...args);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, msg);
  });
}

test('gaaf train --model vgg reads a CIFAR-10 directory as [32, 32, 3] images', () => {
  const d = mkdtempSync(join(tmpdir(), 'gaaf-cifar-cli-'));
  try {
    const c10 = join(d, 'cifar-10-batches-bin');
    mkdirSync(c10);
    // 4 records per file: label byte, then 3072 pixel bytes
    const batch = (seed: number): Uint8Array => Uint8Array.from({ length: 4 * 3073 }, (_, i) => (i % 3073 === 0 ? (i / 3073 + seed) % 10 : (i * 7 + seed) & 255));
    for (let i = 1; i <= 5; i++) writeFileSync(join(c10, `data_batch_${i}.bin`), batch(i));
    writeFileSync(join(c10, 'test_batch.bin'), batch(9));
    const r = run('train', '--model', 'vgg', '--data', d, '--filters', '2,2,2,2,2,2,2,2,2,2', '--dense', '4,4', '--epochs', '1', '--batch', '8', '--json');
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(s.model, 'vgg');
    assert.equal(s.data.trainCount, 20);
    assert.equal(s.layers[0], 'conv2d_1 [32, 32, 2]');
    assert.ok(s.layers.includes('flatten_1 [8]'));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
