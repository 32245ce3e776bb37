// The kernel table's entry type and the one call path every kernel takes:
//   checks (scalars, then each operand's dtype and extent, then aliasing, then the entry's own
//   check) → SIMD kernel or its scalar `_ref` (setKernelImpl) → the entry's thread split, if
//   the call is large enough → the Wasm export(s).
// A kernel is one `defineKernel({...})` in the file of its family (src/wasm/<family>.ts, beside
// assembly/<family>.ts); the workers receive calls by the same export names (see Instance.functions).
//
// defineKernel compiles an entry once: every name (parameter, operand, scalar, argument) gets a
// slot, and a call fills an array of slots, so the path shared by all kernels reads and writes
// no property by a computed name (that made every call some 40 megamorphic lookups, ~1 µs).
import { checkAliasing, checkLen, checkMat } from './checks.js';
import { type Instance, instance } from './instance.js';
import { Buf, type DType, addrOf } from './memory.js';
import { type Split, runParts } from './parallel.js';

/** A call's value of a name: a checked scalar, a geometry field or an operand's address. */
export type Get = (name: string) => number;

/**
 * A scalar argument's check: returns the number passed to Wasm (bools become 0/1, an
 * activation name its code), or, for a geometry object, several named numbers. `arg` gives
 * the call's other raw arguments by name (for defaults such as n = x.length).
 */
export type ScalarRule = (kernel: string, name: string, v: unknown, arg: (name: string) => unknown) => number | Readonly<Record<string, number>>;

/** Elements of an operand: a scalar's name, the product of several, or computed from the call's values. */
export type Size = string | readonly string[] | ((get: Get) => number);

export interface Operand {
  /** in: only read; out: only written; inout: read and written; work: scratch the kernel writes. */
  role: 'in' | 'out' | 'inout' | 'work';
  dtype?: DType; // default f32
  /** May be null (the export gets address 0). */
  optional?: boolean;
  /** Elements it must hold. */
  len?: Size;
  /** Or: a rows × cols f32 matrix with row stride ld (scalar names); rows and cols swap where the flag `transposed` is set. */
  mat?: { rows: string; cols: string; ld: string; transposed?: string };
  /** Supplied by the binding rather than the caller (not a parameter). */
  scratch?: () => Buf;
  /** The scalar reference takes no such argument (the SIMD kernel's own workspace). */
  simdOnly?: boolean;
}

export interface KernelSpec {
  /** The name in error messages: `gaaf.<name>: ...`, and the wrapper's export name. */
  name: string;
  /** The SIMD export, and its plain scalar reference (omitted: there is none, the same export runs). */
  simd: string;
  ref?: string;
  /** The wrapper's positional parameters (operands, scalars, geometry objects), in order. */
  params: readonly string[];
  /** The export's arguments, in order (a `simdOnly` operand is left out for the ref); default: params. */
  args?: readonly string[];
  /** Checked in this order, before the operands. */
  scalars?: Readonly<Record<string, ScalarRule>>;
  /** Checked in this order. */
  operands: Readonly<Record<string, Operand>>;
  /** Which operands each written operand may share a buffer with (in place); none otherwise. */
  mayAlias?: Readonly<Record<string, readonly string[]>>;
  /** A check of its own, after the others (e.g. labels in range). */
  check?: (get: Get, buf: (name: string) => Buf | null) => void;
  /** How a large call is split across threads (src/wasm/parallel.ts); none: one thread. */
  split?: Split;
  /** Turns the export's return value into the wrapper's. */
  result?: (ret: number, get: Get, buf: (name: string) => Buf | null) => unknown;
}

/** A defined entry: `args` filled in, and the slot of each name in a call's values. */
export interface Kernel extends KernelSpec {
  readonly args: readonly string[];
  /** The slots of `args`, in order. */
  readonly argSlots: readonly number[];
  /** The slot of a name (one is added for a name not seen yet, such as a split's own arguments). */
  slot(name: string): number;
}

export type KernelImpl = 'simd' | 'scalar';
let impl: KernelImpl = 'simd';

/** Which implementation kernels run: the SIMD kernels (default) or their scalar references. Benchmarks and tests switch it. */
export function setKernelImpl(k: KernelImpl): void {
  if (k !== 'simd' && k !== 'scalar') throw new RangeError(`gaaf: kernel implementation must be 'simd' or 'scalar', got '${k}'`);
  impl = k;
}
export function kernelImpl(): KernelImpl {
  return impl;
}

/** Every entry defined so far (init() checks each against the module's exports). */
export const KERNELS: Kernel[] = [];

type Fn = (...a: number[]) => number;

