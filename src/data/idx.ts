// IDX file reader (format: http://yann.lecun.com/exdb/mnist/).
// Magic = 0x00 0x00 <type> <ndim>, then ndim big-endian u32 dims, then the data (big-endian).
// parseIdx is pure (no Node APIs); readIdxFile/loadIdxPair read files (./read.ts) and gunzip (./gzip.ts).
import { DataFormatError, type OffsetSpace } from './errors.js';
import { makeDataset, type Dataset } from './dataset.js';
import { gunzipCapped } from './gzip.js';
import { DEFAULT_MAX_BYTES, readDataFile } from './read.js';

export { DEFAULT_MAX_BYTES } from './read.js';
export { gunzipCapped } from './gzip.js';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

interface IdxTypeInfo {
  readonly name: string;
  readonly bytes: number;
  readonly make: (n: number) => IdxData;
  readonly get: (v: DataView, off: number) => number;
}

export const IDX_TYPES: Readonly<Record<number, IdxTypeInfo>> = {
  0x08: { name: 'unsigned byte', bytes: 1, make: (n) => new Uint8Array(n), get: (v, o) => v.getUint8(o) },
  0x09: { name: 'signed byte', bytes: 1, make: (n) => new Int8Array(n), get: (v, o) => v.getInt8(o) },
  0x0b: { name: 'short (16-bit)', bytes: 2, make: (n) => new Int16Array(n), get: (v, o) => v.getInt16(o) },
  0x0c: { name: 'int (32-bit)', bytes: 4, make: (n) => new Int32Array(n), get: (v, o) => v.getInt32(o) },
  0x0d: { name: 'float (32-bit)', bytes: 4, make: (n) => new Float32Array(n), get: (v, o) => v.getFloat32(o) },
  0x0e: { name: 'double (64-bit)', bytes: 8, make: (n) => new Float64Array(n), get: (v, o) => v.getFloat64(o) },
};

export interface IdxArray {
  readonly file: string;
  /** IDX type code, e.g. 0x08 for unsigned byte. */
  readonly type: number;
  readonly dims: readonly number[];
  /** Decoded values in native byte order; for type 0x08 a view into the input bytes. */
  readonly data: IdxData;
  /** Byte offset of the first data element (4 + 4·ndim), for error messages. */
  readonly dataOffset: number;
  /** Whether offsets refer to the file itself or to its gunzipped payload. */
  readonly offsetIn: OffsetSpace;
}

export interface ParseIdxOptions {
  /** Require this exact type and ndim (the error then names the expected magic). */
  readonly expect?: { readonly type: number; readonly ndim: number };
  /** How offsets are reported; 'decompressed' when `bytes` came out of gunzip. */
  readonly offsetIn?: OffsetSpace;
}

const hex = (n: number, w: number) => '0x' + n.toString(16).toUpperCase().padStart(w, '0');
const describeMagic = (type: number, ndim: number) =>
  `${hex((type << 8) | ndim, 8)} (IDX${ndim}, ${IDX_TYPES[type]?.name ?? 'unknown type'})`;

