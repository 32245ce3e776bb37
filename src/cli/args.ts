// The command line's argument parsers and small formatters, shared by its commands.
import { InvalidArgumentError } from 'commander';
import { checkPositiveF32, checkUnitF32 } from '../binding.js';

export const VERSION = '0.1.0';

export function parseIntArg(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got '${v}'.`);
    }
    return n;
  };
}

/** A path flag: an empty value (an unset shell variable in `--resume "$CKPT"`) is an error, never "not given". */
export function parsePath(name: string) {
  return (v: string): string => {
    if (v.trim() === '') throw new InvalidArgumentError(`${name} needs a path, got ${v ? `only whitespace ('${v}')` : 'an empty string'} (an unset shell variable?).`);
    return v;
  };
}

/** A float32 check (checks.ts) as a flag's error: the value is used in float32 by the kernels. */
function inFloat32(check: (what: string, v: number) => void, name: string, v: string, n: number): number {
  try {
    check(name, n);
  } catch (e) {
    throw new InvalidArgumentError(`${(e as Error).message.replace(/ = \S+ /, ` '${v}' `)}.`);
  }
  return n;
}

export function parsePositive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got '${v}'.`);
    return inFloat32(checkPositiveF32, name, v, n);
  };
}

export function parseRate(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !(n >= 0 && n < 1)) throw new InvalidArgumentError(`dropout rate must be in [0, 1), got '${v}'.`);
  return inFloat32(checkUnitF32, 'dropout rate', v, n);
}

export function parseOpenUnit(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !(n > 0 && n < 1)) throw new InvalidArgumentError(`${name} must be in (0, 1), got '${v}'.`);
    return inFloat32(checkUnitF32, name, v, n);
  };
}

export function parseUnit(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !(n >= 0 && n < 1)) throw new InvalidArgumentError(`${name} must be in [0, 1), got '${v}'.`);
    return inFloat32(checkUnitF32, name, v, n);
  };
}

export function parseWidths(name: string) {
  return (v: string): number[] => {
    const xs = v.split(',').map((t) => t.trim());
    if (xs.length === 0 || !xs.every((t) => /^\d+$/.test(t) && Number(t) >= 1 && Number(t) <= 65536)) {
      throw new InvalidArgumentError(`${name} takes a comma-separated list of positive integers, got '${v}' (each at most 65536).`);
    }
    return xs.map(Number);
  };
}

/** The command-line flag of an option key, as commander names it: gaafK → --gaaf-k. */
export const flag = (k: string): string => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export const shellQuote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);

export const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
