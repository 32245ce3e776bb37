// Choosing a learning rate the way a careful experiment does: on the validation split only.
// Each candidate is trained with one seed under the experiment's protocol; the candidate with
// the highest best-epoch validation accuracy wins (ties: the lower validation loss, then the
// smaller rate). The test set plays no part in the choice.

export interface LrTrial {
  lr: number;
  /** Best-epoch validation accuracy of the trial run. */
  valAccuracy: number;
  /** Validation loss at that epoch (the tie-break). */
  valLoss: number;
}

export interface LrChoice {
  lr: number;
  trials: LrTrial[];
  rule: string;
}

export const LR_RULE = 'the candidate with the highest best-epoch validation accuracy, one seed each (ties: lower validation loss, then the smaller rate); the test set is not used';

export function chooseLr(trials: readonly LrTrial[]): LrChoice {
  if (trials.length === 0) throw new RangeError('gaaf: chooseLr needs at least one trial');
  const bad = trials.find((t) => !(t.lr > 0) || !Number.isFinite(t.valAccuracy));
  if (bad) throw new RangeError(`gaaf: chooseLr: trial lr ${bad.lr} has validation accuracy ${bad.valAccuracy}`);
  const sorted = [...trials].sort((a, b) => b.valAccuracy - a.valAccuracy || a.valLoss - b.valLoss || a.lr - b.lr);
  return { lr: sorted[0].lr, trials: [...trials].sort((a, b) => a.lr - b.lr), rule: LR_RULE };
}

/** Parses a comma-separated list of positive learning rates (a CLI flag's value). */
export function parseLrList(v: string, flag: string): number[] {
  const xs = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const nums = xs.map(Number);
  if (xs.length === 0 || nums.some((x) => !(x > 0) || !Number.isFinite(x))) throw new RangeError(`gaaf: ${flag} takes comma-separated positive learning rates, got '${v}'`);
  if (new Set(nums).size !== nums.length) throw new RangeError(`gaaf: ${flag} lists a learning rate twice: '${v}'`);
  return nums;
}
