// The losses against float targets in the `act` suite: each fused kernel (value and gradient)
// in its SIMD build against its scalar reference, B rows of K = 10 outputs, operands already in
// Wasm memory. bench/tfjs-losses.ts adds tf.losses.* with their gradients to the same run.
import { type Buf, allocF32, bceLogitsLoss, cceLogitsLoss, huberLoss, maeLoss, mseLoss } from '../binding.js';
import { OURS, SIZES, filled, freeAll, withImpl } from './kernels.js';
import type { BenchMode, Case, Prepared } from './runner.js';

const IMPL = { simd: 'gaaf f32x4 SIMD kernel', scalar: 'gaaf scalar reference (*_ref)' } as const;

/** Outputs per row in the loss cases. */
export const LOSS_K = 10;

/** name → the call on (pred, target, probs, grad) of B × K, and whether targets are probabilities. */
export const LOSS_CASES: ReadonlyArray<{ name: string; unitTargets: boolean; call: (p: Buf, t: Buf, pr: Buf, g: Buf, B: number, K: number) => number }> = [
  { name: 'mse loss fwd+bwd', unitTargets: false, call: (p, t, _pr, g, B, K) => mseLoss(p, t, null, g, B, K, 1 / B) },
  { name: 'mae loss fwd+bwd', unitTargets: false, call: (p, t, _pr, g, B, K) => maeLoss(p, t, null, g, B, K, 1 / B) },
  { name: 'huber loss fwd+bwd', unitTargets: false, call: (p, t, _pr, g, B, K) => huberLoss(p, t, null, g, B, K, 1 / B, 1) },
  { name: 'sigmoid-xent (bce) fwd+bwd', unitTargets: true, call: (p, t, _pr, g, B, K) => bceLogitsLoss(p, t, null, g, B, K, 1 / B, 0) },
  { name: 'softmax-xent soft targets fwd+bwd', unitTargets: true, call: (p, t, pr, g, B, K) => cceLogitsLoss(p, t, null, pr, g, B, K, 1 / B, 0) },
];

/** Seeded targets: in [0, 1] for the cross-entropies (rows summing to 1 for the softmax), else in [-1, 1]. */
export function lossTargets(name: string, n: number, K: number): Float32Array {
  const t = Float32Array.from({ length: n }, (_, i) => Math.abs(Math.sin(i * 12.9898) * 43758.5453) % 1);
  if (name.startsWith('softmax')) {
    for (let r = 0; r < n / K; r++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += t[r * K + k];
      for (let k = 0; k < K; k++) t[r * K + k] /= s;
    }
  } else if (!name.startsWith('sigmoid')) for (let i = 0; i < n; i++) t[i] = 2 * t[i] - 1;
  return t;
}

export function lossCases(mode: BenchMode): Case[] {
  const cases: Case[] = [];
  const K = LOSS_K;
  for (const B of SIZES.xent[mode]) {
    for (const c of LOSS_CASES) {
      for (const impl of OURS) {
        cases.push({
          suite: 'act', name: c.name, engine: impl, size: B, impl: IMPL[impl], params: { B, K },
          work: { bytes: 3 * B * K * 4, elements: B * K }, // pred and target in, gradient out
          prepare: (): Prepared => {
            const p = filled(B * K, 8), t = allocF32(B * K), pr = allocF32(B * K), g = allocF32(B * K);
            t.write(lossTargets(c.name, B * K, K));
            return { fn: withImpl(impl, () => c.call(p, t, pr, g, B, K)), dispose: freeAll(p, t, pr, g) };
          },
        });
      }
    }
  }
  return cases;
}
