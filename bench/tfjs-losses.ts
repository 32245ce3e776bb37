// The TF.js peers of the loss cases (src/bench/losses.ts): tf.losses.* on the same seeded
// predictions and targets, value and gradient with respect to the predictions in one call
// (tf.valueAndGrad), as training needs them.
import { LOSS_CASES, LOSS_K, lossTargets } from '../src/bench/losses.js';
import { SIZES, uniform } from '../src/bench/kernels.js';
import type { BenchMode, Case, Prepared } from '../src/bench/runner.js';
import { TFJS_ENGINES, tf, tfjsImpl, useBackend } from './tfjs.js';

type Loss = (t: tf.Tensor, p: tf.Tensor) => tf.Tensor;
const TF_LOSS: Readonly<Record<string, Loss>> = {
  'mse loss fwd+bwd': (t, p) => tf.losses.meanSquaredError(t, p),
  'mae loss fwd+bwd': (t, p) => tf.losses.absoluteDifference(t, p),
  'huber loss fwd+bwd': (t, p) => tf.losses.huberLoss(t, p, undefined, 1),
  'sigmoid-xent (bce) fwd+bwd': (t, p) => tf.losses.sigmoidCrossEntropy(t, p),
  'softmax-xent soft targets fwd+bwd': (t, p) => tf.losses.softmaxCrossEntropy(t, p),
};

export function tfjsLossCases(mode: BenchMode): Case[] {
  const cases: Case[] = [];
  const K = LOSS_K;
  for (const B of SIZES.xent[mode]) {
    for (const c of LOSS_CASES) {
      for (const engine of TFJS_ENGINES) {
        cases.push({
          suite: 'act', name: c.name, engine, size: B, params: { B, K },
          work: { bytes: 3 * B * K * 4, elements: B * K },
          prepare: async (): Promise<Prepared> => {
            await useBackend(engine);
            const p = tf.tensor2d(uniform(B * K, 8), [B, K]);
            const t = tf.tensor2d(lossTargets(c.name, B * K, K), [B, K]);
            const loss = TF_LOSS[c.name];
            const vg = tf.valueAndGrad((x: tf.Tensor) => loss(t, x));
            return {
              fn: () => {
                const { value, grad } = vg(p);
                value.dispose();
                grad.dispose();
              },
              dispose: () => { p.dispose(); t.dispose(); },
              impl: tfjsImpl(engine),
            };
          },
        });
      }
    }
  }
  return cases;
}
