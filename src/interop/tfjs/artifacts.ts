// The TF.js Layers format as data: model.json (the topology and the weights manifest) and the
// weight bytes, as TF.js's io handlers pass them (ModelArtifacts). Parsing checks everything
// it can before anything is allocated: the JSON's shape, every weight spec (a unique name, a
// shape of non-negative integers, dtype float32, no quantization), and the bytes against the
// specs (each tensor's byte range inside the data, no bytes left over); a value that is not
// finite is refused naming the tensor and the byte where it is. Offsets in errors are into the
// shard that holds the byte (model.json's paths), or into the handler's weight data.
import { TfjsFormatError, TfjsUnsupportedError } from './errors.js';

/** One tensor of the weights manifest. */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  /** 'model' (the default) or 'optimizer' (optimizer state, which gaaf does not import). */
  group?: string;
  quantization?: unknown;
}

/** What TF.js's io handlers load and save (tf.io.ModelArtifacts, the parts the Layers format uses). */
export interface TfjsArtifacts {
  /** The model's JSON topology (an object; TF.js's type also allows the ArrayBuffer of a graph model, which gaaf refuses). */
  modelTopology?: object;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightSpecs?: TfjsWeightSpec[];
  /** One buffer, or the shards in order (TF.js 4.x's WeightData). */
  weightData?: ArrayBuffer | ArrayBuffer[];
  trainingConfig?: object;
  userDefinedMetadata?: object;
}

/** A TF.js io handler (tf.io.IOHandler): an object with load() (reading) or save(artifacts) (writing). */
export interface TfjsIOHandler {
  load?(): Promise<TfjsArtifacts>;
  save?(artifacts: TfjsArtifacts): Promise<unknown>;
}

/** model.json as written to a file: the artifacts' JSON parts and the manifest of weight shards. */
export interface TfjsModelJson {
  modelTopology: Record<string, unknown>;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: Array<{ paths: string[]; weights: TfjsWeightSpec[] }>;
  trainingConfig?: Record<string, unknown>;
  userDefinedMetadata?: Record<string, unknown>;
}

/** A named piece of the weight data: a shard file, or the handler's buffer. */
export interface Shard {
  name: string;
  bytes: Uint8Array;
}

/** A weight spec with where its bytes are. */
export interface PlacedWeight {
  spec: TfjsWeightSpec;
  /** Offset into the concatenated weight data. */
  offset: number;
  bytes: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JSON value of bytes, or a TfjsFormatError naming the file (and the byte, where JSON.parse tells it). */
export function parseJsonBytes(bytes: Uint8Array, file: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new TfjsFormatError(file, 'is not UTF-8 text');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const at = /position (\d+)/.exec((e as Error).message);
    throw new TfjsFormatError(file, `is not valid JSON (${(e as Error).message})`, at ? { offset: Number(at[1]) } : {});
  }
}

/** Checks the artifacts' topology and format fields (shared by model.json and handler artifacts). */
function checkTopology(top: unknown, format: unknown, file: string): void {
  if (format !== undefined && format !== null && format !== 'layers-model') {
    if (format === 'graph-model') {
      throw new TfjsUnsupportedError(file, "is a TF.js graph model (format 'graph-model', from a SavedModel or frozen graph); gaaf reads Layers models (format 'layers-model', from tf.LayersModel.save or the converter's keras output)");
    }
    throw new TfjsFormatError(file, `format is ${JSON.stringify(format)}, expected 'layers-model'`);
  }
  if (!isObj(top)) throw new TfjsFormatError(file, `modelTopology must be an object, got ${top === undefined ? 'none' : JSON.stringify(top)?.slice(0, 60)}`);
}

