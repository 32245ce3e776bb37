// The command line, run as a user would (the built dist/cli.js).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });

test('the CLI is built', () => {
  assert.ok(existsSync(cli), `${cli} is missing: run npm run build`);
});

test('gaaf train --json prints one object per epoch and a summary', () => {
  const r = run('train', '--gaaf', '--epochs', '2', '--json', '--seed', '5');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  assert.deepEqual(lines.map((l) => l.type), ['epoch', 'epoch', 'summary']);
  const s = lines[2];
  for (const k of ['testAccuracy', 'epochs', 'samplesPerSec', 'gradInfo', 'weightsSha256']) assert.ok(k in s, `summary lacks ${k}`);
  assert.equal(s.epochs, 2);
  assert.ok(s.testAccuracy > 0.9, `test accuracy ${s.testAccuracy}`);
  assert.deepEqual(Object.keys(s.gradInfo), ['dense_1', 'dense_2', 'dense_3', 'dense_4']);
  assert.match(s.weightsSha256, /^[0-9a-f]{64}$/);
  // the same command gives the same weights
  const again = JSON.parse(run('train', '--gaaf', '--epochs', '2', '--json', '--seed', '5').stdout.trim().split('\n').pop()!);
  assert.equal(again.weightsSha256, s.weightsSha256);
});

test('gaaf train prints a line per epoch and the test accuracy', () => {
  const r = run('train', '--epochs', '1', '--dropout', '0.5');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /epoch 1\/1 {2}loss \d\.\d{4} {2}train acc \d+\.\d\d% {2}test acc \d+\.\d\d% {2}[\d,]+ samples\/s/);
  assert.match(r.stdout, /test accuracy: \d+\.\d\d% on 2000 samples/);
});

for (const [args, msg] of [
  [['--lr', '0'], /--lr must be a positive number, got '0'/],
  [['--lr', 'NaN'], /--lr must be a positive number, got 'NaN'/],
  [['--dropout', '1'], /dropout rate must be in \[0, 1\), got '1'/],
  [['--batch', '0'], /--batch must be an integer in \[1, 1048576\], got '0'/],
  [['--epochs', 'two'], /--epochs must be an integer/],
  [['--activation', 'gelu'], /argument 'gelu' is invalid. Allowed choices are tanh, relu, sigmoid/],
  [['--optimizer', 'rmsprop'], /Allowed choices are sgd, adam/],
  [['--data', '/nonexistent-dir'], /nonexistent-dir/],
  [['--bogus'], /unknown option '--bogus'/],
  // an empty value (an unset shell variable in --resume "$CKPT") is an error, never "not given"
  [['--resume', ''], /option '--resume <dir>' argument '' is invalid\. --resume needs a path, got an empty string \(an unset shell variable\?\)/],
  [['--checkpoint', ''], /--checkpoint needs a path, got an empty string/],
  [['--data', ''], /--data needs a path, got an empty string/],
  [['--data', '  '], /--data needs a path, got only whitespace \('  '\)/],
] as Array<[string[], RegExp]>) {
  test(`gaaf train ${args.join(' ')} fails with a clear message`, () => {
    const r = run('train', ...args);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, msg);
  });
}

for (const args of [['reproduce', 'mlp', '--out', ''], ['reproduce', 'cnn', '--data', '']]) {
  test(`gaaf ${args.join(' ')} (an empty path) fails before any work`, () => {
    const r = run(...args);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`${args[2]} needs a path, got an empty string`));
    assert.equal(r.stdout, '');
  });
}
