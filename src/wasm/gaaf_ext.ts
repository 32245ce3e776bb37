// GAAF for LeakyReLU, ELU, GELU (exact and tanh), SiLU (assembly/gaaf_ext.ts): its table entries.
// Elementwise, split into ranges across threads; the output may be one of its inputs.
import { dim, finite } from './checks.js';
import { constant } from './instance.js';
import { type ScalarRule, defineKernel } from './kernel.js';
import type { Buf } from './memory.js';
import { elementwise } from './parallel.js';

/** The activations the GAAF kernels of gaaf_ext.ts take; each one's code is the module's GAAFX_<NAME>. */
export const GAAFX_KINDS = ['leakyRelu', 'elu', 'geluTanh', 'gelu', 'silu'] as const;
export type GaafxKind = typeof GAAFX_KINDS[number];
const EXPORT: Record<GaafxKind, string> = { leakyRelu: 'LEAKY_RELU', elu: 'ELU', geluTanh: 'GELU_TANH', gelu: 'GELU', silu: 'SILU' };
const codes = new Map<string, number>();
const kind: ScalarRule = (k, _n, v) => {
  if (typeof v !== 'string' || !Object.prototype.hasOwnProperty.call(EXPORT, v)) {
    throw new RangeError(`gaaf.${k}: unknown activation '${String(v)}' (expected ${GAAFX_KINDS.join(', ')})`);
  }
  let c = codes.get(v);
  if (c === undefined) codes.set(v, c = constant(`GAAFX_${EXPORT[v as GaafxKind]}`));
  return c;
};

/** y (n) = φ(x) + g(x)·s(x), s(x) = A·σ(a·(x − b)) (A = 1 − alpha for leakyRelu, else 1); alpha: leakyRelu's slope, elu's α. */
export const gaafxForward = defineKernel({
  name: 'gaafxForward', simd: 'gaafx_forward', ref: 'gaafx_forward_ref',
  params: ['kind', 'x', 'y', 'n', 'alpha', 'K', 'a', 'b'],
  scalars: { kind, n: dim, alpha: finite, K: finite, a: finite, b: finite },
  operands: { x: { role: 'in', len: 'n' }, y: { role: 'out', len: 'n' } },
  mayAlias: { y: ['x'] },
  split: elementwise,
}) as (kind: GaafxKind, x: Buf, y: Buf, n: number, alpha: number, K: number, a: number, b: number) => void;

/** dx (n) = dy·(φ′(x) + s(x)), x the pre-activation. */
export const gaafxBackward = defineKernel({
  name: 'gaafxBackward', simd: 'gaafx_backward', ref: 'gaafx_backward_ref',
  params: ['kind', 'x', 'dy', 'dx', 'n', 'alpha', 'a', 'b'],
  scalars: { kind, n: dim, alpha: finite, a: finite, b: finite },
  operands: { x: { role: 'in', len: 'n' }, dy: { role: 'in', len: 'n' }, dx: { role: 'out', len: 'n' } },
  mayAlias: { dx: ['x', 'dy'] },
  split: elementwise,
}) as (kind: GaafxKind, x: Buf, dy: Buf, dx: Buf, n: number, alpha: number, a: number, b: number) => void;
