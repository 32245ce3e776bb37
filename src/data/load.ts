// Loads a --data directory: MNIST-layout IDX files (plain or .gz), or CIFAR-10 / CIFAR-100
// binary files (detected by name, see cifar.ts).
// Debian's Fashion-MNIST (`apt-get install dataset-fashion-mnist`) lives in /usr/share/datasets/fashion-mnist.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundledDigits } from './bundled.js';
import { type CifarLabel, detectCifar, loadCifarDir } from './cifar.js';
import { type Dataset, reshapeDataset } from './dataset.js';
import { MissingDataFilesError } from './errors.js';
import { loadIdxPair, type LoadIdxPairOptions } from './idx.js';

export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Accepted names for one file: `<prefix>-<kind>-<idx>` or `<prefix>-<kind>.<idx>`, each plain or .gz. */
export function candidateNames(prefix: 'train' | 't10k', kind: 'images' | 'labels'): string[] {
  const idx = kind === 'images' ? 'idx3-ubyte' : 'idx1-ubyte';
  const bases = [`${prefix}-${kind}-${idx}`, `${prefix}-${kind}.${idx}`];
  return bases.flatMap((b) => [b, `${b}.gz`]);
}

export type LoadDataDirOptions = Omit<LoadIdxPairOptions, 'name'> & {
  /** CIFAR-100: 'fine' (default, 100 classes) or 'coarse' (20). */
  readonly cifarLabel?: CifarLabel;
};

/**
 * Loads the train and test sets in `dir`: CIFAR-10 / CIFAR-100 binary files if it holds them
 * (or its cifar-10-batches-bin / cifar-100-binary subdirectory does), else MNIST-layout
 * train-/t10k- IDX images and labels. As with IDX, `flatten` (default true) gives flat samples
 * ([784], [3072]); flatten: false gives images [h, w, c] ([28, 28, 1], [32, 32, 3]).
 * Throws MissingDataFilesError listing the names tried.
 */
export function loadDataDir(dir: string, opts: LoadDataDirOptions = {}): { train: Dataset; test: Dataset } {
  if (dir === '') throw new RangeError('gaaf: loadDataDir: the data directory path is an empty string');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    const all = (['train', 't10k'] as const).flatMap((p) => [candidateNames(p, 'images'), candidateNames(p, 'labels')]);
    throw new MissingDataFilesError(dir, all, 'not a directory');
  }
  const cifar = detectCifar(dir);
  if (cifar) return loadCifarDir(cifar, { label: opts.cifarLabel, flatten: opts.flatten ?? true, maxBytes: opts.maxBytes });
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

/**
 * The train and test sets of a --data directory, or of the bundled digits when `dir` is
 * undefined, as flat samples (`image: false`, for the MLP) or as images [h, w, c]
 * (`image: true`, for convolutional models: [28, 28, 1] for MNIST layouts, [32, 32, 3] for CIFAR).
 */
export function loadTrainTest(dir: string | undefined, opts: { image: boolean; cifarLabel?: CifarLabel }): { train: Dataset; test: Dataset } {
  // undefined, not any falsy value: an empty path is an error in loadDataDir, never the bundled digits
  if (dir !== undefined) return loadDataDir(dir, { flatten: !opts.image, cifarLabel: opts.cifarLabel });
  const { train, test } = loadBundledDigits();
  if (!opts.image) return { train, test };
  return { train: reshapeDataset(train, [28, 28, 1]), test: reshapeDataset(test, [28, 28, 1]) };
}
