// safetensors (https://github.com/huggingface/safetensors#format), F32 only: the weights
// file of a checkpoint, readable by any safetensors tool. Pure: no Node or browser APIs.
//   8 bytes  N, unsigned little-endian 64-bit: the header length
//   N bytes  JSON header (UTF-8, starts with '{', may be padded with spaces):
//            { "<tensor>": { "dtype": "F32", "shape": [...], "data_offsets": [begin, end] }, ...,
//              "__metadata__": { "<string>": "<string>" } }
//   rest     the byte buffer; offsets are relative to its start, every byte belongs to
//            exactly one tensor (no holes, no overlaps), values are little-endian.
import { CheckpointError } from './errors.js';
import { decodeUtf8, isCount, isObject, parseJson, preview, quoted } from './json.js';

export interface Tensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
  /** Where its data begins in the file it was read from (parseSafetensors sets it), for messages. */
  readonly offset?: number;
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

/** One tensor's entry of a validated header: dtype, shape and data offsets (relative to the data). */
export interface HeaderEntry { name: string; dtype: string; shape: number[]; begin: number; end: number }

export interface SafetensorsHeader {
  /** Where the data begins in the file (8 + the header length). */
  dataStart: number;
  metadata: Record<string, string>;
  /** Sorted by their data offsets, which tile the data exactly. */
  entries: HeaderEntry[];
}

/**
 * Reads and validates the header of a safetensors file, before any tensor is read: the header
 * length against the file size and the cap; that the header is UTF-8 JSON; every entry's dtype
 * (one of `dtypes`, with its size in bytes; `supported` says which, in the error), shape and
 * offsets; that the offsets lie inside the data and match the shape; that no two tensors
 * overlap and no byte is left over. `fail` throws the reader's error, naming the file, the
 * byte offset and the tensor. Shared by the checkpoint reader (F32) and the PyTorch one.
 */
