// Conv suite: `gaaf bench conv`'s cases (src/bench/conv.ts: conv2d forward, backward-data and
// backward-filter, NHWC 3×3 pad 1 stride 1, our SIMD kernels at batch 32 and our scalar
// references at batch 2, for a 32×32×64 → 64 layer and svhnCnn's four conv layers on 28×28×1)
// with two more engines in the same run, case after case:
//   - tfjs-wasm (@tensorflow/tfjs-backend-wasm, single-threaded in Node, SIMD on): tf.conv2d
//     and the op kernels Conv2DBackpropInput and Conv2DBackpropFilter run directly. A kernel
//     it does not have (Conv2DBackpropFilter) is recorded with its error message;
//   - gemm-only (32×32×64 forward only): our forward pass's GEMM calls alone, col (256 rows × K)
//     · W (K × oc) once per chunk of 256 output pixels from one column buffer, without the
//     im2col, so conv forward ÷ this is what im2col costs.
// Depthwise rows (src/bench/dwconv.ts: 3×3 'same', depth multiplier 1, MobileNet's layers) run
// beside tf.depthwiseConv2d and its backprop op kernels (DepthwiseConv2dNativeBackpropInput and
// ...Filter) in tfjs-wasm (which has no backprop kernels: those rows record its error) and in
// tfjs-cpu, except tfjs-cpu's backprop-filter: it measured 0.01 GFLOP/s here (about 290 s of
// the quick run for one case), so its row records that instead of timing it again.
// Operands live in each engine's own memory before timing; nothing is copied inside a timed
// call. Every case times this process's CPU time (GAAF_BENCH_CLOCK=wall for wall time): the
// machine's cores are shared with other jobs, and all engines run on this one thread.
import { allocF32, gemm } from '../src/binding.js';
import { CONV_PASSES, CONV_SIZES, type ConvPass, convCases, convFlop, convGeom } from '../src/bench/conv.js';
import { depthwiseCases } from '../src/bench/dwconv.js';
import { filled, freeAll, uniform } from '../src/bench/kernels.js';
import type { BenchMode, Case, Prepared } from '../src/bench/runner.js';
import { type SuiteOptions, modeOf, runSuiteCases } from './suite.js';
import { DEPTHWISE_SIZES, depthwiseFlop, depthwiseGeom } from '../src/bench/dwconv.js';
import { depthwiseGeometry } from '../src/binding.js';
import { TFJS_ENGINES, tf, tfjsImpl, useBackend } from './tfjs.js';

/** tfjs-wasm on each layer and pass: tf.conv2d and the two backprop op kernels. */
export function tfjsConvCases(mode: BenchMode): Case[] {
  const { layers, batch } = CONV_SIZES[mode];
  return layers.flatMap((l) => CONV_PASSES.map((pass): Case => {
    const g = convGeom(l, batch);
    return {
      suite: 'conv', name: `${l.name} ${pass}`, engine: 'tfjs-wasm', size: batch, clock: 'cpu', params: { batch },
      work: { flop: convFlop(g) },
      prepare: async (): Promise<Prepared | string> => {
        await useBackend('tfjs-wasm');
        const x = tf.tensor4d(uniform(g.n * g.h * g.w * g.c, 1), [g.n, g.h, g.w, g.c]);
        const W = tf.tensor4d(uniform(9 * g.c * g.oc, 2), [3, 3, g.c, g.oc]);
        const dy = tf.tensor4d(uniform(g.n * g.h * g.w * g.oc, 4), [g.n, g.h, g.w, g.oc]);
        const dispose = (): void => [x, W, dy].forEach((t) => t.dispose());
        const attrs = { strides: [1, 1], pad: 1, dataFormat: 'NHWC', dilations: [1, 1] };
        const run: Record<ConvPass, () => void> = {
          forward: () => tf.conv2d(x, W, 1, 1).dispose(),
          'backward-data': () => (tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: W },
            { ...attrs, inputShape: [g.n, g.h, g.w, g.c] } as never) as tf.Tensor).dispose(),
          'backward-filter': () => (tf.engine().runKernel('Conv2DBackpropFilter', { x, dy },
            { ...attrs, filterShape: [3, 3, g.c, g.oc] } as never) as tf.Tensor).dispose(),
        };
        try {
          run[pass](); // a kernel tfjs-wasm does not have throws here: that message is the record
        } catch (e) {
          dispose();
          return (e as Error).message;
        }
        return { fn: run[pass], dispose, impl: tfjsImpl('tfjs-wasm') };
      },
    };
  }));
}

