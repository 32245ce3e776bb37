// The paper's gradient information (eq. 5) as a callback: the mean |∂E/∂W| over the weights
// of each Dense kernel, E the mean loss of the minibatch, after every step's backward pass;
// averaged over each epoch's steps (logs.gradInfo) and over every step of the run
// (history.gradInfo, Table 1). `gaaf train`, `gaaf reproduce mlp` and the demo attach it;
// a plain fit() does not compute it. Its running sums are float64 and are saved with the
// training state, so a resumed run reports the very same numbers.
import { type Buf, meanAbs } from './binding.js';
import type { Callback, EpochLogs, History, TrainingRun } from './callbacks.js';
import { Dense } from './layers/dense.js';

declare module './callbacks.js' {
  interface EpochLogs {
    /** With GradientInfo attached: mean |∂E/∂W| of each Dense kernel over this epoch's steps (paper eq. 5). */
    gradInfo?: number[];
  }
  interface History {
    /** With GradientInfo attached: the Dense layers' names, in gradInfo's order. */
    layers?: string[];
    /** With GradientInfo attached: mean |∂E/∂W| of each Dense kernel over all training steps (paper eq. 5, Table 1). */
    gradInfo?: number[];
  }
}

/** What GradientInfo saves: this epoch's sums so far and the sums of the finished epochs, per Dense kernel. */
export interface GradientInfoState {
  epochSum: number[];
  total: number[];
}

const isSums = (v: unknown, n: number): v is number[] => Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));

export class GradientInfo implements Callback {
  readonly stateKey = 'gradInfo';
  /** The measured Dense layers' names, in order (set when training begins). */
  layers: string[] = [];
  /** Mean |∂E/∂W| of each Dense kernel at the last step. */
  last: number[] = [];
  private kernels: Buf[] = [];
  private epochSum = new Float64Array(0);
  private total = new Float64Array(0);
  private restored: GradientInfoState | null = null;

  onTrainBegin(_logs: unknown, run: TrainingRun): void {
    const dense = run.model.layers.filter((l): l is Dense => l instanceof Dense);
    this.layers = dense.map((l) => l.name);
    this.kernels = dense.map((l) => l.params()[0].grad);
    const s = this.restored;
    this.restored = null;
    this.epochSum = s ? Float64Array.from(s.epochSum) : new Float64Array(dense.length);
    this.total = s ? Float64Array.from(s.total) : new Float64Array(dense.length);
    this.last = new Array<number>(dense.length).fill(0);
  }

  onBatchEnd(): void {
    for (let k = 0; k < this.kernels.length; k++) {
      const g = meanAbs(this.kernels[k]);
      this.last[k] = g;
      this.epochSum[k] += g;
    }
  }

  onEpochEnd(_epoch: number, logs: EpochLogs): void {
    logs.gradInfo = Array.from(this.epochSum, (g) => g / logs.steps);
    for (let k = 0; k < this.total.length; k++) this.total[k] += this.epochSum[k];
    this.epochSum.fill(0);
  }

  onTrainEnd(_logs: unknown, { history }: TrainingRun): void {
    history.layers = [...this.layers];
    history.gradInfo = Array.from(this.total, (g) => (history.steps ? g / history.steps : 0));
  }

  state(): GradientInfoState {
    return { epochSum: Array.from(this.epochSum), total: Array.from(this.total) };
  }

  setState(s: unknown, run: TrainingRun): void {
    const n = run.model.layers.filter((l) => l instanceof Dense).length;
    const o = s as Partial<GradientInfoState> | null;
    if (!o || !isSums(o.epochSum, n) || !isSums(o.total, n)) {
      throw new RangeError(`gaaf: GradientInfo state must be { epochSum, total }, each a list of ${n} finite numbers (one per Dense layer), got ${JSON.stringify(s)?.slice(0, 80)}`);
    }
    this.restored = { epochSum: [...o.epochSum], total: [...o.total] };
  }
}
