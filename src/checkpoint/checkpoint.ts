// Checkpoints of a model (and optionally its optimizer and training position): built from
// Network.params(), Layer.stateTensors(), Layer.config() and the optimizer's slots, and rebuilt
// with layerFromConfig(), so every registered layer class is covered without a list here.
// saveModel / loadModel / loadModelCheckpoint are what Sequential's save, load and
// loadCheckpoint call; ./callback.ts saves checkpoints while training.
// Loading validates everything (both files, their hash link, the architecture, every
// tensor's shape, the memory it will need) before it allocates or writes anything.
import { countNonFinite, init } from '../binding.js';
import type { GraphConfig } from '../graph/config.js';
import type { Layer } from '../layers/layer.js';
import { resolveHead } from '../head.js';
import { MultiHead } from '../heads/multi-head.js';
import { layerFromConfig } from '../layers/registry.js';
import { MemoryLimitError, checkFits, estimateMemory } from '../memory.js';
import type { ModelOptions, Network } from '../model.js';
import { type Optimizer, type OptimizerName, makeOptimizer } from '../optimizers.js';
import {
  CHECKPOINT_FORMAT, CHECKPOINT_VERSION, CONFIG_FILE, WEIGHTS_FILE, type CheckpointBytes, type CheckpointConfig, CheckpointError, type CheckpointHandler,
  type LoadedBytes, type Tensor, type TrainingState, checkFinite, checkTensors, checkTrainingLayers, encodeSafetensors, parseCheckpointConfig, parseSafetensors, sha256Hex,
} from './format.js';

const RNG_SCHEME = 'counter-based: init = f(seed), shuffle of epoch e = f(seed, e), dropout mask of layer l at step t = f(seed, l, t)';

export const optimizerTensorName = (param: string, slot: string): string => `optimizer/${param}/${slot}`;

export interface SnapshotOptions {
  optimizer?: Optimizer | null;
  training?: TrainingState | null;
}

/** The checkpoint's two byte strings for `model` (built), and optionally its optimizer and training state. */
export async function snapshot(model: Network, opts: SnapshotOptions = {}): Promise<CheckpointBytes> {
  if (!model.built) throw new Error('gaaf: save: build or train the model first');
  const tensors: Tensor[] = [];
  for (const p of model.params()) tensors.push({ name: p.name, shape: p.shape, data: p.value.read() });
  for (const l of model.layers) for (const t of l.stateTensors()) tensors.push({ name: t.name, shape: t.shape, data: t.value.read() });
  const opt = opts.optimizer ?? null;
  if (opt) {
    for (const s of opt.slotTensors()) tensors.push({ name: optimizerTensorName(s.param, s.slot), shape: s.shape, data: s.value.read() });
  }
  const training = opts.training ?? null;
  const weights = encodeSafetensors(tensors, {
    format: 'gaaf',
    'gaaf.step': String(training?.step ?? model.step),
    'gaaf.config': CONFIG_FILE,
  });
  const config: CheckpointConfig = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    weights: { file: WEIGHTS_FILE, bytes: weights.length, sha256: await sha256Hex(weights) },
    model: {
      inputShape: [...model.inputShape], layers: model.layers.map((l) => ({ className: l.className, config: l.config() })), builder: model.builtBy,
      ...(model.head instanceof MultiHead
        ? { losses: model.head.heads.map((h) => ({ name: h.lossName, options: { ...h.lossOptions } })), lossWeights: [...model.head.weights] }
        : model.head.lossName !== 'sparseCategoricalCrossentropy' ? { loss: { name: model.head.lossName, options: { ...model.head.lossOptions } } } : {}),
      ...(model.graphConfig() ? { graph: model.graphConfig()! } : {}),
    },
    optimizer: opt ? { config: opt.config(), state: opt.state(), slots: [...opt.slotNames] } : null,
    rng: training ? { seed: training.seed, scheme: RNG_SCHEME } : null,
    training,
    savedAt: new Date().toISOString(),
  };
  return { weights, config: new TextEncoder().encode(JSON.stringify(config, null, 1) + '\n') };
}

