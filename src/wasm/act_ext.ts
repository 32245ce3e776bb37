// More activations (assembly/act_ext.ts): ELU, GELU (tanh and exact), SiLU, softplus
// (elementwise, split across threads, in place allowed) and softmax over rows.
import { dim, finite, pos } from './checks.js';
import { constant } from './instance.js';
import { type ScalarRule, defineKernel } from './kernel.js';
import type { Buf } from './memory.js';
import { elementwise } from './parallel.js';

/** The elementwise kinds of assembly/act_ext.ts; each one's code is the module's ACTX_<NAME>. */
export const ACTX_KINDS = ['elu', 'geluTanh', 'gelu', 'silu', 'softplus'] as const;
export type ActxKind = typeof ACTX_KINDS[number];
const EXPORT: Record<ActxKind, string> = { elu: 'ELU', geluTanh: 'GELU_TANH', gelu: 'GELU', silu: 'SILU', softplus: 'SOFTPLUS' };
const codes = new Map<string, number>();
const kind: ScalarRule = (k, _n, v) => {
  if (typeof v !== 'string' || !Object.prototype.hasOwnProperty.call(EXPORT, v)) {
    throw new RangeError(`gaaf.${k}: unknown activation '${String(v)}' (expected ${ACTX_KINDS.join(', ')})`);
  }
  let c = codes.get(v);
  if (c === undefined) codes.set(v, c = constant(`ACTX_${EXPORT[v as ActxKind]}`));
  return c;
};

/** y (n) = φ(x); alpha: ELU's α (the others ignore it). */
export const actxForward = defineKernel({
  name: 'actxForward', simd: 'actx_forward', ref: 'actx_forward_ref',
  params: ['kind', 'x', 'y', 'n', 'alpha'],
  scalars: { kind, n: dim, alpha: finite },
  operands: { x: { role: 'in', len: 'n' }, y: { role: 'out', len: 'n' } },
  mayAlias: { y: ['x'] },
  split: elementwise,
}) as (kind: ActxKind, x: Buf, y: Buf, n: number, alpha: number) => void;

/** dx (n) = dy·φ'(x), x the pre-activation. */
export const actxBackward = defineKernel({
  name: 'actxBackward', simd: 'actx_backward', ref: 'actx_backward_ref',
  params: ['kind', 'x', 'dy', 'dx', 'n', 'alpha'],
  scalars: { kind, n: dim, alpha: finite },
  operands: { x: { role: 'in', len: 'n' }, dy: { role: 'in', len: 'n' }, dx: { role: 'out', len: 'n' } },
  mayAlias: { dx: ['x', 'dy'] },
  split: elementwise,
}) as (kind: ActxKind, x: Buf, dy: Buf, dx: Buf, n: number, alpha: number) => void;

/** y (rows, cols) = softmax of each row of x. */
export const softmaxForward = defineKernel({
  name: 'softmaxForward', simd: 'softmax_forward', ref: 'softmax_forward_ref',
  params: ['x', 'y', 'rows', 'cols'],
  scalars: { rows: dim, cols: pos },
  operands: { x: { role: 'in', len: ['rows', 'cols'] }, y: { role: 'out', len: ['rows', 'cols'] } },
  mayAlias: { y: ['x'] },
}) as (x: Buf, y: Buf, rows: number, cols: number) => void;

/** dx (rows, cols) = y·(dy − Σ_j dy_j·y_j) per row, y the forward output. */
export const softmaxBackward = defineKernel({
  name: 'softmaxBackward', simd: 'softmax_backward', ref: 'softmax_backward_ref',
  params: ['y', 'dy', 'dx', 'rows', 'cols'],
  scalars: { rows: dim, cols: pos },
  operands: { y: { role: 'in', len: ['rows', 'cols'] }, dy: { role: 'in', len: ['rows', 'cols'] }, dx: { role: 'out', len: ['rows', 'cols'] } },
  mayAlias: { dx: ['y', 'dy'] },
}) as (y: Buf, dy: Buf, dx: Buf, rows: number, cols: number) => void;
