// The base of every layer: a forward/backward pair over Bufs owned by the layer, laid out
// once for a batch capacity (llm.c style). Backward writes the parameter gradients and
// returns the gradient with respect to the layer's input.
import { Buf } from '../binding.js';
import type { Rng } from '../rng.js';
import { SymbolicTensor } from './symbolic.js';

/** A trainable tensor and its gradient, both in Wasm memory. */
export interface Param {
  readonly name: string; // e.g. "dense_1/kernel"
  readonly shape: readonly number[];
  readonly value: Buf;
  readonly grad: Buf;
}

/**
 * A non-trainable tensor a layer keeps between steps (e.g. batch norm's running mean and
 * variance). It is not touched by the optimizer, but checkpoints save and restore it.
 */
export interface StateTensor {
  readonly name: string; // e.g. "batchnorm_1/moving_mean"
  readonly shape: readonly number[];
  readonly value: Buf;
}

/** What one forward or backward call needs to know about the step it is part of. */
export interface StepContext {
  readonly n: number; // rows in this batch (≤ the batch capacity)
  readonly training: boolean;
  readonly seed: number; // run seed, for dropout masks
  readonly step: number; // global training step, for dropout masks
}

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * A parameter named `${layer}/${what}` of `shape`, in Wasm memory with its gradient: its value
 * is `init` (the initialised values, or one constant for every element).
 */
export function makeParam(layer: string, what: string, shape: readonly number[], init: Float32Array | number): Param {
  const name = `${layer}/${what}`;
  const n = size(shape);
  const p: Param = { name, shape: [...shape], value: new Buf(n, 'f32', name), grad: new Buf(n, 'f32', `${name}.grad`) };
  if (typeof init === 'number') p.value.fill(init);
  else p.value.write(init);
  return p;
}

/** Refuses options not in `known`, naming the layer class and the option. */
export function checkLayerOptions(cls: string, opts: object, known: readonly string[]): void {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`gaaf: ${cls} options must be an object`);
  for (const k of Object.keys(opts)) {
    if (!known.includes(k)) throw new RangeError(`gaaf: ${cls}: unknown option '${k}' (known: ${known.join(', ')})`);
  }
}

export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** The layer each parameter belongs to (registered when the layer is built, or its trainable flag set). */
const owners = new WeakMap<Param, Layer>();

/** False if `p` belongs to a frozen layer (trainable = false): the optimizers skip it. */
export function paramTrainable(p: Param): boolean {
  return owners.get(p)?.trainable ?? true;
}

export abstract class Layer {
  /** Set by the model: "dense_1", "activation_2", ... */
  name = '';
  /** Position in the model, 0-based. */
  index = -1;
  inputShape: readonly number[] = [];
  outputShape: readonly number[] = [];
  protected batchCap = 0;
  protected needInputGrad = true;
  /** Gradient with respect to the input (batchCap × input size), if needed. */
  protected dx: Buf | null = null;

  abstract readonly className: string;

  private isTrainable = true;
  /** A shared layer's second call (src/graph/runner.ts) follows the first call's flag. */
  private trainableOf: Layer | null = null;

  /**
   * False freezes the layer, as Keras's layer.trainable: the optimizers leave its parameters as
   * they are (their slots stay allocated), and a BatchNorm runs in inference mode (its moving
   * statistics as the normalization, and not updated), as Keras 2+ does. Its gradients are still
   * computed (the layers below it need them). Checkpoints record the flag; true by default.
   */
  get trainable(): boolean {
    return this.trainableOf ? this.trainableOf.trainable : this.isTrainable;
  }

  set trainable(v: boolean) {
    if (typeof v !== 'boolean') throw new TypeError(`gaaf: layer '${this.name}' (${this.className}): trainable must be true or false, got ${String(v)}`);
    if (this.trainableOf) throw new TypeError(`gaaf: layer '${this.name}' (${this.className}): this is a second call of a shared layer; set trainable on the layer itself`);
    this.isTrainable = v;
    this.claimParams();
  }

  /** A second call of `first` (a shared layer's twin): its trainable flag is first's. */
  followTrainable(first: Layer): void {
    this.trainableOf = first;
  }

  /** Registers this layer's parameters as its own (for paramTrainable); build and the trainable setter call it. */
  protected claimParams(): void {
    for (const p of this.params()) owners.set(p, this);
  }

  /** Output shape (per sample) for an input shape, or a clear error if the input does not fit. */
  abstract computeOutputShape(inputShape: readonly number[]): readonly number[];

  /** Creates and initialises parameters. Called once. */
  build(inputShape: readonly number[], _rng: Rng): void {
    this.inputShape = inputShape;
    this.outputShape = this.computeOutputShape(inputShape);
  }

  get inputSize(): number {
    return size(this.inputShape);
  }

  get outputSize(): number {
    return size(this.outputShape);
  }