export function readSafetensorsHeader(bytes: Uint8Array, fail: (detail: string, offset?: number, tensor?: string) => never,
  o: { dtypes: Readonly<Record<string, number>>; supported: string; maxHeaderBytes?: number }): SafetensorsHeader {
  const len = bytes.length;
  if (len === 0) fail('empty file, expected a safetensors file (8-byte header length, JSON header, data)', 0);
  if (len < 8) fail(`truncated: file has ${len} bytes, a safetensors file starts with an 8-byte header length`, len);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, len);
  const n = dv.getUint32(4, true) * 2 ** 32 + dv.getUint32(0, true);
  const maxHeader = o.maxHeaderBytes ?? MAX_HEADER_BYTES;
  if (n > len - 8) fail(`header length ${n} exceeds the file: ${len} bytes leave room for at most ${len - 8} (truncated, or not a safetensors file)`, 0);
  if (n > maxHeader) fail(`header length ${n} is over the cap of ${maxHeader} bytes`, 0);
  if (n < 2) fail(`header length ${n} is too small for a JSON object`, 0);
  if (bytes[8] !== 0x7b) fail(`header must begin with '{' (0x7B), found 0x${bytes[8].toString(16).padStart(2, '0')}`, 8);
  let header: unknown;
  try {
    header = parseJson(decodeUtf8(bytes.subarray(8, 8 + n), '', 8, 'header'), '', 8, 'header');
  } catch (e) {
    if (e instanceof CheckpointError) fail(e.detail, e.offset); // in the reader's own error class
    throw e;
  }
  if (!isObject(header)) return fail('header must be a JSON object', 8);
  const dataStart = 8 + n;
  const dataLen = len - dataStart;
  let metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === METADATA) {
      if (!isObject(v) || !Object.values(v).every((x) => typeof x === 'string')) fail(`${METADATA} must map strings to strings`, 8);
      metadata = v as Record<string, string>;
      continue;
    }
    const where = `tensor ${quoted(name)}`;
    if (!isObject(v)) return fail(`${where}: header entry must be an object with dtype, shape and data_offsets`, 8, name);
    const extra = Object.keys(v).filter((k) => k !== 'dtype' && k !== 'shape' && k !== 'data_offsets');
    if (extra.length) fail(`${where}: unexpected header field(s) ${preview(extra.join(', '))}`, 8, name);
    const dtype = v.dtype;
    if (typeof dtype !== 'string' || !Object.hasOwn(o.dtypes, dtype)) fail(`${where}: dtype ${preview(dtype)} is not supported, ${o.supported}`, 8, name);
    const shape = v.shape;
    if (!Array.isArray(shape) || !shape.every(isCount)) return fail(`${where}: shape must be a list of non-negative integers, got ${preview(shape)}`, 8, name);
    const offs = v.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isCount)) {
      return fail(`${where}: data_offsets must be [begin, end] with non-negative integers, got ${preview(offs)}`, 8, name);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`, 8, name);
    if (end > dataLen) fail(`${where}: truncated: data_offsets [${begin}, ${end}] run past the end of the data (${dataLen} bytes after the header)`, dataStart + Math.min(begin, dataLen), name);
    const bytesNeeded = numel(shape as number[]) * o.dtypes[dtype as string];
    if (!Number.isSafeInteger(bytesNeeded) || bytesNeeded !== end - begin) {
      fail(`${where}: shape ${shapeStr(shape as number[])} of ${dtype as string} needs ${bytesNeeded} bytes, data_offsets [${begin}, ${end}] give ${end - begin}`, dataStart + begin, name);
    }
    entries.push({ name, dtype: dtype as string, shape: shape as number[], begin, end });
  }
  checkTiling(entries, dataLen, dataStart, fail);
  return { dataStart, metadata, entries };
}

/**
 * Parses and validates a safetensors file of F32 tensors (readSafetensorsHeader's checks, then
 * the values). Errors are CheckpointErrors naming `file`, the byte offset and the tensor.
 */
export function parseSafetensors(bytes: Uint8Array, file: string, opts: { maxHeaderBytes?: number } = {}): SafetensorsFile {
  const fail = (detail: string, offset?: number, tensor?: string): never => {
    throw new CheckpointError(file, detail, offset, tensor);
  };
  const { dataStart, metadata, entries } = readSafetensorsHeader(bytes, fail, { dtypes: { F32: 4 }, supported: 'expected "F32"', maxHeaderBytes: opts.maxHeaderBytes });
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
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
    tensors.set(e.name, { name: e.name, shape: e.shape, data, offset: dataStart + e.begin });
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
    if (!names.has(name)) throw new CheckpointError(file, `unexpected tensor ${quoted(name)}: the architecture has no such parameter, state or optimizer slot`, undefined, name);
  }
}

/** Refuses tensors holding NaN or ±Inf (gaaf never saves such weights), naming the tensor, the element and its byte. */
export function checkFinite(st: SafetensorsFile, file: string): void {
  for (const t of st.tensors.values()) {
    const i = t.data.findIndex((v) => !Number.isFinite(v));
    if (i >= 0) {
      throw new CheckpointError(file, `tensor ${quoted(t.name)} holds ${t.data[i]} at element ${i}: gaaf never saves weights holding NaN or Inf, so the file is damaged or not gaaf's`,
        t.offset !== undefined ? t.offset + 4 * i : undefined, t.name);
    }
  }
}

/**
 * Sorts the tensors by their data_offsets and checks that they tile the data exactly: no
 * overlap, no gap, no trailing bytes; `fail` (the reader's, with its error class) names the
 * tensor and the byte offset in the file (dataStart: where the data begins).
 */
export function checkTiling(entries: Array<{ name: string; begin: number; end: number }>, dataLen: number, dataStart: number,
  fail: (detail: string, offset?: number, tensor?: string) => never): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expect = 0;
  let prev = '';
  for (const e of entries) {
    if (e.begin < expect) fail(`tensor ${quoted(e.name)}: data_offsets [${e.begin}, ${e.end}] overlap tensor ${quoted(prev)} (which ends at ${expect})`, dataStart + e.begin, e.name);
    if (e.begin > expect) fail(`tensor ${quoted(e.name)}: data_offsets begin at ${e.begin}, leaving bytes [${expect}, ${e.begin}) that belong to no tensor`, dataStart + expect, e.name);
    expect = e.end;
    prev = e.name;
  }
  if (expect !== dataLen) fail(`${dataLen - expect} trailing bytes after the last tensor's data (the data is ${dataLen} bytes, the tensors cover ${expect})`, dataStart + expect);
}
