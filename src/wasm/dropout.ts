// Dropout (assembly/dropout.ts): its table entries.
import { checkUnitF32, dim, u32 } from './checks.js';
import { type ScalarRule, defineKernel } from './kernel.js';
import type { Buf } from './memory.js';
import { elementwise } from './parallel.js';

const rate: ScalarRule = (k, _n, p) => {
  checkUnitF32(`gaaf.${k}: p`, p as number);
  return p as number;
};

/**
 * Inverted dropout: mask (n) = keep ? 1/(1-p) : 0 from a counter-based hash of (seed, stream, i);
 * y = x·mask. y may be x; mask must be its own buffer (it is written before x is read).
 */
export const dropoutForward = defineKernel({
  name: 'dropoutForward', simd: 'dropout_forward', ref: 'dropout_forward_ref',
  params: ['x', 'y', 'mask', 'n', 'p', 'seed', 'stream'],
  scalars: { n: dim, p: rate, seed: u32, stream: u32 },
  operands: { x: { role: 'in', len: 'n' }, y: { role: 'out', len: 'n' }, mask: { role: 'out', len: 'n' } },
  mayAlias: { y: ['x'] },
}) as (x: Buf, y: Buf, mask: Buf, n: number, p: number, seed: number, stream: number) => void;

/** dx (n) = dy·mask */
export const dropoutBackward = defineKernel({
  name: 'dropoutBackward', simd: 'dropout_backward', ref: 'dropout_backward_ref',
  params: ['dy', 'mask', 'dx', 'n'],
  scalars: { n: dim },
  operands: { dy: { role: 'in', len: 'n' }, mask: { role: 'in', len: 'n' }, dx: { role: 'out', len: 'n' } },
  mayAlias: { dx: ['dy', 'mask'] },
  split: elementwise,
}) as (dy: Buf, mask: Buf, dx: Buf, n: number) => void;
