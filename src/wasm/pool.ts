// Max pooling over NHWC, 'valid' or 'same' padding (assembly/pool.ts): the geometry check and the table entries.
import { poolOutGeom } from './avgpool.js';
import { checkElems, checkPos } from './checks.js';
import { type ScalarRule, defineKernel } from './kernel.js';
import type { Buf } from './memory.js';

/** Max pooling over NHWC: x (n,h,w,c) → y (n,oh,ow,c); valid (default): oh = floor((h − k)/stride) + 1; same: ceil(h/stride). */
export interface PoolGeom { n: number; h: number; w: number; c: number; k: number; stride: number; padding?: 'valid' | 'same' }

const geometry: ScalarRule = (kernel, _n, v) => {
  const g = v as PoolGeom;
  if (g === null || typeof g !== 'object') throw new TypeError(`gaaf.${kernel}: geometry must be an object {n,h,w,c,k,stride}`);
  for (const f of ['n', 'h', 'w', 'c', 'k', 'stride'] as const) checkPos(kernel, `geometry.${f}`, g[f]);
  const padding = g.padding ?? 'valid';
  if (padding !== 'valid' && padding !== 'same') throw new RangeError(`gaaf.${kernel}: geometry.padding must be 'valid' or 'same', got '${String(padding)}'`);
  if (padding === 'valid' && (g.k > g.h || g.k > g.w)) throw new RangeError(`gaaf.${kernel}: a ${g.k}×${g.k} pooling window does not fit a ${g.h}×${g.w} input`);
  checkElems(kernel, 'x', g.n * g.h * g.w * g.c);
  const { n, h, w, c, k, stride } = g;
  return { n, h, w, c, k, stride, ...poolOutGeom(h, w, k, stride, padding) };
};
const GEOM = ['n', 'h', 'w', 'c', 'k', 'stride', 'padT', 'padL', 'oh', 'ow'] as const;
const input = ['n', 'h', 'w', 'c'];
const output = ['n', 'oh', 'ow', 'c'];

/** y (n,oh,ow,c) = max over each k×k window (stride s) of x (n,h,w,c); argmax (i32) = index into x of that max. */
export const maxPoolForward = defineKernel({
  name: 'maxPoolForward', simd: 'maxpool_forward', ref: 'maxpool_forward_ref',
  params: ['x', 'y', 'argmax', 'g'], args: ['x', 'y', 'argmax', ...GEOM],
  scalars: { g: geometry },
  operands: { x: { role: 'in', len: input }, y: { role: 'out', len: output }, argmax: { role: 'out', dtype: 'i32', len: output } },
}) as (x: Buf, y: Buf, argmax: Buf, g: PoolGeom) => void;

/** dx (n,h,w,c) = 0, then dx[argmax[i]] += dy[i]. Overwrites dx. An argmax entry outside its window is an error. */
export const maxPoolBackward = defineKernel({
  name: 'maxPoolBackward', simd: 'maxpool_backward', ref: 'maxpool_backward_ref',
  params: ['dy', 'argmax', 'dx', 'g'], args: ['dy', 'argmax', 'dx', ...GEOM],
  scalars: { g: geometry },
  operands: { dy: { role: 'in', len: output }, argmax: { role: 'in', dtype: 'i32', len: output }, dx: { role: 'out', len: input } },
  result: (bad, get, buf) => {
    if (bad !== 0) {
      throw new RangeError(`gaaf.maxPoolBackward: ${bad} of ${output.reduce((p, n) => p * get(n), 1)} argmax entries ('${buf('argmax')!.label}') point outside their pooling window; ` +
        'argmax must come from maxPoolForward with the same geometry');
    }
  },
}) as (dy: Buf, argmax: Buf, dx: Buf, g: PoolGeom) => void;
