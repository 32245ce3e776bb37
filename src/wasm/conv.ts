// 2-D convolution over NHWC tensors (assembly/conv.ts): the geometry checks and the three
// passes' table entries. The forward and backward-data passes split by images across threads,
// backward-filter by blocks of output channels. No operand may share a buffer with another.
import { checkElems, checkPos } from './checks.js';
import { instance } from './instance.js';
import { type Get, type ScalarRule, defineKernel } from './kernel.js';
import type { Buf } from './memory.js';
import { channelBlocks, images } from './parallel.js';

/**
 * 2-D convolution over NHWC tensors: x (n,h,w,c), filter (kh,kw,c,oc), bias (oc), y (n,oh,ow,oc);
 * dilation dh, dw (default 1): tap (ky,kx) reads x at (oy·stride − pad + ky·dh, ox·stride − pad + kx·dw).
 */
export interface ConvGeom { n: number; h: number; w: number; c: number; oc: number; kh: number; kw: number; stride: number; pad: number; dh?: number; dw?: number }

/** floor((size + 2·pad − ((k − 1)·d + 1))/stride) + 1 (d: the dilation), or a RangeError naming the sizes if < 1. */
export function convOutSize(size: number, k: number, stride: number, pad: number, d = 1): number {
  const kn = 'convOutSize';
  checkPos(kn, 'size', size); checkPos(kn, 'kernel size', k); checkPos(kn, 'stride', stride); checkPos(kn, 'pad', pad, 0);
  checkPos(kn, 'dilation', d);
  const ke = (k - 1) * d + 1;
  const o = Math.floor((size + 2 * pad - ke) / stride) + 1;
  if (o < 1) {
    const kd = d === 1 ? `a ${k}-wide kernel` : `a ${k}-wide kernel dilated by ${d} (${ke} wide)`;
    throw new RangeError(`gaaf.${kn}: ${kd} with pad ${pad} does not fit an input of size ${size} ` +
      `(size + 2·pad = ${size + 2 * pad} < ${ke})`);
  }
  return o;
}

/** Checks g; gives its fields and the output size oh, ow and K = kh·kw·c. */
function convShape(kernel: string, g: ConvGeom): Record<string, number> {
  if (g === null || typeof g !== 'object') throw new TypeError(`gaaf.${kernel}: geometry must be an object {n,h,w,c,oc,kh,kw,stride,pad,dh?,dw?}`);
  for (const f of ['n', 'h', 'w', 'c', 'oc', 'kh', 'kw', 'stride'] as const) checkPos(kernel, `geometry.${f}`, g[f]);
  checkPos(kernel, 'geometry.pad', g.pad, 0);
  const dh = g.dh ?? 1, dw = g.dw ?? 1;
  checkPos(kernel, 'geometry.dh', dh); checkPos(kernel, 'geometry.dw', dw);
  let oh: number, ow: number;
  try {
    oh = convOutSize(g.h, g.kh, g.stride, g.pad, dh);
    ow = convOutSize(g.w, g.kw, g.stride, g.pad, dw);
  } catch (e) {
    const dil = dh === 1 && dw === 1 ? '' : ` dilated by ${dh}×${dw}`;
    throw new RangeError(`gaaf.${kernel}: input ${g.h}×${g.w} is too small for a ${g.kh}×${g.kw} kernel${dil} with pad ${g.pad}: ${(e as Error).message}`);
  }
  const K = g.kh * g.kw * g.c;
  checkElems(kernel, 'x', g.n * g.h * g.w * g.c);
  checkElems(kernel, 'y', g.n * oh * ow * g.oc);
  checkElems(kernel, 'filter', K * g.oc);
  const { n, h, w, c, oc, kh, kw, stride, pad } = g;
  return { n, h, w, c, oc, kh, kw, stride, pad, dh, dw, oh, ow, K };
}

const geometry: ScalarRule = (k, _n, g) => convShape(k, g as ConvGeom);
const GEOM = ['n', 'h', 'w', 'c', 'oc', 'kh', 'kw', 'stride', 'pad', 'dh', 'dw'] as const;
const workFloats = (get: Get): number =>
  Math.ceil((instance('conv2d').ex.conv2d_workspace_bytes as (...a: number[]) => number)(...GEOM.map(get)) / 4);

/** f32 elements of scratch that conv2dForward/BackwardData/BackwardFilter need for geometry g (g.n = batch capacity). */
export function conv2dWorkspaceLength(g: ConvGeom): number {
  const v = convShape('conv2dWorkspaceLength', g);
  return workFloats((n) => v[n]);
}

const input = ['n', 'h', 'w', 'c'];
const output = ['n', 'oh', 'ow', 'oc'];
const filter = ['K', 'oc'];
const channels = 'oc';

/** y (n,oh,ow,oc) = conv2d(x (n,h,w,c), filter (kh,kw,c,oc)) + bias (oc). Writes y. */
export const conv2dForward = defineKernel({
  name: 'conv2dForward', simd: 'conv2d_forward', ref: 'conv2d_forward_ref',
  params: ['x', 'filter', 'bias', 'y', 'g', 'work'], args: ['x', 'filter', 'bias', 'y', 'work', ...GEOM],
  scalars: { g: geometry },
  operands: {
    x: { role: 'in', len: input }, filter: { role: 'in', len: filter }, bias: { role: 'in', optional: true, len: channels },
    y: { role: 'out', len: output }, work: { role: 'work', len: workFloats, simdOnly: true },
  },
  split: images({ x: 'input', y: 'output' }),
}) as (x: Buf, filter: Buf, bias: Buf | null, y: Buf, g: ConvGeom, work: Buf) => void;

/** dx (n,h,w,c) = gradient of conv2dForward w.r.t. x, from dy (n,oh,ow,oc) and filter. Overwrites dx. */
export const conv2dBackwardData = defineKernel({
  name: 'conv2dBackwardData', simd: 'conv2d_backward_data', ref: 'conv2d_backward_data_ref',
  params: ['dy', 'filter', 'dx', 'g', 'work'], args: ['dy', 'filter', 'dx', 'work', ...GEOM],
  scalars: { g: geometry },
  operands: {
    dy: { role: 'in', len: output }, filter: { role: 'in', len: filter }, dx: { role: 'out', len: input },
    work: { role: 'work', len: workFloats, simdOnly: true },
  },
  split: images({ dy: 'output', dx: 'input' }),
}) as (dy: Buf, filter: Buf, dx: Buf, g: ConvGeom, work: Buf) => void;

/** dfilter (kh,kw,c,oc) and dbias (oc) = gradients of conv2dForward, summed over n, oh, ow. Overwrites both. */
export const conv2dBackwardFilter = defineKernel({
  name: 'conv2dBackwardFilter', simd: 'conv2d_backward_filter', ref: 'conv2d_backward_filter_ref',
  params: ['x', 'dy', 'dfilter', 'dbias', 'g', 'work'], args: ['x', 'dy', 'dfilter', 'dbias', 'work', ...GEOM],
  scalars: { g: geometry },
  operands: {
    x: { role: 'in', len: input }, dy: { role: 'in', len: output }, dfilter: { role: 'out', len: filter },
    dbias: { role: 'out', optional: true, len: channels }, work: { role: 'work', len: workFloats, simdOnly: true },
  },
  split: channelBlocks('conv2d_backward_filter_oc'),
}) as (x: Buf, dy: Buf, dfilter: Buf, dbias: Buf | null, g: ConvGeom, work: Buf) => void;
