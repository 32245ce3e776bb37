// The fuzz table: one entry per file format a user can hand to gaaf. Each entry makes a
// valid file and parses bytes the way the loader does; the fuzzer (./fuzz-worker.ts) mutates the
// valid file and requires every case to end in a correct load or one of the entry's typed
// errors. Adding a format is one entry (see the CIFAR line).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadCheckpointDir } from '../src/checkpoint/node.js';
import { parseCifar } from '../src/data/cifar.js';
import { restore } from '../src/checkpoint/checkpoint.js';
import {
  CheckpointError, checkTensors, memoryHandler, parseCheckpointConfig, parseSafetensors, sha256Hex,
} from '../src/checkpoint/format.js';
import { DataFormatError } from '../src/data/errors.js';
import { gunzipCapped, idxPairToDataset, parseIdx } from '../src/data/idx.js';
import { Activation } from '../src/layers/activation.js';
import { Dense } from '../src/layers/dense.js';
import { Dropout } from '../src/layers/dropout.js';
import { MemoryLimitError } from '../src/memory.js';
import { Adam, SGD, exponentialDecay } from '../src/optimizers.js';
import { Sequential } from '../src/sequential.js';
import { makeDataset } from '../src/data/dataset.js';
import { TrainingDivergedError } from '../src/fit.js';
import type { Rng } from '../src/rng.js';
import { craftJsonBytes, craftSafetensorsHeader } from './fuzz-crafted.js';
import type { Mutant } from './fuzz-mutate.js';
import { TFJS_FORMATS } from './fuzz-formats-tfjs.js';
import { readFileSync } from 'node:fs';
import { WeightsFileError } from '../src/interop/errors.js';
import { BatchNorm } from '../src/layers/batchnorm.js';
import { Conv2D } from '../src/layers/conv2d.js';
import { Flatten } from '../src/layers/flatten.js';
import { MaxPool2D } from '../src/layers/maxpool2d.js';

export interface FuzzFormat {
  name: string;
  /** A valid file of this format. */
  valid(): Promise<Uint8Array>;
  /** Loads bytes as gaaf does; returns on a correct load (after checking what it loaded), throws otherwise. */
  parse(bytes: Uint8Array): Promise<void>;
  /** Errors that are a correct refusal. Anything else thrown is a failure of the loader. */
  errors: ReadonlyArray<abstract new (...a: never[]) => Error>;
  /** How to vary the valid file (default: ./fuzz-mutate.ts's byte mutations). */
  mutate?(valid: Uint8Array, rng: Rng): Mutant;
}

const idx = (type: number, dims: number[], data: Uint8Array): Uint8Array => {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = type;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return new Uint8Array(Buffer.concat([h, data])); // a plain copy: Buffer's slice() is a view, and mutants must not share bytes
};
const IMAGES = idx(0x08, [6, 5, 4], Uint8Array.from({ length: 120 }, (_, i) => (i * 37) & 255));
const LABELS = idx(0x08, [6], Uint8Array.from([0, 9, 3, 4, 1, 7]));
const expect3 = { type: 0x08, ndim: 3 };
const expect1 = { type: 0x08, ndim: 1 };
const GZ_CAP = 1 << 20;

function checkDataset(ds: ReturnType<typeof idxPairToDataset>): void {
  if (ds.sampleShape.reduce((a, b) => a * b, 1) * ds.count !== ds.x.length) throw new Error('dataset size does not match its shape');
  for (const v of ds.y) if (!(v >= 0 && v < 10)) throw new Error(`label ${v} out of range was accepted`);
}

// A small checkpoint: Dense-GAAF-Dropout-Dense with Adam state and a training position.
let ckpt: { weights: Uint8Array; config: Uint8Array } | null = null;
async function checkpointBytes(): Promise<{ weights: Uint8Array; config: Uint8Array }> {
  if (ckpt) return ckpt;
  const m = new Sequential([new Dense(5), new Activation('tanh', { gaaf: true }), new Dropout(0.2), new Dense(3)], { inputShape: [4] });
  m.build(undefined, { seed: 1 });
  const opt = new Adam();
  opt.attach(m.params());
  const h = memoryHandler();
  await m.save(h, { optimizer: opt });
  opt.dispose();
  m.dispose();
  // a fixed savedAt, so every run fuzzes the very same bytes
  const cfg = JSON.parse(new TextDecoder().decode(h.saved[0].config));
  cfg.savedAt = '2026-01-01T00:00:00.000Z';
  ckpt = { weights: h.saved[0].weights, config: new TextEncoder().encode(JSON.stringify(cfg, null, 1) + '\n') };
  return ckpt;
}

