// CIFAR-10 and CIFAR-100 binary readers (Krizhevsky 2009, "binary version" of the datasets).
// CIFAR-10 record: 1 label byte, then 3072 pixel bytes: 1024 red, 1024 green, 1024 blue, each
// a row-major 32×32 plane. CIFAR-100 record: 2 label bytes (coarse, fine), then the same 3072.
// Files: cifar-10-batches-bin/{data_batch_1..5,test_batch}.bin, cifar-100-binary/{train,test}.bin.
// Output: NHWC float samples [32, 32, 3] (or flattened [3072], in HWC order) scaled to [0, 1].
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Dataset, makeDataset } from './dataset.js';
import { DataFormatError, MissingDataFilesError } from './errors.js';
import { readDataFile } from './read.js';

export type CifarKind = 'cifar10' | 'cifar100';
export type CifarLabel = 'fine' | 'coarse';

export const CIFAR_SIDE = 32;
export const CIFAR_CHANNELS = 3;
export const CIFAR_PIXELS = CIFAR_SIDE * CIFAR_SIDE * CIFAR_CHANNELS; // 3072
/** Bytes of label before the pixels of each record. */
export const CIFAR_LABEL_BYTES: Readonly<Record<CifarKind, number>> = { cifar10: 1, cifar100: 2 };
export const CIFAR10_TRAIN_FILES: readonly string[] = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILE = 'test_batch.bin';
export const CIFAR100_TRAIN_FILE = 'train.bin';
export const CIFAR100_TEST_FILE = 'test.bin';

export function cifarRecordSize(kind: CifarKind): number {
  return CIFAR_LABEL_BYTES[kind] + CIFAR_PIXELS;
}

/** Number of classes of a CIFAR label: 10, or for CIFAR-100 20 coarse / 100 fine. */
export function cifarClasses(kind: CifarKind, label: CifarLabel = 'fine'): number {
  return kind === 'cifar10' ? 10 : label === 'coarse' ? 20 : 100;
}

export interface CifarOptions {
  /** CIFAR-100 only: which label to use (default 'fine', 100 classes). */
  readonly label?: CifarLabel;
  /** true: sampleShape [3072] (HWC order); false (default): [32, 32, 3]. */
  readonly flatten?: boolean;
  /** Dataset name (default: the file name). */
  readonly name?: string;
}

const U8_TO_UNIT = Float32Array.from({ length: 256 }, (_, i) => i / 255);

export interface CifarRecords {
  /** count × 3072, NHWC, in [0, 1]. */
  x: Float32Array;
  y: Int32Array;
}

/**
 * Parses the records of one CIFAR binary file. Pure. Throws DataFormatError naming the file
 * and byte offset for an empty file, a length that is not a whole number of records (the
 * offset of the incomplete record), or a label out of range (the offset of the label byte).
 */
export function parseCifar(bytes: Uint8Array, file: string, kind: CifarKind, opts: Pick<CifarOptions, 'label'> = {}): CifarRecords {
  const rec = cifarRecordSize(kind);
  const lb = CIFAR_LABEL_BYTES[kind];
  const label = opts.label ?? 'fine';
  const classes = cifarClasses(kind, label);
  // CIFAR-100: byte 0 is the coarse label, byte 1 the fine one
  const labelAt = kind === 'cifar10' ? 0 : label === 'coarse' ? 0 : 1;
  const name = kind === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100';
  if (bytes.length === 0) throw new DataFormatError(file, 0, `empty file, expected ${name} records of ${rec} bytes`);
  if (bytes.length % rec !== 0) {
    const whole = Math.floor(bytes.length / rec);
    throw new DataFormatError(file, whole * rec,
      `file length ${bytes.length} is not a multiple of the ${name} record size ${rec} ` +
      `(${whole} whole records, then ${bytes.length - whole * rec} bytes of an incomplete one)`);
  }
  const count = bytes.length / rec;
  const x = new Float32Array(count * CIFAR_PIXELS);
  const y = new Int32Array(count);
  const plane = CIFAR_SIDE * CIFAR_SIDE;
  for (let i = 0; i < count; i++) {
    const base = i * rec;
    const v = bytes[base + labelAt]!;
    if (v >= classes) {
      throw new DataFormatError(file, base + labelAt,
        `${kind === 'cifar100' ? `${label} ` : ''}label ${v} (record ${i}) out of range, expected 0..${classes - 1}`);
    }
    if (kind === 'cifar100') {
      const other = bytes[base + 1 - labelAt]!;
      const otherMax = label === 'fine' ? 20 : 100;
      if (other >= otherMax) {
        throw new DataFormatError(file, base + 1 - labelAt,
          `${label === 'fine' ? 'coarse' : 'fine'} label ${other} (record ${i}) out of range, expected 0..${otherMax - 1}`);
      }
    }
    y[i] = v;
    const px = base + lb;
    const out = i * CIFAR_PIXELS;
    // planes R, G, B (each row-major h, w) → interleaved h, w, c
    for (let p = 0; p < plane; p++) {
      const o = out + p * CIFAR_CHANNELS;
      x[o] = U8_TO_UNIT[bytes[px + p]!]!;
      x[o + 1] = U8_TO_UNIT[bytes[px + plane + p]!]!;
      x[o + 2] = U8_TO_UNIT[bytes[px + 2 * plane + p]!]!;
    }
  }
  return { x, y };
}