/** f(v[s[0]], v[s[1]], ...): a direct call for up to 16 arguments (a spread call costs about as much as the rest of the path). */
function invoke(f: Fn, v: readonly number[], s: readonly number[]): number {
  switch (s.length) {
    case 2: return f(v[s[0]], v[s[1]]);
    case 3: return f(v[s[0]], v[s[1]], v[s[2]]);
    case 4: return f(v[s[0]], v[s[1]], v[s[2]], v[s[3]]);
    case 5: return f(v[s[0]], v[s[1]], v[s[2]], v[s[3]], v[s[4]]);
    case 6: return f(v[s[0]], v[s[1]], v[s[2]], v[s[3]], v[s[4]], v[s[5]]);
    case 7: return f(v[s[0]], v[s[1]], v[s[2]], v[s[3]], v[s[4]], v[s[5]], v[s[6]]);
    case 9: return f(v[s[0]], v[s[1]], v[s[2]], v[s[3]], v[s[4]], v[s[5]], v[s[6]], v[s[7]], v[s[8]]);
    case 10: return f(v[s[0]], v[s[1]], v[s[2]], v[s[3]], v[s[4]], v[s[5]], v[s[6]], v[s[7]], v[s[8]], v[s[9]]);
    case 12: return f(v[s[0]], v[s[1]], v[s[2]], v[s[3]], v[s[4]], v[s[5]], v[s[6]], v[s[7]], v[s[8]], v[s[9]], v[s[10]], v[s[11]]);
    case 14: return f(v[s[0]], v[s[1]], v[s[2]], v[s[3]], v[s[4]], v[s[5]], v[s[6]], v[s[7]], v[s[8]], v[s[9]], v[s[10]], v[s[11]], v[s[12]], v[s[13]]);
    case 15: return f(v[s[0]], v[s[1]], v[s[2]], v[s[3]], v[s[4]], v[s[5]], v[s[6]], v[s[7]], v[s[8]], v[s[9]], v[s[10]], v[s[11]], v[s[12]], v[s[13]], v[s[14]]);
    case 16: return f(v[s[0]], v[s[1]], v[s[2]], v[s[3]], v[s[4]], v[s[5]], v[s[6]], v[s[7]], v[s[8]], v[s[9]], v[s[10]], v[s[11]], v[s[12]], v[s[13]], v[s[14]], v[s[15]]);
    case 17: return f(v[s[0]], v[s[1]], v[s[2]], v[s[3]], v[s[4]], v[s[5]], v[s[6]], v[s[7]], v[s[8]], v[s[9]], v[s[10]], v[s[11]], v[s[12]], v[s[13]], v[s[14]], v[s[15]], v[s[16]]);
    default: return f(...s.map((i) => v[i]));
  }
}

/** A Size as a function of the call's values (slots). */
function sizeOf(k: Kernel, s: Size | undefined): (vals: number[], get: Get) => number {
  if (s === undefined) return () => 0;
  if (typeof s === 'function') return (_vals, get) => s(get);
  const idx = (typeof s === 'string' ? [s] : s).map((n) => k.slot(n));
  if (idx.length === 1) return (vals) => vals[idx[0]];
  return (vals) => idx.reduce((p, i) => p * vals[i], 1);
}

/**
 * Defines a kernel: returns its wrapper, `(...params) => result`. Cast it to the wrapper's
 * signature where it is exported.
 */
