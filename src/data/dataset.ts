/**
 * An in-memory dataset: `count` samples of shape `sampleShape`, row-major, with either integer
 * class labels (`y`, makeDataset) or float targets of shape [count, outputs] (`targets`,
 * makeTargetDataset: regression, multi-label, one-hot or soft labels). The loss says which it
 * needs (src/head.ts).
 */
export interface Dataset {
  /** count × prod(sampleShape) values, row-major; images are scaled to [0,1]. */
  readonly x: Float32Array;
  /** count labels in [0, numClasses); empty when the dataset holds float targets. */
  readonly y: Int32Array;
  /** count × targetSize float targets, row-major; absent for labelled data. */
  readonly targets?: Float32Array;
  /** Values per sample in `targets` (0 for labelled data). */
  readonly targetSize?: number;
  readonly count: number;
  /** Shape of one sample, e.g. [784] for flattened MNIST, [28,28,1] for HWC. */
  readonly sampleShape: readonly number[];
  /** Classes of the labels; 0 when the dataset holds float targets. */
  readonly numClasses: number;
  /** Human-readable origin, e.g. "bundled MNIST digits (train)" or a file path. */
  readonly name: string;
  /**
   * For a model of several outputs: one dataset per output (the same x and count; labels or
   * targets each), made by makeMultiOutputDataset. The top level's y is then empty.
   */
  readonly outputs?: readonly Dataset[];
}

export function sampleSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Validates and wraps arrays as a Dataset. Throws an Error naming what is wrong (expected vs actual). */
export function makeDataset(
  x: Float32Array,
  y: Int32Array,
  sampleShape: readonly number[],
  numClasses: number,
  name: string,
): Dataset {
  const where = `dataset "${name}"`;
  if (sampleShape.length === 0 || !sampleShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`${where}: sampleShape [${sampleShape.join(', ')}] must be a non-empty list of positive integers`);
  }
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new Error(`${where}: numClasses ${numClasses} must be a positive integer`);
  }
  const size = sampleSize(sampleShape);
  const count = y.length;
  if (x.length !== count * size) {
    throw new Error(
      `${where}: x has ${x.length} values, expected ${count * size} ` +
        `(${count} labels × ${size} = prod(sampleShape [${sampleShape.join(', ')}]))`,
    );
  }
  for (let i = 0; i < count; i++) {
    const v = y[i]!;
    if (v < 0 || v >= numClasses) {
      throw new Error(`${where}: label y[${i}] = ${v} out of range, expected 0..${numClasses - 1}`);
    }
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) {
      throw new Error(
        `${where}: x[${i}] (sample ${Math.floor(i / size)}, element ${i % size}) is ${x[i]}, expected a finite number`,
      );
    }
  }
  return freeze(x, y, sampleShape, numClasses, name);
}

/**
 * Checks a dataset where it enters training or evaluation, whoever made it (makeDataset, a
 * loader, or an object written by hand): its shape fields, that `count` matches the arrays, and
 * that the inputs of rows [start, end) (default: all) are finite, naming the first bad sample.
 * The targets are the output head's to check (it knows what its loss needs).
 */
export function checkDataset(data: Dataset, where: string, rows?: { start: number; end: number }): void {
  const name = typeof data?.name === 'string' ? `'${data.name}'` : 'the dataset';
  const bad = (what: string): never => {
    throw new RangeError(`gaaf: ${where}: ${name}: ${what}`);
  };
  if (data === null || typeof data !== 'object') bad(`expected a dataset object (makeDataset), got ${data === null ? 'null' : typeof data}`);
  const shape = data.sampleShape;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    bad(`sampleShape must be a non-empty list of positive integers, got ${JSON.stringify(shape)}`);
  }
  if (!(data.x instanceof Float32Array)) bad(`x must be a Float32Array, got ${(data.x as unknown as object | undefined)?.constructor?.name ?? typeof data.x}`);
  if (!data.y || typeof data.y.length !== 'number') bad('y must be an array of labels');
  const { count } = data;
  if (!Number.isInteger(count) || count < 0) bad(`count must be a non-negative integer, got ${count}`);
  if (data.outputs !== undefined) {
    if (!Array.isArray(data.outputs) || data.outputs.length < 1) bad('outputs must be a non-empty list of datasets, one per output');
    data.outputs.forEach((o, i) => {
      if (o?.x !== data.x || o.count !== data.count) bad(`outputs[${i}] must share x and count (${data.count}) with the dataset (makeMultiOutputDataset)`);
      checkDataset(o, `${where} (outputs[${i}])`, { start: 0, end: 0 });
    });
  } else if (data.targets !== undefined) {
    const t = data.targetSize;
    if (!(data.targets instanceof Float32Array)) bad('targets must be a Float32Array');
    if (!Number.isInteger(t) || t! < 1) bad(`targetSize must be a positive integer, got ${t}`);
    if (data.targets.length !== count * t!) bad(`count is ${count} but targets holds ${data.targets.length} values (${t} per sample)`);
  } else if (count !== data.y.length) bad(`count is ${count} but y holds ${data.y.length} labels`);
  const size = sampleSize(shape);
  if (data.x.length !== count * size) {
    bad(`x has ${data.x.length} values, expected ${count * size} (${count} samples × ${size} = prod(sampleShape [${shape.join(', ')}]))`);
  }
  checkFiniteInputs(data.x, size, `${where}: ${name}`, rows?.start ?? 0, rows?.end ?? count);
}

