// safetensors as PyTorch and Hugging Face write it: every float dtype gaaf can take (F32, and
// F16, BF16, F64 converted to float32), and the integer dtypes of a state dict's counters
// (BatchNorm's num_batches_tracked is an I64 scalar), read as numbers. The format
// (https://github.com/huggingface/safetensors#format):
//   8 bytes  N, unsigned little-endian 64-bit: the header length
//   N bytes  JSON header { "<tensor>": { "dtype", "shape", "data_offsets": [begin, end] }, "__metadata__": {...} }
//   rest     the data; offsets are relative to its start, every byte belongs to one tensor.
// The whole header is checked (dtypes, shapes, offsets against the file, no holes, no overlap)
// before any tensor is converted, so a malformed file allocates nothing; errors name the file,
// the byte offset and the tensor. Conversions: F16 and BF16 are exact in float32; F64 rounds
// to the nearest float32, and a value outside float32's range (or NaN/Inf in any float dtype)
// is an error naming the tensor, the element and its byte. Pure: no Node or browser APIs.
import { CheckpointError } from '../../checkpoint/errors.js';
import { decodeUtf8, isCount, isObject, parseJson, preview, quoted } from '../../checkpoint/json.js';
import { checkTiling } from '../../checkpoint/safetensors.js';
import { WeightsFileError } from '../errors.js';

/** The dtypes read, with their sizes in bytes; floats become Float32Array, integers plain numbers. */
export const DTYPE_BYTES: Readonly<Record<string, number>> = Object.freeze({
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
});
const FLOAT_DTYPES = ['F64', 'F32', 'F16', 'BF16'];

export interface ForeignTensor {
  readonly name: string;
  /** The dtype in the file; `data` is float32 whatever it was (integers: their values). */
  readonly dtype: string;
  readonly shape: readonly number[];
  /** The values as float32 (converted when first read if the file was read lazily; may then throw WeightsFileError). */
  readonly data: Float32Array;
  /** Where its data begins in the file, for messages. */
  readonly offset: number;
}

export interface ForeignSafetensors {
  /** In the order of their data in the file. */
  readonly tensors: ReadonlyMap<string, ForeignTensor>;
  readonly metadata: Readonly<Record<string, string>>;
  /** How many tensors of each non-F32 float dtype were converted to float32, e.g. { F16: 2 }. */
  readonly converted: Readonly<Record<string, number>>;
}

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const shapeStr = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** float16 bits → the number (exact in float32). */
export function f16ToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const BITS = new Uint32Array(1);
const AS_F32 = new Float32Array(BITS.buffer); // bfloat16 is float32's top half

interface Entry { name: string; dtype: string; shape: number[]; begin: number; end: number }

/**
 * Parses and validates a safetensors file of any dtype above. `maxHeaderBytes` caps the
 * header (default 100 MiB, the reference implementation's cap). With `lazy`, a tensor's values
 * are converted (allocated, and checked finite) when its `data` is first read, so a caller can
 * check names and shapes against what it expects before anything is allocated.
 */
