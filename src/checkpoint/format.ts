// Checkpoint byte formats and their validation. Pure: no Node or browser APIs, so the same
// code checks files in Node, in a browser, and in the fuzz tests.
//
// A checkpoint is two byte strings:
//  - weights: a safetensors file (https://github.com/huggingface/safetensors#format):
//      8 bytes  N, unsigned little-endian 64-bit: the header length
//      N bytes  JSON header (UTF-8, starts with '{', may be padded with spaces):
//               { "<tensor>": { "dtype": "F32", "shape": [...], "data_offsets": [begin, end] }, ...,
//                 "__metadata__": { "<string>": "<string>" } }
//      rest     the byte buffer; offsets are relative to its start, every byte belongs to
//               exactly one tensor (no holes, no overlaps), values are little-endian.
//    It holds the model's parameters under their names ("dense_1/kernel"), non-trainable
//    layer state ("batchnorm_1/moving_mean") and the optimizer's slots under
//    "optimizer/<parameter>/<slot>" (e.g. "optimizer/dense_1/kernel/m"), so other tools can
//    read the weights.
//  - config: checkpoint.json (CheckpointConfig below): the architecture (and the builder that
//    made it, if one did), the optimizer's configuration and scalar state, the training
//    position, the history so far and the training callbacks' states, and the SHA-256 of the
//    weights file, which ties the two together.
import type { TrainingState } from '../callbacks.js';
import type { GradientInfoState } from '../gradient-info.js';
import type { BuilderRecord } from '../model.js';

export type { TrainingState } from '../callbacks.js';

/** A checkpoint file is malformed or does not match the model. Names the file and, where it applies, the byte offset and tensor. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  constructor(
    readonly file: string,
    /** What is wrong, without the file/offset prefix. */
    readonly detail: string,
    readonly offset?: number,
    readonly tensor?: string,
  ) {
    super(`${file}: ${offset !== undefined ? `byte ${offset}: ` : ''}${detail}`);
  }
}

export interface Tensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface SafetensorsFile {
  /** In the order of their data in the file. */
  readonly tensors: ReadonlyMap<string, Tensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** The reference implementation's cap on the header (a defence against huge allocations). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const METADATA = '__metadata__';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const shapeStr = (s: readonly number[]): string => `[${s.join(', ')}]`;
const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Encodes F32 tensors, in the given order, as a safetensors file. The header is padded with spaces to a multiple of 8 bytes. */
export function encodeSafetensors(tensors: readonly Tensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header[METADATA] = metadata;
  let off = 0;
  const seen = new Set<string>();
  for (const t of tensors) {
    if (t.name === METADATA || seen.has(t.name)) throw new RangeError(`gaaf: safetensors: duplicate or reserved tensor name '${t.name}'`);
    seen.add(t.name);
    if (t.data.length !== numel(t.shape)) throw new RangeError(`gaaf: safetensors: tensor '${t.name}' has ${t.data.length} values, shape ${shapeStr(t.shape)} needs ${numel(t.shape)}`);
    header[t.name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [off, off + 4 * t.data.length] };
    off += 4 * t.data.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + off);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, json.length, true);
  dv.setUint32(4, 0, true);
  out.set(json, 8);
  let o = 8 + json.length;
  for (const t of tensors) {
    if (LITTLE_ENDIAN) out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), o);
    else for (let i = 0; i < t.data.length; i++) dv.setFloat32(o + 4 * i, t.data[i], true);
    o += 4 * t.data.length;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Parses JSON text; a syntax error becomes a CheckpointError at the byte (approximately: the character) where JSON.parse stopped. */
function parseJson(text: string, file: string, base: number, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    throw new CheckpointError(file, `${what} is not well-formed JSON (${(e as Error).message})`, base + (m ? Number(m[1]) : 0));
  }
}

function decodeUtf8(bytes: Uint8Array, file: string, base: number, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CheckpointError(file, `${what} is not valid UTF-8`, base);
  }
}

/**
 * Parses and validates a safetensors file, checking, before any tensor is read: the header
 * length against the file size; that the header is UTF-8 JSON; every entry's dtype (F32),
 * shape and offsets; that the offsets lie inside the data and match the shape; that no two
 * tensors overlap and no byte is left over. Errors name `file`, the byte offset and the tensor.
 */
