// The machine a measurement ran on (a benchmark's results, a reproduction's report): CPU,
// cores, memory, runtime and the Wasm features it accepts. Works in Node and in browsers.

export interface MachineInfo {
  cpu?: string;
  cores?: number;
  node?: string;
  browser?: string;
  /** Node's process.platform and process.arch, e.g. 'linux' and 'x64'. */
  platform?: string;
  arch?: string;
  memoryGiB?: number;
  /** Wasm features the host accepts, e.g. { simd: true, relaxedSimd: false, threads: true }. */
  wasm?: Record<string, boolean>;
  [k: string]: unknown;
}

// Minimal modules, as in wasm-feature-detect (MIT): each uses one instruction of the feature.
const PROBES: Readonly<Record<string, readonly number[]>> = {
  // v128.const; i8x16.popcnt
  simd: [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11],
  // i8x16.relaxed_swizzle
  relaxedSimd: [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11],
  // a shared memory and i32.atomic.load
  threads: [0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16, 2, 0, 26, 11],
};

/** Which Wasm features this runtime validates (threads also needs SharedArrayBuffer). */
export function wasmFeatures(): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const [name, bytes] of Object.entries(PROBES)) {
    try {
      out[name] = WebAssembly.validate(new Uint8Array(bytes));
    } catch {
      out[name] = false;
    }
  }
  out.threads = out.threads && typeof SharedArrayBuffer === 'function';
  return out;
}

export async function machineInfo(): Promise<MachineInfo> {
  const proc = (globalThis as { process?: { versions?: { node?: string }; platform?: string; arch?: string; getBuiltinModule?: (id: string) => unknown } }).process;
  // node:os through process.getBuiltinModule, so bundles of this module hold no node: import
  const os = proc?.getBuiltinModule?.('node:os') as typeof import('node:os') | undefined;
  if (proc?.versions?.node && os) {
    const cpus = os.cpus();
    return {
      cpu: cpus[0]?.model?.trim() || 'unknown',
      cores: os.availableParallelism?.() ?? cpus.length,
      node: `v${proc.versions.node}`,
      platform: proc.platform,
      arch: proc.arch,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
      wasm: wasmFeatures(),
    };
  }
  const nav = (globalThis as { navigator?: { userAgent?: string; hardwareConcurrency?: number } }).navigator;
  return { browser: nav?.userAgent, cores: nav?.hardwareConcurrency, wasm: wasmFeatures() };
}
