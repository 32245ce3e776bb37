// Batch norm over rows × cols, per-column statistics (assembly/batchnorm.ts): the table entries.
import { checkElems, checkPos, eps } from './checks.js';
import { type ScalarRule, defineKernel } from './kernel.js';
import type { Buf } from './memory.js';

const rows: ScalarRule = (k, n, v) => (checkPos(k, n, v as number), v as number);
const cols: ScalarRule = (k, n, v, arg) => {
  checkPos(k, n, v as number);
  checkElems(k, 'x', (arg('rows') as number) * (v as number));
  return v as number;
};
const all = ['rows', 'cols'];
const perColumn = 'cols';

/** Training-mode batch norm over rows × cols (per-column statistics); writes y, mean and invStd = 1/sqrt(var_biased + eps). */
export const batchNormForwardTrain = defineKernel({
  name: 'batchNormForwardTrain', simd: 'batchnorm_forward_train', ref: 'batchnorm_forward_train_ref',
  params: ['x', 'gamma', 'beta', 'y', 'mean', 'invStd', 'rows', 'cols', 'eps'],
  scalars: { rows, cols, eps },
  operands: {
    x: { role: 'in', len: all }, gamma: { role: 'in', len: perColumn }, beta: { role: 'in', len: perColumn },
    y: { role: 'out', len: all }, mean: { role: 'out', len: perColumn }, invStd: { role: 'out', len: perColumn },
  },
}) as (x: Buf, gamma: Buf, beta: Buf, y: Buf, mean: Buf, invStd: Buf, rows: number, cols: number, eps: number) => void;

/** Inference-mode batch norm: y = (x − runMean)·gamma/sqrt(runVar + eps) + beta, per column. y may be x. */
export const batchNormForwardInference = defineKernel({
  name: 'batchNormForwardInference', simd: 'batchnorm_forward_inference', ref: 'batchnorm_forward_inference_ref',
  params: ['x', 'gamma', 'beta', 'runMean', 'runVar', 'y', 'rows', 'cols', 'eps'],
  scalars: { rows, cols, eps },
  operands: {
    x: { role: 'in', len: all }, gamma: { role: 'in', len: perColumn }, beta: { role: 'in', len: perColumn },
    runMean: { role: 'in', len: perColumn }, runVar: { role: 'in', len: perColumn }, y: { role: 'out', len: all },
  },
  mayAlias: { y: ['x'] },
}) as (x: Buf, gamma: Buf, beta: Buf, runMean: Buf, runVar: Buf, y: Buf, rows: number, cols: number, eps: number) => void;

/**
 * Training-mode batch norm backward (Ioffe & Szegedy 2015): overwrites dx, dgamma = Σ dy·x̂,
 * dbeta = Σ dy. dx may be dy (the sums are taken over all of dy before dx is written).
 */
export const batchNormBackward = defineKernel({
  name: 'batchNormBackward', simd: 'batchnorm_backward', ref: 'batchnorm_backward_ref',
  params: ['x', 'dy', 'gamma', 'mean', 'invStd', 'dx', 'dgamma', 'dbeta', 'rows', 'cols'],
  scalars: { rows, cols },
  operands: {
    x: { role: 'in', len: all }, dy: { role: 'in', len: all }, gamma: { role: 'in', len: perColumn },
    mean: { role: 'in', len: perColumn }, invStd: { role: 'in', len: perColumn }, dx: { role: 'out', len: all },
    dgamma: { role: 'out', len: perColumn }, dbeta: { role: 'out', len: perColumn },
  },
  mayAlias: { dx: ['dy'] },
}) as (x: Buf, dy: Buf, gamma: Buf, mean: Buf, invStd: Buf, dx: Buf, dgamma: Buf, dbeta: Buf, rows: number, cols: number) => void;
