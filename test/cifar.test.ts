// CIFAR-10 / CIFAR-100 binary readers on generated files: pixel layout (planes → NHWC),
// labels, directory detection through loadDataDir, and the typed errors for malformed files.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { init, DataFormatError, MissingDataFilesError, loadDataDir } from '../src/node.js';
import { CIFAR_PIXELS, cifarRecordSize, detectCifar, parseCifar } from '../src/data/cifar.js';
import { loadTrainTest } from '../src/data/load.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

const root = mkdtempSync(join(tmpdir(), 'gaaf-cifar-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Pixel byte of record r, channel c, row h, column w: a pattern that tells every index apart (mod 256). */
const px = (r: number, c: number, h: number, w: number): number => (r * 7 + c * 101 + h * 13 + w * 3) & 255;

/** Builds records with the given label bytes each (1 for CIFAR-10, 2 for CIFAR-100). */
function records(labels: number[][], first = 0): Uint8Array {
  const lb = labels[0]?.length ?? 1;
  const rec = lb + CIFAR_PIXELS;
  const out = new Uint8Array(labels.length * rec);
  labels.forEach((l, i) => {
    const base = i * rec;
    l.forEach((v, k) => (out[base + k] = v));
    for (let c = 0; c < 3; c++) for (let h = 0; h < 32; h++) for (let w = 0; w < 32; w++) {
      out[base + lb + c * 1024 + h * 32 + w] = px(first + i, c, h, w);
    }
  });
  return out;
}

test('CIFAR-10 records become NHWC floats in [0, 1] with their labels', () => {
  const bytes = records([[3], [9], [0]]);
  const { x, y } = parseCifar(bytes, 'b.bin', 'cifar10');
  assert.deepEqual([...y], [3, 9, 0]);
  assert.equal(x.length, 3 * 3072);
  for (const [r, h, w, c] of [[0, 0, 0, 0], [1, 5, 17, 2], [2, 31, 31, 1], [2, 0, 31, 0], [1, 31, 0, 2]]) {
    assert.equal(x[((r * 32 + h) * 32 + w) * 3 + c], Math.fround(px(r, c, h, w) / 255), `x[${r}, ${h}, ${w}, ${c}]`);
  }
});

test('CIFAR-100 records: fine labels by default, coarse on request', () => {
  const bytes = records([[4, 99], [19, 0]]);
  assert.deepEqual([...parseCifar(bytes, 't.bin', 'cifar100').y], [99, 0]);
  assert.deepEqual([...parseCifar(bytes, 't.bin', 'cifar100', { label: 'coarse' }).y], [4, 19]);
  const { x } = parseCifar(bytes, 't.bin', 'cifar100');
  assert.equal(x[((1 * 32 + 2) * 32 + 3) * 3 + 1], Math.fround(px(1, 1, 2, 3) / 255));
});

test('malformed files: typed errors naming the file and byte offset', () => {
  const empty = (): unknown => parseCifar(new Uint8Array(0), 'empty.bin', 'cifar10');
  assert.throws(empty, (e: unknown) => e instanceof DataFormatError && e.file === 'empty.bin' && e.offset === 0 && /empty file/.test(e.message));
  // two whole records and 100 bytes of a third
  const cut = records([[1], [2], [3]]).subarray(0, 2 * 3073 + 100);
  assert.throws(() => parseCifar(cut, 'cut.bin', 'cifar10'), (e: unknown) =>
    e instanceof DataFormatError && e.offset === 2 * 3073 && /cut\.bin: byte 6146: file length 6246 is not a multiple of the CIFAR-10 record size 3073/.test(e.message));
  // a CIFAR-100 file read as CIFAR-10 is not a whole number of 3073-byte records
  assert.throws(() => parseCifar(records([[1, 2]]), 'c100.bin', 'cifar10'), /not a multiple of the CIFAR-10 record size 3073/);
  const bad10 = records([[1], [10]]);
  assert.throws(() => parseCifar(bad10, 'bad.bin', 'cifar10'), (e: unknown) =>
    e instanceof DataFormatError && e.offset === 3073 && /bad\.bin: byte 3073: label 10 \(record 1\) out of range, expected 0\.\.9/.test(e.message));
  const bad100 = records([[0, 0], [0, 1], [2, 100]]);
  assert.throws(() => parseCifar(bad100, 'f.bin', 'cifar100'), (e: unknown) =>
    e instanceof DataFormatError && e.offset === 2 * 3074 + 1 && /fine label 100 \(record 2\) out of range, expected 0\.\.99/.test(e.message));
  const badCoarse = records([[20, 5]]);
  assert.throws(() => parseCifar(badCoarse, 'c.bin', 'cifar100', { label: 'coarse' }), /byte 0: coarse label 20 \(record 0\) out of range, expected 0\.\.19/);
  // with fine labels the coarse byte is still checked
  assert.throws(() => parseCifar(badCoarse, 'c.bin', 'cifar100'), /byte 0: coarse label 20/);
  assert.equal(cifarRecordSize('cifar100'), 3074);
});

test('--data directories: CIFAR-10 and CIFAR-100 are detected, flat or as images', () => {
  const c10 = join(root, 'c10', 'cifar-10-batches-bin');
  mkdirSync(c10, { recursive: true });
  for (let i = 1; i <= 5; i++) writeFileSync(join(c10, `data_batch_${i}.bin`), records([[i], [i + 1]], 2 * i));
  writeFileSync(join(c10, 'test_batch.bin'), records([[7]]));
  // the parent directory is detected too
  assert.deepEqual(detectCifar(join(root, 'c10')), { kind: 'cifar10', dir: c10 });
  const img = loadDataDir(join(root, 'c10'), { flatten: false });
  assert.deepEqual(img.train.sampleShape, [32, 32, 3]);
  assert.equal(img.train.count, 10);
  assert.equal(img.train.numClasses, 10);
  assert.deepEqual([...img.train.y], [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
  // batch i's records were generated with indices 2i, 2i + 1: training record 6 (batch 4's first) with 8
  assert.equal(img.train.x[6 * 3072 + ((4 * 32 + 9) * 3 + 2)], Math.fround(px(8, 2, 4, 9) / 255));
  assert.deepEqual([...img.test.y], [7]);
  const flat = loadDataDir(c10);
  assert.deepEqual(flat.train.sampleShape, [3072]);
  assert.deepEqual(flat.train.x, img.train.x);

  const c100 = join(root, 'c100');
  mkdirSync(c100);
  writeFileSync(join(c100, 'train.bin'), records([[1, 50], [2, 60]]));
  writeFileSync(join(c100, 'test.bin'), records([[3, 70]]));
  const fine = loadTrainTest(c100, { image: true });
  assert.equal(fine.train.numClasses, 100);
  assert.deepEqual([...fine.train.y], [50, 60]);
  assert.deepEqual(fine.test.sampleShape, [32, 32, 3]);
  const coarse = loadDataDir(c100, { cifarLabel: 'coarse' });
  assert.equal(coarse.train.numClasses, 20);
  assert.deepEqual([...coarse.test.y], [3]);
});

test('an incomplete CIFAR directory names the missing files; a malformed one names file and offset', () => {
  const d = join(root, 'partial');
  mkdirSync(d);
  writeFileSync(join(d, 'data_batch_1.bin'), records([[0]]));
  assert.throws(() => loadDataDir(d), (e: unknown) =>
    e instanceof MissingDataFilesError && /incomplete CIFAR-10 directory/.test(e.message) && /data_batch_5\.bin/.test(e.message) && /test_batch\.bin/.test(e.message) && !/data_batch_1/.test(e.message));
  for (let i = 2; i <= 5; i++) writeFileSync(join(d, `data_batch_${i}.bin`), records([[0]]));
  writeFileSync(join(d, 'test_batch.bin'), new Uint8Array(0));
  assert.throws(() => loadDataDir(d), (e: unknown) => e instanceof DataFormatError && e.file === join(d, 'test_batch.bin') && /empty file/.test(e.message));
});

test('the bundled digits reach image models as [28, 28, 1], the MLP as [784]', () => {
  const img = loadTrainTest(undefined, { image: true });
  const flat = loadTrainTest(undefined, { image: false });
  assert.deepEqual(img.train.sampleShape, [28, 28, 1]);
  assert.deepEqual(flat.train.sampleShape, [784]);
  assert.equal(img.train.x, flat.train.x);
});
