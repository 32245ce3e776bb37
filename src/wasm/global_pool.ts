// Global average and max pooling over NHWC (assembly/global_pool.ts): the table entries.
// x (n,hw,c) → y (n,c), hw = h·w positions of each sample.
import { dim, pos } from './checks.js';
import { defineKernel } from './kernel.js';
import type { Buf } from './memory.js';

const input = ['n', 'hw', 'c'];
const output = ['n', 'c'];
const sizes = { n: dim, hw: pos, c: pos };

/** y (n,c) = mean over the hw positions of x (n,hw,c). */
export const globalAvgPoolForward = defineKernel({
  name: 'globalAvgPoolForward', simd: 'gavgpool_forward', ref: 'gavgpool_forward_ref',
  params: ['x', 'y', 'n', 'hw', 'c'], scalars: sizes,
  operands: { x: { role: 'in', len: input }, y: { role: 'out', len: output } },
}) as (x: Buf, y: Buf, n: number, hw: number, c: number) => void;

/** dx (n,hw,c) = dy[b,ch] / hw at every position. Overwrites dx. */
export const globalAvgPoolBackward = defineKernel({
  name: 'globalAvgPoolBackward', simd: 'gavgpool_backward', ref: 'gavgpool_backward_ref',
  params: ['dy', 'dx', 'n', 'hw', 'c'], scalars: sizes,
  operands: { dy: { role: 'in', len: output }, dx: { role: 'out', len: input } },
}) as (dy: Buf, dx: Buf, n: number, hw: number, c: number) => void;

/** y (n,c) = max over the hw positions of x (n,hw,c); argmax (i32) = flat index into x of that max. */
export const globalMaxPoolForward = defineKernel({
  name: 'globalMaxPoolForward', simd: 'gmaxpool_forward', ref: 'gmaxpool_forward_ref',
  params: ['x', 'y', 'argmax', 'n', 'hw', 'c'], scalars: sizes,
  operands: { x: { role: 'in', len: input }, y: { role: 'out', len: output }, argmax: { role: 'out', dtype: 'i32', len: output } },
}) as (x: Buf, y: Buf, argmax: Buf, n: number, hw: number, c: number) => void;

/** dx (n,hw,c) = dy[b,ch] at argmax[b,ch], 0 elsewhere. Overwrites dx. An argmax entry outside its column is an error. */
export const globalMaxPoolBackward = defineKernel({
  name: 'globalMaxPoolBackward', simd: 'gmaxpool_backward', ref: 'gmaxpool_backward_ref',
  params: ['dy', 'argmax', 'dx', 'n', 'hw', 'c'], scalars: sizes,
  operands: { dy: { role: 'in', len: output }, argmax: { role: 'in', dtype: 'i32', len: output }, dx: { role: 'out', len: input } },
  result: (bad, get, buf) => {
    if (bad !== 0) {
      throw new RangeError(`gaaf.globalMaxPoolBackward: ${bad} of ${get('n') * get('c')} argmax entries ('${buf('argmax')!.label}') are not an element of their own (sample, channel) column; ` +
        'argmax must come from globalMaxPoolForward with the same n, hw, c');
    }
  },
}) as (dy: Buf, argmax: Buf, dx: Buf, n: number, hw: number, c: number) => void;
