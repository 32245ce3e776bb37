// The conv suite of `gaaf bench`: GFLOP/s of conv2d forward, backward-data and backward-filter
// (NHWC, 3×3, pad 1, stride 1; 2·n·oh·ow·oc·kh·kw·c FLOP per pass), our SIMD kernels at batch
// 32 against our scalar references at batch 2 (they run at 1-2 GFLOP/s, so batch 32 would take
// seconds per call; a direct loop's GFLOP/s does not depend on the batch: the record keeps
// params.batch), for a 32×32×64 input with 64 filters and the four conv layers of svhnCnn on
// 28×28×1. Samples are CPU time (Case clock 'cpu'). The repository's bench/conv.ts adds
// tfjs-wasm and our forward pass's GEMM calls alone.
import { type Buf, type ConvGeom, allocF32, conv2dBackwardData, conv2dBackwardFilter, conv2dForward, conv2dWorkspaceLength, convOutSize } from '../binding.js';
import { OURS, filled, freeAll, withImpl } from './kernels.js';
import type { BenchMode, Case, Prepared } from './runner.js';

export type ConvPass = 'forward' | 'backward-data' | 'backward-filter';
export const CONV_PASSES: readonly ConvPass[] = ['forward', 'backward-data', 'backward-filter'];

export interface ConvLayer { name: string; h: number; w: number; c: number; oc: number }
const REFERENCE: ConvLayer = { name: '32×32×64→64', h: 32, w: 32, c: 64, oc: 64 };
const SVHN: readonly ConvLayer[] = [
  { name: 'svhn conv1 28×28×1→32', h: 28, w: 28, c: 1, oc: 32 },
  { name: 'svhn conv2 28×28×32→32', h: 28, w: 28, c: 32, oc: 32 },
  { name: 'svhn conv3 14×14×32→64', h: 14, w: 14, c: 32, oc: 64 },
  { name: 'svhn conv4 14×14×64→64', h: 14, w: 14, c: 64, oc: 64 },
];

/** Layers and batch sizes per mode, in one place: `batch` for SIMD (and every row's size), `scalarBatch` for the references. */
export const CONV_SIZES: Readonly<Record<BenchMode, { layers: readonly ConvLayer[]; batch: number; scalarBatch: number }>> = {
  full: { layers: [REFERENCE, ...SVHN], batch: 32, scalarBatch: 2 },
  quick: { layers: [REFERENCE], batch: 32, scalarBatch: 2 },
  smoke: { layers: [{ name: '6×6×3→4', h: 6, w: 6, c: 3, oc: 4 }], batch: 2, scalarBatch: 1 },
};

export function convGeom(l: ConvLayer, n: number): ConvGeom {
  return { n, h: l.h, w: l.w, c: l.c, oc: l.oc, kh: 3, kw: 3, stride: 1, pad: 1 };
}

export function convFlop(g: ConvGeom): number {
  return 2 * g.n * convOutSize(g.h, g.kh, g.stride, g.pad) * convOutSize(g.w, g.kw, g.stride, g.pad) * g.oc * g.kh * g.kw * g.c;
}

/** The operands of one layer at one batch, in Wasm memory, and each pass as a call. */
function convOperands(g: ConvGeom): { run: Record<ConvPass, () => void>; bufs: Buf[] } {
  const oh = convOutSize(g.h, 3, 1, 1), ow = convOutSize(g.w, 3, 1, 1);
  const x = filled(g.n * g.h * g.w * g.c, 1), W = filled(9 * g.c * g.oc, 2), b = filled(g.oc, 3), dy = filled(g.n * oh * ow * g.oc, 4);
  const y = allocF32(g.n * oh * ow * g.oc), dx = allocF32(g.n * g.h * g.w * g.c), dW = allocF32(9 * g.c * g.oc), db = allocF32(g.oc);
  const work = allocF32(conv2dWorkspaceLength(g));
  return {
    run: {
      forward: () => conv2dForward(x, W, b, y, g, work),
      'backward-data': () => conv2dBackwardData(dy, W, dx, g, work),
      'backward-filter': () => conv2dBackwardFilter(x, dy, dW, db, g, work),
    },
    bufs: [x, W, b, dy, y, dx, dW, db, work],
  };
}

/** One case per layer, pass and build of ours (SIMD, scalar reference). */
export function convCases(mode: BenchMode): Case[] {
  const { layers, batch, scalarBatch } = CONV_SIZES[mode];
  const cases: Case[] = [];
  for (const l of layers) {
    for (const pass of CONV_PASSES) {
      for (const impl of OURS) {
        const g = convGeom(l, impl === 'scalar' ? scalarBatch : batch);
        cases.push({
          suite: 'conv', name: `${l.name} ${pass}`, engine: impl, size: batch, clock: 'cpu',
          impl: impl === 'simd' ? 'gaaf f32x4 SIMD kernel' : 'gaaf scalar reference (*_ref)', params: { batch: g.n },
          work: { flop: convFlop(g) },
          prepare: (): Prepared => {
            const { run, bufs } = convOperands(g);
            return { fn: withImpl(impl, run[pass]), dispose: freeAll(...bufs) };
          },
        });
      }
    }
  }
  return cases;
}
