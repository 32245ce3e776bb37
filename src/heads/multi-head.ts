// The head of a model with several outputs, as Keras trains one: a loss per output (each
// output's own head, src/head.ts), the total loss Σ wᵢ·Lᵢ with the loss weights, and each
// output's loss and metrics logged under its name (dense_3_loss, dense_3_accuracy, ...). The
// targets come from a dataset with one part per output (makeMultiOutputDataset). Every head
// keeps its own buffers; this one only routes the outputs and scales the gradients.
import type { Buf } from '../binding.js';
import type { Dataset } from '../data/dataset.js';
import type { Head } from './float-heads.js';
import { type LossOptions, type LossSpec, resolveHead } from '../head.js';

/** One loss, or for a model of several outputs one per output: a list in output order or an object by output name (Keras's forms). */
export type Losses = LossSpec | readonly LossSpec[] | Readonly<Record<string, LossSpec>>;

/**
 * The head for `loss`: one loss's head for a model of one output (outputNames null), else a
 * MultiHead with a loss per output (a list in output order or an object by output name; one
 * name alone applies to every output) and `lossWeights` for the total Σ wᵢ·Lᵢ (default 1 each).
 */
export function headFor(loss: Losses, opts: LossOptions, lossWeights: readonly number[] | Readonly<Record<string, number>> | undefined, outputNames: (() => string[]) | null): Head {
  const perOutput = Array.isArray(loss) || (typeof loss === 'object' && loss !== null && typeof (loss as Head).loss !== 'function');
  if (!outputNames && !perOutput) {
    if (lossWeights !== undefined) throw new RangeError('gaaf: loss: lossWeights applies to a model of several outputs; this one has one');
    return resolveHead(loss as LossSpec, opts);
  }
  if (!outputNames) throw new RangeError('gaaf: loss: a list or object of losses is for a model of several outputs; this one has one');
  const names = outputNames();
  const byName = <T>(v: readonly T[] | Readonly<Record<string, T>>, what: string): T[] => {
    if (Array.isArray(v)) {
      if (v.length !== names.length) throw new RangeError(`gaaf: loss: ${what} has ${v.length} entries, the model has ${names.length} outputs (${names.join(', ')})`);
      return [...v];
    }
    const r = v as Readonly<Record<string, T>>;
    const extra = Object.keys(r).filter((k) => !names.includes(k));
    const missing = names.filter((k) => !Object.hasOwn(r, k));
    if (extra.length || missing.length) {
      throw new RangeError(`gaaf: loss: ${what} names ${extra.length ? `${extra.join(', ')} (no such output)` : `no entry for ${missing.join(', ')}`}; the outputs are ${names.join(', ')}`);
    }
    return names.map((k) => r[k]);
  };
  if (!perOutput && typeof loss === 'object') throw new RangeError('gaaf: loss: one head object cannot train several outputs; give one per output');
  const specs = perOutput ? byName(loss as readonly LossSpec[] | Readonly<Record<string, LossSpec>>, 'the loss list') : names.map(() => loss as LossSpec);
  const weights = lossWeights === undefined ? names.map(() => 1) : byName(lossWeights, 'lossWeights');
  weights.forEach((w, i) => {
    if (!(typeof w === 'number' && w >= 0 && w < Infinity)) throw new RangeError(`gaaf: loss: lossWeights for '${names[i]}' must be a finite number ≥ 0, got ${String(w)}`);
  });
  return new MultiHead(specs.map((sp) => resolveHead(sp, opts)), names, weights);
}

export class MultiHead implements Head {
  readonly lossName = 'multiOutput';
  readonly countsCorrect = false;
  readonly metricNames: readonly string[];
  private sizes: readonly number[] = [];
  private lastLosses: number[];

