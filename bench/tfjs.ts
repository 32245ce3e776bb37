// The TF.js peers (devDependencies of the benchmarks only): the same operations as our
// kernel cases, in @tensorflow/tfjs-backend-wasm and @tensorflow/tfjs-backend-cpu, in the
// same process and on the same values. Both backends run one thread here (Node has no
// threaded tfjs-wasm), like our kernels.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { GEMM_VARIANTS, SIZES, uniform } from '../src/bench/kernels.js';
import type { BenchMode, Case, Prepared } from '../src/bench/runner.js';

// production mode, as a deployed app runs it: no debug checks (and no advice to install tfjs-node)
tf.enableProdMode();

export { tf };
export const TFJS_ENGINES = ['tfjs-wasm', 'tfjs-cpu'] as const;
export type TfjsEngine = (typeof TFJS_ENGINES)[number];
const BACKEND: Readonly<Record<TfjsEngine, string>> = { 'tfjs-wasm': 'wasm', 'tfjs-cpu': 'cpu' };

/** Switches TF.js to the engine's backend (before any of the case's tensors are made). */
export async function useBackend(engine: TfjsEngine): Promise<void> {
  if (tf.getBackend() !== BACKEND[engine]) {
    if (!(await tf.setBackend(BACKEND[engine]))) throw new Error(`TF.js backend '${BACKEND[engine]}' failed to start`);
  }
  await tf.ready();
}

export function tfjsImpl(engine: TfjsEngine): string {
  if (engine === 'tfjs-wasm') {
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    return `@tensorflow/tfjs-backend-wasm ${tf.version_core}, ${simd ? 'SIMD' : 'no SIMD'}, 1 thread`;
  }
  return `@tensorflow/tfjs-backend-cpu ${tf.version_core} (JavaScript)`;
}

const disposer = (...ts: tf.Tensor[]) => (): void => ts.forEach((t) => t.dispose());

/** tf.matMul(a, b, transposeA, transposeB) on the same square operands as gemmCases. */
export function tfjsGemmCases(mode: BenchMode): Case[] {
  const cases: Case[] = [];
  for (const N of SIZES.gemm[mode]) {
    for (const v of GEMM_VARIANTS) {
      for (const engine of TFJS_ENGINES) {
        cases.push({
          suite: 'gemm', name: v.name, engine, size: N, params: { M: N, N, K: N },
          work: { flop: 2 * N * N * N },
          iterations: N >= 512 ? 3 : undefined,
          prepare: async (): Promise<Prepared> => {
            await useBackend(engine);
            const a = tf.tensor2d(uniform(N * N, 1), [N, N]);
            const b = tf.tensor2d(uniform(N * N, 2), [N, N]);
            return { fn: () => tf.matMul(a, b, v.tA, v.tB).dispose(), dispose: disposer(a, b), impl: tfjsImpl(engine) };
          },
        });
      }
    }
  }
  return cases;
}

/** The TF.js form of each elementwise kernel, or why it has none. */
const ELEMENTWISE: Readonly<Record<string, { bytesPerElement: number; make?: (n: number) => { fn: () => void; ts: tf.Tensor[] }; none?: string }>> = {
  'tanh fwd': { bytesPerElement: 8, make: (n) => { const x = tf.tensor1d(uniform(n, 3)); return { fn: () => tf.tanh(x).dispose(), ts: [x] }; } },
  'relu fwd': { bytesPerElement: 8, make: (n) => { const x = tf.tensor1d(uniform(n, 3)); return { fn: () => tf.relu(x).dispose(), ts: [x] }; } },
  'sigmoid fwd': { bytesPerElement: 8, make: (n) => { const x = tf.tensor1d(uniform(n, 3)); return { fn: () => tf.sigmoid(x).dispose(), ts: [x] }; } },
  // TF.js's Tanh gradient (tfjs-core gradients/Tanh_grad.ts): dy · (1 − y²)
  'tanh bwd': {
    bytesPerElement: 16,
    make: (n) => {
      const y = tf.tanh(tf.tensor1d(uniform(n, 3))), dy = tf.tensor1d(uniform(n, 4)), one = tf.scalar(1);
      return { fn: () => tf.tidy(() => tf.mul(dy, tf.sub(one, tf.square(y)))).dispose(), ts: [y, dy, one] };
    },
  },
  'gaaf tanh fwd': { bytesPerElement: 8, none: 'no GAAF activation in TF.js' },
  'gaaf tanh bwd': { bytesPerElement: 12, none: 'no GAAF activation in TF.js' },
  // tf.dropout draws a uniform mask, compares and scales (what tfjs-layers' Dropout calls)
  'dropout fwd': { bytesPerElement: 12, make: (n) => { const x = tf.tensor1d(uniform(n, 3)); return { fn: () => tf.dropout(x, 0.5).dispose(), ts: [x] }; } },
  // the gradient of dropout is dy times the kept mask
  'dropout bwd': {
    bytesPerElement: 12,
    make: (n) => {
      const dy = tf.tensor1d(uniform(n, 4)), mask = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => (i % 2) * 2));
      return { fn: () => tf.mul(dy, mask).dispose(), ts: [dy, mask] };
    },
  },
};

