// Number and table formatting shared by the reproduction reports.
import { chooseLr } from './lr-select.js';
import type { LrSelection } from './lr-trials.js';
import type { MeanSd } from './measure.js';

export const exp = (x: number | undefined, d = 2): string => (x === undefined || !Number.isFinite(x) ? '–' : x.toExponential(d));
export const fix = (x: number | undefined, d: number): string => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
export const sd = (m: MeanSd, f: (x: number) => string): string => (m.sd === null ? '' : ` (${f(m.sd)})`);
export const pct = (m: MeanSd, d = 2): string => `${fix(100 * m.mean, d)}${sd(m, (x) => fix(100 * x, d + 1))}`;
export const num = (m: MeanSd, d = 1): string => `${fix(m.mean, d)}${sd(m, (x) => fix(x, d))}`;
export const expSd = (m: MeanSd): string => `${exp(m.mean)}${sd(m, (x) => exp(x, 1))}`;
/** A share as a percentage, with more decimals when it is small. */
export const share = (x: number): string => `${fix(100 * x, Math.abs(x) < 0.01 ? 2 : 1)}%`;
export const minutes = (s: number): string => `${(s / 60).toFixed(1)} min (${Math.round(s)} s)`;

/** 'a', 'a and b', 'a, b and c'. */
export const andList = (xs: readonly string[]): string => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

export function table(head: string[], rows: string[][]): string {
  const cell = (c: string): string => c.replace(/\|/g, '\\|');
  const line = (r: string[]): string => `| ${r.map(cell).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The learning-rate choice's paragraph (both reports): the trials, the chosen rate and what changed. */
export function lrChoiceText(c: LrSelection, label: (m: string) => string, earlier: string): string[] {
  const L: string[] = [];
  L.push(`The learning rate was chosen on the validation split (\`--lr-grid ${c.grid.join(',')}\`): every candidate trained each model with seed ${c.seed} under the protocol below; ${c.rule}. ` +
    `The runs at the chosen rate are seed ${c.seed}'s runs of the tables below (the same seed, rate and protocol give the same bits).`, '');
  L.push(table(['Learning rate', ...c.models.map((m) => `${label(m)}: best validation accuracy (%), epoch`), 'Mean validation accuracy (%)', 'Mean validation loss', 'Chosen'],
    c.trials.map((t) => [String(t.lr), ...c.models.map((m) => {
      const x = t.runs.find((u) => u.model === m)!;
      return x.diverged ? 'diverged' : `${fix(100 * x.bestValAccuracy, 2)}, ${x.bestEpoch}`;
    }), Number.isFinite(t.valAccuracy) ? fix(100 * t.valAccuracy, 2) : '–', Number.isFinite(t.valLoss) ? fix(t.valLoss, 4) : '–', t.lr === c.lr ? 'yes' : ''])), '');
  const chosen = c.trials.find((t) => t.lr === c.lr)!;
  const tied = c.trials.filter((t) => t.lr !== c.lr && t.valAccuracy === chosen.valAccuracy);
  if (tied.length) {
    L.push(`${tied.map((t) => t.lr).join(', ')} tied with ${c.lr} on mean validation accuracy; ${tied.every((t) => chosen.valLoss < t.valLoss) ? `the lower mean validation loss (${fix(chosen.valLoss, 4)} against ${tied.map((t) => fix(t.valLoss, 4)).join(', ')}) decided` : 'the tie-break of the rule decided'}.`, '');
  }
  // what each model's own trials would choose under the same rule (the shared rate may not be every model's best)
  const own = c.models.map((m) => {
    const ok = c.trials.map((t) => ({ lr: t.lr, x: t.runs.find((u) => u.model === m)! })).filter((t) => t.x.diverged === null);
    return { m, lr: ok.length ? chooseLr(ok.map((t) => ({ lr: t.lr, valAccuracy: t.x.bestValAccuracy, valLoss: Number.isFinite(t.x.bestValLoss) ? t.x.bestValLoss : Infinity }))).lr : null };
  });
  const others = own.filter((o) => o.lr !== c.lr);
  L.push(`Chosen by each model's own trials under the same rule, the rates would be ${own.map((o) => `${label(o.m)} ${o.lr ?? 'none (diverged at every rate)'}`).join(', ')}` +
    (others.length ? `: ${andList(others.map((o) => label(o.m)))} ${others.length === 1 ? 'runs' : 'run'} here at a rate that is not ${others.length === 1 ? 'its' : 'their'} own best on validation.` : `: the shared rate is every model's own choice.`), '');
  L.push(c.lr === c.defaultLr
    ? `The rate chosen on validation, ${c.lr}, is the earlier default, which ${earlier}`
    : `The rate chosen on validation is ${c.lr}; the earlier default ${c.defaultLr} ${earlier}`, '');
  return L;
}
