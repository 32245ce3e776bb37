// Table 4 as a sharded sweep: `reproduce cnn --plan`, `--job FILE:LINE --out DIR` and
// `reproduce merge DIR...`, through the CLI on a tiny CNN and a few hundred bundled digits.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FinishedJob, JobResult } from '../src/reproduce/cnn-job.js';
import { renderCnnReport } from '../src/reproduce/cnn-report.js';
import { readPlan } from '../src/reproduce/jobs.js';
import { correctOf } from '../src/reproduce/predictions.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
const ok = (r: ReturnType<typeof run>, what: string): void => assert.equal(r.status, 0, `${what} failed:\n${r.stderr}`);

const PLAN = ['--train-samples', '300', '--test-samples', '100', '--filters', '4,4,8,8', '--dense', '16,16', '--max-epochs', '2', '--patience', '1',
  '--seeds', '2', '--lr-grid', '0.001,0.003', '--variants', 'base,gaaf'];

let dir = '';
let plan = '';
let out = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'gaaf-reproduce-jobs-'));
  plan = join(dir, 'plan.jsonl');
  out = join(dir, 'digits');
  ok(run('reproduce', 'cnn', '--plan', plan, ...PLAN, '--quiet'), 'reproduce cnn --plan');
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('--plan writes the check jobs (variant × rate, first seed) then the later seeds', () => {
  const p = readPlan(plan);
  assert.deepEqual(p.jobs.map((j) => j.id), ['check-base-lr0.001', 'check-base-lr0.003', 'check-gaaf-lr0.001', 'check-gaaf-lr0.003', 'seed-base-s2', 'seed-gaaf-s2']);
  assert.deepEqual(p.jobs.map((j) => [j.stage, j.seed, j.lr]), [['lr-check', 1, 0.001], ['lr-check', 1, 0.003], ['lr-check', 1, 0.001], ['lr-check', 1, 0.003], ['seed', 2, null], ['seed', 2, null]]);
  assert.equal(p.jobs[0].options.maxEpochs, 2);
  assert.deepEqual(p.jobs[0].options.filters, [4, 4, 8, 8]);
  assert.ok(!('lrGrid' in p.jobs[0].options) && !('lr' in p.jobs[0].options), 'the rates are the job\'s own fields, not options');
});

test('a seed job refuses to start before its check, names the missing lines, and writes nothing', () => {
  const r = run('reproduce', 'cnn', '--job', `${plan}:5`, '--out', out, '--quiet');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /the learning-rate check of Base Model is not finished: missing check-base-lr0\.001 \(line 1\), check-base-lr0\.003 \(line 2\)/);
  assert.deepEqual(readdirSync(join(out, 'jobs')), []);
});