  /** heads[i] trains output i (named names[i]) with weight weights[i] in the total loss. */
  constructor(readonly heads: readonly Head[], readonly names: readonly string[], readonly weights: readonly number[]) {
    if (heads.length !== names.length || heads.length !== weights.length) throw new Error('gaaf: MultiHead: one head, name and weight per output');
    this.metricNames = heads.flatMap((h, i) => [`${names[i]}_loss`, ...h.metricNames.map((m) => `${names[i]}_${m}`)]);
    this.lastLosses = heads.map(() => 0);
  }

  /** The outputs' sizes, in order (set by the model before allocate). */
  setOutputSizes(sizes: readonly number[]): void {
    if (sizes.length !== this.heads.length) throw new RangeError(`gaaf: the model has ${sizes.length} outputs and ${this.heads.length} losses`);
    this.sizes = [...sizes];
  }

  floatsFor(batch: number): number {
    return this.heads.reduce((a, h, i) => a + h.floatsFor(batch, this.sizes[i] ?? 0), 0);
  }

  allocate(batch: number): void {
    this.heads.forEach((h, i) => h.allocate(batch, this.sizes[i]));
  }

  release(): void {
    for (const h of this.heads) h.release();
  }

  get gradient(): Buf {
    throw new Error('gaaf: a model of several outputs has one gradient per output (MultiHead.gradients)');
  }

  /** dL/d output i of the weighted total, after lossOf(…, true). */
  get gradients(): readonly Buf[] {
    return this.heads.map((h) => h.gradient);
  }

  private part(data: Dataset, i: number, where: string): Dataset {
    const parts = data.outputs;
    if (!parts || parts.length !== this.heads.length) {
      throw new RangeError(`gaaf: ${where}: the model has ${this.heads.length} outputs (${this.names.join(', ')}), '${data.name}' holds ` +
        `${parts ? `targets for ${parts.length}` : 'targets for one'}: make it with makeMultiOutputDataset, or give fit y as a list of one array per output`);
    }
    return parts[i];
  }

  checkTargets(data: Dataset, _outputSize: number, where: string, rows?: { start: number; end: number }): void {
    this.heads.forEach((h, i) => h.checkTargets(this.part(data, i, where), this.sizes[i], `${where} (output '${this.names[i]}')`, rows));
  }

  loadTargets(data: Dataset, idx: ArrayLike<number> | null, start: number, n: number, weighted = true): void {
    this.heads.forEach((h, i) => h.loadTargets(this.part(data, i, 'fit'), idx, start, n, weighted));
  }

  setSampleWeights(w: Float32Array | null): void {
    for (const h of this.heads) h.setSampleWeights(w);
  }

  /** The model writes each output's targets into its own head (lossAndGradients with a list of y). */
  writeTargets(): void {
    throw new RangeError('gaaf: a model of several outputs takes y as a list of target arrays, one per output');
  }

  rowsOf(): number {
    return this.writeTargets() as never;
  }

  loss(): number {
    throw new Error('gaaf: MultiHead: the model computes its loss with lossOf over all outputs');
  }

  /** Σ wᵢ · (summed loss of output i over the n rows); with grad, each head's gradient of the mean loss, scaled by wᵢ. */
  lossOf(outputs: readonly Buf[], n: number, grad: boolean): number {
    let total = 0;
    this.heads.forEach((h, i) => {
      const l = h.loss(outputs[i], n, grad);
      this.lastLosses[i] = l;
      const w = this.weights[i];
      total += w * l;
      if (grad && w !== 1) {
        const g = h.gradient.view();
        for (let j = 0, e = n * this.sizes[i]; j < e; j++) g[j] *= w;
      }
    });
    return total;
  }

  countCorrect(): number {
    return 0;
  }

  /** Per output: its summed loss, then its metrics' sums (metricNames order). */
  metricSums(n: number): number[] {
    return this.heads.flatMap((h, i) => [this.lastLosses[i], ...h.metricSums(n)]);
  }

  /** Output 0's prediction (predict); predictAll gives every output's. */
  predict(output: Buf, n: number, out: Float32Array, at: number): void {
    this.heads[0].predict(output, n, out, at);
  }
}
