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
import { FUNCTION_SCHEDULE, type Optimizer, type OptimizerName, isNamedSchedule, makeOptimizer, scheduleFromConfig } from '../optimizers.js';
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
      inputShape: [...model.inputShape], layers: model.layers.map((l) => ({ className: l.className, config: l.config(), trainable: l.trainable })), builder: model.builtBy,
      ...(model.head instanceof MultiHead
        ? { losses: model.head.heads.map((h) => ({ name: h.lossName, options: { ...h.lossOptions } })), lossWeights: [...model.head.weights] }
        : model.head.lossName !== 'sparseCategoricalCrossentropy' ? { loss: { name: model.head.lossName, options: { ...model.head.lossOptions } } } : {}),
      ...(model.graphConfig() ? { graph: model.graphConfig()! } : {}),
    },
    optimizer: opt ? { config: { ...opt.config() }, state: opt.state(), slots: [...opt.slotNames] } : null,
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

/** What loading a checkpoint may need from the caller. */
export interface RestoreOptions {
  /**
   * The learning-rate function `(step) => lr` the checkpoint's optimizer was made with: a
   * checkpoint records that it was a function (config lr { schedule: 'function' }) but cannot
   * hold the function, so resuming needs it again (the same function, for the same bits).
   * Refused for a checkpoint whose learning rate is a number or a named schedule.
   */
  lr?: (step: number) => number;
}

/** Loads the weights only (Sequential.load): a function schedule is not needed, and the optimizer is discarded. */
const WEIGHTS_ONLY: unique symbol = Symbol('weights only');

/**
 * The optimizer of a checkpoint's config: its lr a number, a named schedule's config (rebuilt),
 * or a function the caller gives again.
 */
function optimizerOf(config: Record<string, unknown>, opts: RestoreOptions & { [WEIGHTS_ONLY]?: boolean }): Optimizer {
  const { name, ...rest } = config;
  const lr = rest.lr;
  if (typeof lr === 'object' && lr !== null) {
    const sc = lr as Record<string, unknown>;
    if (sc.schedule === FUNCTION_SCHEDULE) {
      if (Object.keys(sc).length !== 1) throw new RangeError(`lr: a function schedule's record is { "schedule": "function" }, got ${JSON.stringify(sc).slice(0, 120)}`);
      if (typeof opts.lr === 'function') rest.lr = opts.lr;
      else if (opts[WEIGHTS_ONLY]) rest.lr = (): number => { throw new Error('gaaf: this optimizer was loaded with the weights only; its learning-rate function was not given'); };
      else {
        throw new RangeError('lr: the learning rate was a function of the step, which a checkpoint cannot hold: pass the same function again, ' +
          'Sequential.loadCheckpoint(target, { lr: yourFunction }), to resume');
      }
    } else rest.lr = scheduleFromConfig(sc);
  }
  if (opts.lr !== undefined && rest.lr !== opts.lr) {
    throw new RangeError(`the option lr (a function) is for a checkpoint whose learning rate was a function; this one's is ${isNamedSchedule(rest.lr) ? `the schedule '${rest.lr.schedule}'` : String(rest.lr)}, which continues as saved`);
  }
  return makeOptimizer(name as OptimizerName, rest as Record<string, number>);
}

/**
 * Validates a checkpoint's bytes and rebuilds the model (as `Ctor`), its optimizer with its
 * slots and scalar state, and the training state. Nothing is allocated until both files have
 * been checked against each other and the architecture, and the memory estimate fits.
 */
export async function restore<M extends Network>(b: LoadedBytes, Ctor: NetworkCtor<M>, opts: RestoreOptions & { [WEIGHTS_ONLY]?: boolean } = {}): Promise<Restored<M>> {
  if (opts.lr !== undefined && typeof opts.lr !== 'function') throw new TypeError(`gaaf: loadCheckpoint: lr must be the learning-rate function (step) => lr, got ${String(opts.lr)}`);
  const unknown = Object.keys(opts).filter((k) => k !== 'lr');
  if (unknown.length) throw new RangeError(`gaaf: loadCheckpoint: unknown option ${unknown.map((k) => `'${k}'`).join(', ')} (it takes lr)`);
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
      const layer = layerFromConfig(l.className, l.config, 'checkpoint');
      if (l.trainable === false) layer.trainable = false; // absent (older checkpoints): trainable
      return layer;
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
  if (opts.lr !== undefined && !cfg.optimizer) throw new CheckpointError(b.configName, 'the option lr (a learning-rate function) was given, but the checkpoint holds no optimizer');
  try {
    if (cfg.optimizer) {
      const name = cfg.optimizer.config.name;
      try {
        optimizer = optimizerOf(cfg.optimizer.config, opts);
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
    // Building allocates (and initialises) every parameter before checkTensors names the first
    // tensor that differs: an architecture of far more values than the file holds (over a
    // million more: a crafted shape) is refused first, so building never allocates much more
    // than the file's own size; a small difference gets checkTensors' message, naming the tensor.
    let held = 0;
    for (const t of st.tensors.values()) held += t.data.length;
    if (est.params * (1 + slots.length) > held + 1_000_000) {
      throw new CheckpointError(b.weightsName, `the architecture in ${b.configName} has ${est.params.toLocaleString('en-US')} parameters` +
        `${slots.length ? ` (and ${slots.length} optimizer slot(s) each)` : ''}, the file holds only ${held.toLocaleString('en-US')} values`);
    }
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
    // training.step (the model's global step: the training position, which fixes the dropout
    // masks) and the optimizer's iterations (its own count: Adam's bias corrections, the step its
    // lr schedule sees) are two states, each restored as saved. They are equal only when one
    // optimizer trained the model from its first step: a later fit with a new optimizer (or the
    // default one) starts that optimizer at 0 while the model's step goes on, and
    // applyGradients steps the optimizer alone. So nothing here requires them equal.
    const training = cfg.training;
    if (training) {
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
  const r = await restore(await (await resolveHandler(target)).load(), Ctor, { [WEIGHTS_ONLY]: true });
  r.optimizer?.dispose();
  return r.model;
}

/**
 * Loads a checkpoint with its optimizer and training state, to resume with fit(..., { resume }).
 * An optimizer whose learning rate was a function of the step needs it again: `{ lr: fn }`.
 */
export async function loadModelCheckpoint<M extends Network>(Ctor: NetworkCtor<M>, target: string | CheckpointHandler, opts: RestoreOptions = {}): Promise<Restored<M>> {
  return restore(await (await resolveHandler(target)).load(), Ctor, opts);
}
