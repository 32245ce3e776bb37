// Depthwise 2-D convolution over NHWC tensors (assembly/depthwise.ts): the geometry (TF's 'same'
// and 'valid' padding, with dilation) and the three passes' table entries. Forward and
// backward-data split by images across threads, backward-filter by ranges of output channels;
// the kernels give the same bits either way. No operand may share a buffer with another.
import { checkElems, checkPos } from './checks.js';
import { type ScalarRule, defineKernel } from './kernel.js';
import type { Buf } from './memory.js';
import { batchImages, channelRanges } from './parallel.js';

/**
 * x (n,h,w,c), filter (kh,kw,c,m) (m: the depth multiplier), bias (c·m), y (n,oh,ow,c·m); one
 * stride for both directions; dilation dh, dw (default 1); padding as TF computes it.
 */
export interface DepthwiseGeom {
  n: number; h: number; w: number; c: number; m: number; kh: number; kw: number; stride: number;
  dh?: number; dw?: number; padding: 'valid' | 'same';
}

/**
 * Output size and top/left padding, as TF computes them with the effective kernel k' = (k − 1)·d + 1:
 * 'valid': oh = ceil((h − k'h + 1)/stride), no padding; 'same': oh = ceil(h/stride), padT =
 * floor(max((oh − 1)·stride + k'h − h, 0)/2) (the odd row goes to the bottom); likewise ow, padL.
 */
export function depthwiseOutGeom(h: number, w: number, kh: number, kw: number, stride: number, dh: number, dw: number,
  padding: 'valid' | 'same'): { oh: number; ow: number; padT: number; padL: number } {
  const eh = (kh - 1) * dh + 1, ew = (kw - 1) * dw + 1;
  if (padding === 'valid') return { oh: Math.ceil((h - eh + 1) / stride), ow: Math.ceil((w - ew + 1) / stride), padT: 0, padL: 0 };
  const oh = Math.ceil(h / stride), ow = Math.ceil(w / stride);
  return { oh, ow, padT: Math.floor(Math.max((oh - 1) * stride + eh - h, 0) / 2), padL: Math.floor(Math.max((ow - 1) * stride + ew - w, 0) / 2) };
}

function depthwiseShape(kernel: string, g: DepthwiseGeom): Record<string, number> {
  if (g === null || typeof g !== 'object') throw new TypeError(`gaaf.${kernel}: geometry must be an object {n,h,w,c,m,kh,kw,stride,dh?,dw?,padding}`);
  for (const f of ['n', 'h', 'w', 'c', 'm', 'kh', 'kw', 'stride'] as const) checkPos(kernel, `geometry.${f}`, g[f]);
  const dh = g.dh ?? 1, dw = g.dw ?? 1;
  checkPos(kernel, 'geometry.dh', dh); checkPos(kernel, 'geometry.dw', dw);
  if (g.padding !== 'valid' && g.padding !== 'same') throw new RangeError(`gaaf.${kernel}: geometry.padding must be 'valid' or 'same', got '${String(g.padding)}'`);
  const eh = (g.kh - 1) * dh + 1, ew = (g.kw - 1) * dw + 1;
  if (g.padding === 'valid' && (eh > g.h || ew > g.w)) {
    const dil = dh === 1 && dw === 1 ? '' : ` dilated by ${dh}×${dw} (${eh}×${ew})`;
    throw new RangeError(`gaaf.${kernel}: a ${g.kh}×${g.kw} kernel${dil} does not fit a ${g.h}×${g.w} input with 'valid' padding`);
  }
  const { n, h, w, c, m, kh, kw, stride } = g;
  const o = depthwiseOutGeom(h, w, kh, kw, stride, dh, dw, g.padding);
  const C = c * m;
  checkElems(kernel, 'x', n * h * w * c);
  checkElems(kernel, 'y', n * o.oh * o.ow * C);
  checkElems(kernel, 'filter', kh * kw * C);
  return { n, h, w, c, m, kh, kw, stride, dh, dw, ...o, C, T: kh * kw * C };
}

const geometry: ScalarRule = (k, _n, g) => depthwiseShape(k, g as DepthwiseGeom);
const GEOM = ['n', 'h', 'w', 'c', 'm', 'kh', 'kw', 'stride', 'dh', 'dw', 'padT', 'padL', 'oh', 'ow'] as const;
const input = ['n', 'h', 'w', 'c'];
const output = ['n', 'oh', 'ow', 'C'];
const perImage = { input: ['h', 'w', 'c'], output: ['oh', 'ow', 'C'] };
const MACS = ['oh', 'ow', 'C', 'kh', 'kw'];

/** Validates g and gives oh, ow, padT, padL and the channel count C = c·m. */
export function depthwiseGeometry(g: DepthwiseGeom): { oh: number; ow: number; padT: number; padL: number; C: number } {
  const v = depthwiseShape('depthwiseGeometry', g);
  return { oh: v.oh, ow: v.ow, padT: v.padT, padL: v.padL, C: v.C };
}

/** y (n,oh,ow,c·m) = depthwiseConv2d(x (n,h,w,c), filter (kh,kw,c,m)) + bias (c·m). Writes y. */
export const depthwiseForward = defineKernel({
  name: 'depthwiseForward', simd: 'depthwise_forward', ref: 'depthwise_forward_ref',
  params: ['x', 'filter', 'bias', 'y', 'g'], args: ['x', 'filter', 'bias', 'y', ...GEOM],
  scalars: { g: geometry },
  operands: {
    x: { role: 'in', len: input }, filter: { role: 'in', len: 'T' }, bias: { role: 'in', optional: true, len: 'C' },
    y: { role: 'out', len: output },
  },
  split: batchImages({ x: perImage.input, y: perImage.output }, MACS),
}) as (x: Buf, filter: Buf, bias: Buf | null, y: Buf, g: DepthwiseGeom) => void;

/** dx (n,h,w,c) = gradient of depthwiseForward w.r.t. x, from dy (n,oh,ow,c·m) and filter. Overwrites dx. */
export const depthwiseBackwardData = defineKernel({
  name: 'depthwiseBackwardData', simd: 'depthwise_backward_data', ref: 'depthwise_backward_data_ref',
  params: ['dy', 'filter', 'dx', 'g'], args: ['dy', 'filter', 'dx', ...GEOM],
  scalars: { g: geometry },
  operands: { dy: { role: 'in', len: output }, filter: { role: 'in', len: 'T' }, dx: { role: 'out', len: input } },
  split: batchImages({ dy: perImage.output, dx: perImage.input }, MACS),
}) as (dy: Buf, filter: Buf, dx: Buf, g: DepthwiseGeom) => void;

/** dfilter (kh,kw,c,m) and dbias (c·m) = gradients of depthwiseForward, summed over n, oh, ow. Overwrites both. */
export const depthwiseBackwardFilter = defineKernel({
  name: 'depthwiseBackwardFilter', simd: 'depthwise_backward_filter', ref: 'depthwise_backward_filter_ref',
  params: ['x', 'dy', 'dfilter', 'dbias', 'g'], args: ['x', 'dy', 'dfilter', 'dbias', ...GEOM],
  scalars: { g: geometry },
  operands: {
    x: { role: 'in', len: input }, dy: { role: 'in', len: output }, dfilter: { role: 'out', len: 'T' },
    dbias: { role: 'out', optional: true, len: 'C' },
  },
  split: channelRanges('depthwise_backward_filter_ch', 'C', 16, ['n', ...MACS]),
}) as (x: Buf, dy: Buf, dfilter: Buf, dbias: Buf | null, g: DepthwiseGeom) => void;
