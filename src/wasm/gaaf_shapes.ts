// GAAF with a chosen shape for tanh, relu, sigmoid (assembly/gaaf_shapes.ts): its table entries.
// Elementwise, split into ranges across threads; the output may be one of its inputs.
import { ACT_KINDS, type ActKind } from './activations.js';
import { dim, finite } from './checks.js';
import { constant } from './instance.js';
import { type ScalarRule, defineKernel } from './kernel.js';
import type { Buf } from './memory.js';
import { elementwise } from './parallel.js';

/** The shapes the kernels take; each one's code is the module's GAAFS_<NAME>. */
export const GAAF_SHAPES = ['bell', 'ring', 'shiftedSigmoid', 'leftBump'] as const;
export type GaafShape = typeof GAAF_SHAPES[number];
const EXPORT: Record<GaafShape, string> = { bell: 'BELL', ring: 'RING', shiftedSigmoid: 'SHIFTED_SIGMOID', leftBump: 'LEFT_BUMP' };

const codes = new Map<string, number>();
const code = (name: string): number => {
  let c = codes.get(name);
  if (c === undefined) codes.set(name, c = constant(name));
  return c;
};
const kind: ScalarRule = (k, _n, v) => {
  if (!(ACT_KINDS as readonly unknown[]).includes(v)) throw new RangeError(`gaaf.${k}: unknown activation '${String(v)}' (expected ${ACT_KINDS.join(', ')})`);
  return code(`ACT_${(v as string).toUpperCase()}`);
};
const shape: ScalarRule = (k, _n, v) => {
  if (typeof v !== 'string' || !Object.prototype.hasOwnProperty.call(EXPORT, v)) {
    throw new RangeError(`gaaf.${k}: unknown GAAF shape '${String(v)}' (expected ${GAAF_SHAPES.join(', ')})`);
  }
  return code(`GAAFS_${EXPORT[v as GaafShape]}`);
};

/** y (n) = φ(x) + g(x)·s(x), s the shape (p1, p2: c, 0 or a, b) times the height h. */
export const gaafsForward = defineKernel({
  name: 'gaafsForward', simd: 'gaafs_forward', ref: 'gaafs_forward_ref',
  params: ['kind', 'shape', 'x', 'y', 'n', 'K', 'p1', 'p2', 'h'],
  scalars: { kind, shape, n: dim, K: finite, p1: finite, p2: finite, h: finite },
  operands: { x: { role: 'in', len: 'n' }, y: { role: 'out', len: 'n' } },
  mayAlias: { y: ['x'] },
  split: elementwise,
}) as (kind: ActKind, shape: GaafShape, x: Buf, y: Buf, n: number, K: number, p1: number, p2: number, h: number) => void;

/** dx (n) = dy·(φ′(x) + s(x)), x the pre-activation. */
export const gaafsBackward = defineKernel({
  name: 'gaafsBackward', simd: 'gaafs_backward', ref: 'gaafs_backward_ref',
  params: ['kind', 'shape', 'x', 'dy', 'dx', 'n', 'p1', 'p2', 'h'],
  scalars: { kind, shape, n: dim, p1: finite, p2: finite, h: finite },
  operands: { x: { role: 'in', len: 'n' }, dy: { role: 'in', len: 'n' }, dx: { role: 'out', len: 'n' } },
  mayAlias: { dx: ['x', 'dy'] },
  split: elementwise,
}) as (kind: ActKind, shape: GaafShape, x: Buf, dy: Buf, dx: Buf, n: number, p1: number, p2: number, h: number) => void;
