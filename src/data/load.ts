// Loads an MNIST-layout directory of IDX files (plain or .gz).
// Debian's Fashion-MNIST (`apt-get install dataset-fashion-mnist`) lives in /usr/share/datasets/fashion-mnist.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from './dataset.js';
import { MissingDataFilesError } from './errors.js';
import { loadIdxPair, type LoadIdxPairOptions } from './idx.js';

export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Accepted names for one file: `<prefix>-<kind>-<idx>` or `<prefix>-<kind>.<idx>`, each plain or .gz. */
export function candidateNames(prefix: 'train' | 't10k', kind: 'images' | 'labels'): string[] {
  const idx = kind === 'images' ? 'idx3-ubyte' : 'idx1-ubyte';
  const bases = [`${prefix}-${kind}-${idx}`, `${prefix}-${kind}.${idx}`];
  return bases.flatMap((b) => [b, `${b}.gz`]);
}

export type LoadDataDirOptions = Omit<LoadIdxPairOptions, 'name'>;

/** Finds and loads train-/t10k- images and labels in `dir`. Throws MissingDataFilesError listing the names tried. */
export function loadDataDir(dir: string, opts: LoadDataDirOptions = {}): { train: Dataset; test: Dataset } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    const all = (['train', 't10k'] as const).flatMap((p) => [candidateNames(p, 'images'), candidateNames(p, 'labels')]);
    throw new MissingDataFilesError(dir, all, 'not a directory');
  }
  const missing: string[][] = [];
  const find = (prefix: 'train' | 't10k', kind: 'images' | 'labels'): string => {
    const names = candidateNames(prefix, kind);
    const hit = names.find((n) => existsSync(join(dir, n)));
    if (!hit) missing.push(names);
    return hit ? join(dir, hit) : '';
  };
  const paths = {
    trainImages: find('train', 'images'),
    trainLabels: find('train', 'labels'),
    testImages: find('t10k', 'images'),
    testLabels: find('t10k', 'labels'),
  };
  if (missing.length > 0) throw new MissingDataFilesError(dir, missing);
  return {
    train: loadIdxPair(paths.trainImages, paths.trainLabels, opts),
    test: loadIdxPair(paths.testImages, paths.testLabels, opts),
  };
}