/** Parses an uncompressed IDX buffer. Pure; throws DataFormatError naming `file` and the byte offset. */
export function parseIdx(bytes: Uint8Array, file: string, opts: ParseIdxOptions = {}): IdxArray {
  const offsetIn = opts.offsetIn ?? 'file';
  const fail = (offset: number, detail: string): never => {
    throw new DataFormatError(file, offset, detail, offsetIn);
  };
  const len = bytes.length;
  if (len === 0) fail(0, 'empty file, expected an IDX header (4-byte magic + dimensions)');
  if (len >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    fail(0, 'found gzip magic 1f 8b, expected uncompressed IDX data (gunzip first; readIdxFile does this)');
  }
  if (len < 4) fail(len, `truncated header: file has ${len} bytes, expected at least the 4-byte magic`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, len);
  const magic = view.getUint32(0);
  const type = bytes[2]!;
  const ndim = bytes[3]!;
  const exp = opts.expect;
  if (exp) {
    if (type !== exp.type || ndim !== exp.ndim || bytes[0] !== 0 || bytes[1] !== 0) {
      fail(0, `bad magic ${hex(magic, 8)}, expected ${describeMagic(exp.type, exp.ndim)}`);
    }
  } else if (bytes[0] !== 0 || bytes[1] !== 0 || !IDX_TYPES[type] || ndim === 0) {
    fail(
      0,
      `bad magic ${hex(magic, 8)}, expected 0x0000TTNN with type TT in ` +
        `{${Object.keys(IDX_TYPES).map((t) => hex(Number(t), 2)).join(', ')}} and ndim NN >= 1`,
    );
  }
  const info = IDX_TYPES[type]!;
  const headerLen = 4 + 4 * ndim;
  if (len < headerLen) {
    fail(len, `truncated header: ${ndim} dimensions need a ${headerLen}-byte header, file has ${len} bytes`);
  }
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i);
    // an empty array is no dataset (no samples, or samples of no pixels), and would reach training as one
    if (d === 0) fail(4 + 4 * i, `dimension ${i + 1} of ${ndim} is 0, expected at least 1`);
    dims.push(d);
  }
  const count = dims.reduce((a, b) => a * b, 1);
  const dataLen = count * info.bytes;
  const dimsText = `dims ${dims.join('×')} of ${info.name} need ${dataLen} data bytes (file length ${headerLen + dataLen})`;
  if (len < headerLen + dataLen) {
    fail(len, `truncated data: ${dimsText}, file ends after ${len - headerLen} data bytes`);
  }
  if (len > headerLen + dataLen) {
    fail(headerLen + dataLen, `${len - headerLen - dataLen} trailing bytes: ${dimsText}, file has ${len} bytes`);
  }
  let data: IdxData;
  if (type === 0x08) data = bytes.subarray(headerLen, headerLen + dataLen);
  else if (type === 0x09) data = new Int8Array(bytes.buffer, bytes.byteOffset + headerLen, count);
  else {
    data = info.make(count);
    for (let i = 0, o = headerLen; i < count; i++, o += info.bytes) data[i] = info.get(view, o);
  }
  return { file, type, dims, data, dataOffset: headerLen, offsetIn };
}

export interface ReadIdxOptions extends Pick<ParseIdxOptions, 'expect'> {
  /** Cap on the file's size after decompression (default 1 GiB). */
  readonly maxBytes?: number;
}

/** Reads an IDX file, plain or gzip (detected by the 1f 8b magic, not the name). Node only. */
export function readIdxFile(path: string, opts: ReadIdxOptions = {}): IdxArray {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const raw = readDataFile(path, maxBytes);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    return parseIdx(gunzipCapped(raw, path, maxBytes), path, { expect: opts.expect, offsetIn: 'decompressed' });
  }
  return parseIdx(raw, path, { expect: opts.expect });
}

export interface LoadIdxPairOptions {
  /** Labels must be < numClasses (default 10). */
  readonly numClasses?: number;
  readonly maxBytes?: number;
  /** Dataset name (default: the images path). */
  readonly name?: string;
  /** true (default): sampleShape [rows*cols]; false: [rows, cols, 1]. */
  readonly flatten?: boolean;
}

const U8_TO_UNIT = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/** Converts parsed IDX3 u8 images + IDX1 u8 labels into a Dataset (pixels scaled to [0,1]). Pure. */
export function idxPairToDataset(images: IdxArray, labels: IdxArray, opts: LoadIdxPairOptions = {}): Dataset {
  const numClasses = opts.numClasses ?? 10;
  const [n, rows, cols] = images.dims as [number, number, number];
  const m = labels.dims[0]!;
  if (m !== n) {
    throw new DataFormatError(
      labels.file,
      4,
      `label count ${m} does not match image count ${n} in ${images.file}`,
      labels.offsetIn,
    );
  }
  const lab = labels.data;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = lab[i]!;
    if (v < 0 || v >= numClasses) {
      throw new DataFormatError(
        labels.file,
        labels.dataOffset + i * IDX_TYPES[labels.type]!.bytes,
        `label ${v} (sample ${i}) out of range, expected 0..${numClasses - 1}`,
        labels.offsetIn,
      );
    }
    y[i] = v;
  }
  const px = images.data as Uint8Array;
  const x = new Float32Array(px.length);
  for (let i = 0; i < px.length; i++) x[i] = U8_TO_UNIT[px[i]!]!;
  const shape = opts.flatten === false ? [rows, cols, 1] : [rows * cols];
  return makeDataset(x, y, shape, numClasses, opts.name ?? images.file);
}

/** Loads an MNIST-style pair: IDX3 u8 images (n×rows×cols) and IDX1 u8 labels (n). Node only. */
export function loadIdxPair(imagesPath: string, labelsPath: string, opts: LoadIdxPairOptions = {}): Dataset {
  const images = readIdxFile(imagesPath, { expect: { type: 0x08, ndim: 3 }, maxBytes: opts.maxBytes });
  const labels = readIdxFile(labelsPath, { expect: { type: 0x08, ndim: 1 }, maxBytes: opts.maxBytes });
  return idxPairToDataset(images, labels, opts);
}
