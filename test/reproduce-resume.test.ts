// A Table 4 job killed mid-run continues from its last epoch-end checkpoint with the same bits
// as a run that was never stopped (`reproduce cnn --job`, through the built CLI, killed with
// SIGKILL), and a run whose last checkpoint is the one that ended it trains no further epoch.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { init } from '../src/index.js';
import type { FinishedJob } from '../src/reproduce/cnn-job.js';
import { CNN_DEFAULTS, type CnnReproduceOptions, type CnnRunResult } from '../src/reproduce/cnn.js';
import { loadCnnSplits, runCnnOne } from '../src/reproduce/cnn-run.js';

await init();

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
const ok = (r: ReturnType<typeof run>, what: string): void => assert.equal(r.status, 0, `${what} failed:\n${r.stderr}`);
const ID = 'check-bnGaaf-lr0.001';

let dir = '';
let plan = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'gaaf-reproduce-resume-'));
  plan = join(dir, 'plan.jsonl');
  ok(run('reproduce', 'cnn', '--plan', plan, '--train-samples', '900', '--test-samples', '100', '--filters', '4,4,8,8', '--dense', '16,16',
    '--max-epochs', '6', '--patience', '6', '--seeds', '1', '--lr-grid', '0.001', '--variants', 'bnGaaf', '--quiet'), 'reproduce cnn --plan');
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const readJob = (out: string): FinishedJob => JSON.parse(readFileSync(join(out, 'jobs', `${ID}.json`), 'utf8')) as FinishedJob;
/** A run's figures without its timings (which differ between attempts). */
const bits = (r: CnnRunResult) => ({
  ...r, samplesPerSec: 0, trainSeconds: 0, seconds: 0,
  curve: r.curve.map((e) => ({ ...e, seconds: 0, samplesPerSec: 0 })),
});

test('a job killed with SIGKILL after an epoch resumes there, on another thread count, with the same bits', async () => {
  const ref = join(dir, 'ref');
  ok(run('reproduce', 'cnn', '--job', `${plan}:1`, '--out', ref, '--threads', '1', '--quiet'), 'the uninterrupted job');
  const a = readJob(ref);
  assert.equal(a.resumedFromEpoch, null, 'an uninterrupted job did not resume');
  assert.equal(a.run.epochsRun, 6);
  assert.ok(!existsSync(join(ref, 'checkpoints', ID)), 'a finished job removes its checkpoints');

  const out = join(dir, 'killed');
  const latest = join(out, 'checkpoints', ID, 'latest');
  const child = spawn(process.execPath, [cli, 'reproduce', 'cnn', '--job', `${plan}:1`, '--out', out, '--threads', '1', '--quiet'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // kill it as soon as the first epoch's checkpoint is complete (`latest` is written last)
  const t0 = Date.now();
  while (!existsSync(latest) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL');
  await exited;
  assert.ok(existsSync(latest), 'the job saved a checkpoint before it was killed');
  assert.ok(!existsSync(join(out, 'jobs', `${ID}.json`)), 'the killed job wrote no result');

  const r = run('reproduce', 'cnn', '--job', `${plan}:1`, '--out', out, '--threads', '2');
  ok(r, 'the resumed job');
  const b = readJob(out);
  assert.ok(b.resumedFromEpoch !== null && b.resumedFromEpoch! >= 2 && b.resumedFromEpoch! <= 6, `resumed from epoch ${b.resumedFromEpoch}`);
  assert.match(r.stderr + r.stdout, new RegExp(`resuming from the checkpoint in .*, at epoch ${b.resumedFromEpoch} of at most 6`));
  assert.equal(b.run.weightsSha256, a.run.weightsSha256, 'the same weights as the uninterrupted job');
  assert.deepEqual(bits(b.run), bits(a.run), 'the same curve, best epoch, accuracies and per-sample predictions');
  assert.ok(b.run.trainSeconds > 0 && b.run.seconds >= b.run.trainSeconds, 'the times count every attempt');
  assert.ok(!existsSync(join(out, 'checkpoints', ID)), 'the resumed job removes its checkpoints once its result is written');
});

test('a run resumed from the checkpoint of the epoch that ended it (early stop, or the last epoch) trains no further', async () => {
  const o: CnnReproduceOptions = {
    ...CNN_DEFAULTS, variants: ['bn'], seeds: 1, seedStart: 1, trainSamples: 300, testSamples: 60, filters: [4, 4, 8, 8], dense: [8, 8],
    maxEpochs: 3, patience: 1, lr: 1e-9, // no learning to speak of: validation accuracy stays put, so epoch 2 ends the run early
  };
  const splits = loadCnnSplits(o);
  const ckpt = join(dir, 'in-process');
  const first = await runCnnOne('bn', 1, splits, o, { dir: ckpt });
  assert.equal(first.epochsRun, 2, 'stopped early after one epoch without improvement');
  assert.ok(first.stoppedEarly);
  let resumedAt = -1;
  const again = await runCnnOne('bn', 1, splits, o, { dir: ckpt, onResume: (e) => { resumedAt = e; } });
  assert.equal(resumedAt, 3, 'continued at the epoch after the last one saved');
  assert.deepEqual(bits(again), bits(first), 'no epoch trained, the same best epoch and weights');

  const o2 = { ...o, patience: 5, maxEpochs: 2 };
  const ckpt2 = join(dir, 'in-process-2');
  const full = await runCnnOne('bn', 1, splits, o2, { dir: ckpt2 });
  assert.equal(full.epochsRun, 2);
  assert.ok(!full.stoppedEarly);
  const again2 = await runCnnOne('bn', 1, splits, o2, { dir: ckpt2 });
  assert.deepEqual(bits(again2), bits(full), 'a run that ran every epoch trains none when resumed');
});
