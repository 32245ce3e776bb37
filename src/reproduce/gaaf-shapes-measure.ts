// Measurements of the gaaf-shapes experiment on a trained model: the saturation share of the
// activations' inputs (where each activation saturates), and the flatness of the loss around
// the trained weights, the paper's explanation of why dropout and GAAF generalise (a flat
// minimum: the loss barely moves when the weights do).
import type { Dataset } from '../data/dataset.js';
import { Activation } from '../layers/activation.js';
import type { Network } from '../model.js';
import { Rng, deriveSeed } from '../rng.js';

/** Where an activation's input z counts as saturated (the activation's gradient is (nearly) gone there). */
export const SATURATION_RULE: Readonly<Record<string, { test: (z: number) => boolean; text: string }>> = {
  tanh: { test: (z) => z > 2 || z < -2, text: '|z| > 2 (tanh′ < 0.071)' },
  sigmoid: { test: (z) => z > 4 || z < -4, text: '|z| > 4 (σ′ < 0.018, tanh\'s |z| > 2 stretched by 2)' },
  relu: { test: (z) => z <= 0, text: 'z ≤ 0 (relu′ = 0)' },
  leakyRelu: { test: (z) => z <= 0, text: 'z ≤ 0 (the slope falls to 0.3)' },
};

/**
 * The share of the activations' inputs z in the saturated area, per hidden activation layer,
 * over every sample of `data` in inference mode. z is the output of the layer before the
 * activation (its Dense, or its BatchNorm).
 */
export function saturationShare(model: Network, data: Dataset): Record<string, number> {
  const layers = model.layers;
  const acts: Array<{ name: string; src: number; rule: (z: number) => boolean }> = [];
  layers.forEach((l, i) => {
    if (!(l instanceof Activation) || i === 0) return;
    const rule = SATURATION_RULE[l.kind];
    if (!rule) throw new RangeError(`gaaf: saturationShare: no saturation rule for activation '${l.kind}' (layer '${l.name}')`);
    acts.push({ name: l.name, src: i - 1, rule: rule.test });
  });
  const sat = acts.map(() => 0);
  const total = acts.map(() => 0);
  if (!model.batchCapacity) model.ensureBatch(Math.min(256, data.count));
  const cap = model.batchCapacity;
  for (let s = 0; s < data.count; s += cap) {
    const n = Math.min(cap, data.count - s);
    model.forwardRows(data, s, n);
    acts.forEach((a, k) => {
      const l = layers[a.src];
      const width = l.outputShape.reduce((x, y) => x * y, 1);
      const z = l.output()!.view().subarray(0, n * width);
      let c = 0;
      for (let i = 0; i < z.length; i++) if (a.rule(z[i])) c++;
      sat[k] += c;
      total[k] += z.length;
    });
  }
  return Object.fromEntries(acts.map((a, k) => [a.name, total[k] ? sat[k] / total[k] : 0]));
}

export interface FlatnessSpec {
  /** Relative perturbation sizes ε: each weight w becomes w·(1 + ε·n), n ~ N(0, 1). */
  levels: number[];
  /** Draws of n per level. */
  draws: number;
}

export const DEFAULT_FLATNESS: FlatnessSpec = { levels: [0.01, 0.02, 0.03, 0.04, 0.05], draws: 3 };

export interface Flatness {
  /** The loss on `data` at the trained weights. */
  loss: number;
  /** Per level: the mean over draws of (perturbed loss − loss), and each draw's increase. */
  increase: Array<{ level: number; mean: number; draws: number[] }>;
}

/**
 * The loss increase on `data` (inference mode) when every weight w of the model becomes
 * w·(1 + ε·n) with n ~ N(0, 1), a fresh n per weight and draw, seeded by `seed`, level and
 * draw (the same perturbation directions for every model with the same seed and shapes). The
 * trained weights are restored afterwards.
 */
export function flatness(model: Network, data: Dataset, spec: FlatnessSpec, seed: number): Flatness {
  const w0 = model.getWeights();
  const loss = model.evaluate(data).loss;
  const increase: Flatness['increase'] = [];
  try {
    spec.levels.forEach((eps, li) => {
      const draws: number[] = [];
      for (let d = 0; d < spec.draws; d++) {
        const rng = new Rng(deriveSeed(seed, 0x666c6174, li, d));
        model.setWeights(w0.map((w) => {
          const p = new Float32Array(w.length);
          for (let i = 0; i < w.length; i++) p[i] = w[i] * (1 + eps * rng.normal());
          return p;
        }));
        draws.push(model.evaluate(data).loss - loss);
      }
      increase.push({ level: eps, mean: draws.reduce((a, b) => a + b, 0) / draws.length, draws });
    });
  } finally {
    model.setWeights(w0);
  }
  return { loss, increase };
}
