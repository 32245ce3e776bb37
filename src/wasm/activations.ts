// The activations and GAAF (assembly/activations.ts): their table entries. Elementwise, split
// into ranges across threads; each output may be one of its inputs (the kernels read element i
// before they write it).
import { dim, finite } from './checks.js';
import { constant } from './instance.js';
import { type ScalarRule, defineKernel } from './kernel.js';
import type { Buf } from './memory.js';
import { elementwise } from './parallel.js';

/** The activations the kernels implement; each one's code is the module's ACT_<NAME> constant. */
export const ACT_KINDS = ['tanh', 'relu', 'sigmoid'] as const;
export type ActKind = typeof ACT_KINDS[number];

const codes = { tanh: -1, relu: -1, sigmoid: -1 }; // the module's ACT_<NAME>, read at first use
const kind: ScalarRule = (k, _n, v) => {
  if (!(ACT_KINDS as readonly unknown[]).includes(v)) {
    throw new RangeError(`gaaf.${k}: unknown activation '${String(v)}' (expected ${ACT_KINDS.join(', ')})`);
  }
  const c = codes[v as ActKind];
  return c >= 0 ? c : (codes[v as ActKind] = constant(`ACT_${(v as string).toUpperCase()}`));
};

/** y (n) = φ(x) */
export const actForward = defineKernel({
  name: 'actForward', simd: 'act_forward', ref: 'act_forward_ref',
  params: ['kind', 'x', 'y', 'n'],
  scalars: { kind, n: dim },
  operands: { x: { role: 'in', len: 'n' }, y: { role: 'out', len: 'n' } },
  mayAlias: { y: ['x'] },
  split: elementwise,
}) as (kind: ActKind, x: Buf, y: Buf, n: number) => void;

/** dx (n) = dy·φ'(x), with y = φ(x) from the forward pass. */
export const actBackward = defineKernel({
  name: 'actBackward', simd: 'act_backward', ref: 'act_backward_ref',
  params: ['kind', 'x', 'y', 'dy', 'dx', 'n'],
  scalars: { kind, n: dim },
  operands: { x: { role: 'in', len: 'n' }, y: { role: 'in', len: 'n' }, dy: { role: 'in', len: 'n' }, dx: { role: 'out', len: 'n' } },
  mayAlias: { dx: ['x', 'y', 'dy'] },
  split: elementwise,
}) as (kind: ActKind, x: Buf, y: Buf, dy: Buf, dx: Buf, n: number) => void;

/** y (n) = φ(x) + g(x)·s(x): GAAF (paper eq. 8), g with frequency K, shape parameters p1, p2. */
export const gaafForward = defineKernel({
  name: 'gaafForward', simd: 'gaaf_forward', ref: 'gaaf_forward_ref',
  params: ['kind', 'x', 'y', 'n', 'K', 'p1', 'p2'],
  scalars: { kind, n: dim, K: finite, p1: finite, p2: finite },
  operands: { x: { role: 'in', len: 'n' }, y: { role: 'out', len: 'n' } },
  mayAlias: { y: ['x'] },
  split: elementwise,
}) as (kind: ActKind, x: Buf, y: Buf, n: number, K: number, p1: number, p2: number) => void;

/** dx (n) = dy·(φ'(x) + s(x)) */
export const gaafBackward = defineKernel({
  name: 'gaafBackward', simd: 'gaaf_backward', ref: 'gaaf_backward_ref',
  params: ['kind', 'x', 'dy', 'dx', 'n', 'p1', 'p2'],
  scalars: { kind, n: dim, p1: finite, p2: finite },
  operands: { x: { role: 'in', len: 'n' }, dy: { role: 'in', len: 'n' }, dx: { role: 'out', len: 'n' } },
  mayAlias: { dx: ['x', 'dy'] },
  split: elementwise,
}) as (kind: ActKind, x: Buf, dy: Buf, dx: Buf, n: number, p1: number, p2: number) => void;

/** y (n) = x > 0 ? x : alpha·x (LeakyReLU, alpha the slope for x ≤ 0). */
export const leakyReluForward = defineKernel({
  name: 'leakyReluForward', simd: 'leaky_relu_forward', ref: 'leaky_relu_forward_ref',
  params: ['x', 'y', 'n', 'alpha'],
  scalars: { n: dim, alpha: finite },
  operands: { x: { role: 'in', len: 'n' }, y: { role: 'out', len: 'n' } },
  mayAlias: { y: ['x'] },
  split: elementwise,
}) as (x: Buf, y: Buf, n: number, alpha: number) => void;

/** dx (n) = dy·(x > 0 ? 1 : alpha) */
export const leakyReluBackward = defineKernel({
  name: 'leakyReluBackward', simd: 'leaky_relu_backward', ref: 'leaky_relu_backward_ref',
  params: ['x', 'dy', 'dx', 'n', 'alpha'],
  scalars: { n: dim, alpha: finite },
  operands: { x: { role: 'in', len: 'n' }, dy: { role: 'in', len: 'n' }, dx: { role: 'out', len: 'n' } },
  mayAlias: { dx: ['x', 'dy'] },
  split: elementwise,
}) as (x: Buf, dy: Buf, dx: Buf, n: number, alpha: number) => void;
