// Loading and instantiating build/gaaf-mt.wasm (threads, on a shared memory) or
// build/gaaf.wasm (single-threaded), and whether that has happened yet. Nothing here runs on
// import: `load()` (called by init() and setThreads()) does the work once.
//
// The module is instantiated with the plain WebAssembly API: every export takes and returns
// only numbers, so @assemblyscript/loader's marshalling has nothing to do, and owning the
// instantiation keeps the memory under the binding's control (the threaded build's shared
// memory is created here, with the limits the module itself declares for its import).

/**
 * A WebAssembly.Memory and a WebAssembly.Module as the declarations show them: structural and
 * opaque, so a TypeScript user's project type-checks gaaf's .d.ts files without the DOM lib
 * (Node projects have no `WebAssembly` namespace in their types).
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(delta: number): number;
}
export type WasmModule = object;

/** The module's exports: kernel functions and immutable globals (codes, tile sizes), by name. */
export interface Exports {
  memory: WasmMemory;
  heap_base(): number;
  [name: string]: unknown;
}

export interface Instance {
  ex: Exports;
  /** The build loaded: 'fast' only where it was asked for and relaxed SIMD validates. */
  precision: Precision;
  /** Why 'fast' was asked for and the deterministic build loaded instead, or null. */
  precisionWhy: string | null;
  memory: WasmMemory;
  /** The compiled threaded module (a WebAssembly.Module), to instantiate in workers; null for the single-threaded build. */
  module: WasmModule | null;
  /** Why the threaded build is not used, or null. */
  why: string | null;
  /** The module's function exports in export order: workers are sent an index into this list. */
  functions: readonly string[];
  functionIndex: ReadonlyMap<string, number>;
}

/**
 * Which build: 'deterministic' (the default: plain Wasm SIMD, the same bits on every machine)
 * or 'fast' (relaxed SIMD: the GEMM micro-kernel's multiply-adds are f32x4.relaxed_madd, fused
 * where the CPU has FMA, so results may differ in the last bits between machines).
 */
export type Precision = 'deterministic' | 'fast';
export const PRECISIONS: readonly Precision[] = ['deterministic', 'fast'];

const URLS: Readonly<Record<Precision, { st: URL; mt: URL }>> = {
  deterministic: { st: new URL('../../build/gaaf.wasm', import.meta.url), mt: new URL('../../build/gaaf-mt.wasm', import.meta.url) },
  fast: { st: new URL('../../build/gaaf-fast.wasm', import.meta.url), mt: new URL('../../build/gaaf-fast-mt.wasm', import.meta.url) },
};

// A function () -> v128 of three v128.const and f32x4.relaxed_madd: validates only where the
// runtime has relaxed SIMD (Chromium ≥ 114; Node 20 with --experimental-wasm-relaxed-simd).
const RELAXED_MADD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  ...[0, 1, 2].flatMap(() => [253, 12, ...new Array<number>(16).fill(0)]), 253, 133, 2, 11,
]);

/** Why the fast (relaxed-SIMD) build cannot run here, or null where it can. */
export function relaxedSimdUnavailable(): string | null {
  let ok = false;
  try {
    ok = WebAssembly.validate(RELAXED_MADD_PROBE);
  } catch { /* no WebAssembly.validate: treat as unavailable */ }
  if (ok) return null;
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  return `this runtime does not validate relaxed SIMD (f32x4.relaxed_madd)${node ? `; Node ${node} needs --experimental-wasm-relaxed-simd` : ''}`;
}

/** The error of every call that needs the module before init() has loaded it. */
export function notLoaded(what: string): Error {
  return new Error(`gaaf: ${what} needs the WebAssembly module, which is not loaded yet: call \`await init()\` first ` +
    "(gaaf exports init); importing gaaf loads nothing");
}

let current: Instance | null = null;
let loading: Promise<Instance> | null = null;

/** The loaded instance; throws the "call `await init()`" error naming `what` before that. */
export function instance(what: string): Instance {
  if (current) return current;
  throw notLoaded(what);
}