/** Activations, dropout and softmax cross-entropy (value and gradient) in TF.js. */
export function tfjsActCases(mode: BenchMode): Case[] {
  const cases: Case[] = [];
  for (const n of SIZES.act[mode]) {
    for (const [name, e] of Object.entries(ELEMENTWISE)) {
      for (const engine of TFJS_ENGINES) {
        cases.push({
          suite: 'act', name, engine, size: n, work: { bytes: e.bytesPerElement * n, elements: n },
          prepare: async (): Promise<Prepared | string> => {
            if (!e.make) return e.none!;
            await useBackend(engine);
            const { fn, ts } = e.make(n);
            return { fn, dispose: disposer(...ts), impl: tfjsImpl(engine) };
          },
        });
      }
    }
  }
  const C = 10;
  for (const B of SIZES.xent[mode]) {
    for (const engine of TFJS_ENGINES) {
      cases.push({
        suite: 'act', name: 'softmax-xent fwd+bwd', engine, size: B, params: { B, C },
        work: { bytes: (3 * B * C + B) * 4, elements: B * C },
        prepare: async (): Promise<Prepared> => {
          await useBackend(engine);
          const logits = tf.tensor2d(uniform(B * C, 5), [B, C]);
          const onehot = tf.oneHot(tf.tensor1d(Int32Array.from({ length: B }, (_, i) => (i * 7) % C), 'int32'), C);
          const vg = tf.valueAndGrad((l: tf.Tensor) => tf.losses.softmaxCrossEntropy(onehot, l));
          return {
            fn: () => {
              const { value, grad } = vg(logits);
              value.dispose();
              grad.dispose();
            },
            dispose: disposer(logits, onehot),
            impl: tfjsImpl(engine),
          };
        },
      });
    }
  }
  return cases;
}

let variables = 0;

/** tf.train.momentum and tf.train.adam applying one gradient to n parameters. */
export function tfjsOptimCases(mode: BenchMode): Case[] {
  const cases: Case[] = [];
  for (const n of SIZES.optim[mode]) {
    for (const engine of TFJS_ENGINES) {
      for (const [name, bytes, make] of [
        ['sgd momentum', 20, () => tf.train.momentum(1e-6, 0.9)],
        ['adam', 28, () => tf.train.adam(1e-6, 0.9, 0.999, 1e-7)],
      ] as const) {
        cases.push({
          suite: 'optim', name, engine, size: n, work: { bytes: bytes * n, elements: n },
          prepare: async (): Promise<Prepared> => {
            await useBackend(engine);
            const w = tf.variable(tf.tensor1d(uniform(n, 6)), true, `bench_w${++variables}`);
            const g = tf.tensor1d(uniform(n, 7));
            const opt = make();
            return {
              fn: () => opt.applyGradients([{ name: w.name, tensor: g }]),
              impl: tfjsImpl(engine),
              dispose: () => {
                opt.dispose();
                w.dispose();
                g.dispose();
              },
            };
          },
        });
      }
    }
  }
  return cases;
}
