import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataFormatError, MissingDataFilesError } from '../src/data/errors.js';
import { gunzipCapped, loadIdxPair, parseIdx, readIdxFile } from '../src/data/idx.js';
import { DEBIAN_FASHION_MNIST_DIR, loadDataDir } from '../src/data/load.js';
import { makeDataset, subset } from '../src/data/dataset.js';
import { missingPath, testNeeds } from './requirements.js';

/** Builds an IDX buffer: magic 00 00 type ndim, big-endian u32 dims, then `data`. */
function idx(type: number, dims: number[], data: Uint8Array): Uint8Array {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = type;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, data]);
}
const images = (n: number, r = 3, c = 4) =>
  idx(0x08, [n, r, c], Uint8Array.from({ length: n * r * c }, (_, i) => (i * 37) % 256));
const labels = (ys: number[]) => idx(0x08, [ys.length], Uint8Array.from(ys));

let dir: string;
let k = 0;
/** Writes `bytes` as `name` in a fresh subdirectory (so names can repeat) and returns the path. */
function file(name: string, bytes: Uint8Array): string {
  const d = join(dir, String(k++));
  mkdirSync(d);
  const p = join(d, name);
  writeFileSync(p, bytes);
  return p;
}

/** Asserts fn throws a DataFormatError for `path` at `offset` whose message contains `text`. */
function throwsAt(fn: () => unknown, path: string, offset: number, text: string | RegExp, decompressed = false) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataFormatError, `expected DataFormatError, got ${e}`);
    assert.equal(e.file, path);
    assert.equal(e.offset, offset, e.message);
    assert.equal(e.offsetIn, decompressed ? 'decompressed' : 'file');
    const base = path.split('/').pop()!;
    assert.ok(e.message.includes(base), `message names the file: ${e.message}`);
    assert.ok(e.message.includes(`${decompressed ? 'decompressed byte' : 'byte'} ${offset}:`), e.message);
    if (typeof text === 'string') assert.ok(e.message.includes(text), `"${e.message}" should contain "${text}"`);
    else assert.match(e.message, text);
    return true;
  });
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'gaaf-idx-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('IDX happy path', () => {
  for (const gz of [false, true]) {
    test(`loadIdxPair ${gz ? 'gzip' : 'plain'}`, () => {
      const enc = (b: Uint8Array) => (gz ? gzipSync(b) : b);
      const ext = gz ? '.gz' : '';
      const ip = file(`train-images-idx3-ubyte${ext}`, enc(images(5)));
      const lp = file(`train-labels-idx1-ubyte${ext}`, enc(labels([0, 9, 3, 3, 7])));
      const ds = loadIdxPair(ip, lp);
      assert.equal(ds.count, 5);
      assert.deepEqual(ds.sampleShape, [12]);
      assert.equal(ds.numClasses, 10);
      assert.equal(ds.name, ip);
      assert.deepEqual([...ds.y], [0, 9, 3, 3, 7]);
      assert.equal(ds.x.length, 60);
      for (let i = 0; i < 60; i++) assert.equal(ds.x[i], Math.fround(((i * 37) % 256) / 255));
      assert.deepEqual(loadIdxPair(ip, lp, { flatten: false }).sampleShape, [3, 4, 1]);
    });
  }

  test('gzip detected by magic, not by name', () => {
    const gzNoExt = file('imgs', gzipSync(images(2)));
    const plainGzExt = file('imgs.gz', images(2));
    assert.deepEqual(readIdxFile(gzNoExt).dims, [2, 3, 4]);
    assert.deepEqual(readIdxFile(plainGzExt).dims, [2, 3, 4]);
    assert.equal(readIdxFile(gzNoExt).offsetIn, 'decompressed');
    assert.equal(readIdxFile(plainGzExt).offsetIn, 'file');
  });

  test('other IDX types decode big-endian', () => {
    const be = (w: (b: Buffer) => void, n: number) => {
      const b = Buffer.alloc(n);
      w(b);
      return b;
    };
    assert.deepEqual([...parseIdx(idx(0x09, [2], Uint8Array.from([0xff, 5])), 'f').data], [-1, 5]);
    const i16 = be((b) => (b.writeInt16BE(-2, 0), b.writeInt16BE(300, 2)), 4);
    assert.deepEqual([...parseIdx(idx(0x0b, [2], i16), 'f').data], [-2, 300]);
    const i32 = be((b) => (b.writeInt32BE(-70000, 0), b.writeInt32BE(123456789, 4)), 8);
    assert.deepEqual([...parseIdx(idx(0x0c, [2], i32), 'f').data], [-70000, 123456789]);
    const f32 = be((b) => (b.writeFloatBE(1.5, 0), b.writeFloatBE(-0.25, 4)), 8);
    assert.deepEqual([...parseIdx(idx(0x0d, [1, 2], f32), 'f').data], [1.5, -0.25]);
    const f64 = be((b) => b.writeDoubleBE(Math.PI, 0), 8);
    const a = parseIdx(idx(0x0e, [1], f64), 'f');
    assert.deepEqual([...a.data], [Math.PI]);
    assert.equal(a.type, 0x0e);
    assert.equal(a.dataOffset, 8);
  });
});

