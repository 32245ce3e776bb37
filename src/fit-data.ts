// fit(x, y), evaluate(x, y) and trainOnBatch(x, y) as TF.js and Keras users call them: x and
// y as nested arrays of numbers, typed arrays of rows, or tensor-like objects (anything with a
// `shape` and `dataSync()`, such as a TF.js tensor), turned into a Dataset the loss can read.
// The loss decides what y is: class indices for sparseCategoricalCrossentropy, float targets
// [n, outputs] for every other loss. Every mismatch names x or y, the row and the shapes.
import { type Dataset, type OutputTargets, makeDataset, makeMultiOutputDataset, makeTargetDataset, sampleSize } from './data/dataset.js';
import type { Head } from './head.js';
import { MultiHead } from './heads/multi-head.js';
import type { Network } from './model.js';

/** What x and y may be: nested arrays, a flat typed array, or a tensor-like object. */
export type ArrayData = ArrayLike<number> | ReadonlyArray<ArrayLike<number> | ReadonlyArray<unknown>> | TensorLike;

/** y: one array, or for a model of several outputs a list of them in output order or an object by output name. */
export type TargetData = ArrayData | readonly ArrayData[] | Readonly<Record<string, ArrayData>>;

/** A TF.js tensor, or anything with its shape and values. */
export interface TensorLike {
  readonly shape: readonly number[];
  dataSync(): ArrayLike<number>;
}

const isTensorLike = (v: unknown): v is TensorLike =>
  typeof v === 'object' && v !== null && Array.isArray((v as TensorLike).shape) && typeof (v as TensorLike).dataSync === 'function';

/** The values of `v`, row-major, and its shape when it says (nested arrays, tensors); a flat array's shape is [length], `flat` true. */
function valuesOf(v: unknown, what: string): { values: Float64Array | Float32Array; shape: number[]; flat: boolean } {
  if (isTensorLike(v)) return { values: Float32Array.from(v.dataSync()), shape: [...v.shape], flat: v.shape.length < 2 };
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const a = v as unknown as ArrayLike<number>;
    return { values: v instanceof Float32Array ? v : Float64Array.from(a), shape: [a.length], flat: true };
  }
  if (!Array.isArray(v)) throw new TypeError(`gaaf: ${what} must be an array of numbers, of rows, a typed array or a tensor, got ${v === null ? 'null' : typeof v}`);
  const shape: number[] = [];
  for (let e: unknown = v; Array.isArray(e) || ArrayBuffer.isView(e); e = (e as ArrayLike<unknown>)[0]) shape.push((e as ArrayLike<unknown>).length);
  const out = new Float64Array(sampleSize(shape));
  let at = 0;
  const walk = (e: unknown, d: number, path: string): void => {
    if (d === shape.length) {
      if (typeof e !== 'number') throw new TypeError(`gaaf: ${what}${path} is ${e === null ? 'null' : typeof e}, expected a number`);
      out[at++] = e;
      return;
    }
    const a = e as ArrayLike<unknown>;
    if (!(Array.isArray(e) || ArrayBuffer.isView(e)) || a.length !== shape[d]) {
      throw new RangeError(`gaaf: ${what}${path} has ${Array.isArray(e) || ArrayBuffer.isView(e) ? `${a.length} entries` : `a ${typeof e}`}, expected ${shape[d]} (the shape of ${what}[0]...: [${shape.join(', ')}])`);
    }
    for (let i = 0; i < a.length; i++) walk(a[i], d + 1, `${path}[${i}]`);
  };
  walk(v, 0, '');
  return { values: out, shape, flat: shape.length === 1 };
}

/**
 * A dataset of x and y for `model` (its loss says whether y holds class indices or targets).
 * x's rows are its first dimension; a flat x is cut into rows of the model's input size, which
 * must then be known (built, or declared with inputShape).
 */
