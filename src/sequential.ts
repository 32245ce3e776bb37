// Sequential: the Keras-like model class users build, a Model with a training loop.
import type { Dataset } from './data/dataset.js';
import { type FitOptions, type History, fit } from './fit.js';
import { Model } from './model.js';

export class Sequential extends Model {
  /**
   * Trains on `data` (building the model from the data's sample shape and `seed` if it is
   * not built yet). Resolves to the per-epoch logs and the gradient information.
   */
  fit(data: Dataset, opts: FitOptions = {}): Promise<History> {
    return fit(this, data, opts);
  }
}
