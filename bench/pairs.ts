// Pairs suite: ours against the peer call against call (src/bench/pairs.ts): in one process,
// our call, the peer's call and the ceiling loop alternate on the same operands after a
// warm-up, and each row is the median of the per-round ratios ours ÷ peer with its
// interquartile range, and the median of the per-round % of the peak loop; the absolute
// medians and the machine's state (the peak loop's median, the cores the process got) beside
// them. These are the figures the README and the report quote against TF.js:
//   - GEMM A·B, A·Bᵀ, Aᵀ·B (square N) against tfjs-wasm's tf.matMul with the same B every call,
//     and with a new B tensor each call ('tfjs-wasm new B', made untimed before each call: what
//     a training step gives it, where the weights change every step; XNNPACK's packed-weights
//     cache cannot help there);
//   - conv2d forward and backward-data (32×32×64 → 64, and svhnCnn's one-channel first layer
//     forward) against tfjs-wasm (bench/conv.ts's operands and calls);
//   - sigmoid forward (the act suite's 'sigmoid fwd' operands and calls) against tf.sigmoid;
//   - the MLP training step (784-512-256-256-10, batch 128) against tfjs-layers' trainOnBatch
//     on tfjs-wasm (bench/train.ts's steps), and against our own GEMM A·B at N = 512: the ratio of
//     their flop rates is how much of GEMM's speed the step gets (issue 18 asks for 90%).
// Everything on one thread, wall-clock time.
import { simdPeakLoop } from '../src/binding.js';
import { convCases } from '../src/bench/conv.js';
import { GEMM_VARIANTS, PEAK_ITERS, SIZES, actCases, gemmCases, uniform } from '../src/bench/kernels.js';
import { type PairCase, runPairCases } from '../src/bench/pairs.js';
import type { BenchMode, Case, Prepared } from '../src/bench/runner.js';
import { tfjsConvCases } from './conv.js';
import { type SuiteOptions, modeOf } from './suite.js';
import { tf, tfjsActCases, tfjsGemmCases, tfjsImpl, useBackend } from './tfjs.js';
import { MLP_FLOP_PER_SAMPLE, STEP_GEMM_PEER } from './report-pairs.js';
import { oursStep, tfjsStep, trainData } from './train.js';

const PEAK = { fn: () => simdPeakLoop(PEAK_ITERS), flop: 64 * PEAK_ITERS };

const find = (cases: Case[], name: string, engine: string, size: number): Case => {
  const c = cases.find((q) => q.name === name && q.engine === engine && q.size === size);
  if (!c) throw new Error(`bench pairs: no ${engine} case '${name}' at ${size}`);
  return c;
};

/** tf.matMul with a new B tensor (a new data id, same values) made untimed before each call. */
function tfjsNewB(N: number, tA: boolean, tB: boolean): () => Promise<Prepared & { before: () => void }> {
  return async () => {
    await useBackend('tfjs-wasm');
    const a = tf.tensor2d(uniform(N * N, 1), [N, N]);
    const b0 = tf.tensor2d(uniform(N * N, 2), [N, N]);
    const zero = tf.scalar(0);
    let b: tf.Tensor | null = null;
    return {
      before: () => {
        b?.dispose();
        b = tf.add(b0, zero);
      },
      fn: () => tf.matMul(a, b as tf.Tensor2D, tA, tB).dispose(),
      dispose: () => [a, b0, zero, ...(b ? [b] : [])].forEach((t) => t.dispose()),
      impl: `${tfjsImpl('tfjs-wasm')}, a new B tensor before each call`,
    };
  };
}

const GEMM_SIZES: Readonly<Record<BenchMode, readonly number[]>> = { full: [256, 512, 1024], quick: [256, 512], smoke: SIZES.gemm.smoke };

export function gemmPairCases(mode: BenchMode): PairCase[] {
  const ours = gemmCases(mode), peers = tfjsGemmCases(mode);
  return GEMM_SIZES[mode].flatMap((N) => GEMM_VARIANTS.map((v): PairCase => {
    const o = find(ours, v.name, 'simd', N);
    return {
      suite: 'pairs', name: `gemm ${v.name}`, engine: 'simd', size: N, impl: o.impl, params: o.params, work: o.work,
      prepare: o.prepare as () => Prepared,
      peers: [
        { engine: 'tfjs-wasm', prepare: find(peers, v.name, 'tfjs-wasm', N).prepare as () => Promise<Prepared> },
        { engine: 'tfjs-wasm new B', prepare: tfjsNewB(N, v.tA, v.tB) },
      ],
      peak: PEAK,
      rounds: N >= 1024 && mode === 'full' ? 21 : undefined,
    };
  }));
}

export function convPairCases(mode: BenchMode): PairCase[] {
  const ours = convCases(mode), peers = tfjsConvCases(mode);
  const names = ours.filter((c) => c.engine === 'simd' && /forward|backward-data/.test(c.name) && (mode !== 'full' || /32×32×64|conv1 .* forward/.test(c.name)));
  return names.map((o): PairCase => ({
    suite: 'pairs', name: `conv ${o.name}`, engine: 'simd', size: o.size, impl: o.impl, params: o.params, work: o.work,
    prepare: o.prepare as () => Prepared,
    peers: [{ engine: 'tfjs-wasm', prepare: find(peers, o.name, 'tfjs-wasm', o.size).prepare }],
    peak: PEAK,
  }));
}

export function sigmoidPairCases(mode: BenchMode): PairCase[] {
  const ours = actCases(mode), peers = tfjsActCases(mode);
  return SIZES.act[mode].map((n): PairCase => {
    const o = find(ours, 'sigmoid fwd', 'simd', n);
    return {
      suite: 'pairs', name: 'act sigmoid fwd', engine: 'simd', size: n, impl: o.impl, params: o.params, work: o.work,
      prepare: o.prepare as () => Prepared,
      peers: [{ engine: 'tfjs-wasm', prepare: find(peers, 'sigmoid fwd', 'tfjs-wasm', n).prepare as () => Promise<Prepared> }],
      peak: PEAK,
    };
  });
}

export function trainPairCases(mode: BenchMode, dataDir?: string): PairCase[] {
  const data = trainData(dataDir);
  const batch = mode === 'smoke' ? 4 : 128;
  const gemm512 = find(gemmCases('full'), 'A·B', 'simd', 512);
  return [{
    suite: 'pairs', name: 'train mlp-base step', engine: 'simd', size: batch, params: { batch, data: data.name },
    work: { samples: batch, flop: batch * MLP_FLOP_PER_SAMPLE },
    prepare: () => oursStep('mlp-base', 'simd', data, batch),
    peers: [
      { engine: 'tfjs-wasm', prepare: () => tfjsStep('mlp-base', 'tfjs-wasm', data, batch, 64) },
      { engine: STEP_GEMM_PEER, work: gemm512.work, prepare: gemm512.prepare as () => Prepared },
    ],
    peak: PEAK,
    rounds: mode === 'full' ? 31 : undefined,
  }];
}

export const pairsSuite = (o: SuiteOptions) =>
  runPairCases([...gemmPairCases(modeOf(o)), ...convPairCases(modeOf(o)), ...sigmoidPairCases(modeOf(o)), ...trainPairCases(modeOf(o), o.data)], modeOf(o), (r) => o.progress?.(r));
