// The merge kernels (assembly/merge.ts): their table entries. add and mul are elementwise,
// split into ranges across threads (bit-identical: one f32 operation per element); copyRows
// is Concatenate's block copy (a memory copy: one thread).
import { dim } from './checks.js';
import { defineKernel } from './kernel.js';
import type { Buf } from './memory.js';
import { elementwise } from './parallel.js';

/** y (n) = a + b (the gradient sums of a graph use it too). */
export const addForward = defineKernel({
  name: 'addForward', simd: 'add_forward', ref: 'add_forward_ref',
  params: ['a', 'b', 'y', 'n'],
  scalars: { n: dim },
  operands: { a: { role: 'in', len: 'n' }, b: { role: 'in', len: 'n' }, y: { role: 'out', len: 'n' } },
  mayAlias: { y: ['a', 'b'] },
  split: elementwise,
}) as (a: Buf, b: Buf, y: Buf, n: number) => void;

/** y (n) = a·b */
export const mulForward = defineKernel({
  name: 'mulForward', simd: 'mul_forward', ref: 'mul_forward_ref',
  params: ['a', 'b', 'y', 'n'],
  scalars: { n: dim },
  operands: { a: { role: 'in', len: 'n' }, b: { role: 'in', len: 'n' }, y: { role: 'out', len: 'n' } },
  mayAlias: { y: ['a', 'b'] },
  split: elementwise,
}) as (a: Buf, b: Buf, y: Buf, n: number) => void;

/** dst[dstOff + r·ldd + c] = src[srcOff + r·lds + c] for r < rows, c < cols (Concatenate's blocks). */
export const copyRows = defineKernel({
  name: 'copyRows', simd: 'copy_rows', ref: 'copy_rows_ref',
  params: ['src', 'srcOff', 'lds', 'dst', 'dstOff', 'ldd', 'rows', 'cols'],
  scalars: { srcOff: dim, lds: dim, dstOff: dim, ldd: dim, rows: dim, cols: dim },
  operands: {
    src: { role: 'in', len: (g) => (g('rows') > 0 ? g('srcOff') + (g('rows') - 1) * g('lds') + g('cols') : 0) },
    dst: { role: 'out', len: (g) => (g('rows') > 0 ? g('dstOff') + (g('rows') - 1) * g('ldd') + g('cols') : 0) },
  },
}) as (src: Buf, srcOff: number, lds: number, dst: Buf, dstOff: number, ldd: number, rows: number, cols: number) => void;
