// Average pooling over NHWC with 'valid' or 'same' padding (assembly/avgpool.ts): the geometry
// check and the table entries.
import { checkElems, checkPos } from './checks.js';
import { type ScalarRule, defineKernel } from './kernel.js';
import type { Buf } from './memory.js';

/** x (n,h,w,c) → y (n,oh,ow,c); valid: oh = floor((h − k)/stride) + 1; same: oh = ceil(h/stride). */
export interface AvgPoolGeom { n: number; h: number; w: number; c: number; k: number; stride: number; padding: 'valid' | 'same' }

/** oh, ow and the top/left padding of a pooling geometry (Keras's: the odd pad row goes to the bottom/right). */
export function poolOutGeom(h: number, w: number, k: number, stride: number, padding: 'valid' | 'same'): { oh: number; ow: number; padT: number; padL: number } {
  if (padding === 'valid') return { oh: Math.floor((h - k) / stride) + 1, ow: Math.floor((w - k) / stride) + 1, padT: 0, padL: 0 };
  const oh = Math.ceil(h / stride), ow = Math.ceil(w / stride);
  return { oh, ow, padT: Math.floor(Math.max((oh - 1) * stride + k - h, 0) / 2), padL: Math.floor(Math.max((ow - 1) * stride + k - w, 0) / 2) };
}

const geometry: ScalarRule = (kernel, _n, v) => {
  const g = v as AvgPoolGeom;
  if (g === null || typeof g !== 'object') throw new TypeError(`gaaf.${kernel}: geometry must be an object {n,h,w,c,k,stride,padding}`);
  for (const f of ['n', 'h', 'w', 'c', 'k', 'stride'] as const) checkPos(kernel, `geometry.${f}`, g[f]);
  if (g.padding !== 'valid' && g.padding !== 'same') throw new RangeError(`gaaf.${kernel}: geometry.padding must be 'valid' or 'same', got '${String(g.padding)}'`);
  if (g.padding === 'valid' && (g.k > g.h || g.k > g.w)) throw new RangeError(`gaaf.${kernel}: a ${g.k}×${g.k} 'valid' pooling window does not fit a ${g.h}×${g.w} input`);
  checkElems(kernel, 'x', g.n * g.h * g.w * g.c);
  const { n, h, w, c, k, stride } = g;
  return { n, h, w, c, k, stride, ...poolOutGeom(h, w, k, stride, g.padding) };
};
const ARGS = ['n', 'h', 'w', 'c', 'k', 'stride', 'padT', 'padL', 'oh', 'ow'] as const;
const input = ['n', 'h', 'w', 'c'];
const output = ['n', 'oh', 'ow', 'c'];

/** y (n,oh,ow,c) = mean over each k×k window (stride s, padding not counted) of x (n,h,w,c). */
export const avgPoolForward = defineKernel({
  name: 'avgPoolForward', simd: 'avgpool_forward', ref: 'avgpool_forward_ref',
  params: ['x', 'y', 'g'], args: ['x', 'y', ...ARGS],
  scalars: { g: geometry },
  operands: { x: { role: 'in', len: input }, y: { role: 'out', len: output } },
}) as (x: Buf, y: Buf, g: AvgPoolGeom) => void;

/** dx (n,h,w,c) = 0, then each window's taps += dy/count. Overwrites dx. */
export const avgPoolBackward = defineKernel({
  name: 'avgPoolBackward', simd: 'avgpool_backward', ref: 'avgpool_backward_ref',
  params: ['dy', 'dx', 'g'], args: ['dy', 'dx', ...ARGS],
  scalars: { g: geometry },
  operands: { dy: { role: 'in', len: output }, dx: { role: 'out', len: input } },
}) as (dy: Buf, dx: Buf, g: AvgPoolGeom) => void;
