// The learning-rate choice of `gaaf reproduce mlp|cnn --lr-grid`: every candidate rate is
// tried with the first seed on every model of the run, under the experiment's own protocol;
// a candidate scores the mean over the models of their best-epoch validation accuracy
// (and validation loss, the tie-break), and chooseLr (lr-select.ts) picks the rate. One rate
// for all models, so that the models are compared under the same protocol, and chosen on the
// validation split only. The trial runs at the chosen rate are the first seed's runs of the
// experiment (same seed, rate and protocol give the same bits), so they are kept, not redone.
import { TrainingDivergedError } from '../fit.js';
import { LR_RULE, chooseLr } from './lr-select.js';

/** One model's trial at one rate: what the choice read (validation only), or why it failed. */
export interface LrTrialRun {
  model: string;
  bestEpoch: number;
  epochsRun: number;
  bestValAccuracy: number;
  bestValLoss: number;
  /** The divergence message when the loss turned NaN or infinite; the rate is then out. */
  diverged: string | null;
}

export interface LrTrialAt {
  lr: number;
  /** Mean over the models of the best-epoch validation accuracy (NaN when a model diverged). */
  valAccuracy: number;
  valLoss: number;
  runs: LrTrialRun[];
}

/** Recorded in results.json as `lrChoice`. */
export interface LrSelection {
  grid: number[];
  seed: number;
  models: string[];
  /** The rate the run would have used without --lr-grid (the experiment's default or --lr). */
  defaultLr: number;
  lr: number;
  rule: string;
  trials: LrTrialAt[];
}

export const LR_SCORE = 'a candidate scores the mean over the models of their best-epoch validation accuracy (tie-break: the mean best-epoch validation loss)';

/** What a trial run must expose (RunResult and CnnRunResult both do). */
export interface TrialOutcome {
  bestEpoch: number;
  epochsRun: number;
  bestValAccuracy: number;
  bestValLoss?: number;
  curve: Array<{ epoch: number; valLoss: number }>;
}

/**
 * Tries every rate of `grid` on every model with `seed`; returns the selection and the runs
 * at the chosen rate, keyed by model (to be reused as that seed's runs).
 */
export async function selectLr<R extends TrialOutcome>(grid: readonly number[], models: readonly string[], seed: number, defaultLr: number,
  runAt: (model: string, lr: number) => Promise<R>, log: (s: string) => void = () => {}): Promise<{ selection: LrSelection; kept: Map<string, R> }> {
  if (grid.length === 0) throw new RangeError('gaaf: --lr-grid needs at least one learning rate');
  const trials: LrTrialAt[] = [];
  const runsAt = new Map<number, Map<string, R>>();
  for (const lr of grid) {
    const runs: LrTrialRun[] = [];
    const kept = new Map<string, R>();
    for (const model of models) {
      try {
        const r = await runAt(model, lr);
        kept.set(model, r);
        const valLoss = r.bestValLoss ?? r.curve.find((c) => c.epoch === r.bestEpoch)?.valLoss ?? NaN;
        runs.push({ model, bestEpoch: r.bestEpoch, epochsRun: r.epochsRun, bestValAccuracy: r.bestValAccuracy, bestValLoss: valLoss, diverged: null });
        log(`lr trial ${lr}: ${model} seed ${seed}: best validation accuracy ${(100 * r.bestValAccuracy).toFixed(2)}% at epoch ${r.bestEpoch} of ${r.epochsRun}`);
      } catch (e) {
        if (!(e instanceof TrainingDivergedError)) throw e;
        runs.push({ model, bestEpoch: 0, epochsRun: e.epoch, bestValAccuracy: NaN, bestValLoss: NaN, diverged: e.message });
        log(`lr trial ${lr}: ${model} seed ${seed} diverged: ${e.message}`);
      }
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const ok = runs.every((x) => x.diverged === null);
    trials.push({ lr, valAccuracy: ok ? mean(runs.map((x) => x.bestValAccuracy)) : NaN, valLoss: ok ? mean(runs.map((x) => x.bestValLoss)) : NaN, runs });
    runsAt.set(lr, kept);
  }
  const usable = trials.filter((t) => Number.isFinite(t.valAccuracy));
  if (usable.length === 0) throw new RangeError(`gaaf: --lr-grid: training diverged at every rate of ${grid.join(', ')}; try smaller rates`);
  const choice = chooseLr(usable.map((t) => ({ lr: t.lr, valAccuracy: t.valAccuracy, valLoss: Number.isFinite(t.valLoss) ? t.valLoss : Infinity })));
  log(`lr chosen on validation: ${choice.lr} (grid ${grid.join(', ')}; default ${defaultLr})`);
  const selection: LrSelection = {
    grid: [...grid],
    seed,
    models: [...models],
    defaultLr,
    lr: choice.lr,
    rule: `${LR_SCORE}; the rate is ${LR_RULE}; a rate at which any model diverged is out`,
    trials: [...trials].sort((a, b) => a.lr - b.lr),
  };
  return { selection, kept: runsAt.get(choice.lr)! };
}
