// How a model travels to the trainer's worker, in the formats gaaf already has: a model not yet
// built goes as the `model` section of checkpoint.json (its layers' className and config(), the
// graph, the loss, the builder: a ModelSpec), so the worker rebuilds it with layerFromConfig and
// fit builds it from the seed, as it would here; a built one goes as its checkpoint bytes
// (snapshot), so its weights and layer state arrive bit for bit. Checkpoint bytes and a spec
// (checkpoint.json's `model`, parsed) may also be given directly.
import {
  type BuilderRecord, type CheckpointBytes, type GraphConfig, type Layer, Model, type Network, type Optimizer, type OptimizerName, layerFromConfig, makeOptimizer,
  resolveHead, restore, snapshot,
} from '../index.js';

/** A model not yet built, as checkpoint.json's `model` section describes one (inputShape may be left to the data). */
export interface ModelSpec {
  layers: Array<{ className: string; config: Record<string, unknown> }>;
  inputShape?: number[];
  graph?: GraphConfig;
  loss?: { name: string; options: Record<string, number> };
  /** A model of several outputs: a loss per output, and their weights in the total. */
  losses?: Array<{ name: string; options: Record<string, number> }>;
  lossWeights?: number[];
  builder?: BuilderRecord | null;
}

/** What createTrainer's `model` may be: a model (built or not), its spec, or checkpoint bytes (Model.save through a handler, or Trainer.save). */
export type ModelInput = Network | ModelSpec | CheckpointBytes;

/**
 * A compiled model's compile() (Model.compile): its optimizer's config() (or, for a built
 * model, the optimizer saved in its checkpoint bytes, slots and all) and its metrics.
 */
export interface CompiledState { optimizer: Record<string, number | string> | 'checkpoint' | null; metrics: string[] | null }

export type ModelSource =
  | { kind: 'spec'; spec: ModelSpec; compile: CompiledState | null }
  | { kind: 'checkpoint'; weights: Uint8Array; config: Uint8Array; step: number; compile: CompiledState | null };

/** What compile() set on `m`: its optimizer (public) and its metrics (Model keeps them in its private `compiled`). */
function compiledOf(m: Network): { optimizer: Optimizer | null; metrics: string[] | null } | null {
  const optimizer = (m as { optimizer?: Optimizer }).optimizer ?? null;
  const metrics = (m as unknown as { compiled?: { metrics?: readonly string[] } }).compiled?.metrics;
  return optimizer || metrics ? { optimizer, metrics: metrics ? [...metrics] : null } : null;
}

const SPEC_KEYS: ReadonlySet<string> = new Set(['layers', 'inputShape', 'graph', 'loss', 'losses', 'lossWeights', 'builder']);

const isNetwork = (m: unknown): m is Network =>
  typeof m === 'object' && m !== null && typeof (m as Network).params === 'function' && typeof (m as Network).getWeights === 'function' && Array.isArray((m as Network).layers);
const isBytes = (m: unknown): m is CheckpointBytes =>
  typeof m === 'object' && m !== null && (m as CheckpointBytes).weights instanceof Uint8Array && (m as CheckpointBytes).config instanceof Uint8Array;

/**
 * The spec of a model that is not built: what the worker needs to build the same model. The
 * declared input shape (the model's, or its first layer's) is read as build() reads it.
 */
export function modelSpec(model: Network): ModelSpec {
  if (model.built) throw new Error('gaaf/worker: modelSpec: the model is built; its weights travel as checkpoint bytes (snapshot(model))');
  const first = model.layers[0] as (Layer & { declaredInputShape?: number[] }) | undefined;
  const declared = (model as unknown as { declaredInputShape?: number[] }).declaredInputShape ?? first?.declaredInputShape;
  const graph = model.graphConfig();
  const spec: ModelSpec = { layers: model.layers.map((l) => ({ className: l.className, config: l.config() })), builder: model.builtBy };
  if (graph) spec.graph = graph;
  else if (declared) spec.inputShape = [...declared];
  // as snapshot() records the loss: one per output (a MultiHead's heads and weights), or the one if not the default
  const multi = model.head as unknown as { heads?: ReadonlyArray<{ lossName: string; lossOptions: object }>; weights?: readonly number[] };
  if (Array.isArray(multi.heads) && Array.isArray(multi.weights)) {
    spec.losses = multi.heads.map((h) => ({ name: h.lossName, options: { ...h.lossOptions } as Record<string, number> }));
    spec.lossWeights = [...multi.weights];
  } else if (model.head.lossName !== 'sparseCategoricalCrossentropy') {
    spec.loss = { name: model.head.lossName, options: { ...model.head.lossOptions } as Record<string, number> };
  }
  return spec;
}

