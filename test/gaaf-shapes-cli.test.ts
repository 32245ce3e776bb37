// The GAAF shape flags on the command line (src/cli/gaaf-flags.ts) for `gaaf train` and `gaaf
// reproduce`, and `gaaf reproduce gaaf-shapes` (src/reproduce/gaaf-shapes*.ts) run through the
// built CLI on a few samples, 1 epoch, a subset of its configurations: the files, results.json's
// shape and the report's command. Flags that do not apply are errors naming them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Findings } from '../src/reproduce/gaaf-shapes-findings.js';
import type { ShapesResults } from '../src/reproduce/gaaf-shapes.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 300_000 });

for (const [args, msg] of [
  [['train', '--gaaf-c', '2'], /--gaaf-c needs --gaaf/],
  [['train', '--gaaf', '--gaaf-a', '2'], /--gaaf-a does not apply to tanh with the bell shape \(it takes --gaaf-c\)/],
  [['train', '--gaaf', '--activation', 'relu', '--gaaf-shape', 'ring'], /--gaaf-shape ring does not apply to relu \(relu takes shiftedSigmoid, leftBump\)/],
  [['train', '--gaaf', '--activation', 'relu', '--gaaf-c', '1'], /--gaaf-c does not apply to relu with the shiftedSigmoid shape \(it takes --gaaf-a, --gaaf-b\)/],
  [['train', '--gaaf', '--activation', 'relu', '--gaaf-shape', 'leftBump', '--gaaf-b', '1'], /--gaaf-b does not apply to relu with the leftBump shape \(it takes --gaaf-c\)/],
  [['train', '--gaaf', '--gaaf-height', '0'], /--gaaf-height must be a positive number, got '0'/],
  [['train', '--gaaf', '--gaaf-b', 'x'], /--gaaf-b must be a finite number, got 'x'/],
  [['train', '--gaaf', '--gaaf-shape', 'square'], /argument 'square' is invalid\. Allowed choices are bell, ring, shiftedSigmoid, leftBump/],
  [['reproduce', 'mlp', '--gaaf-shape', 'leftBump'], /--gaaf-shape leftBump does not apply to tanh \(tanh takes bell, ring\)/],
  [['reproduce', 'mlp', '--gaaf-a', '2'], /--gaaf-a does not apply to tanh with the bell shape \(it takes --gaaf-c\)/],
  [['reproduce', 'cnn', '--gaaf-c', '2'], /--gaaf-c does not apply to relu with the shiftedSigmoid shape \(it takes --gaaf-a, --gaaf-b\)/],
  [['reproduce', 'cnn', '--gaaf-shape', 'ring'], /--gaaf-shape ring does not apply to relu \(relu takes shiftedSigmoid, leftBump\)/],
  [['reproduce', 'cnn', '--gaaf-height', '-1'], /--gaaf-height must be a positive number, got '-1'/],
  [['reproduce', 'gaaf-shapes', '--gaaf-c', '2'], /--gaaf-c does not apply to 'reproduce gaaf-shapes': its configurations set their own models and GAAF shapes \(choose them with --configs\)/],
  [['reproduce', 'gaaf-shapes', '--lr', '0.1'], /--lr does not apply to 'reproduce gaaf-shapes': each configuration's learning rate is chosen on validation accuracy from --lr-grid/],
  [['reproduce', 'gaaf-shapes', '--dropout', '0.3'], /--dropout does not apply to 'reproduce gaaf-shapes'/],
  [['reproduce', 'gaaf-shapes', '--configs', 'tanh,bogus'], /--configs takes a comma-separated list of tanh, .* got 'tanh,bogus' \(unknown: bogus\)/],
  [['reproduce', 'gaaf-shapes', '--configs', 'tanh,tanh'], /--configs lists a configuration twice/],
  [['reproduce', 'gaaf-shapes', '--lr-grid', '0.1,-1'], /--lr-grid takes comma-separated positive learning rates, got '0.1,-1'/],
  [['reproduce', 'mlp', '--configs', 'tanh'], /--configs applies to 'reproduce gaaf-shapes', not mlp/],
  [['reproduce', 'gaaf-shapes', '--report-only', '--seeds', '2', '--out', tmpdir()], /--seeds does not apply with --report-only: it rewrites the report of the run in --out's results.json/],
  [['reproduce', 'gaaf-shapes', '--report-only', '--out', join(tmpdir(), 'gaaf-no-such-run')], /--report-only: cannot read .*gaaf-no-such-run\/results\.json/],
] as Array<[string[], RegExp]>) {
  test(`gaaf ${args.join(' ')} fails with a clear message`, () => {
    const r = run(...args);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, msg);
  });
}

test('gaaf train --gaaf --gaaf-shape ring --gaaf-height 0.5 trains with that shape and says so', () => {
  const r = run('train', '--gaaf', '--gaaf-shape', 'ring', '--gaaf-height', '0.5', '--epochs', '1', '--hidden', '32', '--json');
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.deepEqual(s.gaaf, { K: 10000, shape: 'ring', height: 0.5 });
  assert.ok(s.testAccuracy > 0.5, `test accuracy ${s.testAccuracy}`);
  const plain = JSON.parse(run('train', '--gaaf', '--epochs', '1', '--hidden', '32', '--json').stdout.trim().split('\n').pop()!);
  assert.notEqual(plain.weightsSha256, s.weightsSha256, 'the ring trained the same weights as the bell');
});

test('reproduce mlp and cnn take every shape flag of their activation, train with that shape and describe it in the report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaaf-reproduce-shape-flags-'));
  try {
    const small = ['--train-samples', '300', '--test-samples', '60', '--max-epochs', '1', '--seeds', '1', '--quiet'];
    const mlp = join(dir, 'mlp');
    const r = run('reproduce', 'mlp', ...small, '--models', 'gaaf', '--gaaf-shape', 'ring', '--gaaf-c', '1.5', '--gaaf-height', '0.5', '--gaaf-surrogate', '--out', mlp);
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(readFileSync(join(mlp, 'results.json'), 'utf8'));
    assert.deepEqual(m.protocol.gaaf, { K: 10000, shape: 'u·exp(1 - u), u = x^2/c', name: 'ring', c: 1.5, height: 0.5, surrogate: true });
    assert.deepEqual(m.summary[0].config.gaaf, m.protocol.gaaf);
    const report = readFileSync(join(mlp, 'REPORT.md'), 'utf8');
    assert.ok(report.includes('the ring s(x) = u·exp(1 − u), u = x²/1.5 (0 at x = 0, its peak 1 at |x| = 1.22474), times a height of 0.5, as a surrogate gradient'), 'the MLP report names the ring, its c, height and surrogate');
    const bell = join(dir, 'mlp-bell');
    assert.equal(run('reproduce', 'mlp', ...small, '--models', 'gaaf', '--out', bell).status, 0);
    const b = JSON.parse(readFileSync(join(bell, 'results.json'), 'utf8'));
    assert.deepEqual(b.protocol.gaaf, { K: 10000, shape: 'exp(-x^2/c)', name: 'bell', c: 3, height: 1, surrogate: false });
    assert.notEqual(b.runs[0].weightsSha256, m.runs[0].weightsSha256, 'the ring trained the same weights as the bell');

    const cnn = join(dir, 'cnn');
    const c = run('reproduce', 'cnn', ...small, '--variants', 'gaaf', '--filters', '4,4,8,8', '--dense', '8,8', '--gaaf-shape', 'leftBump', '--gaaf-c', '2', '--out', cnn);
    assert.equal(c.status, 0, c.stderr);
    const x = JSON.parse(readFileSync(join(cnn, 'results.json'), 'utf8'));
    assert.deepEqual(x.protocol.gaaf, { K: 10000, shape: 'exp(-x^2/c) for x ≤ 0, 0 for x > 0', name: 'leftBump', c: 2, height: 1, surrogate: false });
    const cr = readFileSync(join(cnn, 'REPORT.md'), 'utf8');
    assert.ok(cr.includes('every ReLU becomes ReLU + g(x)·s(x), K = 10000, the left bump s(x) = exp(−x²/2) for x ≤ 0, 0 for x > 0.'), 'the CNN report names the left bump');
    assert.ok(cr.includes('this run uses another shape: the left bump'), 'the CNN report says the shape is not the paper\'s shifted sigmoid');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gaaf reproduce gaaf-shapes: a rate at which a tuning run diverges is out of the choice, and the report says so', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaaf-shapes-diverged-'));
  try {
    // ReLU at lr 10000 turns its loss NaN within a few steps
    const r = run('reproduce', 'gaaf-shapes', '--train-samples', '1000', '--test-samples', '60', '--max-epochs', '1', '--seeds', '1', '--lr-grid', '0.05,10000',
      '--configs', 'relu', '--flatness-draws', '1', '--out', dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /relu +tuning seed 1 lr 10000: diverged \(.*\); this rate is out/);
    const res = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ShapesResults;
    const bad = res.tuning.find((t) => t.lr === 10000)!;
    assert.match(bad.diverged!, /diverged/);
    assert.equal(res.configs[0].lr.lr, 0.05);
    assert.match(readFileSync(join(dir, 'REPORT.md'), 'utf8'), /\| ReLU \| 10000 \| diverged \| – \|/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gaaf reproduce gaaf-shapes on a few samples writes results.json, REPORT.md and the charts, with findings for each question run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaaf-shapes-'));
  try {
    const args = ['--train-samples', '200', '--test-samples', '60', '--max-epochs', '1', '--seeds', '2', '--lr-grid', '0.05,0.1',
      '--configs', 'tanh-lr2,surrogate,tanh-dropout,relu-bump,sigmoid-h0.25', '--flatness-draws', '1', '--quiet'];
    const r = run('reproduce', 'gaaf-shapes', ...args, '--out', dir);
    assert.equal(r.status, 0, r.stderr);
    const res = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ShapesResults;
    assert.equal(res.schema, 'gaaf-reproduce-gaaf-shapes/1');
    // tanh-lr2 brings tanh, the surrogate bell-c3: 5 tuned (2 rates on seed 1, then seed 2), 2 not tuned (2 seeds)
    assert.deepEqual(res.configs.map((c) => c.key), ['tanh', 'tanh-lr2', 'tanh-dropout', 'bell-c3', 'surrogate', 'relu-bump', 'sigmoid-h0.25']);
    assert.equal(res.tuning.length, 10);
    assert.equal(res.runs.length, 5 * 2 + 2 * 2);
    assert.deepEqual(res.protocol.seeds, [1, 2]);
    const lr = new Map(res.configs.map((c) => [c.key, c.lr.lr]));
    assert.equal(lr.get('tanh-lr2'), 2 * lr.get('tanh')!);
    assert.equal(lr.get('surrogate'), lr.get('bell-c3'));
    for (const x of res.runs) {
      assert.equal(x.lr, lr.get(x.config));
      assert.ok(x.testAccuracy >= 0 && x.testAccuracy <= 1 && x.epochsRun === 1, `${x.config}: ${JSON.stringify(x)}`);
      assert.match(x.weightsSha256, /^[0-9a-f]{64}$/);
      assert.equal(Object.keys(x.saturation).length, 3);
      assert.equal(x.flatness !== null, ['tanh', 'tanh-dropout', 'bell-c3'].includes(x.config), x.config);
      if (x.flatness) assert.deepEqual(x.flatness.increase.map((f) => f.level), [0.01, 0.02, 0.03, 0.04, 0.05]);
    }
    // the seed-1 run at the chosen rate is the tuning run itself
    for (const c of res.configs.filter((k) => !k.lrOf)) {
      const t = res.tuning.find((x) => x.config === c.key && x.lr === c.lr.lr)!;
      assert.equal(res.runs.find((x) => x.config === c.key && x.seed === 1)!.testAccuracy, t.testAccuracy);
    }
    const f = res.findings as Findings;
    assert.equal(f.summaries.length, 7);
    assert.ok(f.K && f.K.comparisons.length === 1 && typeof f.K.sentence === 'string');
    // the paper's bell (brought by the surrogate) against the base at 1× and 2×: the only shape comparisons
    assert.deepEqual(f.shape?.comparisons.map((c) => `${c.a}/${c.b}`), ['bell-c3/tanh', 'bell-c3/tanh-lr2', 'tanh-lr2/tanh']);
    assert.ok(f.flatness && f.flatness.comparisons.length === 2 * 5);
    assert.equal(f.relu, null); // relu-bump without its comparison partners
    for (const c of [...f.K.comparisons, ...f.flatness.comparisons]) assert.ok(['yes', 'in direction only', 'within noise', 'no'].includes(c.verdict) && c.t.n === 2);
    const report = readFileSync(join(dir, 'REPORT.md'), 'utf8');
    assert.ok(report.includes(`\`gaaf reproduce gaaf-shapes ${args.join(' ')} --out ${dir}\``), 'the report does not state the exact command');
    for (const h of ['## K:', '## Flatness', '## Every configuration', '## Learning-rate choice', '## Every run']) assert.ok(report.includes(h), `no ${h}`);
    assert.ok(report.includes(f.K.sentence));
    for (const c of res.charts) assert.ok(existsSync(join(dir, c)), `chart ${c} missing`);
    assert.match(f.lrEdges, /grid \(0\.05, 0\.1\)/);
    // --report-only rewrites the same report from results.json, without training
    const again = run('reproduce', 'gaaf-shapes', '--report-only', '--out', dir);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(readFileSync(join(dir, 'REPORT.md'), 'utf8'), report);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')), res);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
