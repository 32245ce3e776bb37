// model.loadWeights(pathOrBytes, { from: 'pytorch', map }): a PyTorch / Hugging Face
// safetensors file into a gaaf model of the same architecture (./map.ts says how). Bytes work
// everywhere; a path needs the Node file reader, which src/node.ts registers (./node.ts), as
// the checkpoint directories do, so this module imports nothing of Node.
import type { Network } from '../../model.js';
import { type TorchLoadOptions, loadTorchWeights } from './map.js';
import { readForeignSafetensors } from './safetensors.js';

export interface LoadWeightsOptions extends TorchLoadOptions {
  /** The format: 'pytorch' (safetensors with PyTorch's module names and layouts). */
  from: 'pytorch';
}

export interface LoadWeightsReport {
  /** gaaf layer → the PyTorch module prefix it took its weights from. */
  layers: Record<string, string>;
  /** Tensors converted to float32, by their dtype in the file, e.g. { F16: 4 }. */
  converted: Record<string, number>;
}

let readFile: ((path: string) => Uint8Array) | null = null;

/** Lets a path be given (Node: src/interop/torch/node.ts). */
export function registerWeightsFileReader(f: (path: string) => Uint8Array): void {
  readFile = f;
}

/** Reads and validates the file, then fills the model (built first from its declared input shape if need be). */
export function loadWeightsInto(model: Network, source: string | Uint8Array, opts: LoadWeightsOptions): LoadWeightsReport {
  if (opts === null || typeof opts !== 'object') throw new TypeError("gaaf: loadWeights: give the options, e.g. { from: 'pytorch' }");
  const { from, ...rest } = opts;
  if (from !== 'pytorch') throw new RangeError(`gaaf: loadWeights: from must be 'pytorch', got ${JSON.stringify(from)}`);
  let bytes: Uint8Array;
  let file: string;
  if (typeof source === 'string') {
    if (!readFile) throw new TypeError('gaaf: loadWeights: a path needs Node; in a browser pass the file\'s bytes (a Uint8Array)');
    bytes = readFile(source);
    file = source;
  } else if (source instanceof Uint8Array) {
    bytes = source;
    file = '(bytes)';
  } else {
    throw new TypeError(`gaaf: loadWeights: expected a path or a Uint8Array, got ${Object.prototype.toString.call(source)}`);
  }
  const st = readForeignSafetensors(bytes, file, { lazy: true }); // values converted only once the architecture has checked the names and shapes
  if (!model.built) {
    const shape = model.knownInputShape();
    if (!shape) throw new Error('gaaf: loadWeights: the model has no input shape: build it first (model.build(inputShape)) or declare inputShape');
    model.build(shape);
  }
  return { layers: loadTorchWeights(model, st, file, rest), converted: { ...st.converted } };
}
