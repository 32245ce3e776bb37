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

/**
 * A model: the functional API's `new Model({ inputs, outputs })` (x = input({ shape }), then
 * layers' apply()), and the base of Sequential. The model API methods live here, once, for both.
 */
export class Model extends Network {
  /**
   * Trains on `data` (building the model from the data's sample shape and `seed` if it is
   * not built yet). Resolves to the per-epoch logs.
   */
  fit(data: Dataset, opts: FitOptions = {}): Promise<History> {
    return fitWithCheckpoints(this, data, opts);
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