/** Reads and concatenates CIFAR binary files into one Dataset. Node only. */
export function loadCifarFiles(paths: readonly string[], kind: CifarKind, opts: CifarOptions & { maxBytes?: number } = {}): Dataset {
  const parts = paths.map((p) => parseCifar(readDataFile(p, opts.maxBytes), p, kind, opts));
  const count = parts.reduce((a, p) => a + p.y.length, 0);
  let x: Float32Array;
  let y: Int32Array;
  if (parts.length === 1) ({ x, y } = parts[0]);
  else {
    x = new Float32Array(count * CIFAR_PIXELS);
    y = new Int32Array(count);
    let o = 0;
    for (const p of parts) {
      x.set(p.x, o * CIFAR_PIXELS);
      y.set(p.y, o);
      o += p.y.length;
    }
  }
  const shape = opts.flatten ? [CIFAR_PIXELS] : [CIFAR_SIDE, CIFAR_SIDE, CIFAR_CHANNELS];
  const name = opts.name ?? (paths.length === 1 ? paths[0] : `${paths[0]} … ${paths[paths.length - 1]}`);
  return makeDataset(x, y, shape, cifarClasses(kind, opts.label), name);
}

/** Where a directory's CIFAR files are: the directory itself or its standard subdirectory. */
export interface CifarLayout {
  kind: CifarKind;
  dir: string;
}

/**
 * Detects a CIFAR directory: `dir` (or its cifar-10-batches-bin / cifar-100-binary
 * subdirectory) holding data_batch_1.bin or test_batch.bin (CIFAR-10), or train.bin or test.bin
 * (CIFAR-100). null when it holds neither.
 */
export function detectCifar(dir: string): CifarLayout | null {
  for (const d of [dir, join(dir, 'cifar-10-batches-bin'), join(dir, 'cifar-100-binary')]) {
    if (!existsSync(d) || !statSync(d).isDirectory()) continue;
    if ([...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].some((f) => existsSync(join(d, f)))) return { kind: 'cifar10', dir: d };
    if ([CIFAR100_TRAIN_FILE, CIFAR100_TEST_FILE].some((f) => existsSync(join(d, f)))) return { kind: 'cifar100', dir: d };
  }
  return null;
}

/** Loads the train and test sets of a CIFAR layout. Throws MissingDataFilesError naming absent files. */
export function loadCifarDir(layout: CifarLayout, opts: Omit<CifarOptions, 'name'> & { maxBytes?: number } = {}): { train: Dataset; test: Dataset } {
  const { kind, dir } = layout;
  const trainNames = kind === 'cifar10' ? CIFAR10_TRAIN_FILES : [CIFAR100_TRAIN_FILE];
  const testName = kind === 'cifar10' ? CIFAR10_TEST_FILE : CIFAR100_TEST_FILE;
  const missing = [...trainNames, testName].filter((f) => !existsSync(join(dir, f))).map((f) => [f]);
  if (missing.length > 0) throw new MissingDataFilesError(dir, missing, `incomplete ${kind === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} directory`);
  const label = kind === 'cifar100' ? ` ${opts.label ?? 'fine'} labels` : '';
  const title = kind === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100';
  return {
    train: loadCifarFiles(trainNames.map((f) => join(dir, f)), kind, { ...opts, name: `${title}${label} (train) in ${dir}` }),
    test: loadCifarFiles([join(dir, testName)], kind, { ...opts, name: `${title}${label} (test) in ${dir}` }),
  };
}
