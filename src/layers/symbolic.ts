// Symbolic tensors, the functional API's wires: `input({ shape })` makes one, and
// `layer.apply(t)` records a call of the layer on it and returns its output, with its shape
// computed at once (so shapes that do not meet fail where they are written). Nothing is
// allocated; a functional Model (src/graph/) turns the recorded calls into a schedule.
import type { Layer } from './layer.js';

/** One call of a layer on its inputs, recorded by apply(). */
export interface LayerCall {
  readonly layer: Layer;
  readonly inputs: readonly SymbolicTensor[];
}

let nextId = 0;

/** The output of an input() or of a layer's apply(): a shape (per sample) and where it comes from. */
export class SymbolicTensor {
  /** Unique per process: orders tensors, and names inputs that have no name. */
  readonly id = ++nextId;
  constructor(
    /** Shape of one sample, e.g. [28, 28, 1]. */
    readonly shape: readonly number[],
    /** The layer call that produces it; null for a model input. */
    readonly call: LayerCall | null,
    /** An input's name ('' for a layer's output). */
    readonly name = '',
  ) {}

  /** 'input "image"' or 'the output of Conv2D' for messages. */
  describe(): string {
    if (!this.call) return `input '${this.name}'`;
    const l = this.call.layer;
    return `the output of ${l.name ? `'${l.name}' (${l.className})` : l.className}`;
  }
}

export interface InputOptions {
  /** Shape of one sample, without the batch axis, e.g. [28, 28, 1]. */
  shape: number[];
  /** Default: 'input_<n>'. */
  name?: string;
}

let inputCount = 0;

/** A model input: `const x = input({ shape: [28, 28, 1] })`, then `new Conv2D(16, 3).apply(x)`. */
export function input(opts: InputOptions): SymbolicTensor {
  if (!opts || typeof opts !== 'object') throw new TypeError('gaaf: input expects { shape: [...] }');
  const unknown = Object.keys(opts).filter((k) => k !== 'shape' && k !== 'name');
  if (unknown.length) throw new RangeError(`gaaf: input: unknown option ${unknown.map((k) => `'${k}'`).join(', ')} (expected shape, name)`);
  const { shape } = opts;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new RangeError(`gaaf: input: shape must be a non-empty list of positive integers, got ${JSON.stringify(shape)}`);
  }
  if (opts.name !== undefined && (typeof opts.name !== 'string' || !/^[\w.-]+$/.test(opts.name))) {
    throw new RangeError(`gaaf: input: name must be a non-empty string of letters, digits, '_', '.' or '-', got ${JSON.stringify(opts.name)}`);
  }
  return new SymbolicTensor([...shape], null, opts.name ?? `input_${++inputCount}`);
}