/** Throws a RangeError naming the first sample of rows [start, end) of x (rows of `size` values) that holds NaN or ±∞. */
export function checkFiniteInputs(x: Float32Array, size: number, where: string, start = 0, end = x.length / size): void {
  for (let i = start * size, e = end * size; i < e; i++) {
    const v = x[i]!;
    // v − v is 0 for every finite v and NaN for NaN and ±∞: one test for both
    if (v - v !== 0) {
      throw new RangeError(`gaaf: ${where}: sample ${Math.floor(i / size)} holds ${v} at element ${i % size} (x[${i}]): ` +
        'the inputs must be finite numbers; fix or drop that sample');
    }
  }
}

function freeze(x: Float32Array, y: Int32Array, shape: readonly number[], numClasses: number, name: string): Dataset {
  return Object.freeze({ x, y, count: y.length, sampleShape: Object.freeze([...shape]), numClasses, name });
}

/**
 * Validates and wraps samples with float targets, `targetSize` per sample (regression values,
 * multi-label 0/1 values, one-hot or soft class probabilities). Throws an Error naming what is
 * wrong (expected vs actual, or the first non-finite value with its sample).
 */
export function makeTargetDataset(
  x: Float32Array,
  targets: Float32Array,
  sampleShape: readonly number[],
  targetSize: number,
  name: string,
): Dataset {
  const where = `dataset "${name}"`;
  if (!(x instanceof Float32Array) || !(targets instanceof Float32Array)) throw new TypeError(`${where}: x and targets must be Float32Arrays`);
  if (!Number.isInteger(targetSize) || targetSize < 1) throw new Error(`${where}: targetSize ${targetSize} must be a positive integer`);
  if (targets.length % targetSize !== 0) throw new Error(`${where}: targets has ${targets.length} values, not a multiple of targetSize ${targetSize}`);
  const count = targets.length / targetSize;
  const probe = makeDataset(x, new Int32Array(count), sampleShape, 1, name); // shapes and finite x
  for (let i = 0; i < targets.length; i++) {
    if (!Number.isFinite(targets[i]!)) {
      throw new Error(`${where}: targets[${i}] (sample ${Math.floor(i / targetSize)}, output ${i % targetSize}) is ${targets[i]}, expected a finite number`);
    }
  }
  return freezeTargets(probe.x, targets, probe.sampleShape, targetSize, name);
}

function freezeTargets(x: Float32Array, targets: Float32Array, shape: readonly number[], targetSize: number, name: string): Dataset {
  const count = targets.length / targetSize;
  return Object.freeze({ x, y: new Int32Array(0), targets, targetSize, count, sampleShape: Object.freeze([...shape]), numClasses: 0, name });
}

/**
 * A subset of `ds`. With `{start, end}` (end exclusive) the result shares memory with `ds`
 * (typed-array views, no copy); with a list of indices the samples are copied in that order.
 */