/** Checks the specs (names unique, shapes, dtypes); `at` names a spec in errors. */
export function checkSpecs(specs: unknown, file: string, at: (i: number) => string): TfjsWeightSpec[] {
  if (!Array.isArray(specs)) throw new TfjsFormatError(file, `${at(-1)} must be a list of weight specs`);
  const seen = new Set<string>();
  return specs.map((s, i) => {
    if (!isObj(s)) throw new TfjsFormatError(file, `${at(i)} must be an object {name, shape, dtype}`);
    const { name, shape, dtype } = s;
    if (typeof name !== 'string' || name === '') throw new TfjsFormatError(file, `${at(i)}: name must be a non-empty string`);
    if (seen.has(name)) throw new TfjsFormatError(file, `${at(i)}: a second weight named '${name}'`, { tensor: name });
    seen.add(name);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 31)) {
      throw new TfjsFormatError(file, `${at(i)}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)?.slice(0, 80)}`, { tensor: name });
    }
    if (s.quantization !== undefined && s.quantization !== null) {
      throw new TfjsUnsupportedError(file, `is quantized (${JSON.stringify(s.quantization).slice(0, 80)}); gaaf reads float32 weights: convert without --quantize`, { tensor: name });
    }
    if (dtype !== 'float32') throw new TfjsUnsupportedError(file, `dtype is ${JSON.stringify(dtype)}, gaaf reads float32 weights only`, { tensor: name });
    if (s.group !== undefined && s.group !== 'model' && s.group !== 'optimizer') {
      throw new TfjsFormatError(file, `${at(i)}: group must be 'model' or 'optimizer', got ${JSON.stringify(s.group)}`, { tensor: name });
    }
    return { name, shape: shape as number[], dtype, ...(s.group !== undefined ? { group: s.group as string } : {}) };
  });
}

/** model.json's bytes, checked: the topology, the manifest's groups, their paths and weight specs. */
export function parseModelJson(bytes: Uint8Array, file: string): TfjsModelJson {
  const j = parseJsonBytes(bytes, file);
  if (!isObj(j)) throw new TfjsFormatError(file, 'must hold a JSON object {modelTopology, weightsManifest, ...}');
  checkTopology(j.modelTopology, j.format, file);
  const man = j.weightsManifest ?? [];
  if (!Array.isArray(man)) throw new TfjsFormatError(file, 'weightsManifest must be a list of {paths, weights}');
  const specs: TfjsWeightSpec[] = [];
  const groups = man.map((g, gi) => {
    if (!isObj(g)) throw new TfjsFormatError(file, `weightsManifest[${gi}] must be an object {paths, weights}`);
    if (!Array.isArray(g.paths) || g.paths.length === 0 || !g.paths.every((p) => typeof p === 'string' && p !== '')) {
      throw new TfjsFormatError(file, `weightsManifest[${gi}].paths must be a non-empty list of file names`);
    }
    for (const p of g.paths as string[]) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(p) || p.startsWith('/') || p.startsWith('\\') || p.split(/[\\/]/).includes('..')) {
        throw new TfjsFormatError(file, `weightsManifest[${gi}].paths has '${p}': a shard must be a path relative to model.json, inside its folder`);
      }
    }
    const weights = checkSpecs(g.weights, file, (i) => (i < 0 ? `weightsManifest[${gi}].weights` : `weightsManifest[${gi}].weights[${i}]`));
    specs.push(...weights);
    return { paths: g.paths as string[], weights };
  });
  checkSpecs(specs, file, (i) => `weight ${i}`); // names unique across groups too
  for (const k of ['trainingConfig', 'userDefinedMetadata'] as const) {
    if (j[k] !== undefined && j[k] !== null && !isObj(j[k])) throw new TfjsFormatError(file, `${k} must be an object`);
  }
  return {
    modelTopology: j.modelTopology as Record<string, unknown>, weightsManifest: groups,
    ...(typeof j.format === 'string' ? { format: j.format } : {}),
    ...(isObj(j.trainingConfig) ? { trainingConfig: j.trainingConfig } : {}),
    ...(isObj(j.userDefinedMetadata) ? { userDefinedMetadata: j.userDefinedMetadata } : {}),
  };
}

