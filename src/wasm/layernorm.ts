// Layer normalization over the last axis (assembly/layernorm.ts): the table entries.
import { dim, eps, pos } from './checks.js';
import { defineKernel } from './kernel.js';
import type { Buf } from './memory.js';

const RC = ['rows', 'cols'];

/** y, xhat (rows, cols), rstd (rows) = LayerNorm of x (rows, cols) with γ, β (cols). */
export const layerNormForward = defineKernel({
  name: 'layerNormForward', simd: 'layernorm_forward', ref: 'layernorm_forward_ref',
  params: ['x', 'gamma', 'beta', 'y', 'xhat', 'rstd', 'rows', 'cols', 'eps'],
  scalars: { rows: dim, cols: pos, eps },
  operands: {
    x: { role: 'in', len: RC }, gamma: { role: 'in', len: 'cols' }, beta: { role: 'in', len: 'cols' },
    y: { role: 'out', len: RC }, xhat: { role: 'out', len: RC }, rstd: { role: 'out', len: 'rows' },
  },
}) as (x: Buf, gamma: Buf, beta: Buf, y: Buf, xhat: Buf, rstd: Buf, rows: number, cols: number, eps: number) => void;

/** dx (rows, cols), dγ, dβ (cols, overwritten) from dy, xhat, rstd and γ. */
export const layerNormBackward = defineKernel({
  name: 'layerNormBackward', simd: 'layernorm_backward', ref: 'layernorm_backward_ref',
  params: ['dy', 'xhat', 'rstd', 'gamma', 'dx', 'dgamma', 'dbeta', 'rows', 'cols'],
  scalars: { rows: dim, cols: pos },
  operands: {
    dy: { role: 'in', len: RC }, xhat: { role: 'in', len: RC }, rstd: { role: 'in', len: 'rows' }, gamma: { role: 'in', len: 'cols' },
    dx: { role: 'out', len: RC }, dgamma: { role: 'out', len: 'cols' }, dbeta: { role: 'out', len: 'cols' },
  },
}) as (dy: Buf, xhat: Buf, rstd: Buf, gamma: Buf, dx: Buf, dgamma: Buf, dbeta: Buf, rows: number, cols: number) => void;