/** Our forward pass's GEMM calls without the im2col, on the first (32×32×64) layer. */
export function gemmOnlyCases(mode: BenchMode): Case[] {
  const { layers, batch } = CONV_SIZES[mode];
  const g = convGeom(layers[0], batch);
  const K = 9 * g.c, rows = g.n * g.h * g.w, R = 256;
  return [{
    suite: 'conv', name: `${layers[0].name} forward`, engine: 'gemm-only', size: batch, clock: 'cpu', params: { batch },
    impl: 'gaaf f32x4 SIMD GEMM, the forward pass without its im2col',
    work: { flop: convFlop(g) },
    prepare: (): Prepared => {
      const col = filled(R * K, 5), W = filled(K * g.oc, 2), b = filled(g.oc, 3), y = allocF32(rows * g.oc);
      return {
        fn: () => {
          for (let r0 = 0; r0 < rows; r0 += R) gemm(false, false, Math.min(R, rows - r0), g.oc, K, 1, col, K, W, g.oc, 0, y, g.oc, b);
        },
        dispose: freeAll(col, W, b, y),
      };
    },
  }];
}

/** tfjs-wasm and tfjs-cpu on each depthwise layer and pass: tf.depthwiseConv2d and the two backprop op kernels. */
export function tfjsDepthwiseCases(mode: BenchMode): Case[] {
  const { layers, batch } = DEPTHWISE_SIZES[mode];
  return layers.flatMap((l) => CONV_PASSES.flatMap((pass) => TFJS_ENGINES.map((engine): Case => {
    const g = depthwiseGeom(l, batch);
    const { oh, ow } = depthwiseGeometry(g);
    return {
      suite: 'conv', name: `${l.name} ${pass}`, engine, size: batch, clock: 'cpu', params: { batch },
      work: { flop: depthwiseFlop(g) },
      prepare: async (): Promise<Prepared | string> => {
        if (engine === 'tfjs-cpu' && pass === 'backward-filter') {
          return 'not timed: tfjs-cpu DepthwiseConv2dNativeBackpropFilter measured 0.01 GFLOP/s (2026-12-03, quick mode), minutes per case';
        }
        await useBackend(engine);
        const x = tf.tensor4d(uniform(g.n * g.h * g.w * g.c, 1), [g.n, g.h, g.w, g.c]);
        const W = tf.tensor4d(uniform(9 * g.c, 2), [3, 3, g.c, 1]);
        const dy = tf.tensor4d(uniform(g.n * oh * ow * g.c, 4), [g.n, oh, ow, g.c]);
        const dispose = (): void => [x, W, dy].forEach((t) => t.dispose());
        const attrs = { strides: [g.stride, g.stride], pad: 'same', dilations: [1, 1] };
        const run: Record<ConvPass, () => void> = {
          forward: () => tf.depthwiseConv2d(x, W, g.stride, 'same').dispose(),
          'backward-data': () => (tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: W },
            { ...attrs, inputShape: [g.n, g.h, g.w, g.c] } as never) as tf.Tensor).dispose(),
          'backward-filter': () => (tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy },
            { ...attrs, filterShape: [3, 3, g.c, 1] } as never) as tf.Tensor).dispose(),
        };
        try {
          run[pass](); // a kernel the backend does not have throws here: that message is the record
        } catch (e) {
          dispose();
          return (e as Error).message;
        }
        return { fn: run[pass], dispose, impl: tfjsImpl(engine) };
      },
    };
  })));
}

export const convSuite = (o: SuiteOptions) => runSuiteCases([
  ...convCases(modeOf(o)), ...gemmOnlyCases(modeOf(o)), ...tfjsConvCases(modeOf(o)),
  ...depthwiseCases(modeOf(o)), ...tfjsDepthwiseCases(modeOf(o)),
], o);
