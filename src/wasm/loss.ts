// Softmax cross-entropy and row argmax (assembly/loss.ts): their table entries.
import { dim, finite } from './checks.js';
import { type ScalarRule, defineKernel } from './kernel.js';
import type { Buf } from './memory.js';

const classes: ScalarRule = (k, name, v, arg) => {
  dim(k, name, v, arg);
  if ((v as number) < 1) throw new RangeError(`gaaf.${k}: C must be at least 1, got ${String(v)}`);
  return v as number;
};
const rowsTimesClasses = ['B', 'C'];

/**
 * Softmax cross-entropy, fused. logits (B,C), labels (B) i32 in [0,C), probs (B,C) out;
 * dlogits (B,C) = (probs − onehot)·scale when given. Returns the summed loss over the B rows.
 * Labels are checked here, so a bad label is an error, not an out-of-bounds read.
 */
export const softmaxXent = defineKernel({
  name: 'softmaxXent', simd: 'softmax_xent', ref: 'softmax_xent_ref',
  params: ['logits', 'labels', 'probs', 'dlogits', 'B', 'C', 'scale'],
  scalars: { B: dim, C: classes, scale: finite },
  operands: {
    logits: { role: 'in', len: rowsTimesClasses },
    labels: { role: 'in', dtype: 'i32', len: 'B' },
    probs: { role: 'out', len: rowsTimesClasses },
    dlogits: { role: 'out', optional: true, len: rowsTimesClasses },
  },
  check: (get, buf) => {
    const lab = buf('labels')!.viewI32();
    const B = get('B'), C = get('C');
    for (let r = 0; r < B; r++) {
      const x = lab[r];
      if (!(x >= 0 && x < C)) throw new RangeError(`gaaf.softmaxXent: label ${x} at row ${r} is outside [0, ${C})`);
    }
  },
}) as (logits: Buf, labels: Buf, probs: Buf, dlogits: Buf | null, B: number, C: number, scale: number) => number;

/** out (rows) i32 = index of the first maximum of each row of x (rows, cols). */
export const argmaxRows = defineKernel({
  name: 'argmaxRows', simd: 'argmax_rows', ref: 'argmax_rows_ref',
  params: ['x', 'out', 'rows', 'cols'],
  scalars: { rows: dim, cols: dim },
  operands: { x: { role: 'in', len: ['rows', 'cols'] }, out: { role: 'out', dtype: 'i32', len: 'rows' } },
}) as (x: Buf, out: Buf, rows: number, cols: number) => void;
