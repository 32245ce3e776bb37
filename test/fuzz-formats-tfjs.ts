// The TF.js Layers format's fuzz entries (./fuzz-formats.ts spreads them into FORMATS):
// model.json damaged at random and crafted value by value, and the weight shard damaged at
// random, each loaded the way loadLayersModel loads a URL (model.json, then its shards) from
// an in-memory fetch. A correct load holds finite weights and predicts; anything else must be a
// TfjsFormatError, a TfjsUnsupportedError or a MemoryLimitError.
import { TfjsFormatError, TfjsUnsupportedError } from '../src/interop/tfjs/errors.js';
import { loadLayersModel } from '../src/interop/tfjs/load.js';
import { modelToArtifacts } from '../src/interop/tfjs/save.js';
import { BatchNorm } from '../src/layers/batchnorm.js';
import { Conv2D } from '../src/layers/conv2d.js';
import { Dense } from '../src/layers/dense.js';
import { Flatten } from '../src/layers/flatten.js';
import { MaxPool2D } from '../src/layers/maxpool2d.js';
import { MemoryLimitError } from '../src/memory.js';
import { Model, Sequential } from '../src/sequential.js';
import { input } from '../src/layers/symbolic.js';
import { Add, Concatenate } from '../src/layers/merge.js';
import { craftJsonBytes } from './fuzz-crafted.js';
import type { FuzzFormat } from './fuzz-formats.js';

let files: { json: Uint8Array; weights: Uint8Array } | null = null;
/** A small CNN as saveTfjs writes it: Conv2D 'same' relu, BatchNorm, MaxPool2D, Flatten, Dense (softmax in the file). */
export function tfjsFiles(): { json: Uint8Array; weights: Uint8Array } {
  if (files) return files;
  const m = new Sequential([new Conv2D(2, 3, { padding: 'same', activation: 'relu' }), new BatchNorm(), new MaxPool2D(2), new Flatten(), new Dense(3)], { inputShape: [4, 4, 1] });
  m.build(undefined, { seed: 1 });
  const { weightSpecs, weightData, ...rest } = modelToArtifacts(m);
  m.dispose();
  const json = { ...rest, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }] };
  files = { json: new TextEncoder().encode(JSON.stringify(json, null, 1)), weights: new Uint8Array(weightData as ArrayBuffer) };
  return files;
}

let graphFiles: { json: Uint8Array; weights: Uint8Array } | null = null;
/** A functional model: a strided 'same' Conv2D (written as ZeroPadding2D + 'valid'), a shared Dense, Add, Concatenate, two outputs. */
function tfjsGraphFiles(): { json: Uint8Array; weights: Uint8Array } {
  if (graphFiles) return graphFiles;
  const x = input({ shape: [4, 4, 1] });
  const f = new Flatten().apply(new Conv2D(2, 3, { strides: 2, padding: 'same' }).apply(x));
  const shared = new Dense(8);
  const a = shared.apply(f);
  const b = shared.apply(new Dense(8).apply(f));
  const h = new Concatenate().apply([new Add().apply([a, b]), f]);
  const m = new Model({ inputs: x, outputs: [new Dense(3).apply(h), new Dense(2).apply(h)] });
  m.setLoss(['sparseCategoricalCrossentropy', 'meanSquaredError']);
  m.build(undefined, { seed: 2 });
  const { weightSpecs, weightData, ...rest } = modelToArtifacts(m);
  m.dispose();
  const json = { ...rest, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }] };
  graphFiles = { json: new TextEncoder().encode(JSON.stringify(json, null, 1)), weights: new Uint8Array(weightData as ArrayBuffer) };
  return graphFiles;
}

async function load(json: Uint8Array, weights: Uint8Array): Promise<void> {
  const served: Record<string, Uint8Array> = { 'https://fuzz.test/model.json': json, 'https://fuzz.test/weights.bin': weights };
  const fetch = async (u: string) => {
    const b = served[u];
    return { ok: b !== undefined, status: b ? 200 : 404, arrayBuffer: async () => (b ?? new Uint8Array(0)).slice().buffer };
  };
  const m = await loadLayersModel('https://fuzz.test/model.json', { fetch });
  try {
    // what loads holds finite weights, every one of the file's (finite weights can still overflow in predict: that is the file's values, not the loader's)
    const ws = m.getWeights();
    if (ws.reduce((a, w) => a + w.length, 0) !== m.countParams() || !ws.every((w) => w.every(Number.isFinite))) throw new Error('a loaded model holds non-finite or missing weights');
    if (m.predictOutputs(new Float32Array(m.inputShape.reduce((a, b) => a * b, 1)).fill(0.5)).length !== m.outputShapes.length) throw new Error('predict gave the wrong number of outputs');
  } finally {
    m.dispose();
  }
}

const ERRORS = [TfjsFormatError, TfjsUnsupportedError, MemoryLimitError] as const;

export const TFJS_FORMATS: FuzzFormat[] = [
  { name: 'TF.js model.json', valid: async () => tfjsFiles().json, parse: (b) => load(b, tfjsFiles().weights), errors: ERRORS },
  { name: 'TF.js model.json, crafted values', valid: async () => tfjsFiles().json, mutate: craftJsonBytes, parse: (b) => load(b, tfjsFiles().weights), errors: ERRORS },
  { name: 'TF.js weight shard', valid: async () => tfjsFiles().weights, parse: (b) => load(tfjsFiles().json, b), errors: ERRORS },
  { name: 'TF.js functional model.json, crafted values', valid: async () => tfjsGraphFiles().json, mutate: craftJsonBytes, parse: (b) => load(b, tfjsGraphFiles().weights), errors: ERRORS },
];