/** The first parameter or state tensor holding NaN or ±Inf, or null. */
export function firstNonFiniteTensor(model: Network): string | null {
  for (const p of model.params()) if (countNonFinite(p.value) > 0) return p.name;
  for (const l of model.layers) for (const t of l.stateTensors()) if (countNonFinite(t.value) > 0) return t.name;
  return null;
}

export interface Restored<M extends Network> {
  model: M;
  optimizer: Optimizer | null;
  training: TrainingState | null;
  config: CheckpointConfig;
}

/** A network class built from a list of layers (Sequential, or Network itself). */
export type NetworkCtor<M extends Network> = new (layers: Layer[], opts?: ModelOptions) => M;

/**
 * Validates a checkpoint's bytes and rebuilds the model (as `Ctor`), its optimizer with its
 * slots and scalar state, and the training state. Nothing is allocated until both files have
 * been checked against each other and the architecture, and the memory estimate fits.
 */
export async function restore<M extends Network>(b: LoadedBytes, Ctor: NetworkCtor<M>): Promise<Restored<M>> {
  await init(); // loads the Wasm module if the caller has not
  const cfg = parseCheckpointConfig(b.config, b.configName);
  if (b.weights.length !== cfg.weights.bytes) {
    throw new CheckpointError(b.weightsName, `file is ${b.weights.length} bytes, ${b.configName} expects ${cfg.weights.bytes} (truncated, or the files are from different checkpoints)`);
  }
  const sha = await sha256Hex(b.weights);
  if (sha !== cfg.weights.sha256) {
    throw new CheckpointError(b.weightsName, `SHA-256 ${sha} does not match ${cfg.weights.sha256} recorded in ${b.configName}: the file is damaged or from another checkpoint`);
  }
  const st = parseSafetensors(b.weights, b.weightsName);
  checkFinite(st, b.weightsName);

  // Layers from their configs: any failure to construct one is an invalid config.
  const layers = cfg.model.layers.map((l, i) => {
    try {
      return layerFromConfig(l.className, l.config, 'checkpoint');
    } catch (e) {
      throw new CheckpointError(b.configName, `model.layers[${i}] (${l.className}): ${(e as Error).message.replace(/^gaaf: /, '')}`);
    }
  });
  const graph = (cfg.model as { graph?: GraphConfig }).graph;
  let model: M;
  try {
    model = new Ctor(layers, graph ? { graph } : {});
  } catch (e) {
    throw new CheckpointError(b.configName, `model.graph: ${(e as Error).message.replace(/^gaaf: /, '')}`);
  }
  model.builtBy = cfg.model.builder;
  if (cfg.model.loss || cfg.model.losses) {
    try {
      const { loss, losses, lossWeights } = cfg.model;
      if (losses) model.setLoss(losses.map((l) => resolveHead(l.name, l.options)), {}, lossWeights);
      else model.setLoss(loss!.name, loss!.options);
    } catch (e) {
      throw new CheckpointError(b.configName, `model.loss: ${(e as Error).message.replace(/^gaaf: /, '')}`);
    }
  }
  const inputShape = cfg.model.inputShape;
  // Shapes chain and names, as build() assigns them, before any allocation.
  let expected: Array<{ name: string; shape: readonly number[] }>;
  let slots: string[] = [];
  let optimizer: Optimizer | null = null;
  try {
    if (cfg.optimizer) {
      const { name, ...rest } = cfg.optimizer.config;
      try {
        optimizer = makeOptimizer(name as OptimizerName, rest as Record<string, number>);
      } catch (e) {
        throw new CheckpointError(b.configName, `optimizer.config: ${(e as Error).message.replace(/^gaaf: /, '')}`);
      }
      slots = [...optimizer.slotNames];
      if (slots.join(',') !== cfg.optimizer.slots.join(',')) {
        throw new CheckpointError(b.configName, `optimizer '${String(name)}' keeps slots [${slots.join(', ')}], the checkpoint lists [${cfg.optimizer.slots.join(', ')}]`);
      }
    }
    const est = graph ? model.estimateMemory({ inputShape, optimizerSlots: slots.length }) : estimateMemory(layers, inputShape, { optimizerSlots: slots.length });
    checkFits(est, est.paramBytes + est.optimizerBytes, `the model in ${b.configName}`, 0, inputShape);
  } catch (e) {
    optimizer?.dispose();
    if (e instanceof CheckpointError || e instanceof MemoryLimitError) throw e;
    throw new CheckpointError(b.configName, `the architecture does not build: ${(e as Error).message.replace(/^gaaf: /, '')}`);
  }
  try {
    try {
      model.build(inputShape);
    } catch (e) {
      if (e instanceof MemoryLimitError) throw e;
      throw new CheckpointError(b.configName, `the architecture does not build: ${(e as Error).message.replace(/^gaaf: /, '')}`);
    }
    const params = model.params();
    const state = model.layers.flatMap((l) => l.stateTensors());
    expected = [...params, ...state].map((p) => ({ name: p.name, shape: p.shape }));
    if (optimizer) for (const p of params) for (const s of slots) expected.push({ name: optimizerTensorName(p.name, s), shape: p.shape });
    checkTensors(st, expected, b.weightsName);
    for (const p of params) p.value.write(st.tensors.get(p.name)!.data);
    for (const t of state) t.value.write(st.tensors.get(t.name)!.data);
    if (optimizer && cfg.optimizer) {
      optimizer.attach(params);
      for (const s of optimizer.slotTensors()) s.value.write(st.tensors.get(optimizerTensorName(s.param, s.slot))!.data);
      try {
        optimizer.setState(cfg.optimizer.state);
      } catch (e) {
        throw new CheckpointError(b.configName, `optimizer.state: ${(e as Error).message.replace(/^gaaf: /, '')}`);
      }
    }
    const training = cfg.training;
    if (training) {
      if (optimizer && optimizer.iterations !== training.step) {
        throw new CheckpointError(b.configName, `training.step ${training.step} does not match the optimizer's ${optimizer.iterations} iterations`);
      }
      checkTrainingLayers(training, model.denseLayers().length, b.configName);
      model.step = training.step;
    }
    return { model, optimizer, training, config: cfg };
  } catch (e) {
    optimizer?.dispose();
    model.dispose();
    throw e;
  }
}

