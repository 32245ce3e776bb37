// Crafted JSON: where ./fuzz-mutate.ts damages bytes at random (most of which the JSON parser
// refuses), this replaces one value of a valid JSON document, at any depth, by a value an
// attacker would pick: a neighbour of the number (off by one, doubled, negated), a number
// at the edge of a range (2^32, 2^53, 1e308), another type, a deep or huge value, or nothing
// (the key removed). It reaches the checks behind the parser: every field's type, range and
// relation to the others.
import { Rng } from '../src/rng.js';
import type { Mutant } from './fuzz-mutate.js';

type Path = Array<string | number>;

const RAW = '\u0000raw\u0000';

function paths(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (at.length > 0) out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (typeof v === 'object' && v !== null) for (const k of Object.keys(v)) paths((v as Record<string, unknown>)[k], [...at, k], out);
  return out;
}

const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);

/** Raw JSON texts to put in place of a value `old`. */
function replacements(old: unknown): string[] {
  const out = ['null', 'true', 'false', '""', '"x"', '[]', '{}', '[1,2,3]', '0', '-1', '1', '0.5', '4294967296', '1099511627776', '9007199254740993', '1e308', '-1e308', '5e-324',
    deep(64), deep(5000), `"${'a'.repeat(100_000)}"`, `[${'1,'.repeat(100_000)}1]`, '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":1}}', '"NaN"', '"Infinity"'];
  if (typeof old === 'number') out.push(...[old + 1, old - 1, old * 2, -old, old + 0.5, old * 1e6].map((n) => JSON.stringify(n)));
  if (typeof old === 'string') out.push(JSON.stringify(old + 'x'), JSON.stringify(old.slice(1)), JSON.stringify(old.toUpperCase()));
  if (Array.isArray(old)) out.push(JSON.stringify(old.slice(1)), JSON.stringify([...old, ...old]), JSON.stringify([old]));
  return out;
}

/** One crafted variant of the JSON text `valid`. */
export function craftJson(valid: string, rng: Rng): { text: string; how: string } {
  const doc = JSON.parse(valid);
  const all = paths(doc);
  const path = all[rng.int(all.length)];
  const parent = path.slice(0, -1).reduce((o: Record<string | number, unknown>, k) => o[k] as Record<string | number, unknown>, doc);
  const key = path[path.length - 1];
  const where = path.join('.');
  if (rng.int(12) === 0 && !Array.isArray(parent)) {
    delete parent[key];
    return { text: JSON.stringify(doc), how: `${where} removed` };
  }
  const options = replacements(parent[key]);
  const raw = options[rng.int(options.length)];
  parent[key] = RAW;
  return { text: JSON.stringify(doc).replace(JSON.stringify(RAW), () => raw), how: `${where} := ${raw.length > 40 ? `${raw.slice(0, 20)}… (${raw.length} chars)` : raw}` };
}

/** A crafted checkpoint.json (bytes in, bytes out). */
export function craftJsonBytes(valid: Uint8Array, rng: Rng): Mutant {
  const { text, how } = craftJson(new TextDecoder().decode(valid), rng);
  return { bytes: new TextEncoder().encode(text), how };
}

/** A safetensors file whose JSON header is crafted (the data after it unchanged). */
export function craftSafetensorsHeader(valid: Uint8Array, rng: Rng): Mutant {
  const n = Number(new DataView(valid.buffer, valid.byteOffset).getBigUint64(0, true));
  const { text, how } = craftJson(new TextDecoder().decode(valid.subarray(8, 8 + n)), rng);
  const header = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + header.length + valid.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(valid.subarray(8 + n), 8 + header.length);
  return { bytes: out, how: `header ${how}` };
}