export function isLoaded(): boolean {
  return current !== null;
}

let asked: Precision = 'deterministic';

/**
 * Loads the module once (concurrent callers share the one load; a failed load may be retried).
 * `precision` chooses the build on the first load; asking for another once one is loaded or
 * loading is an error (every Buf lives in that build's memory).
 */
export function load(precision?: Precision): Promise<Instance> {
  if (precision !== undefined && (current || loading) && precision !== asked && precision !== current?.precision) {
    return Promise.reject(new Error(`gaaf.init: precision '${precision}' was asked for, but the ${asked} build is already ` +
      `${current ? 'loaded' : 'loading'}; choose the precision in the first init() call, before anything else loads the module`));
  }
  if (current) return Promise.resolve(current);
  if (precision !== undefined) asked = precision;
  loading ??= instantiate(asked).then((i) => (current = i), (e: unknown) => {
    loading = null;
    throw e;
  });
  return loading;
}

const constants = new Map<string, number>();

/**
 * An immutable i32 global the module exports (a code or a size the kernels define, such as
 * GEMM_MR or ACT_TANH): the one source of those numbers on this side of the boundary.
 */
export function constant(name: string): number {
  let c = constants.get(name);
  if (c === undefined) {
    const g = instance(`the Wasm constant ${name}`).ex[name];
    if (!(g instanceof WebAssembly.Global)) throw new Error(`gaaf: the Wasm module exports no constant '${name}': rebuild it (npm run build:wasm)`);
    c = g.value as number;
    constants.set(name, c);
  }
  return c;
}

// Where the bytes come from. Browsers and bundlers: fetch() of the URLs above (Vite and webpack
// rewrite `new URL('…', import.meta.url)` to the emitted asset; the rollup bundle points them at
// dist/bundle/). Node, whose fetch() has no file: URLs: fs, reached through
// process.getBuiltinModule (Node ≥ 20.16) so that this module has no `node:` import and the
// universal bundle stays free of Node built-ins.
type ReadFile = (url: URL) => Promise<Uint8Array>;

function nodeReadFile(): ReadFile | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = p?.getBuiltinModule?.('node:fs/promises') as { readFile: ReadFile } | undefined;
  return fs?.readFile;
}

/** The bytes of one single-threaded build (for a private instance beside the loaded one: src/wasm/build-probe.ts). */
export function buildBytes(precision: Precision): Promise<Uint8Array<ArrayBuffer>> {
  return loadBytes(URLS[precision].st);
}

