// The command line killed with SIGKILL mid-epoch and resumed from its last checkpoint ends
// with the same weights, bit for bit, as a run that was never interrupted.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { init } from '../src/index.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gaaf-resume-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// 8,000 bundled digits, batch 128: 63 steps an epoch, about 1 s for the paper's MLP, so the
// kill after the step-10 checkpoint lands well before the end of epoch 1.
const RUN = ['train', '--epochs', '2', '--json', '--seed', '3', '--dropout', '0.2', '--gaaf', '--optimizer', 'adam'];
const lines = (s: string) => s.trim().split('\n').filter((l) => l).map((l) => JSON.parse(l));

test('SIGKILL mid-epoch, then --resume: the final weights are byte-identical to an uninterrupted run', { timeout: 180_000 }, async (t) => {
  const ref = spawnSync(process.execPath, [cli, ...RUN], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(ref.status, 0, ref.stderr);
  const refOut = lines(ref.stdout);
  const want = refOut.at(-1);
  assert.equal(want.type, 'summary');

  const ck = join(dir, 'ck');
  const child = spawn(process.execPath, [cli, ...RUN, '--checkpoint', ck, '--checkpoint-every', '10'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let killedAfter = null as { step: number; epoch: number } | null;
  const seen: string[] = [];
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    out += d;
    for (const l of out.split('\n').slice(0, -1)) {
      const j = JSON.parse(l);
      seen.push(j.type);
      // the checkpoint at step 10 (epoch 1 of 2): training goes on, and is killed somewhere in it
      if (!killedAfter && j.type === 'checkpoint' && j.step === 10) {
        killedAfter = { step: j.step, epoch: j.epoch };
        child.kill('SIGKILL');
      }
    }
    out = out.slice(out.lastIndexOf('\n') + 1);
  });
  const { signal } = await exit;
  assert.equal(signal, 'SIGKILL', 'the run was killed');
  assert.deepEqual(killedAfter, { step: 10, epoch: 1 });
  assert.ok(!seen.includes('epoch'), `killed before the end of epoch 1 (saw ${seen.join(', ')})`);
  assert.ok(readdirSync(ck).includes('latest'));
  assert.ok(readdirSync(ck).includes('lock'), 'the killed run left its lock, which the resume must take over');

  const res = spawnSync(process.execPath, [cli, 'train', '--resume', ck, '--epochs', '2', '--json'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(res.status, 0, res.stderr);
  const resOut = lines(res.stdout);
  const got = resOut.at(-1);
  assert.equal(got.type, 'summary');
  assert.equal(got.weightsSha256, want.weightsSha256, 'resumed weights are byte-identical');
  assert.equal(got.testAccuracy, want.testAccuracy);
  assert.equal(got.epochs, 2);
  // the history continues: epoch 1 (finished after the resume) and epoch 2 have the uninterrupted run's losses
  const ep = (o: Array<{ type: string; epoch: number; loss: number; accuracy: number; valAccuracy: number }>) =>
    o.filter((l) => l.type === 'epoch').map((l) => [l.epoch, l.loss, l.accuracy, l.valAccuracy]);
  assert.deepEqual(ep(resOut), ep(refOut));
  assert.ok(!readdirSync(ck).includes('lock'), 'the resumed run released the lock');
  t.diagnostic(`uninterrupted weightsSha256 ${want.weightsSha256}; killed after the step-${killedAfter!.step} checkpoint and resumed: ${got.weightsSha256}`);

  // the run is finished: resumed without --epochs it keeps its recorded total (2), trains nothing and reports the same weights
  const again = spawnSync(process.execPath, [cli, 'train', '--resume', ck, '--json'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(again.status, 0, again.stderr);
  const againOut = lines(again.stdout);
  assert.deepEqual(againOut.map((l) => l.type), ['summary'], 'no epoch trained');
  assert.equal(againOut[0].epochs, 2);
  assert.equal(againOut[0].weightsSha256, want.weightsSha256);
});

test('gaaf train --resume on a checkpoint saved without training state is refused', async () => {
  const { paperMlp } = await import('../src/node.js');
  const m = paperMlp({ hidden: [8] }).build();
  const d = join(dir, 'weights-only');
  await m.save(d);
  m.dispose();
  const r = spawnSync(process.execPath, [cli, 'train', '--resume', d, '--epochs', '1'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /weights-only holds weights but no training state; it cannot be resumed/);
});

for (const [args, msg] of [
  [['--checkpoint-every', '5'], /--checkpoint-every needs --checkpoint DIR/],
  [['--checkpoint', join(tmpdir(), 'x'), '--checkpoint-every', '0'], /--checkpoint-every must be an integer in \[1, /],
  [['--resume', '/nonexistent-gaaf-ckpt'], /\/nonexistent-gaaf-ckpt: no such checkpoint directory/],
  [['--hidden', '60000,60000'], /this model would need about 27\.\d\d GiB of Wasm memory .* that is more than the 4\.00 GiB of wasm32's 4 GiB that are free/],
  [['--hidden', '64,0'], /--hidden takes a comma-separated list of positive integers, got '64,0'/],
] as Array<[string[], RegExp]>) {
  test(`gaaf train ${args.join(' ')} fails with a clear message before training`, () => {
    const r = spawnSync(process.execPath, [cli, 'train', '--epochs', '1', ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, msg);
    assert.doesNotMatch(r.stdout, /epoch 1\/1/);
  });
}