/** Checks artifacts a handler gave (or a user passed): the same checks as for model.json. */
export function checkArtifacts(a: unknown, file: string): TfjsArtifacts {
  if (!isObj(a)) throw new TfjsFormatError(file, 'the handler must give model artifacts {modelTopology, weightSpecs, weightData}');
  checkTopology(a.modelTopology, a.format, file);
  const specs = a.weightSpecs === undefined || a.weightSpecs === null ? [] : checkSpecs(a.weightSpecs, file, (i) => (i < 0 ? 'weightSpecs' : `weightSpecs[${i}]`));
  const wd = a.weightData;
  const okBuf = (b: unknown): boolean => b instanceof ArrayBuffer || ArrayBuffer.isView(b);
  if (wd !== undefined && wd !== null && !(okBuf(wd) || (Array.isArray(wd) && wd.every(okBuf)))) {
    throw new TfjsFormatError(file, 'weightData must be an ArrayBuffer or a list of them');
  }
  return { ...(a as unknown as TfjsArtifacts), weightSpecs: specs };
}

/** The weight data of artifacts as shards (the handler's buffers, named `file`[i]). */
export function shardsOf(a: TfjsArtifacts, file: string): Shard[] {
  const wd = a.weightData;
  if (wd === undefined || wd === null) return [];
  const u8 = (b: ArrayBuffer | ArrayBufferView): Uint8Array => (b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  if (Array.isArray(wd)) return wd.map((b, i) => ({ name: wd.length === 1 ? `${file} weightData` : `${file} weightData[${i}]`, bytes: u8(b) }));
  return [{ name: `${file} weightData`, bytes: u8(wd as ArrayBuffer) }];
}

/** Where a global offset falls: the shard's name and the offset inside it. */
export function locate(shards: readonly Shard[], offset: number): { name: string; offset: number } {
  let at = 0;
  for (const s of shards) {
    if (offset < at + s.bytes.length) return { name: s.name, offset: offset - at };
    at += s.bytes.length;
  }
  const last = shards[shards.length - 1];
  return last ? { name: last.name, offset: offset - (at - last.bytes.length) } : { name: 'the weight data', offset };
}

/**
 * Lays the specs out over the shards (tensors back to back, as TF.js writes them) and checks
 * that the bytes are exactly enough: a tensor past the end is named with the byte where its data
 * would start and how many bytes it needs; bytes after the last tensor are an error too.
 */
export function placeWeights(specs: readonly TfjsWeightSpec[], shards: readonly Shard[], file: string): PlacedWeight[] {
  const total = shards.reduce((a, s) => a + s.bytes.length, 0);
  let off = 0;
  const out = specs.map((spec) => {
    const bytes = spec.shape.reduce((a, d) => a * d, 1) * 4;
    if (off + bytes > total) {
      const at = locate(shards, Math.min(off, Math.max(total - 1, 0)));
      throw new TfjsFormatError(shards.length ? at.name : file,
        `the weight data ends too soon: the tensor (float32 ${JSON.stringify(spec.shape)}, ${bytes} bytes) starts at byte ${off} of the weights, which hold ${total} bytes in all`,
        { tensor: spec.name, offset: off < total ? at.offset : total });
    }
    const p = { spec, offset: off, bytes };
    off += bytes;
    return p;
  });
  if (off < total) {
    const at = locate(shards, off);
    throw new TfjsFormatError(at.name, `${total - off} bytes after the last tensor: the manifest accounts for ${off} of the ${total} bytes`, { offset: at.offset });
  }
  return out;
}

/** A placed tensor's float32 values (copied), refusing a value that is not finite, naming the byte. */
export function readWeight(w: PlacedWeight, shards: readonly Shard[]): Float32Array {
  const out = new Uint8Array(w.bytes);
  let at = 0;
  let filled = 0;
  for (const s of shards) {
    const start = Math.max(w.offset - at, 0);
    const end = Math.min(w.offset + w.bytes - at, s.bytes.length);
    if (start < end) {
      out.set(s.bytes.subarray(start, end), filled);
      filled += end - start;
    }
    at += s.bytes.length;
  }
  const f = new Float32Array(out.buffer);
  for (let i = 0; i < f.length; i++) {
    if (!Number.isFinite(f[i])) {
      const loc = locate(shards, w.offset + 4 * i);
      throw new TfjsFormatError(loc.name, `value ${i} is ${f[i]}: weights must be finite`, { tensor: w.spec.name, offset: loc.offset });
    }
  }
  return f;
}