async function loadBytes(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  if (url.protocol === 'file:') {
    const readFile = nodeReadFile();
    if (!readFile) {
      throw new Error(`gaaf: cannot read ${url.href}: file: URLs need Node ≥ 20.16 (process.getBuiltinModule); ` +
        'in a browser, serve the package over http(s)');
    }
    return (await readFile(url)) as Uint8Array<ArrayBuffer>;
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`gaaf: could not fetch ${url.href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * The limits (in 64 KiB pages) of the memory `env.memory` that a module imports, read from its
 * import section, so the shared memory is made exactly as the build declared it (asconfig.json's
 * threads target) without a copy of those numbers here.
 */
export function importedMemoryLimits(bytes: Uint8Array): { initial: number; maximum: number | undefined; shared: boolean } {
  let p = 8; // after the magic and the version
  const u32 = (): number => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[p++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
  };
  const name = (): string => {
    const n = u32();
    const s = new TextDecoder().decode(bytes.subarray(p, p + n));
    p += n;
    return s;
  };
  const limits = (): { flags: number; initial: number; maximum: number | undefined } => {
    const flags = bytes[p++];
    const initial = u32();
    return { flags, initial, maximum: flags & 1 ? u32() : undefined };
  };
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = u32();
    const end = p + size;
    if (id === 2) {
      for (let k = u32(); k > 0; k--) {
        const mod = name();
        const field = name();
        const kind = bytes[p++];
        if (kind === 0) u32(); // function: type index
        else if (kind === 1) { p++; limits(); } // table: element type, limits
        else if (kind === 3) p += 2; // global: value type, mutability
        else if (kind === 4) { p++; u32(); } // tag: attribute, type index
        else if (kind === 2) {
          const l = limits();
          if (mod === 'env' && field === 'memory') return { initial: l.initial, maximum: l.maximum, shared: (l.flags & 2) !== 0 };
        } else break;
      }
    }
    p = end;
  }
  throw new Error('gaaf: the threaded Wasm build imports no env.memory: rebuild it (npm run build:wasm)');
}

function decodeAbortString(mem: WebAssembly.Memory, ptr: number): string {
  if (!ptr) return '';
  const u32 = new Uint32Array(mem.buffer);
  const len = u32[(ptr - 4) >>> 2] >>> 1;
  return String.fromCharCode(...new Uint16Array(mem.buffer, ptr, len));
}

/** Why the threaded build cannot run here, or null where it can. */
function threadsUnavailable(): string | null {
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean; Atomics?: unknown };
  if (typeof g.SharedArrayBuffer !== 'function' || typeof g.Atomics !== 'object') {
    return g.crossOriginIsolated === false
      ? 'this page is not cross-origin isolated, so SharedArrayBuffer is unavailable'
      : 'SharedArrayBuffer is unavailable on this platform';
  }
  if (g.crossOriginIsolated === false) return 'this page is not cross-origin isolated';
  return null;
}

function described(ex: Exports, memory: WebAssembly.Memory, module: WebAssembly.Module | null, why: string | null, precision: Precision, precisionWhy: string | null): Instance {
  const functions = Object.keys(ex).filter((k) => typeof ex[k] === 'function');
  return { ex, memory, module, why, precision, precisionWhy, functions, functionIndex: new Map(functions.map((n, i) => [n, i])) };
}

// Where SharedArrayBuffer is available (Node; browsers on cross-origin-isolated pages) the
// threaded build on a shared memory, otherwise the single-threaded build (same kernels, same
// results). precision 'fast': the relaxed-SIMD pair of builds where relaxed SIMD validates,
// else the deterministic pair, with a warning that says why.
async function instantiate(want: Precision): Promise<Instance> {
  const precisionWhy = want === 'fast' ? relaxedSimdUnavailable() : null;
  const precision: Precision = precisionWhy ? 'deterministic' : want;
  if (precisionWhy) console.warn(`gaaf: precision 'fast' is unavailable (${precisionWhy}): using the deterministic build`);
  const { st: WASM_URL, mt: WASM_MT_URL } = URLS[precision];
  let memory: WebAssembly.Memory | undefined;
  const env: WebAssembly.ModuleImports = {
    abort(msg: number, file: number, line: number, col: number): never {
      const m = memory ? decodeAbortString(memory, msg) : '';
      const f = memory ? decodeAbortString(memory, file) : '';
      throw new Error(`gaaf kernel abort: ${m} at ${f}:${line}:${col}`);
    },
  };
  let why = threadsUnavailable();
  if (!why) {
    try {
      const bytes = await loadBytes(WASM_MT_URL);
      const module = await WebAssembly.compile(bytes);
      const { initial, maximum } = importedMemoryLimits(bytes);
      memory = new WebAssembly.Memory({ initial, maximum, shared: true });
      env.memory = memory;
      const inst = await WebAssembly.instantiate(module, { env });
      return described({ ...(inst.exports as unknown as Exports), memory }, memory, module, null, precision, precisionWhy);
    } catch (e) {
      why = `the threaded build could not be loaded (${(e as Error).message})`;
      memory = undefined;
      delete env.memory;
    }
  }
  const { instance: inst } = await WebAssembly.instantiate(await loadBytes(WASM_URL), { env });
  const ex = inst.exports as unknown as Exports;
  memory = ex.memory as WebAssembly.Memory;
  return described(ex, memory, null, why, precision, precisionWhy);
}