test('jobs write their results with per-sample predictions; a rerun skips; merge lists what is missing, then builds Table 4', () => {
  for (const line of [1, 2, 3, 4, 5]) ok(run('reproduce', 'cnn', '--job', `${plan}:${line}`, '--out', out, '--threads', '1', '--quiet'), `job ${line}`);
  const files = readdirSync(join(out, 'jobs')).sort();
  assert.deepEqual(files, ['check-base-lr0.001.json', 'check-base-lr0.003.json', 'check-gaaf-lr0.001.json', 'check-gaaf-lr0.003.json', 'seed-base-s2.json']);
  // these runs all finish (none diverges at these rates)
  const res = (id: string): FinishedJob => JSON.parse(readFileSync(join(out, 'jobs', `${id}.json`), 'utf8'));
  const seedJob = res('seed-base-s2');
  const checks = [res('check-base-lr0.001'), res('check-base-lr0.003')];
  const best = checks[0].run.bestValAccuracy >= checks[1].run.bestValAccuracy ? checks[0] : checks[1];
  assert.equal(seedJob.lr, seedJob.lrChoice!.lr);
  assert.equal(seedJob.lrChoice!.lr, best.lr, 'the seed job runs at the rate with the best validation accuracy');
  assert.equal(seedJob.machine.kernels, 'WebAssembly SIMD (f32x4), single thread');
  const p = seedJob.run.predictions;
  assert.equal(p.count, 100);
  assert.equal(correctOf(p).reduce((a, b) => a + b, 0) / 100, seedJob.run.testAccuracy);
  // a finished job is not run again (same file, same bytes)
  const before = readFileSync(join(out, 'jobs', 'seed-base-s2.json'), 'utf8');
  const again = run('reproduce', 'cnn', '--job', `${plan}:5`, '--out', out);
  ok(again, 'rerun');
  assert.match(again.stdout, /already done \(--force runs it again\)/);
  assert.equal(readFileSync(join(out, 'jobs', 'seed-base-s2.json'), 'utf8'), before);
  // the same job on 2 threads gives the same bits
  ok(run('reproduce', 'cnn', '--job', `${plan}:2`, '--out', join(dir, 'two'), '--threads', '2', '--quiet'), 'job 2 on 2 threads');
  const two: FinishedJob = JSON.parse(readFileSync(join(dir, 'two', 'jobs', 'check-base-lr0.003.json'), 'utf8'));
  assert.equal(two.machine.kernels, 'WebAssembly SIMD (f32x4), 2 threads');
  assert.equal(two.run.weightsSha256, checks[1].run.weightsSha256);
  assert.equal(two.run.predictions.predicted, checks[1].run.predictions.predicted);
  // merge with one job missing
  const m = run('reproduce', 'merge', out, '--out', dir);
  ok(m, 'merge');
  assert.match(m.stdout, /5 of 6 jobs \(missing: 6\)/);
  const top = readFileSync(join(dir, 'REPORT.md'), 'utf8');
  assert.ok(top.includes('It holds **5 of 6 jobs**'));
  assert.ok(top.includes('Missing: line 6 (seed-gaaf-s2).'));
  // the GAAF variant has seed 1 only: one pair, no t interval
  assert.match(top, /\| \+GAAF vs Base Model \| [+−]\d+\.\d\d \(1 seed\) \| none \(one seed\) \| s1: \d+\/\d+, p [<\d. ]+ \| \[[+−]\d+\.\d\d, [+−]\d+\.\d\d\] \| \+0\.16 \| (yes|no|in direction only|within noise) \|/);
  assert.ok(!top.includes('+Batch Norm (BN)'), 'variants outside the plan are not listed');
  const perDataset = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.deepEqual(perDataset.runs.map((r: { variant: string; seed: number }) => `${r.variant}${r.seed}`), ['base1', 'gaaf1', 'base2']);
  // each variant ran at its own rate: the merged protocol names none, and the run time says what it sums
  assert.equal(perDataset.protocol.optimizer.lr, null);
  const all = readdirSync(join(out, 'jobs')).map((f) => JSON.parse(readFileSync(join(out, 'jobs', f), 'utf8')) as FinishedJob);
  assert.equal(perDataset.sweep.jobsDone, 5);
  assert.equal(perDataset.sweep.jobsSeconds, all.reduce((a, j) => a + j.run.seconds, 0));
  assert.deepEqual(perDataset.sweep.resumed, []);
  const counted = perDataset.runs.reduce((a: number, r: { seconds: number }) => a + r.seconds, 0);
  assert.equal(perDataset.wallSeconds, counted);
  const report = readFileSync(join(out, 'REPORT.md'), 'utf8');
  assert.ok(report.includes(`the sum of the 3 counted runs' own times (they ran apart, as jobs); the dataset's 5 finished jobs, with the checks at rates not chosen, ran ${(perDataset.sweep.jobsSeconds / 3600).toFixed(1)} h in all`));
  assert.ok(report.includes('ours are the paired comparisons of the Summary, over 2 seeds.'));
  // without a GAAF variant there is no comparison, and the report does not claim one
  const baseOnly = { ...perDataset, runs: perDataset.runs.filter((r: { variant: string }) => r.variant === 'base'),
    summary: perDataset.summary.filter((s: { variant: string }) => s.variant === 'base') };
  const lone = renderCnnReport(baseOnly, []);
  assert.ok(lone.includes('this report has no paired comparison yet'), 'the spread line follows the comparisons');
  assert.ok(!lone.includes('paired comparisons of the Summary'));
  assert.ok(existsSync(join(out, 'REPORT.md')));
  assert.deepEqual(readdirSync(join(out, 'jobs')).filter((f) => f.includes('.tmp-')), [], 'no temporary files left');
});

