// The kernel table's entry type and the one call path every kernel takes:
//   checks (scalars, then each operand's dtype and extent, then aliasing, then the entry's own
//   check) → SIMD kernel or its scalar `_ref` (setKernelImpl) → the entry's thread split, if
//   the call is large enough → the Wasm export(s).
// A kernel is one `defineKernel({...})` in the file of its family (src/wasm/<family>.ts, beside
// assembly/<family>.ts); the workers receive calls by the same export names (see Instance.functions).
import { checkAliasing, checkLen, checkMat } from './checks.js';
import { type Instance, instance } from './instance.js';
import { Buf, type DType, addrOf } from './memory.js';
import { type Split, runParts } from './parallel.js';

/** The checked scalars and the operands' addresses of one call, by name (what the export receives). */
export type Values = Record<string, number>;

/**
 * A scalar argument's check: returns the number passed to Wasm (bools become 0/1, an
 * activation name its code), or, for a geometry object, several named numbers. `args` holds
 * the call's raw arguments by name (for defaults such as n = x.length).
 */
export type ScalarRule = (kernel: string, name: string, v: unknown, args: Readonly<Record<string, unknown>>) => number | Values;

export interface Operand {
  /** in: only read; out: only written; inout: read and written; work: scratch the kernel writes. */
  role: 'in' | 'out' | 'inout' | 'work';
  dtype?: DType; // default f32
  /** May be null (the export gets address 0). */
  optional?: boolean;
  /** Elements it must hold, from the checked scalars. */
  len?: (v: Values) => number;
  /** Or: it is a rows × cols f32 matrix with row stride ld. */
  mat?: (v: Values) => readonly [rows: number, cols: number, ld: number];
  /** Supplied by the binding rather than the caller (not a parameter). */
  scratch?: () => Buf;
  /** The scalar reference takes no such argument (the SIMD kernel's own workspace). */
  simdOnly?: boolean;
}

export interface KernelSpec {
  /** The name in error messages: `gaaf.<name>: ...`. */
  name: string;
  /** The SIMD export, and its plain scalar reference (omitted: there is none, the same export runs). */
  simd: string;
  ref?: string;
  /** The wrapper's positional parameters (operands, scalars, geometry objects), in order. */
  params: readonly string[];
  /** The export's arguments, in order: operand and scalar names (a `simdOnly` operand is left out for the ref). */
  args: readonly string[];
  /** Checked in this order, before the operands. */
  scalars?: Readonly<Record<string, ScalarRule>>;
  /** Checked in this order. */
  operands: Readonly<Record<string, Operand>>;
  /** Which operands each written operand may share a buffer with (in place); none otherwise. */
  mayAlias?: Readonly<Record<string, readonly string[]>>;
  /** A check of its own, after the others (e.g. labels in range). */
  check?: (v: Values, bufs: Readonly<Record<string, Buf | null>>) => void;
  /** How a large call is split across threads (src/wasm/parallel.ts); none: one thread. */
  split?: Split;
  /** Turns the export's return value into the wrapper's. */
  result?: (ret: number, v: Values, bufs: Readonly<Record<string, Buf | null>>) => unknown;
}

/** The length of an elementwise kernel's operands: its scalar n. */
export const elements = (v: Values): number => v.n;

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
export const KERNELS: KernelSpec[] = [];

type Fn = (...a: number[]) => number;

/**
 * Defines a kernel: returns its wrapper, `(...params) => result`. Cast it to the wrapper's
 * signature where it is exported.
 */
export function defineKernel(spec: KernelSpec): (...a: never[]) => unknown {
  const { name, params } = spec;
  const scalars = Object.entries(spec.scalars ?? {});
  const ops = Object.entries(spec.operands).map(([n, o]) => ({ n, o, idx: params.indexOf(n), written: o.role !== 'in' }));
  const opNames = ops.map((x) => x.n);
  const written = ops.map((x) => x.written);
  const refArgs = spec.args.filter((a) => !spec.operands[a]?.simdOnly);
  const split = spec.split;
  const splitter = split ? split(spec) : null;
  KERNELS.push(spec);
  let fns: { inst: Instance; simd: Fn; ref: Fn; named: boolean } | null = null;

  const wrapper = (...a: unknown[]): unknown => {
    const raw: Record<string, unknown> = {};
    for (let i = 0; i < params.length; i++) raw[params[i]] = a[i];
    const v: Values = {};
    for (const [n, rule] of scalars) {
      const r = rule(name, n, raw[n], raw);
      if (typeof r === 'number') v[n] = r;
      else Object.assign(v, r);
    }
    const bufs: Array<Buf | null> = [];
    const byName: Record<string, Buf | null> = {};
    for (const { n, o } of ops) {
      let b = (o.scratch ? null : raw[n]) as Buf | null | undefined;
      if (o.scratch) {
        if (!o.simdOnly || impl === 'simd') b = o.scratch();
      } else if (b == null && o.optional) {
        b = null;
      } else if (o.mat) {
        const [rows, cols, ld] = o.mat(v);
        checkMat(name, n, b as Buf, rows, cols, ld);
      } else {
        checkLen(name, n, b as Buf, o.len ? o.len(v) : 0, o.dtype ?? 'f32');
      }
      bufs.push(b ?? null);
      byName[n] = b ?? null;
    }
    checkAliasing(name, opNames, bufs, written, spec.mayAlias);
    spec.check?.(v, byName);
    if (!fns) {
      const inst = instance(`gaaf.${name}`);
      const bad = mismatches(inst, spec);
      if (bad.length) throw tableError(bad);
      fns = { inst, simd: inst.ex[spec.simd] as Fn, ref: inst.ex[spec.ref ?? spec.simd] as Fn, named: false };
    }
    for (let i = 0; i < ops.length; i++) v[ops[i].n] = bufs[i] ? addrOf(bufs[i]!) : 0;
    if (!fns.named) { // once: every argument is an operand or a checked scalar
      const missing = spec.args.filter((n) => typeof v[n] !== 'number');
      if (missing.length) throw new Error(`gaaf: kernel table entry ${name}: argument(s) ${missing.join(', ')} are neither operands nor checked scalars`);
      fns.named = true;
    }
    let ret: number;
    if (impl === 'scalar') {
      ret = fns.ref(...refArgs.map((n) => v[n]));
    } else {
      const parts = splitter?.(v);
      if (parts) ret = runParts(fns.inst, spec, parts);
      else ret = fns.simd(...spec.args.map((n) => v[n]));
    }
    return spec.result ? spec.result(ret, v, byName) : ret;
  };
  Object.defineProperty(wrapper, 'name', { value: name });
  return wrapper as (...a: never[]) => unknown;
}

/** How a table entry and the module disagree: a missing export, or a different number of arguments. */
function mismatches(inst: Instance, k: KernelSpec): string[] {
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