async function loadCheckpoint(weights: Uint8Array, config: Uint8Array): Promise<void> {
  const r = await restore({ weights, config, weightsName: 'fuzz/model.safetensors', configName: 'fuzz/checkpoint.json' }, Sequential);
  try {
    for (const w of r.model.getWeights()) if (w.length === 0 && r.model.countParams() > 0) throw new Error('empty weights loaded');
  } finally {
    r.optimizer?.dispose();
    r.model.dispose();
  }
}

const CKPT_ERRORS = [CheckpointError, MemoryLimitError] as const;

// A checkpoint with a training position (epoch 2, batch 1 of 3, one finished epoch in the
// history), for crafted values: whatever loads is resumed on its data for up to 3 epochs.
const FIT_DATA = makeDataset(Float32Array.from({ length: 40 }, (_, i) => ((i * 7) % 11) / 11 - 0.5), Int32Array.from({ length: 10 }, (_, i) => i % 3), [4], 3, 'fuzz');
let trained: { weights: Uint8Array; config: Uint8Array } | null = null;
async function trainedCheckpoint(): Promise<{ weights: Uint8Array; config: Uint8Array }> {
  if (trained) return trained;
  const m = new Sequential([new Dense(5), new Activation('tanh', { gaaf: true }), new Dropout(0.2), new Dense(3)], { inputShape: [4] });
  const h = memoryHandler();
  await m.fit(FIT_DATA, { epochs: 2, batchSize: 4, seed: 1, optimizer: new Adam(), checkpoint: { to: h, everySteps: 2 } });
  m.dispose();
  const c = h.saved.find((s) => { const t = JSON.parse(new TextDecoder().decode(s.config)).training; return t.epoch === 2 && t.batch === 1; })!;
  const cfg = JSON.parse(new TextDecoder().decode(c.config));
  cfg.savedAt = '2026-01-01T00:00:00.000Z';
  trained = { weights: c.weights, config: new TextEncoder().encode(JSON.stringify(cfg, null, 1) + '\n') };
  return trained;
}

// A checkpoint of a second fit call (issue 13): the model trained 3 steps with SGD, then a new
// Adam with an exponentialDecay schedule, the first Dense frozen; saved at epoch 2, batch 2 of
// the second fit, so training.step (8) is not the optimizer's iterations (5), and the
// checkpoint holds a schedule's config and trainable flags for the crafted values to reach.
let refit: { weights: Uint8Array; config: Uint8Array } | null = null;
async function repeatedFitCheckpoint(): Promise<{ weights: Uint8Array; config: Uint8Array }> {
  if (refit) return refit;
  const m = new Sequential([new Dense(5), new Activation('tanh', { gaaf: true }), new Dropout(0.2), new Dense(3)], { inputShape: [4] });
  await m.fit(FIT_DATA, { epochs: 1, batchSize: 4, seed: 1, optimizer: new SGD({ lr: 0.05 }) });
  m.layers[0].trainable = false;
  const h = memoryHandler();
  const lr = exponentialDecay({ initialLr: 0.01, decaySteps: 2, decayRate: 0.8 });
  await m.fit(FIT_DATA, { epochs: 2, batchSize: 4, seed: 1, optimizer: new Adam({ lr }), checkpoint: { to: h, everySteps: 2 } });
  m.dispose();
  const c = h.saved.find((s) => { const t = JSON.parse(new TextDecoder().decode(s.config)).training; return t.epoch === 2 && t.batch === 2; })!;
  const cfg = JSON.parse(new TextDecoder().decode(c.config));
  if (cfg.training.step !== 8 || cfg.optimizer.state.iterations !== 5) throw new Error(`the repeated-fit checkpoint is at step ${cfg.training.step}, iterations ${cfg.optimizer.state.iterations}`);
  cfg.savedAt = '2026-01-01T00:00:00.000Z';
  refit = { weights: c.weights, config: new TextEncoder().encode(JSON.stringify(cfg, null, 1) + '\n') };
  return refit;
}

/** fit() refusing to resume (other data, shapes, options) is a refusal with gaaf's own message, not a crash. */
class ResumeRefused extends Error {}

async function loadAndResume(weights: Uint8Array, config: Uint8Array): Promise<void> {
  const r = await restore({ weights, config, weightsName: 'fuzz/model.safetensors', configName: 'fuzz/checkpoint.json' }, Sequential);
  try {
    if (!r.training) return;
    let hist;
    try {
      hist = await r.model.fit(FIT_DATA, { resume: r, epochs: 3 });
    } catch (e) {
      if (e instanceof RangeError && /^gaaf: /.test(e.message)) throw new ResumeRefused(e.message);
      throw e;
    }
    const batches = Math.ceil(FIT_DATA.count / r.training.batchSize);
    const want = Math.max(r.training.epoch - 1, 3);
    if (hist.epochs.length !== want) throw new Error(`resumed history has ${hist.epochs.length} epochs, expected ${want}`);
    hist.epochs.forEach((l, i) => {
      if (l.epoch !== i + 1 || l.steps !== batches || !Number.isFinite(l.loss)) throw new Error(`resumed epoch log ${i} is ${JSON.stringify(l)}`);
    });
  } finally {
    r.optimizer?.dispose();
    r.model.dispose();
  }
}

