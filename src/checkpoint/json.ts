// JSON as checkpoint files hold it (checkpoint.json, safetensors headers, latest, lock):
// parsed with a nesting limit checked before JSON.parse, so nothing that walks the value later
// (validation, error messages) can overflow the stack, and quoted in messages without
// stringifying more than the message shows. Pure.
import { CheckpointError } from './errors.js';

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Deepest nesting of arrays and objects accepted in checkpoint.json and safetensors headers (gaaf writes at most 6). */
export const MAX_JSON_DEPTH = 64;

/** Index of the bracket at which `text` nests deeper than `max`, or -1. Skips strings (and their escapes). */
function depthExceededAt(text: string, max: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

/** Byte offset (UTF-8) of character `i` of `text`. */
const byteAt = (text: string, i: number): number => new TextEncoder().encode(text.slice(0, i)).length;

/**
 * Parses JSON text. Nesting deeper than MAX_JSON_DEPTH is refused before parsing (later code
 * and messages walk the value recursively), and a syntax error becomes a CheckpointError at
 * the byte where JSON.parse stopped.
 */
export function parseJson(text: string, file: string, base: number, what: string): unknown {
  const deep = depthExceededAt(text, MAX_JSON_DEPTH);
  if (deep >= 0) throw new CheckpointError(file, `${what} nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`, base + byteAt(text, deep));
  try {
    return JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    throw new CheckpointError(file, `${what} is not well-formed JSON (${(e as Error).message})`, base + (m ? byteAt(text, Number(m[1])) : 0));
  }
}

/** A name from a file in quotes, cut to 80 characters. */
export const quoted = (name: string): string => `'${name.length > 80 ? name.slice(0, 77) + '...' : name}'`;

/** JSON text of a parsed value, cut at `max` characters without writing more than that first (a crafted file may hold huge values). */
export function preview(v: unknown, max = 80): string {
  let out = '';
  const put = (t: string): boolean => (out += t).length <= max;
  const walk = (x: unknown): boolean => {
    if (Array.isArray(x)) {
      if (!put('[')) return false;
      for (let i = 0; i < x.length; i++) if ((i > 0 && !put(',')) || !walk(x[i])) return false;
      return put(']');
    }
    if (isObject(x)) {
      if (!put('{')) return false;
      let first = true;
      for (const k in x) {
        if (!Object.hasOwn(x, k)) continue;
        if ((!first && !put(',')) || !put(JSON.stringify(k.slice(0, max)) + ':') || !walk(x[k])) return false;
        first = false;
      }
      return put('}');
    }
    return put(x === undefined ? 'nothing' : typeof x === 'string' ? JSON.stringify(x.slice(0, max)) : String(JSON.stringify(x) ?? x));
  };
  walk(v);
  return out.length > max ? out.slice(0, max - 3) + '...' : out;
}

export function decodeUtf8(bytes: Uint8Array, file: string, base: number, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CheckpointError(file, `${what} is not valid UTF-8`, base);
  }
}
