// Special files where a reader expects a data or checkpoint file: a named pipe, /dev/zero, a
// directory, a dangling or looping symlink, an empty file, a sparse file just over the cap,
// and (when not root) one that cannot be read. Every reader gaaf has (CIFAR-10 and CIFAR-100
// batches, IDX plain and gzip, checkpoint.json, model.safetensors, latest, the writer's lock)
// must refuse each with a typed error naming the path, at once: the worker's watchdog fails a
// case that hangs, and the runner a case whose memory grows.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { checkpointDir } from '../src/checkpoint/node.js';
import { CheckpointError, memoryHandler } from '../src/checkpoint/format.js';
import { Dense } from '../src/layers/dense.js';
import { Sequential } from '../src/sequential.js';
import { DataFormatError, MissingDataFilesError } from '../src/data/errors.js';
import '../src/interop/tfjs/node.js'; // loadLayersModel(directory)
import { TfjsFormatError } from '../src/interop/tfjs/errors.js';
import { loadLayersModel } from '../src/interop/tfjs/load.js';
import { tfjsFiles } from './fuzz-formats-tfjs.js';
import { loadDataDir } from '../src/data/load.js';

export interface SpecialCase {
  name: string;
  /** Runs the reader on the special file; resolves if it (wrongly) loads. */
  run(): Promise<void>;
  /** The path the error must name (for a symlink to nowhere, the directory whose file is missing). */
  path: string;
  errors: ReadonlyArray<abstract new (...a: never[]) => Error>;
}

const root = mkdtempSync(join(tmpdir(), 'gaaf-fuzz-special-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

const idx = (dims: number[], data: Uint8Array): Uint8Array => {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = 0x08;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, data]);
};
const cifar = (n: number, labelBytes: number): Uint8Array => new Uint8Array(n * (labelBytes + 3072));

/** The two files of a small valid checkpoint, so that a case's error can only come from its special file. */
let ckpt: Record<string, Uint8Array> | null = null;
async function checkpointFiles(): Promise<Record<string, Uint8Array>> {
  if (!ckpt) {
    const m = new Sequential([new Dense(3)], { inputShape: [2] }).build(undefined, { seed: 1 });
    const h = memoryHandler();
    await m.save(h);
    m.dispose();
    ckpt = { 'model.safetensors': h.saved[0].weights, 'checkpoint.json': h.saved[0].config };
  }
  return ckpt;
}

/** Loads the checkpoint in `dir` as a user does: the files, then everything in them. */
const loadCheckpoint = async (dir: string): Promise<void> => (await Sequential.load(dir)).dispose();

/** A directory of valid files for one reader, and the name of the file a case replaces. */
interface Reader {
  name: string;
  files: Record<string, Uint8Array> | (() => Promise<Record<string, Uint8Array>>);
  target: string;
  /** Data readers' cap (a sparse file one byte over it must be refused unread). */
  cap: number;
  load(dir: string): Promise<void>;
  errors: SpecialCase['errors'];
}

const tfjsDir = async (): Promise<Record<string, Uint8Array>> => ({ 'model.json': tfjsFiles().json, 'weights.bin': tfjsFiles().weights });
const loadTfjs = async (dir: string): Promise<void> => (await loadLayersModel(dir)).dispose();

const DATA_CAP = 1 << 30;
const DATA_ERRORS = [DataFormatError, MissingDataFilesError];
const CK_ERRORS = [CheckpointError];
const mnist = {
  'train-images-idx3-ubyte': idx([2, 28, 28], new Uint8Array(2 * 784)), 'train-labels-idx1-ubyte': idx([2], new Uint8Array(2)),
  't10k-images-idx3-ubyte': idx([1, 28, 28], new Uint8Array(784)), 't10k-labels-idx1-ubyte': idx([1], new Uint8Array(1)),
};
const cifar10 = Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`data_batch_${i}.bin`, cifar(1, 1)]).concat([['test_batch.bin', cifar(1, 1)]]));
const loadData = async (dir: string): Promise<void> => void loadDataDir(dir);