test('the sweep\'s flags: what cannot go together is an error naming the flags', () => {
  mkdirSync(join(dir, 'empty'), { recursive: true });
  const cases: Array<[string[], RegExp]> = [
    [['cnn', '--job', `${plan}:1`, '--seeds', '3', '--out', out], /--seeds cannot go with --job: the job file fixes every option/],
    [['cnn', '--job', `${plan}:1`], /--job needs --out DIR/],
    [['cnn', '--job', `${plan}:9`, '--out', out], /has lines 1-6, not 9/],
    [['cnn', '--job', plan, '--out', out], /--job takes FILE:LINE/],
    [['cnn', '--plan', plan, '--lr', '0.1'], /--lr cannot go with --plan/],
    [['cnn', '--plan', join(dir, 'never.jsonl'), '--plan-name', ' '], /--plan-name must not be empty/],
    [['cnn', '--job', `${plan}:1`, '--lr-grid', '0.1', '--out', out], /--lr-grid cannot go with --job/],
    [['mlp', '--job', `${plan}:1`], /--job applies to 'reproduce cnn' \(the Table 4 sweep\), not mlp/],
    [['merge', '--out', dir], /reproduce merge needs one or more job directories/],
    [['merge', out, '--seeds', '2', '--out', dir], /--seeds cannot go with reproduce merge/],
    [['mlp', out], /reproduce mlp takes no directories/],
    [['cnn', '--plan', join(dir, 'never.jsonl'), '--filters', '4,4,8'], /svhnCnn filters takes 4 positive integer widths, got \[4, 4, 8\]/],
    [['merge', join(dir, 'empty'), '--out', dir], /empty holds no plan\.jsonl/],
  ];
  for (const [args, re] of cases) {
    const r = run('reproduce', ...args);
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr, re, args.join(' '));
  }
  assert.ok(!existsSync(join(dir, 'never.jsonl')), 'a plan whose model cannot be built is not written');
});

test('a job file that is not one is refused with the file and line', () => {
  const bad = join(dir, 'bad.jsonl');
  const lines = readFileSync(plan, 'utf8').split('\n');
  writeFileSync(bad, [lines[0], lines[1].replace('"variant":"base"', '"variant":"resnet"')].join('\n') + '\n');
  let r = run('reproduce', 'cnn', '--job', `${bad}:1`, '--out', join(dir, 'x'));
  assert.match(r.stderr, /bad\.jsonl:2: unknown variant 'resnet'/);
  writeFileSync(bad, `${lines[0]}\n{"schema":"gaaf-cnn-job/1",\n`);
  r = run('reproduce', 'cnn', '--job', `${bad}:1`, '--out', join(dir, 'x'));
  assert.match(r.stderr, /bad\.jsonl:2: not a JSON line/);
  writeFileSync(bad, `${lines[0]}\n${lines[0]}\n`);
  r = run('reproduce', 'cnn', '--job', `${bad}:1`, '--out', join(dir, 'x'));
  assert.match(r.stderr, /bad\.jsonl:2: job id 'check-base-lr0\.001' appears twice/);
  // another plan's results in the same directory
  writeFileSync(bad, lines.slice(0, 2).join('\n') + '\n');
  r = run('reproduce', 'cnn', '--job', `${bad}:1`, '--out', out);
  assert.match(r.stderr, /holds the results of another job file/);
});

test('a check run that diverges is recorded, and its rate is left out of the choice', () => {
  const p = join(dir, 'diverge.jsonl');
  const o = join(dir, 'diverge');
  ok(run('reproduce', 'cnn', '--plan', p, ...PLAN.filter((a, i) => a !== '--lr-grid' && PLAN[i - 1] !== '--lr-grid' && a !== '--variants' && PLAN[i - 1] !== '--variants'),
    '--lr-grid', '0.001,1000000', '--variants', 'base', '--quiet'), 'plan');
  for (const line of [1, 2, 3]) ok(run('reproduce', 'cnn', '--job', `${p}:${line}`, '--out', o, '--quiet'), `job ${line}`);
  const big: JobResult = JSON.parse(readFileSync(join(o, 'jobs', 'check-base-lr1000000.json'), 'utf8'));
  assert.equal(big.run, null);
  assert.match(big.diverged!, /training diverged at epoch 1/);
  const seed: JobResult = JSON.parse(readFileSync(join(o, 'jobs', 'seed-base-s2.json'), 'utf8'));
  assert.equal(seed.lr, 0.001);
  ok(run('reproduce', 'merge', o, '--out', o, '--quiet'), 'merge');
  assert.match(readFileSync(join(o, 'REPORT.md'), 'utf8'), /\| Base Model \| \*\*[\d.]+ \(epoch \d of \d\)\*\* \| diverged \(gaaf: training diverged at epoch 1/);
});
