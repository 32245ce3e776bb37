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
import { quoted } from '../../checkpoint/json.js';
import { type HeaderEntry, readSafetensorsHeader } from '../../checkpoint/safetensors.js';
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

/**
 * Parses and validates a safetensors file of any dtype above. `maxHeaderBytes` caps the
 * header (default 100 MiB, the reference implementation's cap). With `lazy`, a tensor's values
 * are converted (allocated, and checked finite) when its `data` is first read, so a caller can
 * check names and shapes against what it expects before anything is allocated.
 */
export function readForeignSafetensors(bytes: Uint8Array, file: string, opts: { maxHeaderBytes?: number; lazy?: boolean } = {}): ForeignSafetensors {
  const fail = (detail: string, offset?: number, tensor?: string): never => {
    throw new WeightsFileError(file, detail, offset, tensor);
  };
  const supported = `gaaf reads ${Object.keys(DTYPE_BYTES).join(', ')} (floats become float32)`;
  const { dataStart, metadata, entries } = readSafetensorsHeader(bytes, fail, { dtypes: DTYPE_BYTES, supported, maxHeaderBytes: opts.maxHeaderBytes });
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
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
function convert(dv: DataView, at: number, e: HeaderEntry, file: string): Float32Array {
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
