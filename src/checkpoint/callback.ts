// Checkpoints while training: ModelCheckpoint is a training callback that saves the model,
// its optimizer and the training state (with every stateful callback's values) every N steps
// and at each epoch end; fitWithCheckpoints is fit() with a `checkpoint` option that attaches
// one, what Sequential.fit runs. Weights that turned NaN or ±Inf are never saved: training
// stops with TrainingDivergedError and the last good checkpoint stays.
import { countNonFinite } from '../binding.js';
import { type BatchInfo, type Callback, type EpochLogs, type TrainingRun, callbackList } from '../callbacks.js';
import type { Dataset } from '../data/dataset.js';
import { type History, type TrainOptions, TrainingDivergedError, fit } from '../fit.js';
import type { Network } from '../model.js';
import { firstNonFiniteTensor, resolveHandler, snapshot } from './checkpoint.js';
import type { CheckpointHandler } from './format.js';

export interface CheckpointOptions {
  /** A directory (Node) or a handler (browser IndexedDB, download, memory, ...). */
  to: string | CheckpointHandler;
  /** Also save every this many steps (within an epoch; the epoch end always saves). */
  everySteps?: number;
  /** Called after each checkpoint is complete, with the position it continues from. */
  onSave?(info: { epoch: number; batch: number; step: number; where: string }): void | Promise<void>;
}

/** Saves a checkpoint at each epoch end and every `everySteps` steps. Put it after the callbacks whose values it should hold. */
export class ModelCheckpoint implements Callback {
  constructor(private readonly handler: CheckpointHandler, private readonly opts: Omit<CheckpointOptions, 'to'> = {}) {
    const n = opts.everySteps;
    if (n !== undefined && !(Number.isInteger(n) && n >= 1)) throw new RangeError(`gaaf: fit: checkpoint.everySteps must be an integer ≥ 1, got ${n}`);
  }

  async onBatchEnd(_batch: number, info: BatchInfo, run: TrainingRun): Promise<void> {
    const n = this.opts.everySteps;
    if (n && info.step % n === 0 && info.batch < info.batches) await this.save(run, info.epoch);
  }

  async onEpochEnd(_epoch: number, logs: EpochLogs, run: TrainingRun): Promise<void> {
    await this.save(run, logs.epoch + 1);
  }

  private async save(run: TrainingRun, epoch: number): Promise<void> {
    const { model, optimizer } = run;
    const bad = firstNonFiniteTensor(model) ?? optimizer.slotTensors().find((t) => countNonFinite(t.value) > 0)?.value.label ?? null;
    if (bad) {
      throw new TrainingDivergedError(
        `gaaf: training diverged by epoch ${epoch}, step ${model.step}: '${bad}' holds NaN or Inf, so no checkpoint was saved ` +
        `(the last good one in ${this.handler.description} is kept). Try a lower learning rate.`, epoch, model.step, bad);
    }
    const training = await run.state();
    await this.handler.save(await snapshot(model, { optimizer, training }));
    await this.opts.onSave?.({ epoch: training.epoch, batch: training.batch, step: training.step, where: this.handler.description });
  }
}

/** fit's options, and checkpoints to save while training. */
export interface FitOptions extends TrainOptions {
  /**
   * Save checkpoints (with the optimizer, the training position and the stateful callbacks'
   * values) into a directory (Node) or through a handler: every `everySteps` steps (if given)
   * and at the end of every epoch.
   */
  checkpoint?: CheckpointOptions;
}

/** fit(), with checkpoints saved by a ModelCheckpoint run after the other callbacks. */
export async function fitWithCheckpoints(model: Network, data: Dataset, opts: FitOptions = {}): Promise<History> {
  const { checkpoint, ...rest } = opts;
  if (!checkpoint) return fit(model, data, rest);
  const handler = await resolveHandler(checkpoint.to);
  const saver = new ModelCheckpoint(handler, { everySteps: checkpoint.everySteps, onSave: checkpoint.onSave });
  // open() takes the directory (a Node directory: its writer's lock, and the check that it is
  // writable) before any training, so a read-only, locked or unnumberable directory fails
  // before the first epoch; close() releases it however training ends.
  await handler.open?.();
  try {
    return await fit(model, data, { ...rest, callbacks: [...callbackList(rest.callbacks), saver] });
  } finally {
    await handler.close?.();
  }
}