const READERS: Reader[] = [
  { name: 'CIFAR-10 data_batch_1.bin', files: cifar10, target: 'data_batch_1.bin', cap: DATA_CAP, load: loadData, errors: DATA_ERRORS },
  { name: 'CIFAR-10 test_batch.bin', files: cifar10, target: 'test_batch.bin', cap: DATA_CAP, load: loadData, errors: DATA_ERRORS },
  { name: 'CIFAR-100 train.bin', files: { 'train.bin': cifar(1, 2), 'test.bin': cifar(1, 2) }, target: 'train.bin', cap: DATA_CAP, load: loadData, errors: DATA_ERRORS },
  { name: 'IDX images', files: mnist, target: 'train-images-idx3-ubyte', cap: DATA_CAP, load: loadData, errors: DATA_ERRORS },
  {
    name: 'IDX labels, gzip', files: { ...mnist, 'train-labels-idx1-ubyte': undefined as never, 'train-labels-idx1-ubyte.gz': new Uint8Array(gzipSync(mnist['train-labels-idx1-ubyte'])) },
    target: 'train-labels-idx1-ubyte.gz', cap: DATA_CAP, load: loadData, errors: DATA_ERRORS,
  },
  { name: 'checkpoint.json', files: checkpointFiles, target: 'checkpoint.json', cap: 256 << 20, load: loadCheckpoint, errors: CK_ERRORS },
  { name: 'model.safetensors', files: checkpointFiles, target: 'model.safetensors', cap: 2 ** 31 - 1, load: loadCheckpoint, errors: CK_ERRORS },
  { name: 'latest', files: {}, target: 'latest', cap: 4096, load: loadCheckpoint, errors: CK_ERRORS },
  {
    name: 'the writer\'s lock', files: {}, target: 'lock', cap: 4096,
    load: async (d) => {
      const h = checkpointDir(d);
      await h.open();
      await h.close();
    },
    errors: CK_ERRORS,
  },
  { name: 'TF.js model.json', files: tfjsDir, target: 'model.json', cap: 256 << 20, load: loadTfjs, errors: [TfjsFormatError] },
  { name: 'TF.js weights.bin', files: tfjsDir, target: 'weights.bin', get cap() { return tfjsFiles().weights.length; }, load: loadTfjs, errors: [TfjsFormatError] },
];

const root0 = process.getuid?.() === 0;
const hasMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
type Kind = [name: string, make: (path: string, r: Reader) => void];
const KINDS: Kind[] = [
  ...(hasMkfifo ? [['a named pipe (FIFO) with no writer', (p: string) => void spawnSync('mkfifo', [p])] as Kind] : []),
  ['a symlink to /dev/zero', (p) => symlinkSync('/dev/zero', p)],
  ['a symlink to /dev/urandom', (p) => symlinkSync('/dev/urandom', p)],
  ['a directory', (p) => mkdirSync(p)],
  ['a dangling symlink', (p) => symlinkSync(join(root, 'nowhere'), p)],
  ['a symlink to itself', (p) => symlinkSync(p, p)],
  ['an empty file', (p) => writeFileSync(p, '')],
  ['a sparse file one byte over the cap', (p, r) => {
    writeFileSync(p, '');
    truncateSync(p, r.cap + 1);
  }],
  ...(root0 ? [] : [['a file that cannot be read', (p: string) => {
    writeFileSync(p, 'x');
    chmodSync(p, 0);
  }] as Kind]),
];

/** One case per reader and kind, each in its own directory. */
export function specialCases(): SpecialCase[] {
  const out: SpecialCase[] = [];
  let n = 0;
  for (const r of READERS) {
    for (const [kind, make] of KINDS) {
      const dir = join(root, String(n++));
      const path = join(dir, r.target);
      out.push({
        name: `${r.name} is ${kind}`,
        path: /dangling|itself/.test(kind) ? dir : path,
        errors: r.errors,
        run: async () => {
          mkdirSync(dir);
          const files = typeof r.files === 'function' ? await r.files() : r.files;
          for (const [f, b] of Object.entries(files)) if (b && f !== r.target) writeFileSync(join(dir, f), b);
          make(path, r);
          await r.load(dir);
        },
      });
    }
  }
  return out;
}