export function subset(
  ds: Dataset,
  sel: ArrayLike<number> | { start: number; end: number },
  name?: string,
): Dataset {
  const size = sampleSize(ds.sampleShape);
  if (ds.outputs) {
    const parts = ds.outputs.map((o) => subset(o, sel, name));
    return withOutputs(parts, name ?? `${ds.name} (subset)`);
  }
  if ('start' in sel && 'end' in sel && typeof sel.start === 'number') {
    const { start, end } = sel;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > ds.count) {
      throw new Error(`subset of "${ds.name}": range [${start}, ${end}) invalid, expected 0 <= start <= end <= ${ds.count}`);
    }
    if (ds.targets) {
      const t = ds.targetSize!;
      return freezeTargets(ds.x.subarray(start * size, end * size), ds.targets.subarray(start * t, end * t), ds.sampleShape, t, name ?? `${ds.name} [${start}:${end}]`);
    }
    return freeze(
      ds.x.subarray(start * size, end * size),
      ds.y.subarray(start, end),
      ds.sampleShape,
      ds.numClasses,
      name ?? `${ds.name} [${start}:${end}]`,
    );
  }
  const idx = sel as ArrayLike<number>;
  const n = idx.length;
  const x = new Float32Array(n * size);
  const y = new Int32Array(ds.targets ? 0 : n);
  const ts = ds.targetSize ?? 0;
  const targets = ds.targets ? new Float32Array(n * ts) : null;
  for (let j = 0; j < n; j++) {
    const i = idx[j]!;
    if (!Number.isInteger(i) || i < 0 || i >= ds.count) {
      throw new Error(`subset of "${ds.name}": indices[${j}] = ${i} out of range, expected an integer in 0..${ds.count - 1}`);
    }
    x.set(ds.x.subarray(i * size, (i + 1) * size), j * size);
    if (targets) targets.set(ds.targets!.subarray(i * ts, (i + 1) * ts), j * ts);
    else y[j] = ds.y[i]!;
  }
  if (targets) return freezeTargets(x, targets, ds.sampleShape, ts, name ?? `${ds.name} (subset of ${n})`);
  return freeze(x, y, ds.sampleShape, ds.numClasses, name ?? `${ds.name} (subset of ${n})`);
}

/**
 * The same samples with another sample shape of the same size (e.g. [784] → [28, 28, 1]);
 * shares memory with `ds`. An explicit step: models never reshape their input silently.
 */
export function reshapeDataset(ds: Dataset, sampleShape: readonly number[], name?: string): Dataset {
  if (sampleShape.length === 0 || !sampleShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`reshape of "${ds.name}": sampleShape [${sampleShape.join(', ')}] must be a non-empty list of positive integers`);
  }
  if (sampleSize(sampleShape) !== sampleSize(ds.sampleShape)) {
    throw new Error(`reshape of "${ds.name}": samples of shape [${ds.sampleShape.join(', ')}] (${sampleSize(ds.sampleShape)} values) ` +
      `cannot become [${sampleShape.join(', ')}] (${sampleSize(sampleShape)} values)`);
  }
  if (ds.targets) return freezeTargets(ds.x, ds.targets, sampleShape, ds.targetSize!, name ?? ds.name);
  return freeze(ds.x, ds.y, sampleShape, ds.numClasses, name ?? ds.name);
}

/** A dataset of several outputs from per-output parts of the same samples, every part rebound to the first part's x (one copy). */
function withOutputs(parts: readonly Dataset[], name: string): Dataset {
  const { x, sampleShape, count } = parts[0];
  const shared = parts.map((p) => (p.targets ? freezeTargets(x, p.targets, sampleShape, p.targetSize!, p.name) : freeze(x, p.y, sampleShape, p.numClasses, p.name)));
  return Object.freeze({ x, y: new Int32Array(0), count, sampleShape, numClasses: 0, name, outputs: Object.freeze(shared) });
}

/** One output's targets for makeMultiOutputDataset: class labels, or float targets of `size` per sample. */
export type OutputTargets = { labels: Int32Array; numClasses: number } | { targets: Float32Array; size: number };

/**
 * Samples with targets for each output of a model of several outputs, in the order of its
 * outputs: class labels for an output trained with sparseCategoricalCrossentropy, float
 * targets for the others. Every part shares x (no copy); each is checked as makeDataset and
 * makeTargetDataset check theirs.
 */
export function makeMultiOutputDataset(x: Float32Array, sampleShape: readonly number[], outputs: readonly OutputTargets[], name: string): Dataset {
  if (!Array.isArray(outputs) || outputs.length < 1) throw new Error(`dataset "${name}": outputs must be a non-empty list, one entry per output`);
  const parts = outputs.map((o, i) => {
    const part = `${name} (output ${i})`;
    if ('labels' in o) return makeDataset(x, o.labels, sampleShape, o.numClasses, part);
    if ('targets' in o) return makeTargetDataset(x, o.targets, sampleShape, o.size, part);
    throw new Error(`dataset "${name}": outputs[${i}] must be { labels, numClasses } or { targets, size }`);
  });
  const counts = parts.map((p) => p.count);
  if (counts.some((c) => c !== counts[0])) throw new Error(`dataset "${name}": the outputs hold ${counts.join(', ')} samples; every output needs one target per sample of x`);
  return withOutputs(parts, name);
}
