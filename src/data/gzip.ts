// gunzip with a cap on the output and errors that name the byte (RFC 1952,
// https://www.rfc-editor.org/rfc/rfc1952). The members' headers and trailers are read here
// and only the deflate data goes to zlib (inflateRaw), so each member is inflated exactly
// once, valid or not: a damaged CRC-32 or length is found in the trailer by comparing it with
// the data just inflated, at the trailer's offset, with no second pass over the payload.
// Member layout:
//   10 bytes  1f 8b, CM = 8 (deflate), FLG, MTIME (4), XFL, OS
//   FLG bits  FEXTRA (4): u16 LE length + that many bytes; FNAME (8), FCOMMENT (16): zero-
//             terminated strings; FHCRC (2): u16 LE, the low half of the CRC-32 of the header
//             so far; bits 5-7 are reserved and must be 0
//   deflate data, then CRC-32 (u32 LE) of the uncompressed data and ISIZE (its length mod 2^32)
// Members may follow one another (gzip a b > c); zero bytes after the last are ignored, as
// gzip and Node's gunzip ignore them. Node only (node:zlib).
import { constants as zc, crc32, inflateRawSync } from 'node:zlib';
import { DataFormatError } from './errors.js';
import { DEFAULT_MAX_BYTES } from './read.js';

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;
const FRESERVED = 0xe0;
const hex32 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** Reads the member header at `at`; returns the offset of its deflate data. */
function readHeader(gz: Uint8Array, at: number, file: string): number {
  const fail = (offset: number, detail: string): never => {
    throw new DataFormatError(file, offset, detail);
  };
  const need = (end: number, what: string): void => {
    if (end > gz.length) fail(gz.length, `truncated gzip header: the file ends inside the ${what}`);
  };
  const b0 = gz[at]!;
  const b1 = gz[at + 1];
  if (b0 !== 0x1f || (b1 !== undefined && b1 !== 0x8b)) {
    const found = [b0, b1].filter((b) => b !== undefined).map((b) => b!.toString(16).padStart(2, '0')).join(' ');
    fail(at, at === 0 ? `bad gzip magic ${found}, expected 1f 8b`
      : `${gz.length - at} bytes follow the end of the gzip data and do not begin another gzip member (found ${found}, expected 1f 8b)`);
  }
  need(at + 10, 'fixed 10-byte header');
  if (gz[at + 2] !== 8) fail(at + 2, `compression method ${gz[at + 2]} is not deflate (8)`);
  const flg = gz[at + 3]!;
  if (flg & FRESERVED) fail(at + 3, `reserved header flag bits set (FLG 0x${flg.toString(16)})`);
  let p = at + 10;
  if (flg & FEXTRA) {
    need(p + 2, 'extra field length');
    p += 2 + (gz[p]! | (gz[p + 1]! << 8));
    need(p, 'extra field');
  }
  for (const [bit, what] of [[FNAME, 'file name'], [FCOMMENT, 'comment']] as const) {
    if (!(flg & bit)) continue;
    const end = gz.indexOf(0, p);
    if (end < 0) fail(gz.length, `truncated gzip header: the file ends inside the ${what}`);
    p = end + 1;
  }
  if (flg & FHCRC) {
    need(p + 2, 'header CRC');
    const want = gz[p]! | (gz[p + 1]! << 8);
    const got = crc32(gz.subarray(at, p)) & 0xffff;
    if (want !== got) fail(p, `header CRC 0x${want.toString(16)} does not match the header's 0x${got.toString(16)}`);
    p += 2;
  }
  return p;
}

/** The first byte of `deflate` at which zlib fails, found by bisecting over prefixes (only for data zlib refuses). */
function firstBadDeflateByte(deflate: Uint8Array, maxBytes: number): number {
  const fails = (k: number): boolean => {
    try {
      inflateRawSync(deflate.subarray(0, k), { finishFlush: zc.Z_SYNC_FLUSH, maxOutputLength: maxBytes });
      return false;
    } catch {
      return true;
    }
  };
  let lo = 0; // a prefix of lo bytes inflates without error
  let hi = deflate.length; // a prefix of hi bytes fails
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (fails(mid)) hi = mid;
    else lo = mid;
  }
  return hi - 1;
}

/**
 * Gunzips `gz` with the output capped at `maxBytes`. Errors are DataFormatErrors naming
 * `file` and the byte: the header field, the end of a truncated file, the trailer whose CRC-32
 * or length does not match, or (for deflate data zlib refuses) the first byte it fails at.
 */
export function gunzipCapped(gz: Uint8Array, file: string, maxBytes = DEFAULT_MAX_BYTES): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  let at = 0;
  do {
    const start = readHeader(gz, at, file);
    const deflate = gz.subarray(start);
    const overCap = (): never => {
      throw new DataFormatError(file, maxBytes,
        `decompressed data exceeds the cap of ${maxBytes} bytes (gzip bomb or wrong file? raise maxBytes if genuine)`, 'decompressed');
    };
    let out: Buffer;
    let used: number;
    try {
      const r = inflateRawSync(deflate, { maxOutputLength: Math.max(1, maxBytes - total), info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
      out = r.buffer;
      used = r.engine.bytesWritten;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ERR_BUFFER_TOO_LARGE') overCap();
      if (err.code === 'Z_BUF_ERROR') {
        throw new DataFormatError(file, gz.length,
          `truncated gzip stream: file ends after ${gz.length} bytes, before the compressed data is complete (or earlier data is corrupt; zlib: ${err.message})`);
      }
      throw new DataFormatError(file, start + firstBadDeflateByte(deflate, Math.max(1, maxBytes - total)), `corrupt gzip data (zlib: ${err.message})`);
    }
    const trailer = start + used;
    if (trailer + 8 > gz.length) {
      throw new DataFormatError(file, gz.length, `truncated gzip stream: the file ends inside the 8-byte trailer (CRC-32 and length) at byte ${trailer}`);
    }
    const dv = new DataView(gz.buffer, gz.byteOffset + trailer, 8);
    const wantCrc = dv.getUint32(0, true);
    const gotCrc = crc32(out);
    if (wantCrc !== gotCrc) {
      throw new DataFormatError(file, trailer,
        `CRC-32 mismatch: the trailer records ${hex32(wantCrc)}, the ${out.length} decompressed bytes have ${hex32(gotCrc)} (the file is damaged)`);
    }
    const wantLen = dv.getUint32(4, true);
    if (wantLen !== out.length % 2 ** 32) {
      throw new DataFormatError(file, trailer + 4, `length mismatch: the trailer records ${wantLen} bytes (mod 2^32), the data decompresses to ${out.length}`);
    }
    if (total + out.length > maxBytes) overCap();
    parts.push(out);
    total += out.length;
    at = trailer + 8;
  } while (at < gz.length && gz.subarray(at).some((b) => b !== 0));
  if (parts.length === 1) return parts[0]!;
  const all = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return all;
}