export function defineKernel(entry: KernelSpec): (...a: never[]) => unknown {
  const slots = new Map<string, number>();
  const slot = (n: string): number => {
    let s = slots.get(n);
    if (s === undefined) slots.set(n, (s = slots.size));
    return s;
  };
  const args = entry.args ?? entry.params;
  const k: Kernel = { ...entry, args, argSlots: args.map(slot), slot };
  const { name, params } = k;
  const paramIdx = (n: string): number => params.indexOf(n);
  const scalars = Object.entries(k.scalars ?? {}).map(([n, rule]) => ({ n, rule, at: paramIdx(n), slot: slot(n) }));
  // every record of one shape, and the entry's fields read here once: the call path below reads
  // no field of an object whose shape differs from kernel to kernel
  const ops = Object.entries(k.operands).map(([n, o]) => ({
    n, at: paramIdx(n), slot: slot(n), size: sizeOf(k, o.len), dtype: o.dtype ?? 'f32', optional: !!o.optional,
    scratch: o.scratch ?? null, simdOnly: !!o.simdOnly,
    mat: o.mat ? { rows: slot(o.mat.rows), cols: slot(o.mat.cols), ld: slot(o.mat.ld), t: o.mat.transposed ? slot(o.mat.transposed) : -1 } : null,
  }));
  const { mayAlias, check, result } = k;
  const opNames = ops.map((x) => x.n);
  const written = ops.map((x) => k.operands[x.n].role !== 'in');
  const simdArgs = k.argSlots;
  const refArgs = k.args.filter((a) => !k.operands[a]?.simdOnly).map(slot);
  const splitter = k.split ? k.split(k) : null;
  KERNELS.push(k);
  let fns: { inst: Instance; simd: Fn; ref: Fn } | null = null;

  // The call in progress, for the hooks below (made once: a closure per call costs more than the
  // rest of the call path). Kernels are not re-entered: no hook calls its own kernel.
  let vals: number[] = new Array<number>(slots.size).fill(0); // reused: every call sets every slot it reads
  let given: unknown[] = [];
  const bufs: Array<Buf | null> = ops.map(() => null);
  const get: Get = (n) => vals[slot(n)];
  const arg = (n: string): unknown => given[paramIdx(n)];
  const buf = (n: string): Buf | null => bufs[opNames.indexOf(n)];
  let unseen: Set<number> | null = new Set(); // the first call: the slots it fills (every argument must be one)

  const wrapper = (...a: unknown[]): unknown => {
    if (vals.length < slots.size) vals = new Array<number>(slots.size).fill(0); // a geometry's fields, first seen
    given = a;
    for (const s of scalars) {
      const r = s.rule(name, s.n, a[s.at], arg);
      if (typeof r === 'number') vals[s.slot] = r;
      else for (const f of Object.keys(r)) vals[slot(f)] = r[f]; // a geometry's fields
      if (unseen) for (const f of typeof r === 'number' ? [s.n] : Object.keys(r)) unseen.add(slot(f));
    }
    for (let i = 0; i < ops.length; i++) {
      const o = ops[i];
      let b: Buf | null = null;
      if (o.scratch) {
        if (!o.simdOnly || impl === 'simd') b = o.scratch();
      } else {
        b = (a[o.at] ?? null) as Buf | null;
        if (b === null && o.optional) b = null;
        else if (o.mat) {
          const m = o.mat, t = m.t >= 0 && vals[m.t] !== 0;
          checkMat(name, o.n, b as Buf, vals[t ? m.cols : m.rows], vals[t ? m.rows : m.cols], vals[m.ld]);
        } else checkLen(name, o.n, b as Buf, o.size(vals, get), o.dtype);
      }
      bufs[i] = b;
    }
    checkAliasing(name, opNames, bufs, written, mayAlias);
    if (check) check(get, buf);
    if (!fns) {
      const inst = instance(`gaaf.${name}`);
      const bad = mismatches(inst, k);
      if (bad.length) throw tableError(bad);
      fns = { inst, simd: inst.ex[k.simd] as Fn, ref: inst.ex[k.ref ?? k.simd] as Fn };
    }
    for (let i = 0; i < ops.length; i++) vals[ops[i].slot] = bufs[i] ? addrOf(bufs[i]!) : 0;
    if (unseen) { // once: every argument of the export is an operand, a checked scalar or a geometry field
      for (const o of ops) unseen.add(o.slot);
      const missing = k.args.filter((n) => !unseen!.has(slot(n)));
      if (missing.length) throw new Error(`gaaf: kernel table entry ${name}: argument(s) ${missing.join(', ')} are neither operands nor checked scalars`);
      unseen = null;
    }
    let ret: number;
    if (impl === 'scalar') {
      ret = invoke(fns.ref, vals, refArgs);
    } else {
      const parts = splitter ? splitter(vals) : null;
      ret = parts ? runParts(fns.inst, k, parts) : invoke(fns.simd, vals, simdArgs);
    }
    return result ? result(ret, get, buf) : ret;
  };
  Object.defineProperty(wrapper, 'name', { value: name });
  return wrapper as (...a: never[]) => unknown;
}

/** How a table entry and the module disagree: a missing export, or a different number of arguments. */
function mismatches(inst: Instance, k: Kernel): string[] {
  const bad: string[] = [];
  const pairs: Array<[string | undefined, readonly string[]]> = [[k.simd, k.args], [k.ref, k.args.filter((a) => !k.operands[a]?.simdOnly)]];
  for (const [exp, args] of pairs) {
    if (exp === undefined) continue;
    const f = inst.ex[exp];
    if (typeof f !== 'function') bad.push(`${k.name}: the module has no export '${exp}'`);
    else if (f.length !== args.length) bad.push(`${k.name}: '${exp}' takes ${f.length} arguments, the table passes ${args.length} (${args.join(', ')})`);
  }
  return bad;
}

function tableError(bad: string[]): Error {
  return new Error(`gaaf: the kernel table does not match the Wasm module (rebuild it: npm run build:wasm):\n  ${bad.join('\n  ')}`);
}

/** Checks that every table entry names exports the module has, taking as many arguments as the entry passes. */
export function checkTable(inst: Instance): void {
  const bad = KERNELS.flatMap((k) => mismatches(inst, k));
  if (bad.length) throw tableError(bad);
}