export function parseSafetensors(bytes: Uint8Array, file: string, opts: { maxHeaderBytes?: number } = {}): SafetensorsFile {
  const len = bytes.length;
  const fail = (detail: string, offset?: number, tensor?: string): never => {
    throw new CheckpointError(file, detail, offset, tensor);
  };
  if (len === 0) fail('empty file, expected a safetensors file (8-byte header length, JSON header, data)', 0);
  if (len < 8) fail(`truncated: file has ${len} bytes, a safetensors file starts with an 8-byte header length`, len);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, len);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  const n = hi * 2 ** 32 + lo;
  const maxHeader = opts.maxHeaderBytes ?? MAX_HEADER_BYTES;
  if (n > len - 8) fail(`header length ${n} exceeds the file: ${len} bytes leave room for at most ${len - 8}`, 0);
  if (n > maxHeader) fail(`header length ${n} is over the cap of ${maxHeader} bytes`, 0);
  if (n < 2) fail(`header length ${n} is too small for a JSON object`, 0);
  if (bytes[8] !== 0x7b) fail(`header must begin with '{' (0x7B), found 0x${bytes[8].toString(16).padStart(2, '0')}`, 8);
  const text = decodeUtf8(bytes.subarray(8, 8 + n), file, 8, 'header');
  const header = parseJson(text, file, 8, 'header');
  if (!isObject(header)) return fail('header must be a JSON object', 8);
  const dataStart = 8 + n;
  const dataLen = len - dataStart;
  let metadata: Record<string, string> = {};
  const entries: Array<{ name: string; shape: number[]; begin: number; end: number }> = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === METADATA) {
      if (!isObject(v) || !Object.values(v).every((x) => typeof x === 'string')) fail(`${METADATA} must map strings to strings`, 8);
      metadata = v as Record<string, string>;
      continue;
    }
    const where = `tensor '${name}'`;
    if (!isObject(v)) return fail(`${where}: header entry must be an object with dtype, shape and data_offsets`, 8, name);
    const extra = Object.keys(v).filter((k) => k !== 'dtype' && k !== 'shape' && k !== 'data_offsets');
    if (extra.length) fail(`${where}: unexpected header field(s) ${extra.join(', ')}`, 8, name);
    if (v.dtype !== 'F32') fail(`${where}: dtype ${JSON.stringify(v.dtype)} is not supported, expected "F32"`, 8, name);
    const shape = v.shape;
    if (!Array.isArray(shape) || !shape.every(isCount)) return fail(`${where}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`, 8, name);
    const offs = v.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isCount)) {
      return fail(`${where}: data_offsets must be [begin, end] with non-negative integers, got ${JSON.stringify(offs)}`, 8, name);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`, 8, name);
    if (end > dataLen) fail(`${where}: data_offsets [${begin}, ${end}] run past the end of the data (${dataLen} bytes after the header)`, dataStart + Math.min(begin, dataLen), name);
    const count = numel(shape as number[]);
    if (!Number.isSafeInteger(count) || count * 4 !== end - begin) {
      fail(`${where}: shape ${shapeStr(shape as number[])} needs ${count * 4} bytes of F32, data_offsets [${begin}, ${end}] give ${end - begin}`, dataStart + begin, name);
    }
    entries.push({ name, shape: shape as number[], begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expect = 0;
  let prev = '';
  for (const e of entries) {
    if (e.begin < expect) fail(`tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] overlap tensor '${prev}' (which ends at ${expect})`, dataStart + e.begin, e.name);
    if (e.begin > expect) fail(`tensor '${e.name}': data_offsets begin at ${e.begin}, leaving bytes [${expect}, ${e.begin}) that belong to no tensor`, dataStart + expect, e.name);
    expect = e.end;
    prev = e.name;
  }
  if (expect !== dataLen) fail(`${dataLen - expect} trailing bytes after the last tensor's data (the data is ${dataLen} bytes, the tensors cover ${expect})`, dataStart + expect);
  const tensors = new Map<string, Tensor>();
  for (const e of entries) {
    const count = (e.end - e.begin) / 4;
    let data: Float32Array;
    if (LITTLE_ENDIAN) {
      data = new Float32Array(count);
      new Uint8Array(data.buffer).set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    } else {
      data = Float32Array.from({ length: count }, (_, i) => dv.getFloat32(dataStart + e.begin + 4 * i, true));
    }
    tensors.set(e.name, { name: e.name, shape: e.shape, data });
  }
  return { tensors, metadata };
}

/**
 * Checks that `file` holds exactly the tensors `expected` (names and shapes), naming the first
 * one that is missing, unexpected or of the wrong shape, with the expected and actual values.
 */
