// The losses against float targets (assembly/loss_targets.ts): their table entries. Each is a
// fused value + gradient over (B, K) predictions (logits for the cross-entropies) and targets,
// with optional per-sample weights (B); it returns Σ_b w_b·loss_b and writes, when grad is
// given, scale·w_b·∂loss_b/∂pred. One thread: a loss is a small part of a step.
import { dim, finite } from './checks.js';
import { type Get, type ScalarRule, defineKernel } from './kernel.js';
import type { Buf } from './memory.js';

const rowsTimesK = ['B', 'K'];
const rowsTimesC = ['B', 'C'];

const positive: ScalarRule = (k, n, v) => {
  if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new RangeError(`gaaf.${k}: ${n} must be a finite number > 0, got ${String(v)}`);
  return v;
};
const unit: ScalarRule = (k, n, v) => {
  if (!(typeof v === 'number' && v >= 0 && v < 1)) throw new RangeError(`gaaf.${k}: ${n} must be a number in [0, 1), got ${String(v)}`);
  return v;
};
const atLeastOne: ScalarRule = (k, n, v) => {
  dim(k, n, v, () => undefined);
  if ((v as number) < 1) throw new RangeError(`gaaf.${k}: ${n} must be at least 1, got ${String(v)}`);
  return v as number;
};

/** Weights, where given, are finite and ≥ 0 (a negative weight would train away from the target). */
const checkWeights = (name: string) => (get: Get, buf: (n: string) => Buf | null): void => {
  const w = buf('weight');
  if (!w) return;
  const v = w.view();
  const B = get('B');
  for (let r = 0; r < B; r++) {
    if (!(v[r] >= 0 && v[r] < Infinity)) throw new RangeError(`gaaf.${name}: weight ${v[r]} at row ${r} must be finite and ≥ 0`);
  }
};

const elementwise = (name: string, simd: string, extra: Record<string, ScalarRule> = {}) => defineKernel({
  name, simd, ref: `${simd}_ref`,
  params: ['pred', 'target', 'weight', 'grad', 'B', 'K', 'scale', ...Object.keys(extra)],
  scalars: { B: dim, K: atLeastOne, scale: finite, ...extra },
  operands: {
    pred: { role: 'in', len: rowsTimesK },
    target: { role: 'in', len: rowsTimesK },
    weight: { role: 'in', optional: true, len: 'B' },
    grad: { role: 'out', optional: true, len: rowsTimesK },
  },
  check: checkWeights(name),
});

type Elementwise = (pred: Buf, target: Buf, weight: Buf | null, grad: Buf | null, B: number, K: number, scale: number) => number;

/** Mean squared error: loss_b = mean_k (p − t)². */
export const mseLoss = elementwise('mseLoss', 'mse_loss') as Elementwise;
/** Mean absolute error: loss_b = mean_k |p − t|. */
export const maeLoss = elementwise('maeLoss', 'mae_loss') as Elementwise;
/** Huber loss with threshold delta > 0: ½e² for |e| ≤ δ, δ|e| − ½δ² beyond, mean over k. */
export const huberLoss = elementwise('huberLoss', 'huber_loss', { delta: positive }) as
  (pred: Buf, target: Buf, weight: Buf | null, grad: Buf | null, B: number, K: number, scale: number, delta: number) => number;
/** Binary cross-entropy on logits (softplus form), targets in [0, 1], label smoothing in [0, 1). pred holds the logits. */
export const bceLogitsLoss = elementwise('bceLogitsLoss', 'bce_logits_loss', { smoothing: unit }) as
  (logits: Buf, target: Buf, weight: Buf | null, grad: Buf | null, B: number, K: number, scale: number, smoothing: number) => number;

/**
 * Categorical cross-entropy on logits (log-sum-exp), one-hot or soft targets (B, C), label
 * smoothing in [0, 1); probs (B, C) gets softmax(logits).
 */
export const cceLogitsLoss = defineKernel({
  name: 'cceLogitsLoss', simd: 'cce_logits_loss', ref: 'cce_logits_loss_ref',
  params: ['logits', 'target', 'weight', 'probs', 'grad', 'B', 'C', 'scale', 'smoothing'],
  scalars: { B: dim, C: atLeastOne, scale: finite, smoothing: unit },
  operands: {
    logits: { role: 'in', len: rowsTimesC },
    target: { role: 'in', len: rowsTimesC },
    weight: { role: 'in', optional: true, len: 'B' },
    probs: { role: 'out', len: rowsTimesC },
    grad: { role: 'out', optional: true, len: rowsTimesC },
  },
  check: checkWeights('cceLogitsLoss'),
}) as (logits: Buf, target: Buf, weight: Buf | null, probs: Buf, grad: Buf | null, B: number, C: number, scale: number, smoothing: number) => number;
