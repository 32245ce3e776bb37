// Depthwise rows of the conv suite of `gaaf bench`: GFLOP/s of depthwise conv2d forward,
// backward-data and backward-filter (NHWC, 3×3, TF 'same' padding, depth multiplier 1, as
// MobileNet's blocks; 2·n·oh·ow·c·m·kh·kw FLOP per pass), our SIMD kernels at batch 32 against
// our scalar references at batch 2 (a direct loop's GFLOP/s does not depend on the batch; the
// record keeps params.batch). Samples are CPU time. The repository's bench/conv.ts adds TF.js's
// tf.depthwiseConv2d and its backprop kernels.
import { type Buf, type DepthwiseGeom, allocF32, depthwiseBackwardData, depthwiseBackwardFilter, depthwiseForward, depthwiseGeometry } from '../binding.js';
import { CONV_PASSES, type ConvPass } from './conv.js';
import { OURS, filled, freeAll, withImpl } from './kernels.js';
import type { BenchMode, Case, Prepared } from './runner.js';

export interface DepthwiseLayer { name: string; h: number; w: number; c: number; stride: number }
const MOBILE: readonly DepthwiseLayer[] = [
  { name: 'depthwise 3×3 32×32×64', h: 32, w: 32, c: 64, stride: 1 },
  { name: 'depthwise 3×3 s2 32×32×64', h: 32, w: 32, c: 64, stride: 2 },
  { name: 'depthwise 3×3 16×16×256', h: 16, w: 16, c: 256, stride: 1 },
];

/** Layers and batch sizes per mode: `batch` for SIMD (and every row's size), `scalarBatch` for the references. */
export const DEPTHWISE_SIZES: Readonly<Record<BenchMode, { layers: readonly DepthwiseLayer[]; batch: number; scalarBatch: number }>> = {
  full: { layers: MOBILE, batch: 32, scalarBatch: 2 },
  quick: { layers: [MOBILE[0]], batch: 32, scalarBatch: 2 },
  smoke: { layers: [{ name: 'depthwise 3×3 6×6×3', h: 6, w: 6, c: 3, stride: 1 }], batch: 2, scalarBatch: 1 },
};

export function depthwiseGeom(l: DepthwiseLayer, n: number): DepthwiseGeom {
  return { n, h: l.h, w: l.w, c: l.c, m: 1, kh: 3, kw: 3, stride: l.stride, padding: 'same' };
}

export function depthwiseFlop(g: DepthwiseGeom): number {
  const { oh, ow, C } = depthwiseGeometry(g);
  return 2 * g.n * oh * ow * C * g.kh * g.kw;
}

function operands(g: DepthwiseGeom): { run: Record<ConvPass, () => void>; bufs: Buf[] } {
  const { oh, ow, C } = depthwiseGeometry(g);
  const x = filled(g.n * g.h * g.w * g.c, 1), W = filled(g.kh * g.kw * C, 2), b = filled(C, 3), dy = filled(g.n * oh * ow * C, 4);
  const y = allocF32(dy.length), dx = allocF32(x.length), dW = allocF32(W.length), db = allocF32(C);
  return {
    run: {
      forward: () => depthwiseForward(x, W, b, y, g),
      'backward-data': () => depthwiseBackwardData(dy, W, dx, g),
      'backward-filter': () => depthwiseBackwardFilter(x, dy, dW, db, g),
    },
    bufs: [x, W, b, dy, y, dx, dW, db],
  };
}

/** One case per layer, pass and build of ours (SIMD, scalar reference). */
export function depthwiseCases(mode: BenchMode): Case[] {
  const { layers, batch, scalarBatch } = DEPTHWISE_SIZES[mode];
  return layers.flatMap((l) => CONV_PASSES.flatMap((pass) => OURS.map((impl): Case => {
    const g = depthwiseGeom(l, impl === 'scalar' ? scalarBatch : batch);
    return {
      suite: 'conv', name: `${l.name} ${pass}`, engine: impl, size: batch, clock: 'cpu',
      impl: impl === 'simd' ? 'gaaf f32x4 SIMD kernel' : 'gaaf scalar reference (*_ref)', params: { batch: g.n },
      work: { flop: depthwiseFlop(g) },
      prepare: (): Prepared => {
        const { run, bufs } = operands(g);
        return { fn: withImpl(impl, run[pass]), dispose: freeAll(...bufs) };
      },
    };
  })));
}