export function checkTensors(st: SafetensorsFile, expected: ReadonlyArray<{ name: string; shape: readonly number[] }>, file: string): void {
  for (const e of expected) {
    const t = st.tensors.get(e.name);
    if (!t) throw new CheckpointError(file, `tensor '${e.name}' is missing; the architecture expects shape ${shapeStr(e.shape)}`, undefined, e.name);
    if (shapeStr(t.shape) !== shapeStr(e.shape)) {
      throw new CheckpointError(file, `tensor '${e.name}': expected shape ${shapeStr(e.shape)} from the architecture, the file has ${shapeStr(t.shape)}`, undefined, e.name);
    }
  }
  const names = new Set(expected.map((e) => e.name));
  for (const name of st.tensors.keys()) {
    if (!names.has(name)) throw new CheckpointError(file, `unexpected tensor '${name}': the architecture has no such parameter, state or optimizer slot`, undefined, name);
  }
}

// ---------------------------------------------------------------------------------------
// checkpoint.json

export const CHECKPOINT_FORMAT = 'gaaf-checkpoint';
export const WEIGHTS_FILE = 'model.safetensors';
export const CONFIG_FILE = 'checkpoint.json';
/**
 * Version 2 records the builder (model.builder) and keeps the training callbacks' states under
 * training.callbacks. Version 1 (no builder; the gradient information's sums as
 * training.epochGradSum and gradTotal, which fit() then computed itself) is still read:
 * parseCheckpointConfig turns it into version 2 with no builder and those sums as the
 * GradientInfo callback's state.
 */
export const CHECKPOINT_VERSION = 2;
const READABLE_VERSIONS: readonly number[] = [1, 2];

export interface LayerSpec {
  className: string;
  config: Record<string, unknown>;
}

export interface CheckpointConfig {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  /** The weights file and its SHA-256 (hex), written first; a mismatch means the two files do not belong together. */
  weights: { file: string; bytes: number; sha256: string };
  /** builder: what made the layers (paperMlp, svhnCnn, ...) with its options; null for plain layers. */
  model: { inputShape: number[]; layers: LayerSpec[]; builder: BuilderRecord | null };
  optimizer: { config: Record<string, number | string>; state: Record<string, number>; slots: string[] } | null;
  /**
   * Random state. Training draws no sequential random numbers: initial weights, the shuffle
   * of epoch e and the dropout masks of step t are functions of (seed, e) and (seed, layer, t)
   * (src/rng.ts deriveSeed), so the seed and the position fix every later draw.
   */
  rng: { seed: number; scheme: string } | null;
  training: TrainingState | null;
  savedAt: string;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNumArray = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNum);

