// Custom training loops: trainOnBatch, one optimizer step on one batch, as TF.js and Keras
// have it. The step is fit's step (dropout masks of (seed, model.step), the global step
// advances by one), so a loop of trainOnBatch calls over fit's batches trains the same
// bits as fit. A non-finite loss stops before the update, naming the step.
import { init } from './binding.js';
import { TrainingDivergedError } from './fit.js';
import type { Dataset } from './data/dataset.js';
import type { MetricName } from './fit-logs.js';
import type { Network } from './model.js';
import type { Optimizer } from './optimizers.js';

/**
 * One step of `optimizer` on the rows of `batch`: TF.js's result, the batch's mean loss, or
 * [loss, ...metrics] when `metrics` are given (each metric's mean over the rows).
 */
export async function trainOnBatch(model: Network, optimizer: Optimizer, batch: Dataset, opts: { seed?: number; metrics?: readonly MetricName[] } = {}): Promise<number | number[]> {
  await init();
  const claim = model.claimTraining('trainOnBatch');
  try {
    if (!model.built) model.build(batch.sampleShape, { seed: opts.seed ?? 0 });
    model.checkData(batch, 'trainOnBatch');
    const y = batch.outputs ? batch.outputs.map((o) => o.targets ?? o.y) : batch.targets ?? batch.y;
    const { loss, n, metricSums } = model.gradientsOn(batch.x, y, { training: true, seed: opts.seed ?? 0, step: model.step }, 'trainOnBatch');
    if (!Number.isFinite(loss)) {
      const where = model.firstNonFinite(n);
      throw new TrainingDivergedError(`gaaf: trainOnBatch: the loss is ${loss} at step ${model.step + 1}${where ? `; first non-finite values in ${where}` : ''}; nothing was updated. Try a lower learning rate.`,
        0, model.step + 1, where);
    }
    optimizer.attach(model.params());
    optimizer.step();
    model.step++;
    if (!opts.metrics?.length) return loss;
    const names = model.head.metricNames;
    return [loss, ...opts.metrics.map((m) => metricSums[names.indexOf(m.key)] / n)];
  } finally {
    claim.end();
  }
}
