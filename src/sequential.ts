// Sequential: the Keras-like model users build, a Network (model.ts) with what users call on
// a model: fit (training with checkpoints and resume, src/checkpoint/callback.ts), save, load
// and loadCheckpoint (src/checkpoint/checkpoint.ts). Each method is one call into those
// layers, so another model class (a functional Model) gets the same methods the same way.
import { type NetworkCtor, type Restored, type SnapshotOptions, loadModel, loadModelCheckpoint, saveModel } from './checkpoint/checkpoint.js';
import { type FitOptions, fitWithCheckpoints } from './checkpoint/callback.js';
import type { CheckpointHandler } from './checkpoint/format.js';
import type { Dataset } from './data/dataset.js';
import type { History } from './fit.js';
import { Network } from './model.js';

export class Sequential extends Network {
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
  static loadCheckpoint<M extends Network>(this: NetworkCtor<M>, target: string | CheckpointHandler): Promise<Restored<M>> {
    return loadModelCheckpoint(this, target);
  }
}