/** Parses and validates checkpoint.json, naming the first field that is missing or of the wrong type. */
export function parseCheckpointConfig(bytes: Uint8Array, file: string): CheckpointConfig {
  if (bytes.length === 0) throw new CheckpointError(file, 'empty file, expected a gaaf checkpoint.json', 0);
  const c = parseJson(decodeUtf8(bytes, file, 0, 'config'), file, 0, 'config');
  const bad = (field: string, expected: string, got: unknown): never => {
    const g = JSON.stringify(got);
    throw new CheckpointError(file, `field '${field}' must be ${expected}, got ${g === undefined ? 'nothing' : g.length > 80 ? g.slice(0, 77) + '...' : g}`);
  };
  if (!isObject(c)) return bad('(top level)', 'an object', c);
  if (c.format !== CHECKPOINT_FORMAT) bad('format', `"${CHECKPOINT_FORMAT}"`, c.format);
  if (!READABLE_VERSIONS.includes(c.version as number)) bad('version', `${READABLE_VERSIONS.join(' or ')} (this gaaf reads versions ${READABLE_VERSIONS.join(' and ')})`, c.version);
  const v1 = c.version === 1;
  const w = c.weights;
  if (!isObject(w)) return bad('weights', 'an object', w);
  if (typeof w.file !== 'string') bad('weights.file', 'a string', w.file);
  if (!isCount(w.bytes)) bad('weights.bytes', 'a byte count', w.bytes);
  if (typeof w.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(w.sha256)) bad('weights.sha256', 'a hex SHA-256', w.sha256);
  const m = c.model;
  if (!isObject(m)) return bad('model', 'an object', m);
  if (!Array.isArray(m.inputShape) || m.inputShape.length === 0 || !m.inputShape.every((d) => isCount(d) && d > 0)) {
    bad('model.inputShape', 'a list of positive integers', m.inputShape);
  }
  if (!Array.isArray(m.layers) || m.layers.length === 0) return bad('model.layers', 'a non-empty list', m.layers);
  m.layers.forEach((l, i) => {
    if (!isObject(l) || typeof l.className !== 'string' || !isObject(l.config)) bad(`model.layers[${i}]`, 'an object {className, config}', l);
  });
  if (v1) m.builder = null;
  else if (m.builder !== null && (!isObject(m.builder) || typeof m.builder.name !== 'string' || !isObject(m.builder.options))) {
    bad('model.builder', 'null or an object {name, options}', m.builder);
  }
  const o = c.optimizer;
  if (o !== null) {
    if (!isObject(o)) return bad('optimizer', 'an object or null', o);
    if (!isObject(o.config) || typeof o.config.name !== 'string') bad('optimizer.config', 'an object with a name', o.config);
    if (!isObject(o.state) || !Object.values(o.state).every(isNum)) bad('optimizer.state', 'an object of numbers', o.state);
    if (!Array.isArray(o.slots) || !o.slots.every((s) => typeof s === 'string')) bad('optimizer.slots', 'a list of slot names', o.slots);
  }
  const r = c.rng;
  if (r !== null && (!isObject(r) || !isCount(r.seed) || typeof r.scheme !== 'string')) bad('rng', 'null or {seed, scheme}', r);
  const t = c.training;
  if (t !== null) {
    if (!isObject(t)) return bad('training', 'an object or null', t);
    for (const k of ['seed', 'step', 'batch', 'dataCount', 'historySteps', 'epochCorrect'] as const) if (!isCount(t[k])) bad(`training.${k}`, 'an integer ≥ 0', t[k]);
    for (const k of ['epoch', 'epochs', 'batchSize'] as const) if (!isCount(t[k]) || t[k] < 1) bad(`training.${k}`, 'an integer ≥ 1', t[k]);
    for (const k of ['epochLossSum', 'epochSeconds', 'historySeconds'] as const) if (!isNum(t[k])) bad(`training.${k}`, 'a finite number', t[k]);
    if (v1) {
      for (const k of ['epochGradSum', 'gradTotal'] as const) if (!isNumArray(t[k])) bad(`training.${k}`, 'a list of finite numbers', t[k]);
      const gradInfo: GradientInfoState = { epochSum: t.epochGradSum as number[], total: t.gradTotal as number[] };
      t.callbacks = { gradInfo };
      delete t.epochGradSum;
      delete t.gradTotal;
    } else if (!isObject(t.callbacks)) {
      bad('training.callbacks', "an object of the training callbacks' states", t.callbacks);
    }
    if (typeof t.shuffle !== 'boolean') bad('training.shuffle', 'true or false', t.shuffle);
    if (typeof t.dataSha256 !== 'string') bad('training.dataSha256', 'a string', t.dataSha256);
    if (!Array.isArray(t.history) || !t.history.every(isObject)) bad('training.history', 'a list of epoch logs', t.history);
  }
  if (typeof c.savedAt !== 'string') bad('savedAt', 'a string', c.savedAt);
  c.version = CHECKPOINT_VERSION; // what it now holds
  return c as unknown as CheckpointConfig;
}

// ---------------------------------------------------------------------------------------
// Where checkpoints go: a handler stores and returns the two byte strings. Node's atomic
// directory handler is in ./node.ts, the browser's IndexedDB and download/upload handlers
// in ./browser.ts; memoryHandler serves tests and in-process snapshots.

export interface CheckpointBytes {
  weights: Uint8Array;
  config: Uint8Array;
}

export interface LoadedBytes extends CheckpointBytes {
  /** Names for error messages, e.g. the full paths of the two files. */
  weightsName: string;
  configName: string;
}

export interface CheckpointHandler {
  /** Where the checkpoints go, for messages. */
  readonly description: string;
  /** Stores a checkpoint; when it resolves, it is complete and durable (as far as the medium allows). */
  save(c: CheckpointBytes): Promise<void>;
  /** The latest complete checkpoint. */
  load(): Promise<LoadedBytes>;
}

/** Keeps checkpoints in memory (the last `keep`); load() returns the newest. */
export function memoryHandler(name = 'memory'): CheckpointHandler & { readonly saved: CheckpointBytes[] } {
  const saved: CheckpointBytes[] = [];
  return {
    description: name,
    saved,
    async save(c) {
      saved.push({ weights: c.weights.slice(), config: c.config.slice() });
    },
    async load() {
      const c = saved[saved.length - 1];
      if (!c) throw new CheckpointError(name, 'no checkpoint has been saved');
      return { weights: c.weights, config: c.config, weightsName: `${name}/${WEIGHTS_FILE}`, configName: `${name}/${CONFIG_FILE}` };
    },
  };
}

export { sha256Hex } from '../sha256.js';
