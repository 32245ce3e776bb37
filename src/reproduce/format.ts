// Number and table formatting shared by the reproduction reports.
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

export function table(head: string[], rows: string[][]): string {
  const cell = (c: string): string => c.replace(/\|/g, '\\|');
  const line = (r: string[]): string => `| ${r.map(cell).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}