// One checkpoint directory for the 'latest' cases; only the pointer file changes per case.
let latestDirPath: string | null = null;
async function latestDir(): Promise<string> {
  if (latestDirPath) return latestDirPath;
  const { weights, config } = await checkpointBytes();
  const d = mkdtempSync(join(tmpdir(), 'gaaf-fuzz-'));
  process.on('exit', () => rmSync(d, { recursive: true, force: true }));
  mkdirSync(join(d, 'ckpt-000000000001'));
  writeFileSync(join(d, 'ckpt-000000000001', 'model.safetensors'), weights);
  writeFileSync(join(d, 'ckpt-000000000001', 'checkpoint.json'), config);
  latestDirPath = d;
  return d;
}

/** n CIFAR records: labelBytes label bytes (each < classes) then 3072 pixel bytes. */
function cifarRecords(n: number, labelBytes: number, classes: number): Uint8Array {
  const rec = labelBytes + 3072;
  const b = new Uint8Array(n * rec);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < labelBytes; j++) b[r * rec + j] = (r * 3 + j) % classes;
    for (let p = 0; p < 3072; p++) b[r * rec + labelBytes + p] = (r * 31 + p * 7) & 255;
  }
  return b;
}

export const FORMATS: FuzzFormat[] = [
  {
    name: 'IDX3 images',
    valid: async () => IMAGES,
    parse: async (b) => checkDataset(idxPairToDataset(parseIdx(b, 'fuzz-images-idx3-ubyte', { expect: expect3 }), parseIdx(LABELS, 'labels', { expect: expect1 }))),
    errors: [DataFormatError],
  },
  {
    name: 'IDX1 labels',
    valid: async () => LABELS,
    parse: async (b) => checkDataset(idxPairToDataset(parseIdx(IMAGES, 'images', { expect: expect3 }), parseIdx(b, 'fuzz-labels-idx1-ubyte', { expect: expect1 }))),
    errors: [DataFormatError],
  },
  {
    name: 'IDX3 images, gzip',
    valid: async () => new Uint8Array(gzipSync(IMAGES)),
    parse: async (b) => {
      const raw = gunzipCapped(b, 'fuzz-images-idx3-ubyte.gz', GZ_CAP);
      checkDataset(idxPairToDataset(parseIdx(raw, 'fuzz-images-idx3-ubyte.gz', { expect: expect3, offsetIn: 'decompressed' }), parseIdx(LABELS, 'labels', { expect: expect1 })));
    },
    errors: [DataFormatError],
  },
  {
    name: 'IDX gzip bomb (4 MiB of zeros, 1 MiB cap)',
    valid: async () => new Uint8Array(gzipSync(idx(0x08, [4, 1024, 1024], new Uint8Array(4 << 20)))),
    parse: async (b) => {
      parseIdx(gunzipCapped(b, 'bomb-idx3-ubyte.gz', GZ_CAP), 'bomb-idx3-ubyte.gz', { expect: expect3, offsetIn: 'decompressed' });
    },
    errors: [DataFormatError],
  },
  {
    name: 'safetensors weights',
    valid: async () => (await checkpointBytes()).weights,
    parse: async (b) => {
      const valid = parseSafetensors((await checkpointBytes()).weights, 'valid');
      const st = parseSafetensors(b, 'fuzz/model.safetensors');
      checkTensors(st, [...valid.tensors.values()].map((t) => ({ name: t.name, shape: t.shape })), 'fuzz/model.safetensors');
    },
    errors: CKPT_ERRORS,
  },
  {
    name: 'checkpoint.json',
    valid: async () => (await checkpointBytes()).config,
    parse: async (b) => void parseCheckpointConfig(b, 'fuzz/checkpoint.json'),
    errors: CKPT_ERRORS,
  },
  {
    name: 'checkpoint via Model.load, checkpoint.json mutated',
    valid: async () => (await checkpointBytes()).config,
    parse: async (b) => loadCheckpoint((await checkpointBytes()).weights, b),
    errors: CKPT_ERRORS,
  },
  {
    // The weights' hash is updated to match, so the mutation reaches the safetensors parser
    // and the check of every tensor against the architecture.
    name: 'checkpoint via Model.load, weights mutated (hash updated)',
    valid: async () => (await checkpointBytes()).weights,
    parse: async (b) => {
      const cfg = JSON.parse(new TextDecoder().decode((await checkpointBytes()).config));
      cfg.weights.sha256 = await sha256Hex(b);
      cfg.weights.bytes = b.length;
      await loadCheckpoint(b, new TextEncoder().encode(JSON.stringify(cfg)));
    },
    errors: CKPT_ERRORS,
  },
  {
    // DIR/latest names the checkpoint directory and the hash of its checkpoint.json.
    name: 'checkpoint directory: latest pointer',
    valid: async () => {
      const { config } = await checkpointBytes();
      return new TextEncoder().encode(JSON.stringify({ checkpoint: 'ckpt-000000000001', sha256: await sha256Hex(config) }) + '\n');
    },
    parse: async (b) => {
      const d = await latestDir();
      writeFileSync(join(d, 'latest'), b);
      const got = await loadCheckpointDir(d);
      await loadCheckpoint(got.weights, got.config);
    },
    errors: CKPT_ERRORS,
  },
  {
    name: 'checkpoint.json with a training position, crafted values (what loads is resumed)',
    valid: async () => (await trainedCheckpoint()).config,
    mutate: craftJsonBytes,
    parse: async (b) => loadAndResume((await trainedCheckpoint()).weights, b),
    errors: [...CKPT_ERRORS, ResumeRefused, TrainingDivergedError],
  },
  {
    name: 'checkpoint.json of a repeated fit (an lr schedule, a frozen layer), crafted values (what loads is resumed)',
    valid: async () => (await repeatedFitCheckpoint()).config,
    mutate: craftJsonBytes,
    parse: async (b) => loadAndResume((await repeatedFitCheckpoint()).weights, b),
    errors: [...CKPT_ERRORS, ResumeRefused, TrainingDivergedError],
  },
  {
    name: 'safetensors header, crafted values (hash updated, loaded through restore)',
    valid: async () => (await trainedCheckpoint()).weights,
    mutate: craftSafetensorsHeader,
    parse: async (b) => {
      const cfg = JSON.parse(new TextDecoder().decode((await trainedCheckpoint()).config));
      cfg.weights.sha256 = await sha256Hex(b);
      cfg.weights.bytes = b.length;
      await loadAndResume(b, new TextEncoder().encode(JSON.stringify(cfg)));
    },
    errors: [...CKPT_ERRORS, ResumeRefused, TrainingDivergedError],
  },
  // PyTorch safetensors (test/fixtures/torch/): F16 and BF16 (mlp), F64, F32 and an I64 counter (cnn), into one model each
  ...(['mlp', 'cnn'] as const).flatMap((fx) => [false, true].map((crafted): FuzzFormat => ({
    name: `PyTorch safetensors via loadWeights (${fx === 'mlp' ? 'F16, BF16' : 'F64, F32, I64'})${crafted ? ', header crafted' : ''}`,
    valid: async () => new Uint8Array(readFileSync(new URL(`./fixtures/torch/${fx}.safetensors`, import.meta.url))),
    ...(crafted ? { mutate: craftSafetensorsHeader } : {}),
    parse: async (b) => {
      const m = torchModel(fx);
      m.loadWeights(b, { from: 'pytorch', ...(fx === 'cnn' ? { map: { conv2d_1: 'features.0', batchnorm_1: 'features.1', conv2d_2: 'features.4', dense_1: 'classifier' } } : {}) });
      for (const w of m.getWeights()) if (!w.every(Number.isFinite)) throw new Error('loadWeights accepted a non-finite weight');
    },
    errors: [WeightsFileError],
  }))),
  { name: 'CIFAR-10 binary', valid: async () => cifarRecords(5, 1, 10), parse: async (b) => void parseCifar(b, 'fuzz_batch.bin', 'cifar10'), errors: [DataFormatError] },
  { name: 'CIFAR-100 binary', valid: async () => cifarRecords(4, 2, 20), parse: async (b) => void parseCifar(b, 'fuzz_train.bin', 'cifar100'), errors: [DataFormatError] },
  ...TFJS_FORMATS,
];

// One model per PyTorch fixture, built once and refilled by every case (loadWeights writes nothing unless all is valid).
const torchModels = new Map<string, Sequential>();
function torchModel(fx: 'mlp' | 'cnn'): Sequential {
  let m = torchModels.get(fx);
  if (!m) {
    m = fx === 'mlp'
      ? new Sequential([new Dense(8, { inputShape: [6], activation: 'relu' }), new Dense(3)])
      : new Sequential([new Conv2D(4, 3, { inputShape: [8, 8, 2], padding: 'same' }), new BatchNorm({ epsilon: 1e-5 }), new Activation('relu'), new MaxPool2D(2),
        new Conv2D(3, 3, { activation: 'relu' }), new Flatten(), new Dense(5)]);
    m.build();
    torchModels.set(fx, m);
  }
  return m;
}