export function readForeignSafetensors(bytes: Uint8Array, file: string, opts: { maxHeaderBytes?: number; lazy?: boolean } = {}): ForeignSafetensors {
  const len = bytes.length;
  const fail = (detail: string, offset?: number, tensor?: string): never => {
    throw new WeightsFileError(file, detail, offset, tensor);
  };
  if (len < 8) fail(len === 0 ? 'empty file, expected a safetensors file (8-byte header length, JSON header, data)' : `truncated: file has ${len} bytes, a safetensors file starts with an 8-byte header length`, len);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, len);
  const n = dv.getUint32(4, true) * 2 ** 32 + dv.getUint32(0, true);
  const maxHeader = opts.maxHeaderBytes ?? 100 * 1024 * 1024;
  if (n > len - 8) fail(`truncated or not safetensors: header length ${n} exceeds the file (${len} bytes leave room for at most ${len - 8})`, 0);
  if (n > maxHeader) fail(`header length ${n} is over the cap of ${maxHeader} bytes`, 0);
  if (n < 2 || bytes[8] !== 0x7b) fail(`the header must be a JSON object beginning with '{', found ${n < 1 ? 'nothing' : `0x${bytes[8].toString(16).padStart(2, '0')}`}`, 8);
  let header: unknown;
  try {
    header = parseJson(decodeUtf8(bytes.subarray(8, 8 + n), file, 8, 'header'), file, 8, 'header');
  } catch (e) {
    if (e instanceof CheckpointError) fail(e.detail, e.offset);
    throw e;
  }
  if (!isObject(header)) return fail('header must be a JSON object', 8);
  const dataStart = 8 + n;
  const dataLen = len - dataStart;
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isObject(v) || !Object.values(v).every((x) => typeof x === 'string')) fail('__metadata__ must map strings to strings', 8);
      metadata = v as Record<string, string>;
      continue;
    }
    const where = `tensor ${quoted(name)}`;
    if (!isObject(v)) return fail(`${where}: header entry must be an object with dtype, shape and data_offsets`, 8, name);
    const dtype = v.dtype;
    if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) {
      fail(`${where}: dtype ${preview(dtype)} is not supported (gaaf reads ${Object.keys(DTYPE_BYTES).join(', ')}; floats become float32)`, 8, name);
    }
    const shape = v.shape;
    if (!Array.isArray(shape) || !shape.every(isCount)) return fail(`${where}: shape must be a list of non-negative integers, got ${preview(shape)}`, 8, name);
    const offs = v.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isCount)) {
      return fail(`${where}: data_offsets must be [begin, end] with non-negative integers, got ${preview(offs)}`, 8, name);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`, 8, name);
    if (end > dataLen) fail(`${where}: truncated: data_offsets [${begin}, ${end}] run past the end of the data (${dataLen} bytes after the header)`, dataStart + Math.min(begin, dataLen), name);
    const count = numel(shape as number[]);
    const per = DTYPE_BYTES[dtype as string];
    if (!Number.isSafeInteger(count * per) || count * per !== end - begin) {
      fail(`${where}: shape ${shapeStr(shape as number[])} of ${dtype as string} needs ${count * per} bytes, data_offsets [${begin}, ${end}] give ${end - begin}`, dataStart + begin, name);
    }
    entries.push({ name, dtype: dtype as string, shape: shape as number[], begin, end });
  }
  checkTiling(entries, dataLen, dataStart, fail);
  const tensors = new Map<string, ForeignTensor>();
  const converted: Record<string, number> = {};
  for (const e of entries) {
    if (FLOAT_DTYPES.includes(e.dtype) && e.dtype !== 'F32') converted[e.dtype] = (converted[e.dtype] ?? 0) + 1;
    let data: Float32Array | null = null;
    const t: ForeignTensor = {
      name: e.name, dtype: e.dtype, shape: e.shape, offset: dataStart + e.begin,
      get data(): Float32Array {
        return (data ??= convert(dv, dataStart + e.begin, e, file));
      },
    };
    if (!opts.lazy) void t.data;
    tensors.set(e.name, t);
  }
  return { tensors, metadata, converted };
}

/** The values of one validated entry as float32; a non-finite float, or an F64 outside float32's range, is an error. */
function convert(dv: DataView, at: number, e: Entry, file: string): Float32Array {
  const count = numel(e.shape);
  const out = new Float32Array(count);
  const per = DTYPE_BYTES[e.dtype];
  const get: (o: number) => number = {
    F64: (o: number) => dv.getFloat64(o, true),
    F32: (o: number) => dv.getFloat32(o, true),
    F16: (o: number) => f16ToNumber(dv.getUint16(o, true)),
    BF16: (o: number) => ((BITS[0] = dv.getUint16(o, true) << 16), AS_F32[0]),
    I64: (o: number) => Number(dv.getBigInt64(o, true)),
    I32: (o: number) => dv.getInt32(o, true),
    I16: (o: number) => dv.getInt16(o, true),
    I8: (o: number) => dv.getInt8(o),
    U8: (o: number) => dv.getUint8(o),
    BOOL: (o: number) => dv.getUint8(o),
  }[e.dtype]!;
  for (let i = 0; i < count; i++) {
    const v = get(at + i * per);
    const f = Math.fround(v);
    if (!Number.isFinite(f) || (FLOAT_DTYPES.includes(e.dtype) ? false : !Number.isSafeInteger(v))) {
      const why = Number.isFinite(v) ? (FLOAT_DTYPES.includes(e.dtype) ? `${v}, outside float32's range` : `${v}, too large to use`) : String(v);
      throw new WeightsFileError(file, `tensor ${quoted(e.name)} (${e.dtype}) holds ${why} at element ${i}`, at + i * per, e.name);
    }
    out[i] = f;
  }
  return out;
}