describe('IDX errors: DataFormatError with file and byte offset', () => {
  test('empty file', () => {
    const p = file('train-images-idx3-ubyte', new Uint8Array(0));
    throwsAt(() => readIdxFile(p), p, 0, 'empty file');
  });

  test('wrong magic (example message)', () => {
    const p = file('train-images-idx3-ubyte.gz', gzipSync(new Uint8Array(16)));
    const lp = file('train-labels-idx1-ubyte', labels([1]));
    throwsAt(() => loadIdxPair(p, lp), p, 0, 'bad magic 0x00000000, expected 0x00000803 (IDX3, unsigned byte)', true);
  });

  test('wrong magic: labels file given as images', () => {
    const lp = file('train-labels-idx1-ubyte', labels([1, 2]));
    throwsAt(() => loadIdxPair(lp, lp), lp, 0, 'bad magic 0x00000801, expected 0x00000803 (IDX3, unsigned byte)');
  });

  test('wrong magic: garbage, unknown type, ndim 0', () => {
    for (const head of [[0x12, 0x34, 0x56, 0x78], [0, 0, 0x07, 1], [0, 0, 0x08, 0]]) {
      const p = file('x-idx', Uint8Array.from([...head, 0, 0, 0, 0]));
      throwsAt(() => readIdxFile(p), p, 0, /bad magic 0x[0-9A-F]{8}, expected/);
    }
  });

  test('truncated header', () => {
    const p = file('t-idx3', images(1).subarray(0, 9));
    throwsAt(() => readIdxFile(p), p, 9, 'truncated header: 3 dimensions need a 16-byte header, file has 9 bytes');
    const q = file('t-idx3', Uint8Array.from([0, 0]));
    throwsAt(() => readIdxFile(q), q, 2, 'truncated header');
    const g = file('t-idx3.gz', gzipSync(images(1).subarray(0, 12)));
    throwsAt(() => readIdxFile(g), g, 12, 'truncated header', true);
  });

  test('truncated data (dims need more bytes than the file has)', () => {
    const full = images(4);
    const p = file('trunc-idx3', full.subarray(0, full.length - 5));
    throwsAt(() => readIdxFile(p), p, full.length - 5, 'truncated data: dims 4×3×4 of unsigned byte need 48 data bytes');
    const q = file('dims-idx3', idx(0x08, [60000, 28, 28], new Uint8Array(100)));
    throwsAt(() => readIdxFile(q), q, 116, 'need 47040000 data bytes (file length 47040016)');
  });

  test('trailing bytes (dims need fewer bytes than the file has)', () => {
    const full = images(2);
    const p = file('trail-idx3', Buffer.concat([full, Buffer.from([1, 2, 3])]));
    throwsAt(() => readIdxFile(p), p, full.length, '3 trailing bytes');
    const g = file('trail-idx3.gz', gzipSync(Buffer.concat([full, Buffer.from([1])])));
    throwsAt(() => readIdxFile(g), g, full.length, '1 trailing bytes', true);
  });

  test('label out of range: offset of the first bad label byte', () => {
    const ip = file('imgs', images(5));
    const lp = file('train-labels-idx1-ubyte', labels([0, 1, 2, 10, 255]));
    throwsAt(() => loadIdxPair(ip, lp), lp, 8 + 3, 'label 10 (sample 3) out of range, expected 0..9');
    const gp = file('train-labels-idx1-ubyte.gz', gzipSync(labels([0, 1, 2, 3, 4])));
    throwsAt(() => loadIdxPair(ip, gp, { numClasses: 4 }), gp, 8 + 4, 'label 4 (sample 4) out of range, expected 0..3', true);
  });

  test('image/label count mismatch', () => {
    const ip = file('train-images-idx3-ubyte', images(5));
    const lp = file('train-labels-idx1-ubyte', labels([0, 1, 2, 3]));
    throwsAt(() => loadIdxPair(ip, lp), lp, 4, 'label count 4 does not match image count 5');
  });

  test('gzip bomb: 10 MB of zeros with a 1 MB cap', () => {
    const p = file('bomb-idx3-ubyte.gz', gzipSync(Buffer.alloc(10 * 1024 * 1024)));
    throwsAt(() => readIdxFile(p, { maxBytes: 1 << 20 }), p, 1 << 20, 'exceeds the cap of 1048576 bytes', true);
  });

  test('plain file over the cap', () => {
    const p = file('big-idx3', images(10));
    throwsAt(() => readIdxFile(p, { maxBytes: 100 }), p, 100, 'over the cap of 100 bytes');
  });

  test('truncated gzip: offset is the end of the file', () => {
    const gz = gzipSync(images(50));
    const p = file('trunc-idx3.gz', gz.subarray(0, gz.length - 20));
    throwsAt(() => readIdxFile(p), p, gz.length - 20, 'truncated gzip stream');
    const q = file('trunc2.gz', Uint8Array.from([0x1f, 0x8b]));
    throwsAt(() => readIdxFile(q), q, 2, 'truncated gzip header: the file ends inside the fixed 10-byte header');
    const t = file('trunc3.gz', gz.subarray(0, gz.length - 3));
    throwsAt(() => readIdxFile(t), t, gz.length - 3, /truncated gzip stream: the file ends inside the 8-byte trailer/);
  });

  test('zero dimensions: no samples, or samples of no pixels', () => {
    const p = file('zero-idx3', idx(0x08, [0, 28, 28], new Uint8Array(0)));
    throwsAt(() => readIdxFile(p), p, 4, 'dimension 1 of 3 is 0, expected at least 1');
    const q = file('zero-idx3', idx(0x08, [2, 28, 0], new Uint8Array(0)));
    throwsAt(() => readIdxFile(q), q, 12, 'dimension 3 of 3 is 0');
  });

  test('gzip members, header fields and trailer: each error at its byte', () => {
    const a = images(2);
    const b = images(3);
    // two members (gzip a b > c) decompress to both; zero padding after the last is ignored
    const two = file('two-idx3.gz', Buffer.concat([gzipSync(Buffer.concat([a.subarray(0, 10)])), gzipSync(Buffer.concat([a.subarray(10)])), Buffer.alloc(7)]));
    assert.deepEqual(readIdxFile(two).dims, [2, 3, 4]);
    const gz = gzipSync(b);
    const junk = file('junk-idx3.gz', Buffer.concat([gz, Buffer.from('junk')]));
    throwsAt(() => readIdxFile(junk), junk, gz.length, '4 bytes follow the end of the gzip data and do not begin another gzip member');
    const method = Buffer.from(gz);
    method[2] = 7;
    const pm = file('m.gz', method);
    throwsAt(() => readIdxFile(pm), pm, 2, 'compression method 7 is not deflate (8)');
    const flags = Buffer.from(gz);
    flags[3] = 0x20;
    const pf = file('f.gz', flags);
    throwsAt(() => readIdxFile(pf), pf, 3, 'reserved header flag bits set');
    // FNAME + FHCRC with a wrong header CRC
    const named = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 8 | 2, 0, 0, 0, 0, 0, 3]), Buffer.from('name\0'), Buffer.from([0x12, 0x34]), gz.subarray(10)]);
    const ph = file('h.gz', named);
    throwsAt(() => readIdxFile(ph), ph, 15, /header CRC 0x3412 does not match the header's 0x[0-9a-f]+/);
    const len = Buffer.from(gz);
    len.writeUInt32LE(b.length + 1, gz.length - 4);
    const pl = file('l.gz', len);
    throwsAt(() => readIdxFile(pl), pl, gz.length - 4, `length mismatch: the trailer records ${b.length + 1} bytes`);
  });

  test('a bad CRC is found in one pass: refusing it costs about one decompression, at any size', (t) => {
    // The error path used to bisect over prefixes, inflating about log2(size) of them. Timed
    // against a valid decompression of the same bytes, in the same process, interleaved.
    const ratio = (mib: number): number => {
      const raw = Uint8Array.from({ length: mib << 20 }, (_, i) => (Math.imul(i, 2654435761) >>> 27) * (i % 3));
      const ok = gzipSync(raw);
      const bad = Buffer.from(ok);
      bad[ok.length - 6]! ^= 1;
      const times = { ok: [] as number[], bad: [] as number[] };
      for (let r = 0; r < 5; r++) {
        let t = performance.now();
        gunzipCapped(ok, 'ok.gz');
        times.ok.push(performance.now() - t);
        t = performance.now();
        assert.throws(() => gunzipCapped(bad, 'bad.gz'), (e: unknown) => e instanceof DataFormatError && e.offset === ok.length - 8 && /CRC-32 mismatch/.test(e.message));
        times.bad.push(performance.now() - t);
      }
      const med = (xs: number[]) => xs.sort((x, y) => x - y)[2]!;
      return med(times.bad) / med(times.ok);
    };
    const small = ratio(1);
    const large = ratio(8);
    t.diagnostic(`refusing a bad CRC / a valid decompression of the same bytes (medians of 5): ${small.toFixed(2)} at 1 MiB, ${large.toFixed(2)} at 8 MiB`);
    // bisecting gave 13 to 18 here (1, 4 and 16 MiB); one pass about 1
    assert.ok(small < 4 && large < 4, `refusing a bad CRC took ${small.toFixed(1)}× a valid decompression at 1 MiB, ${large.toFixed(1)}× at 8 MiB`);
  });

  test('corrupt gzip: offset at or after the damaged byte', () => {
    const src = images(200, 28, 28);
    const gz = Buffer.from(gzipSync(src));
    const bad = Buffer.from(gz);
    const at = Math.floor(gz.length / 2);
    for (let i = at; i < at + 16; i++) bad[i] ^= 0xa5;
    const p = file('corrupt-idx3.gz', bad);
    assert.throws(() => readIdxFile(p), (e: unknown) => {
      assert.ok(e instanceof DataFormatError);
      assert.ok(e.offset >= at && e.offset < gz.length, `offset ${e.offset} should be in [${at}, ${gz.length})`);
      // zlib refuses the data, or it inflates to other bytes and the trailer's CRC-32 does not match
      assert.match(e.message, new RegExp(`corrupt-idx3\\.gz: byte ${e.offset}: (corrupt gzip data \\(zlib: |CRC-32 mismatch)`));
      return true;
    });
    const crc = Buffer.from(gz);
    crc[gz.length - 6]! ^= 1; // CRC32 in the trailer
    const q = file('crc-idx3.gz', crc);
    assert.throws(() => readIdxFile(q), (e: unknown) => {
      assert.ok(e instanceof DataFormatError);
      assert.equal(e.offset, gz.length - 8, 'the offset of the trailer');
      assert.match(e.message, /CRC-32 mismatch: the trailer records 0x[0-9a-f]{8}, the 156816 decompressed bytes have 0x[0-9a-f]{8}/);
      return true;
    });
  });

  test('parseIdx refuses still-compressed bytes', () => {
    throwsAt(() => parseIdx(gzipSync(images(1)), 'a.gz'), 'a.gz', 0, 'found gzip magic 1f 8b');
  });
});

