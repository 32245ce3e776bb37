// Mutations of a valid file: bit flips, truncation, extension, a random header, and
// "interesting" 32-bit values written over a word (lengths, dims, offsets).
import { Rng } from '../src/rng.js';

export interface Mutant {
  bytes: Uint8Array;
  how: string;
}

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 0x100];

export function mutate(valid: Uint8Array, rng: Rng): Mutant {
  const n = valid.length;
  const kind = rng.int(6);
  if (kind === 0) {
    const b = valid.slice();
    const flips = 1 + rng.int(8);
    const at: number[] = [];
    for (let k = 0; k < flips; k++) {
      const i = rng.int(n);
      b[i] ^= 1 << rng.int(8);
      at.push(i);
    }
    return { bytes: b, how: `flip bits at bytes ${at.join(',')}` };
  }
  if (kind === 1) {
    const len = rng.int(n);
    return { bytes: valid.slice(0, len), how: `truncate to ${len} bytes` };
  }
  if (kind === 2) {
    const extra = 1 + rng.int(64);
    const b = new Uint8Array(n + extra);
    b.set(valid);
    for (let i = n; i < b.length; i++) b[i] = rng.int(256);
    return { bytes: b, how: `extend by ${extra} random bytes` };
  }
  if (kind === 3) {
    const k = 1 + rng.int(Math.min(n, 32));
    const b = valid.slice();
    for (let i = 0; i < k; i++) b[i] = rng.int(256);
    return { bytes: b, how: `random header: first ${k} bytes` };
  }
  if (kind === 4) {
    const b = valid.slice();
    if (n < 4) return { bytes: b, how: 'unchanged (too short)' };
    const i = rng.int(n - 3);
    const v = INTERESTING[rng.int(INTERESTING.length)];
    const le = rng.int(2) === 1;
    new DataView(b.buffer).setUint32(i, v, le);
    return { bytes: b, how: `u32 ${v} (${le ? 'LE' : 'BE'}) at byte ${i}` };
  }
  // one random byte replaced by an ASCII digit or JSON punctuation (reaches numbers and structure in JSON)
  const b = valid.slice();
  const i = rng.int(n);
  const chars = '0123456789-.eE{}[]",: ';
  b[i] = chars.charCodeAt(rng.int(chars.length));
  return { bytes: b, how: `byte ${i} := '${String.fromCharCode(b[i])}'` };
}
