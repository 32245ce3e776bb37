// Sequential: the Keras-like model users build, a Network (model.ts) with what users call on
// a model: fit (training with checkpoints and resume, src/checkpoint/callback.ts), save, load
// and loadCheckpoint (src/checkpoint/checkpoint.ts). Each method is one call into those
// layers, so another model class (a functional Model) gets the same methods the same way.
import { type NetworkCtor, type RestoreOptions, type Restored, type SnapshotOptions, loadModel, loadModelCheckpoint, saveModel } from './checkpoint/checkpoint.js';
import { type FitOptions, fitWithCheckpoints } from './checkpoint/callback.js';
import type { CheckpointHandler } from './checkpoint/format.js';
import type { Dataset } from './data/dataset.js';
import type { History } from './fit.js';
import type { GraphConfig } from './graph/config.js';
import type { Layer } from './layers/layer.js';
import { type FunctionalSpec, type ModelOptions, Network } from './model.js';
import { type ArrayData, type TargetData, datasetOf, validationDataOf } from './fit-data.js';
import { resolveMetrics } from './fit-logs.js';
import type { Evaluation, LossOptions } from './head.js';
import type { Losses } from './heads/multi-head.js';
import { type Optimizer, type OptimizerName, makeOptimizer } from './optimizers.js';
import { trainOnBatch } from './train-batch.js';
import { type SaveTfjsOptions, type SaveTfjsResult, saveTfjs } from './interop/tfjs/save.js';
import type { TfjsIOHandler } from './interop/tfjs/artifacts.js';
import { type LoadWeightsOptions, type LoadWeightsReport, loadWeightsInto } from './interop/torch/load.js';
import { type OnnxExportOptions, exportOnnx } from './interop/onnx/export.js';

/** compile()'s options, as Keras and TF.js take them. */
export interface CompileOptions {
  /** An optimizer, or a name ('sgd', 'adam') for one with its default options; kept across fit calls. */
  optimizer?: Optimizer | OptimizerName;
  loss?: Losses;
  lossOptions?: LossOptions;
  /** A model of several outputs: each output's weight in the total loss (a list, or by output name). */
  lossWeights?: readonly number[] | Readonly<Record<string, number>>;
  metrics?: readonly string[];
}

/** fit's options when x and y are given: validationData may be [xVal, yVal], as TF.js takes it. */
export type ArrayFitOptions = Omit<FitOptions, 'validationData'> & { validationData?: Dataset | readonly [ArrayData, ArrayData] };

const COMPILE_OPTIONS = ['optimizer', 'loss', 'lossOptions', 'lossWeights', 'metrics'];

// A dataset (what checkDataset then checks field by field), as opposed to x given as an array or tensor.
const isDataset = (v: unknown): v is Dataset =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && 'sampleShape' in v && 'count' in v;

/**
 * A model: the functional API's `new Model({ inputs, outputs })` (x = input({ shape }), then
 * layers' apply()), and the base of Sequential. The model API methods live here, once, for both.
 */
export class Model extends Network {
  private compiled: { optimizer?: Optimizer; metrics?: readonly string[] } = {};

  /**
   * Sets the optimizer (kept across fit and trainOnBatch calls, so its state carries on), the
   * loss and the metrics to log, as Keras's and TF.js's compile. fit's own options override them.
   */
  compile(opts: CompileOptions = {}): this {
    const bad = Object.keys(opts).filter((k) => !COMPILE_OPTIONS.includes(k));
    if (bad.length) throw new RangeError(`gaaf: compile: unknown option ${bad.map((k) => `'${k}'`).join(', ')} (expected ${COMPILE_OPTIONS.join(', ')})`);
    if (opts.loss !== undefined || opts.lossOptions !== undefined || opts.lossWeights !== undefined) this.setLoss(opts.loss ?? 'sparseCategoricalCrossentropy', opts.lossOptions, opts.lossWeights);
    resolveMetrics(opts.metrics, this.head.metricNames, this.head.lossName); // names the loss does not report fail here, not at fit
    const optimizer = opts.optimizer === undefined ? undefined : typeof opts.optimizer === 'object' ? opts.optimizer : makeOptimizer(opts.optimizer);
    this.compiled = { optimizer, metrics: opts.metrics };
    return this;
  }

  /** The optimizer compile() set (fit and trainOnBatch use it when they are given none). */
  get optimizer(): Optimizer | undefined {
    return this.compiled.optimizer;
  }

  /**
   * Trains on `data` (building the model from the data's sample shape and `seed` if it is
   * not built yet), or on x and y as TF.js takes them (nested arrays, typed arrays of rows,
   * tensors; y holds class indices for sparseCategoricalCrossentropy and float targets for
   * the other losses). Resolves to the per-epoch logs.
   */
  fit(data: Dataset, opts?: FitOptions): Promise<History>;
  fit(x: ArrayData, y: TargetData, opts?: ArrayFitOptions): Promise<History>;
  async fit(a: Dataset | ArrayData, b?: FitOptions | TargetData, c?: ArrayFitOptions): Promise<History> {
    const arrays = !isDataset(a);
    if (arrays && b === undefined) throw new TypeError('gaaf: fit: give a dataset, or x and y');
    const opts = ((arrays ? c : b) ?? {}) as ArrayFitOptions;
    if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw new TypeError(`gaaf: fit: the options must be an object, got ${Array.isArray(opts) ? 'an array' : String(opts)}`);
    if (opts.loss !== undefined || opts.lossOptions !== undefined || opts.lossWeights !== undefined) this.setLoss(opts.loss ?? 'sparseCategoricalCrossentropy', opts.lossOptions, opts.lossWeights);
    const data = arrays ? datasetOf(this, a, b, 'fit') : a;
    const { loss: _l, lossOptions: _o, lossWeights: _w, validationData, ...rest } = opts;
    const merged: FitOptions = {
      ...rest,
      ...(validationData !== undefined ? { validationData: validationDataOf(this, validationData) } : {}),
      ...(opts.optimizer === undefined && !opts.resume && this.compiled.optimizer ? { optimizer: this.compiled.optimizer } : {}),
      ...(opts.metrics === undefined && this.compiled.metrics ? { metrics: this.compiled.metrics } : {}),
    };
    return fitWithCheckpoints(this, data, merged);
  }

