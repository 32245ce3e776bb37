import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BUNDLED_TOTAL,
  DEFAULT_SPLIT_SEED,
  DIGIT_COUNTS,
  bundledSplitIndices,
  loadBundledDigits,
  parseBundledDigits,
  readBundledDigits,
  splitBundledDigits,
} from '../src/data/bundled.js';

/** FNV-1a over a label sequence; pins the split order across versions and machines. */
function fnv1a(y: Int32Array): number {
  let h = 0x811c9dc5;
  for (const v of y) h = Math.imul(h ^ v, 0x01000193) >>> 0;
  return h;
}

describe('bundled MNIST digits', () => {
  test('8000 train / 2000 test, flattened 784, 10 classes, first load timed', () => {
    const t0 = performance.now();
    const { train, test: t } = loadBundledDigits();
    const first = performance.now() - t0;
    const t1 = performance.now();
    const again = loadBundledDigits();
    const second = performance.now() - t1;
    console.log(`bundled load: first ${first.toFixed(0)} ms, cached ${second.toFixed(3)} ms`);
    assert.equal(again.train, train, 'second call returns the cached datasets');
    assert.ok(second < 5, `cached call took ${second} ms`);
    assert.equal(train.count, 8000);
    assert.equal(t.count, 2000);
    for (const ds of [train, t]) {
      assert.deepEqual(ds.sampleShape, [784]);
      assert.equal(ds.numClasses, 10);
      assert.equal(ds.x.length, ds.count * 784);
    }
    assert.equal(train.name, 'bundled MNIST digits (train)');
    assert.equal(t.name, 'bundled MNIST digits (test)');
  });

  test('every label present; class counts add up to the package counts', () => {
    const { train, test: t } = loadBundledDigits();
    const canon = readBundledDigits();
    const per = (y: Int32Array) => {
      const c = new Array(10).fill(0);
      for (const v of y) c[v]++;
      return c;
    };
    assert.deepEqual(per(canon.y), DIGIT_COUNTS);
    const a = per(train.y), b = per(t.y);
    for (let d = 0; d < 10; d++) {
      assert.ok(a[d] > 0 && b[d] > 0, `digit ${d} present in both sets`);
      assert.equal(a[d] + b[d], DIGIT_COUNTS[d]);
    }
  });

  test('pixels in [0,1], some ink in every image', () => {
    const { train, test: t } = loadBundledDigits();
    for (const ds of [train, t]) {
      for (const v of ds.x) assert.ok(v >= 0 && v <= 1);
      for (let i = 0; i < ds.count; i++) {
        let s = 0;
        for (let j = 0; j < 784; j++) s += ds.x[i * 784 + j]!;
        assert.ok(s > 0, `sample ${i} of ${ds.name} is blank`);
      }
    }
  });

  test('split is a partition of the 10,000 digits and the datasets follow the indices', () => {
    const { train: ti, test: si } = bundledSplitIndices();
    assert.equal(ti.length, 8000);
    assert.equal(si.length, 2000);
    const seen = new Uint8Array(BUNDLED_TOTAL);
    for (const i of ti) seen[i]!++;
    for (const i of si) seen[i]!++;
    assert.ok(seen.every((c) => c === 1), 'each index exactly once across train and test');
    const canon = readBundledDigits();
    const { train, test: t } = loadBundledDigits();
    for (const [ds, idx] of [[train, ti], [t, si]] as const) {
      for (let j = 0; j < idx.length; j++) {
        const i = idx[j]!;
        assert.equal(ds.y[j], canon.y[i]);
        assert.deepEqual(ds.x.subarray(j * 784, (j + 1) * 784), canon.x.subarray(i * 784, (i + 1) * 784));
      }
    }
  });

  test('deterministic: same split twice, stable label-order checksum', () => {
    const a = bundledSplitIndices(DEFAULT_SPLIT_SEED);
    const b = bundledSplitIndices(0x6aaf);
    assert.deepEqual(a.train, b.train);
    assert.deepEqual(a.test, b.test);
    const fresh = splitBundledDigits(readBundledDigits());
    const cached = loadBundledDigits();
    assert.deepEqual(fresh.train.y, cached.train.y);
    assert.deepEqual(fresh.test.x, cached.test.x);
    // Pinned values: if these change, the default split changed for every user.
    assert.equal(fnv1a(cached.train.y), TRAIN_LABEL_FNV);
    assert.equal(fnv1a(cached.test.y), TEST_LABEL_FNV);
    assert.deepEqual([...a.test.subarray(0, 5)], TEST_FIRST_INDICES);
  });

  test('another seed gives another split', () => {
    const other = loadBundledDigits({ splitSeed: 1 });
    assert.notDeepEqual(other.train.y, loadBundledDigits().train.y);
    assert.equal(other.train.count, 8000);
    assert.throws(() => loadBundledDigits({ splitSeed: 1.5 }), RangeError);
  });

  test('parseBundledDigits rejects malformed payloads', () => {
    const ok = DIGIT_COUNTS.map((n) => ({ data: new Float32Array(n * 784) }));
    assert.equal(parseBundledDigits(ok).y.length, BUNDLED_TOTAL);
    assert.throws(() => parseBundledDigits(ok.slice(1)), /got 9 digit files, expected 10/);
    const short = ok.map((p, d) => (d === 3 ? { data: p.data.subarray(1) } : p));
    assert.throws(() => parseBundledDigits(short), /3\.json has 809087 values, expected 809088/);
    const bad = ok.map((p) => ({ data: Float32Array.from(p.data) }));
    bad[5]!.data[10] = 1.5;
    assert.throws(() => parseBundledDigits(bad), /5\.json data\[10\] = 1\.5, expected a number in \[0,1\]/);
  });
});

const TRAIN_LABEL_FNV = 0xe6dffe78;
const TEST_LABEL_FNV = 0x3218ed80;
const TEST_FIRST_INDICES = [6758, 4840, 2967, 7613, 6906];