export function datasetOf(model: Network, x: unknown, y: unknown, where: string, name = `${where} (x, y)`): Dataset {
  const xs = valuesOf(x, `${where}: x`);
  const { rows, sampleShape, xv } = rowsOf(model, xs, where);
  const head = model.head;
  if (!(head instanceof MultiHead)) return targetsOf(head, model.built ? model.numClasses : 0, xv, sampleShape, rows, valuesOf(y, `${where}: y`), where, name);
  // several outputs: y is a list in output order, or an object by output name (TF.js's and Keras's forms)
  const names = head.names;
  const list = Array.isArray(y) && y.length === names.length && names.length > 1 ? y
    : typeof y === 'object' && y !== null && !Array.isArray(y) && !ArrayBuffer.isView(y) && !isTensorLike(y) ? names.map((k) => {
      if (!Object.hasOwn(y, k)) throw new RangeError(`gaaf: ${where}: y has no entry for the output '${k}' (the outputs are ${names.join(', ')})`);
      return (y as Record<string, unknown>)[k];
    }) : null;
  if (!list) throw new RangeError(`gaaf: ${where}: the model has ${names.length} outputs (${names.join(', ')}): give y as a list of ${names.length} arrays, one per output, or an object by output name`);
  const sizes = model.built ? model.outputShapes.map(sampleSize) : names.map(() => 0);
  const parts: OutputTargets[] = list.map((yi, i) => {
    const d = targetsOf(head.heads[i], sizes[i], xv, sampleShape, rows, valuesOf(yi, `${where}: y[${i}] ('${names[i]}')`), `${where} (output '${names[i]}')`, name);
    return d.targets ? { targets: d.targets, size: d.targetSize! } : { labels: d.y, numClasses: d.numClasses };
  });
  return makeMultiOutputDataset(xv, sampleShape, parts, name);
}

type Values = ReturnType<typeof valuesOf>;

/** x's rows and sample shape (a flat x is cut by the model's known input shape). */
function rowsOf(model: Network, xs: Values, where: string): { rows: number; sampleShape: readonly number[]; xv: Float32Array } {
  const known = model.knownInputShape();
  let rows: number;
  let sampleShape: readonly number[];
  if (!xs.flat) {
    rows = xs.shape[0];
    sampleShape = xs.shape.slice(1);
    if (known && sampleSize(known) === sampleSize(sampleShape) && known.length === 1) sampleShape = known; // rows of a flat model's input
  } else {
    if (!known) throw new RangeError(`gaaf: ${where}: x is flat (${xs.values.length} values) and the model's input shape is not known yet: pass x as rows (an array of arrays, or a tensor), or give the model an inputShape`);
    const d = sampleSize(known);
    if (xs.values.length % d !== 0) throw new RangeError(`gaaf: ${where}: x has ${xs.values.length} values, not a multiple of the model's input size ${d} (input shape [${known.join(', ')}])`);
    rows = xs.values.length / d;
    sampleShape = known;
  }
  if (rows < 1) throw new RangeError(`gaaf: ${where}: x holds no samples`);
  return { rows, sampleShape, xv: xs.values instanceof Float32Array ? xs.values : Float32Array.from(xs.values) };
}

/** The targets in ys for `head` (labels for sparseCategoricalCrossentropy, else float targets), checked against x's rows. */
function targetsOf(head: Head, outputSize: number, xv: Float32Array, sampleShape: readonly number[], rows: number, ys: Values, where: string, name: string): Dataset {
  const labels = head.lossName === 'sparseCategoricalCrossentropy';
  const yRows = ys.flat ? (labels || !outputSize ? ys.values.length : ys.values.length / outputSize) : ys.shape[0];
  if (yRows !== rows) throw new RangeError(`gaaf: ${where}: x has ${rows} samples, y has ${yRows} (shape [${ys.shape.join(', ')}])`);
  if (labels) {
    if (!(ys.shape.length === 1 || (ys.shape.length === 2 && ys.shape[1] === 1))) {
      throw new RangeError(`gaaf: ${where}: the loss 'sparseCategoricalCrossentropy' takes y as one class index per sample (shape [${rows}]), got shape [${ys.shape.join(', ')}]: for one-hot rows use loss 'categoricalCrossentropy'`);
    }
    const lab = new Int32Array(rows);
    let classes = 1;
    for (let i = 0; i < rows; i++) {
      const v = ys.values[i];
      if (!(Number.isInteger(v) && v >= 0)) throw new RangeError(`gaaf: ${where}: y[${i}] = ${v} is not a class index (an integer ≥ 0), as the loss 'sparseCategoricalCrossentropy' needs`);
      lab[i] = v;
      classes = Math.max(classes, v + 1);
    }
    return makeDataset(xv, lab, sampleShape, Math.max(classes, outputSize), name);
  }
  const t = ys.values instanceof Float32Array ? ys.values : Float32Array.from(ys.values);
  return makeTargetDataset(xv, t, sampleShape, t.length / rows, name);
}

/** fit's validationData as TF.js gives it, [x, y], or a dataset. */
export function validationDataOf(model: Network, v: unknown): Dataset | undefined {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) {
    if (v.length !== 2) throw new RangeError(`gaaf: fit: validationData as a list must be [x, y], got ${v.length} entries`);
    return datasetOf(model, v[0], v[1], 'fit (validationData)', 'validationData');
  }
  return v as Dataset;
}