  /**
   * One optimizer step on one batch (x and y as fit takes them, or a dataset) with the
   * compiled optimizer: TF.js's trainOnBatch. Resolves to the batch's loss, or
   * [loss, ...metrics] when compile() named metrics.
   */
  async trainOnBatch(x: ArrayData | Dataset, y?: TargetData, opts: { seed?: number } = {}): Promise<number | number[]> {
    const optimizer = this.compiled.optimizer;
    if (!optimizer) throw new RangeError("gaaf: trainOnBatch: compile the model with an optimizer first (model.compile({ optimizer: 'adam', loss: ... }))");
    const batch = isDataset(x) ? x : datasetOf(this, x, y, 'trainOnBatch');
    const metrics = resolveMetrics(this.compiled.metrics, this.head.metricNames, this.head.lossName);
    return trainOnBatch(this, optimizer, batch, { seed: opts.seed, metrics });
  }

  /** evaluate(data) or evaluate(x, y), as fit takes them: the mean loss and the loss's metrics by name. */
  override evaluate(data: Dataset, opts?: { batchSize?: number }): Evaluation;
  override evaluate(x: ArrayData, y: TargetData, opts?: { batchSize?: number }): Evaluation;
  override evaluate(a: Dataset | ArrayData, b?: TargetData | { batchSize?: number }, c?: { batchSize?: number }): Evaluation {
    if (isDataset(a)) return super.evaluate(a, (b ?? {}) as { batchSize?: number });
    return super.evaluate(datasetOf(this, a, b, 'evaluate'), c ?? {});
  }

  /**
   * Saves a checkpoint: to a directory (Node; written atomically) or through a handler
   * (browser IndexedDB or download, in memory, ...). With `optimizer` and `training`, the
   * checkpoint can resume training bit for bit.
   */
  save(target: string | CheckpointHandler, opts: SnapshotOptions = {}): Promise<void> {
    return saveModel(this, target, opts);
  }

  /** Loads a model saved with save(): the architecture, the weights and layer state, all validated first. */
  static load<M extends Network>(this: NetworkCtor<M>, target: string | CheckpointHandler): Promise<M> {
    return loadModel(this, target);
  }

  /** Loads a checkpoint with its optimizer and training state, to resume with fit(..., { resume }). */
  static loadCheckpoint<M extends Network>(this: NetworkCtor<M>, target: string | CheckpointHandler, opts?: RestoreOptions): Promise<Restored<M>> {
    return loadModelCheckpoint(this, target, opts);
  }

  /**
   * Saves the model as a TF.js Layers model, what tf.loadLayersModel loads: to a directory
   * (Node: model.json and weights.bin) or through a TF.js io handler with save(artifacts).
   * The head's softmax/sigmoid becomes the output's last activation; a GAAF activation is
   * refused unless `{ gaaf: 'base' }` (src/interop/tfjs/save.ts).
   */
  saveTfjs(target: string | TfjsIOHandler, opts: SaveTfjsOptions = {}): Promise<SaveTfjsResult> {
    return saveTfjs(this, target, opts);
  }

  /**
   * Fills the weights from a PyTorch / Hugging Face safetensors file (a path in Node, or its
   * bytes) of the same architecture: `{ from: 'pytorch', map: { dense_1: 'fc1', ... } }`
   * (src/interop/torch/map.ts: names, layouts, F16/BF16/F64 converted to float32). Everything
   * is validated before a weight is written. Returns the layer → module pairs and the conversions.
   */
  loadWeights(source: string | Uint8Array, opts: LoadWeightsOptions): LoadWeightsReport {
    return loadWeightsInto(this, source, opts);
  }

  /**
   * The model as an ONNX file (opset 17; inference: BatchNorm with its running statistics,
   * Dropout removed), taking the same inputs as predict (NHWC images) and giving the outputs of
   * predictOutputs (src/interop/onnx/).
   */
  toOnnx(opts: OnnxExportOptions = {}): Uint8Array {
    return exportOnnx(this, opts);
  }
}

/** A stack of layers: the linear graph, built with add() or a list of layers. */
export class Sequential extends Model {
  constructor(layers: Layer[] = [], opts: ModelOptions = {}) {
    if (!Array.isArray(layers)) throw new TypeError('gaaf: Sequential takes a list of layers; for { inputs, outputs } use Model');
    if (opts.graph && !isLinear(opts.graph)) throw new RangeError('gaaf: Sequential: this is a functional (graph) model: load it with Model.load');
    super(layers, { inputShape: opts.inputShape, loss: opts.loss, lossOptions: opts.lossOptions });
  }
}

function isLinear(g: GraphConfig): boolean {
  return g.inputs.length === 1 && g.outputs.length === 1 && g.nodes.every((nd, k) => nd.layer === k && nd.inputs.length === 1 && nd.inputs[0] === k);
}

export type { FunctionalSpec };