let directoryHandler: ((dir: string) => CheckpointHandler) | null = null;

/**
 * Called by the Node entry (src/checkpoint/node.ts, loaded by src/node.ts) to make directory
 * paths usable as checkpoint targets. The universal entry never imports node:fs, so browser
 * bundles stay free of it.
 */
export function registerDirectoryHandler(f: (dir: string) => CheckpointHandler): void {
  directoryHandler = f;
}

/** A handler for a target: a directory path (Node: atomic checkpoint directory) or a handler. */
export async function resolveHandler(target: string | CheckpointHandler): Promise<CheckpointHandler> {
  if (typeof target !== 'string') return target;
  if (!directoryHandler) {
    throw new TypeError(`gaaf: checkpoint '${target}': a directory path needs gaaf's Node entry (import 'gaaf' from Node); ` +
      'in a browser pass a handler (indexedDBHandler, downloadHandler, uploadedFilesHandler)');
  }
  return directoryHandler(target);
}

/**
 * Saves a checkpoint of `model`: to a directory (Node; written atomically, see ./node.ts) or
 * through a handler (browser IndexedDB or download, in memory, ...). With `optimizer` and
 * `training`, the checkpoint can resume training bit for bit.
 */
export async function saveModel(model: Network, target: string | CheckpointHandler, opts: SnapshotOptions = {}): Promise<void> {
  const handler = await resolveHandler(target);
  await handler.save(await snapshot(model, opts));
}

/** Loads a model saved with saveModel, as `Ctor`: the architecture, the weights and layer state, all validated first. */
export async function loadModel<M extends Network>(Ctor: NetworkCtor<M>, target: string | CheckpointHandler): Promise<M> {
  const r = await loadModelCheckpoint(Ctor, target);
  r.optimizer?.dispose();
  return r.model;
}

/** Loads a checkpoint with its optimizer and training state, to resume with fit(..., { resume }). */
export async function loadModelCheckpoint<M extends Network>(Ctor: NetworkCtor<M>, target: string | CheckpointHandler): Promise<Restored<M>> {
  return restore(await (await resolveHandler(target)).load(), Ctor);
}