describe('loadDataDir', () => {
  test('finds plain, .gz and dot-variant names', () => {
    const d = join(dir, 'mixed');
    mkdirSync(d);
    writeFileSync(join(d, 'train-images.idx3-ubyte'), images(6));
    writeFileSync(join(d, 'train-labels-idx1-ubyte.gz'), gzipSync(labels([1, 2, 3, 4, 5, 6])));
    writeFileSync(join(d, 't10k-images-idx3-ubyte.gz'), gzipSync(images(2)));
    writeFileSync(join(d, 't10k-labels.idx1-ubyte'), labels([7, 8]));
    const { train, test: t } = loadDataDir(d);
    assert.equal(train.count, 6);
    assert.equal(t.count, 2);
    assert.deepEqual([...t.y], [7, 8]);
  });

  test('missing files are listed with every name tried', () => {
    const d = join(dir, 'partial');
    mkdirSync(d);
    writeFileSync(join(d, 'train-images-idx3-ubyte'), images(1));
    writeFileSync(join(d, 'train-labels-idx1-ubyte'), labels([1]));
    assert.throws(() => loadDataDir(d), (e: unknown) => {
      assert.ok(e instanceof MissingDataFilesError);
      assert.equal(e.missing.length, 2);
      assert.ok(e.message.includes(d));
      for (const n of ['t10k-images-idx3-ubyte', 't10k-images-idx3-ubyte.gz', 't10k-images.idx3-ubyte', 't10k-labels-idx1-ubyte.gz']) {
        assert.ok(e.message.includes(n), `${n} in ${e.message}`);
      }
      assert.ok(!e.message.includes('train-images'), e.message);
      return true;
    });
  });

  test('nonexistent directory', () => {
    assert.throws(() => loadDataDir(join(dir, 'nope')), (e: unknown) => {
      assert.ok(e instanceof MissingDataFilesError);
      assert.match(e.message, /nope: not a directory; looked for:/);
      assert.equal(e.missing.length, 4);
      return true;
    });
  });

  // GAAF_FASHION_MNIST points elsewhere (a missing path shows the skip, or the CI failure)
  const fashionDir = process.env.GAAF_FASHION_MNIST ?? DEBIAN_FASHION_MNIST_DIR;
  testNeeds(
    missingPath(fashionDir, "Debian's Fashion-MNIST", 'apt-get install -y dataset-fashion-mnist; .ci/run does this'),
    `Debian Fashion-MNIST at ${fashionDir}`,
    {},
    () => {
      const { train, test: t } = loadDataDir(fashionDir);
      for (const [ds, n] of [[train, 60000], [t, 10000]] as const) {
        assert.equal(ds.count, n);
        assert.deepEqual(ds.sampleShape, [784]);
        assert.equal(ds.x.length, n * 784);
        assert.equal(ds.numClasses, 10);
        const perClass = new Array(10).fill(0);
        for (const v of ds.y) perClass[v]++;
        assert.deepEqual(perClass, new Array(10).fill(n / 10)); // Fashion-MNIST is balanced
        let lo = Infinity, hi = -Infinity;
        for (const v of ds.x) { if (v < lo) lo = v; if (v > hi) hi = v; }
        assert.equal(lo, 0);
        assert.equal(hi, 1);
      }
    },
  );
});