  /** Lays out the activation buffers for up to `batch` rows. */
  allocate(batch: number, needInputGrad: boolean): void {
    this.release();
    this.batchCap = batch;
    this.needInputGrad = needInputGrad;
    if (needInputGrad) this.dx = new Buf(batch * this.inputSize, 'f32', `${this.name}/dx`);
    this.allocateOwn(batch);
  }

  protected abstract allocateOwn(batch: number): void;

  /** Frees the activation buffers (not the parameters). */
  release(): void {
    this.dx?.free();
    this.dx = null;
    this.releaseOwn();
    this.batchCap = 0;
  }

  protected abstract releaseOwn(): void;

  /** Computes the output for x (n × input size). Returns a Buf owned by this layer, or x itself. */
  abstract forward(x: Buf, ctx: StepContext): Buf;

  /** Given dL/dy, writes parameter gradients and returns dL/dx (null if not needed). */
  abstract backward(dy: Buf, ctx: StepContext): Buf | null;

  /** The output of the last forward call. */
  abstract output(): Buf | null;

  params(): Param[] {
    return [];
  }

  /**
   * Number of parameter values this layer will create for `inputShape`, known before
   * build() allocates anything (for the memory estimate). Layers with parameters override it;
   * test/memory.test.ts checks it against params() after build for every registered layer.
   */
  countParamsFor(_inputShape: readonly number[]): number {
    return 0;
  }

  /**
   * Float32 values of activation buffers allocate(batch) will lay out for `inputShape`, before
   * anything is allocated (for the memory estimate). The default covers dx, an output and one
   * more buffer of the output's size (a mask or cache); layers with bigger workspaces override it.
   */
  activationFloatsFor(inputShape: readonly number[], batch: number): number {
    return batch * (size(inputShape) + 2 * size(this.computeOutputShape(inputShape)));
  }

  /** Non-trainable tensors kept across steps (saved in checkpoints); none by default. */
  stateTensors(): StateTensor[] {
    return [];
  }

  /** Constructor arguments, for summaries and checkpoints: layerFromConfig(className, config()) rebuilds the layer. */
  abstract config(): Record<string, unknown>;

  // ---- the functional API (src/layers/symbolic.ts) and the graph's view of a layer ----------
  // A graph (src/graph/) calls every layer through these; a layer of one input (all but the
  // merge layers) gets them from its single-input methods above.

  /**
   * Records a call of this layer on `x` (one symbolic tensor, or a list for a merge layer) and
   * returns its output: `const y = new Dense(10).apply(x)`. A layer applied twice shares its
   * weights between both calls (their gradients are summed). Shapes are checked here.
   */
  apply(x: SymbolicTensor | readonly SymbolicTensor[]): SymbolicTensor {
    const xs: readonly SymbolicTensor[] = Array.isArray(x) ? x : [x as SymbolicTensor];
    if (xs.length === 0 || !xs.every((t) => t instanceof SymbolicTensor)) {
      throw new TypeError(`gaaf: ${this.className}.apply expects a symbolic tensor (from input() or another layer's apply()) or a list of them`);
    }
    let shape: readonly number[];
    try {
      shape = this.outputShapeFor(xs.map((t) => t.shape));
    } catch (e) {
      throw new RangeError(`gaaf: ${this.className}.apply on ${xs.map((t) => `${t.describe()} ${shapeStr(t.shape)}`).join(', ')}: ` +
        (e as Error).message.replace(/^gaaf: /, ''));
    }
    return new SymbolicTensor(shape, { layer: this, inputs: xs });
  }

  /** Output shape for the shapes of its inputs (one, unless a merge layer), or a clear error. */
  outputShapeFor(shapes: readonly (readonly number[])[]): readonly number[] {
    if (shapes.length !== 1) throw new RangeError(`layer '${this.name}' (${this.className}) takes one input, got ${shapes.length}`);
    return this.computeOutputShape(shapes[0]);
  }

  /** build() for the shapes of its inputs. */
  buildFor(shapes: readonly (readonly number[])[], rng: Rng): void {
    this.build(shapes[0], rng);
    this.claimParams();
  }

  countParamsForInputs(shapes: readonly (readonly number[])[]): number {
    return this.countParamsFor(shapes[0]);
  }

  activationFloatsForInputs(shapes: readonly (readonly number[])[], batch: number): number {
    return this.activationFloatsFor(shapes[0], batch);
  }

  /** forward() over its inputs' buffers. */
  forwardInputs(xs: readonly Buf[], ctx: StepContext): Buf {
    return this.forward(xs[0], ctx);
  }

  /** backward(): writes dL/d(input i) into dxs[i] (null where not needed). */
  backwardInputs(dy: Buf, ctx: StepContext, dxs: Array<Buf | null>): void {
    dxs[0] = this.backward(dy, ctx);
  }

  dispose(): void {
    this.release();
    for (const p of this.params()) {
      p.value.free();
      p.grad.free();
    }
    for (const t of this.stateTensors()) t.value.free();
  }
}
