// Measurements on a trained model for the reproduction: net-value histograms and the
// saturation fraction on a dataset (Figures 2 and 5), and the net variance under dropout
// (Table 2). Buffers are read through Buf views; the variance uses the binding's kernels.
import { type Buf, allocF32, colMeanVar, copy, meanVar } from '../binding.js';
import type { Dataset } from '../data/dataset.js';
import type { Dense } from '../layers/dense.js';
import type { Network } from '../model.js';

/** Fixed histogram bins: [min, max) cut into equal bins, plus underflow and overflow counts. */
export interface HistogramSpec {
  min: number;
  max: number;
  binWidth: number;
}

export const DEFAULT_HISTOGRAM: HistogramSpec = { min: -6, max: 6, binWidth: 0.25 };

export function binCount(h: HistogramSpec): number {
  return Math.round((h.max - h.min) / h.binWidth);
}

/** Left edges of the bins (the last bin ends at max). */
export function binEdges(h: HistogramSpec): number[] {
  return Array.from({ length: binCount(h) + 1 }, (_, i) => h.min + i * h.binWidth);
}

export interface LayerHistogram {
  /** counts[i] = nets z with edges[i] ≤ z < edges[i+1]. */
  counts: number[];
  /** z < min */
  underflow: number;
  /** z ≥ max */
  overflow: number;
  /** All nets counted: samples × layer width. */
  total: number;
  /** Nets with |z| > the saturation threshold. */
  saturated: number;
  /** saturated / total. */
  saturationFraction: number;
  /** Mean |z|. */
  meanAbs: number;
}

/** The Dense layers whose nets feed an activation (every Dense but the logits layer). */
export function hiddenDense(model: Network): Dense[] {
  const d = model.denseLayers();
  return d.slice(0, d.length - 1);
}

/**
 * Histograms of the nets z of each hidden Dense layer over every sample of `data`, in
 * inference mode, and the fraction with |z| > threshold. Counts add up to samples × width.
 */
export function netHistograms(model: Network, data: Dataset, spec: HistogramSpec, threshold: number): Record<string, LayerHistogram> {
  const layers = hiddenDense(model);
  const bins = binCount(spec);
  const acc = layers.map(() => ({ counts: new Float64Array(bins), under: 0, over: 0, sat: 0, abs: 0, total: 0 }));
  const cap = model.batchCapacity;
  const inv = 1 / spec.binWidth;
  for (let s = 0; s < data.count; s += cap) {
    const n = Math.min(cap, data.count - s);
    model.forwardRows(data, s, n);
    layers.forEach((l, k) => {
      const z = l.output()!.view().subarray(0, n * l.units);
      const a = acc[k];
      for (let i = 0; i < z.length; i++) {
        const v = z[i];
        const m = v < 0 ? -v : v;
        a.abs += m;
        if (m > threshold) a.sat++;
        if (v < spec.min) a.under++;
        else if (v >= spec.max) a.over++;
        else {
          let b = Math.floor((v - spec.min) * inv);
          if (b >= bins) b = bins - 1; // rounding at the top edge
          a.counts[b]++;
        }
      }
      a.total += z.length;
    });
  }
  const out: Record<string, LayerHistogram> = {};
  layers.forEach((l, k) => {
    const a = acc[k];
    out[l.name] = {
      counts: Array.from(a.counts),
      underflow: a.under,
      overflow: a.over,
      total: a.total,
      saturated: a.sat,
      saturationFraction: a.total ? a.sat / a.total : 0,
      meanAbs: a.total ? a.abs / a.total : 0,
    };
  });
  return out;
}

/**
 * Table 2: the first `rows` samples of `data` passed forward `passes` times in training mode,
 * each pass with the dropout masks of a different step (steps firstStep, firstStep + 1, ...).
 * For each Dense layer: the population variance of each net z (per sample and node) across
 * the passes, averaged over samples and nodes. Without dropout every variance is 0.
 */
export function netVariance(model: Network, data: Dataset, opts: { rows: number; passes: number; seed: number; firstStep: number }): Record<string, number> {
  const rows = Math.min(opts.rows, data.count, model.batchCapacity);
  const layers = model.denseLayers();
  const stacks: Buf[] = [];
  const scratch: Buf[] = [];
  try {
    for (const l of layers) stacks.push(allocF32(opts.passes * rows * l.units, `${l.name}/net stack`));
    for (const l of layers) {
      scratch.push(allocF32(rows * l.units, `${l.name}/net mean`), allocF32(rows * l.units, `${l.name}/net variance`));
    }
    for (let k = 0; k < opts.passes; k++) {
      model.forwardRows(data, 0, rows, { training: true, seed: opts.seed, step: opts.firstStep + k });
      layers.forEach((l, j) => copy(l.output()!, 0, stacks[j], k * rows * l.units, rows * l.units));
    }
    const out: Record<string, number> = {};
    layers.forEach((l, j) => {
      const cols = rows * l.units;
      const mean = scratch[2 * j];
      const variance = scratch[2 * j + 1];
      colMeanVar(stacks[j], opts.passes, cols, mean, variance);
      out[l.name] = meanVar(variance, cols).mean;
    });
    return out;
  } finally {
    for (const b of [...stacks, ...scratch]) b.free();
  }
}

/** Mean and sample standard deviation (n − 1; null for a single value). */
export interface MeanSd {
  mean: number;
  sd: number | null;
  n: number;
}

export function meanSd(xs: readonly number[]): MeanSd {
  const n = xs.length;
  if (n === 0) return { mean: NaN, sd: null, n };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, sd: null, n };
  const ss = xs.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(ss / (n - 1)), n };
}
