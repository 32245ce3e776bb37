// Bad data files and flags through the command line: each refused before training with a
// message naming the file and byte offset, or the flag and the value.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { init, Adam, SGD, paperMlp } from '../src/node.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'gaaf-bad-'));
after(() => rmSync(root, { recursive: true, force: true }));

const idx = (type: number, dims: number[], data: Uint8Array): Buffer => {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = type;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, data]);
};
const images = (n: number) => idx(0x08, [n, 28, 28], new Uint8Array(n * 784).fill(7));
const labels = (ys: number[]) => idx(0x08, [ys.length], Uint8Array.from(ys));

/** A data directory with valid files except `bad`, which replaces one of them. */
function dataDir(name: string, bad: Partial<Record<'train-images-idx3-ubyte' | 'train-labels-idx1-ubyte' | 'train-images-idx3-ubyte.gz', Buffer>>): string {
  const d = join(root, name);
  mkdirSync(d);
  const files: Record<string, Buffer> = {
    't10k-images-idx3-ubyte': images(3),
    't10k-labels-idx1-ubyte': labels([1, 2, 3]),
    'train-labels-idx1-ubyte': labels([0, 1, 2, 3]),
    ...(bad['train-images-idx3-ubyte.gz'] ? {} : { 'train-images-idx3-ubyte': images(4) }),
    ...bad,
  };
  for (const [f, b] of Object.entries(files)) writeFileSync(join(d, f), b);
  return d;
}

const cases: Array<[string, string, RegExp]> = [
  ['empty file', dataDir('empty', { 'train-images-idx3-ubyte': Buffer.alloc(0) }), /train-images-idx3-ubyte: byte 0: empty file/],
  ['wrong magic', dataDir('magic', { 'train-images-idx3-ubyte': labels([1, 2]) }), /train-images-idx3-ubyte: byte 0: bad magic 0x00000801, expected 0x00000803/],
  ['truncated', dataDir('trunc', { 'train-images-idx3-ubyte': images(4).subarray(0, 1000) }), /train-images-idx3-ubyte: byte 1000: truncated data: dims 4×28×28/],
  ['dims that do not match the length', dataDir('dims', { 'train-images-idx3-ubyte': Buffer.concat([images(4), Buffer.alloc(9)]) }), /byte 3152: 9 trailing bytes/],
  ['label out of range', dataDir('label', { 'train-labels-idx1-ubyte': labels([0, 1, 12, 3]) }), /train-labels-idx1-ubyte: byte 10: label 12 \(sample 2\) out of range, expected 0\.\.9/],
  ['corrupt gzip', dataDir('gz', { 'train-images-idx3-ubyte.gz': gzipSync(images(4)).subarray(0, 30) }), /train-images-idx3-ubyte\.gz: byte 30: truncated gzip stream/],
];
for (const [what, d, msg] of cases) {
  test(`gaaf train --data with a bad file (${what}) names the file and byte offset`, () => {
    const r = spawnSync(process.execPath, [cli, 'train', '--data', d, '--epochs', '1'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^gaaf: error: /);
    assert.match(r.stderr, msg);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('the API refuses bad optimizer settings before any work', async () => {
  assert.throws(() => new Adam({ lr: NaN }), /Adam learning rate must be a positive finite number, got NaN/);
  assert.throws(() => new Adam({ lr: -1e-3 }), /Adam learning rate must be a positive finite number, got -0\.001/);
  assert.throws(() => new SGD({ momentum: 1 }), /SGD momentum must be in \[0, 1\), got 1/);
  const m = paperMlp({ hidden: [8] });
  await assert.rejects(m.fit({ x: new Float32Array(784), y: new Int32Array(1), count: 1, sampleShape: [784], numClasses: 10, name: 'one' },
    { checkpoint: { to: join(root, 'c'), everySteps: 0 } }), /checkpoint\.everySteps must be an integer ≥ 1, got 0/);
  assert.equal(m.built, false, 'nothing was built');
});

test('a named pipe or a directory given as a data or checkpoint file is refused, not waited on', async () => {
  const { readIdxFile, DataFormatError, CheckpointError, Sequential } = await import('../src/node.js');
  const fifo = join(root, 'pipe-idx3-ubyte');
  const mk = spawnSync('mkfifo', [fifo]);
  if (mk.status === 0) {
    assert.throws(() => readIdxFile(fifo), (e: unknown) => e instanceof DataFormatError && /pipe-idx3-ubyte: byte 0: is a named pipe \(FIFO\), not a regular file/.test(e.message));
  }
  assert.throws(() => readIdxFile(root), (e: unknown) => e instanceof DataFormatError && /: byte 0: is a directory, not a regular file/.test(e.message));
  const ck = join(root, 'ck-dir');
  mkdirSync(join(ck), { recursive: true });
  mkdirSync(join(ck, 'checkpoint.json'));
  await assert.rejects(Sequential.load(ck), (e: unknown) => e instanceof CheckpointError && /checkpoint\.json: is a directory, not a regular file/.test(e.message));
});