/** The model as it is sent (page side), with the buffers that may move. */
export async function modelSource(m: ModelInput, transfer: boolean): Promise<{ source: ModelSource; transfer: ArrayBuffer[] }> {
  if (isNetwork(m)) {
    const c = compiledOf(m);
    if (!m.built) {
      if (c?.optimizer && c.optimizer.iterations > 0) throw new RangeError('gaaf/worker: createTrainer: the compiled optimizer has taken steps, but the model is not built');
      const compile = c && { optimizer: c.optimizer ? c.optimizer.config() : null, metrics: c.metrics };
      return { source: { kind: 'spec', spec: modelSpec(m), compile }, transfer: [] };
    }
    // a compiled optimizer goes with the weights (its slots and step count), so training there continues it
    const b = await snapshot(m, c?.optimizer ? { optimizer: c.optimizer } : {});
    const compile = c && { optimizer: c.optimizer ? 'checkpoint' as const : null, metrics: c.metrics };
    return { source: { kind: 'checkpoint', weights: b.weights, config: b.config, step: m.step, compile }, transfer: [b.weights.buffer as ArrayBuffer, b.config.buffer as ArrayBuffer] };
  }
  if (isBytes(m)) {
    const bufs = transfer ? [...new Set([m.weights.buffer, m.config.buffer])].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer) : [];
    return { source: { kind: 'checkpoint', weights: m.weights, config: m.config, step: -1, compile: null }, transfer: bufs };
  }
  if (typeof m === 'object' && m !== null && Array.isArray((m as ModelSpec).layers)) {
    const unknown = Object.keys(m).filter((k) => !SPEC_KEYS.has(k));
    if (unknown.length) throw new RangeError(`gaaf/worker: createTrainer: model: unknown field ${unknown.map((k) => `'${k}'`).join(', ')} (a spec has ${[...SPEC_KEYS].join(', ')})`);
    return { source: { kind: 'spec', spec: JSON.parse(JSON.stringify(m)) as ModelSpec, compile: null }, transfer: [] };
  }
  throw new TypeError('gaaf/worker: createTrainer: model must be a model (Sequential, Model), a spec { layers: [{ className, config }], inputShape, graph, loss } ' +
    `(checkpoint.json's model), or checkpoint bytes { weights, config }; got ${m === null ? 'null' : typeof m}`);
}

/** The model a source describes (worker side): rebuilt from its layers' configs, or restored from its checkpoint bytes. */
export async function modelFromSource(s: ModelSource): Promise<Model> {
  if (s.kind === 'checkpoint') {
    const r = await restore({ weights: s.weights, config: s.config, weightsName: 'createTrainer: model.safetensors', configName: 'createTrainer: checkpoint.json' }, Model);
    if (s.step >= 0) r.model.step = s.step;
    const keep = s.compile?.optimizer === 'checkpoint' ? r.optimizer : null;
    if (r.optimizer !== keep) r.optimizer?.dispose();
    if (s.compile) r.model.compile({ ...(keep ? { optimizer: keep } : {}), ...(s.compile.metrics ? { metrics: s.compile.metrics } : {}) });
    return r.model;
  }
  const { spec } = s;
  const layers = spec.layers.map((l, i) => {
    if (!l || typeof l.className !== 'string') throw new RangeError(`gaaf/worker: createTrainer: model.layers[${i}] must be { className, config }`);
    return layerFromConfig(l.className, l.config ?? {}, `createTrainer: model.layers[${i}]`);
  });
  const model = new Model(layers, {
    ...(spec.inputShape ? { inputShape: spec.inputShape } : {}), ...(spec.graph ? { graph: spec.graph } : {}),
    ...(spec.loss ? { loss: spec.loss.name, lossOptions: spec.loss.options } : {}),
  });
  model.builtBy = spec.builder ?? null;
  if (spec.losses) model.setLoss(spec.losses.map((l) => resolveHead(l.name, l.options)), {}, spec.lossWeights);
  const c = s.compile;
  if (c) {
    const o = c.optimizer as ({ name: OptimizerName } & Record<string, number>) | null;
    const optimizer = o ? (({ name, ...rest }) => makeOptimizer(name, rest))(o) : undefined;
    model.compile({ ...(optimizer ? { optimizer } : {}), ...(c.metrics ? { metrics: c.metrics } : {}) });
  }
  return model;
}