describe('Dataset', () => {
  const x = Float32Array.from({ length: 12 }, (_, i) => i / 12);
  const y = Int32Array.from([0, 1, 2]);
  test('makeDataset validates with expected vs actual', () => {
    const ds = makeDataset(x, y, [2, 2], 3, 'toy');
    assert.equal(ds.count, 3);
    assert.throws(() => makeDataset(x.subarray(1), y, [4], 3, 'toy'), /x has 11 values, expected 12/);
    assert.throws(() => makeDataset(x, Int32Array.from([0, 3, 1]), [4], 3, 'toy'), /y\[1\] = 3 out of range, expected 0\.\.2/);
    assert.throws(() => makeDataset(x, Int32Array.from([0, -1, 1]), [4], 3, 'toy'), /y\[1\] = -1/);
    const nan = Float32Array.from(x);
    nan[6] = NaN;
    assert.throws(() => makeDataset(nan, y, [4], 3, 'toy'), /x\[6\] \(sample 1, element 2\) is NaN/);
    assert.throws(() => makeDataset(x, y, [0, 4], 3, 'toy'), /sampleShape/);
  });
  test('subset by range (view) and by indices (copy)', () => {
    const ds = makeDataset(x, y, [4], 3, 'toy');
    const r = subset(ds, { start: 1, end: 3 });
    assert.equal(r.count, 2);
    assert.deepEqual([...r.y], [1, 2]);
    assert.equal(r.x[0], x[4]);
    assert.equal(r.x.buffer, x.buffer);
    const s = subset(ds, [2, 0]);
    assert.deepEqual([...s.y], [2, 0]);
    assert.deepEqual([...s.x.subarray(0, 4)], [...x.subarray(8, 12)]);
    assert.throws(() => subset(ds, [3]), /indices\[0\] = 3 out of range/);
    assert.throws(() => subset(ds, { start: 2, end: 4 }), /range \[2, 4\) invalid/);
  });
});
