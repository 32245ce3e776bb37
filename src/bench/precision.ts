// The `fast` suite: the opt-in relaxed-SIMD build (init({ precision: 'fast' }): the GEMM
// micro-kernel's multiply-adds are f32x4.relaxed_madd, fused where the CPU has FMA) against the
// deterministic build (f32x4.mul then f32x4.add), call against call in one process: both builds
// are instantiated privately (src/wasm/build-probe.ts) on the same operands, and their calls
// alternate with the deterministic peak loop (the ceiling every other "% of peak" uses). Rows:
//   - each build's peak loop (relaxed_madd against mul + add, the same 64 flops an iteration):
//     what fusing can give on this CPU before any memory traffic;
//   - GEMM A·B, A·Bᵀ, Aᵀ·B at square N, with the largest difference of the two builds' C
//     relative to max |C| (params.maxRelDiff): the last bits they may differ in.
// Where relaxed SIMD does not validate (Node 20 without --experimental-wasm-relaxed-simd) every
// row is an error record that says so.
import { type BuildProbe, openBuildProbe } from '../binding.js';
import { GEMM_VARIANTS, PEAK_ITERS } from './kernels.js';
import { type PairCase, runPairCases } from './pairs.js';
import type { BenchRecord } from './record.js';
import type { BenchMode } from './runner.js';

const SIZES: Readonly<Record<BenchMode, readonly number[]>> = { full: [256, 512, 1024], quick: [256, 512], smoke: [17] };

/**
 * The two builds' probes, opened once per process and again only when a run needs larger
 * operands (a failure is kept and reported by every case of the run).
 */
let probes: { maxN: number; p: Promise<{ fast: BuildProbe; det: BuildProbe }> } | null = null;
function open(maxN: number): Promise<{ fast: BuildProbe; det: BuildProbe }> {
  if (!probes || probes.maxN < maxN) {
    probes = { maxN, p: Promise.all([openBuildProbe('fast', maxN), openBuildProbe('deterministic', maxN)]).then(([fast, det]) => ({ fast, det })) };
  }
  return probes.p;
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return m > 0 ? d / m : d;
}

/** The fast suite's cases: the two peak loops, then GEMM per variant and size. */
export function precisionPairCases(mode: BenchMode): PairCase[] {
  const sizes = SIZES[mode], maxN = Math.max(...sizes);
  const detPeak = { fn: () => 0, flop: 64 * PEAK_ITERS };
  const withPeak = async () => {
    const p = await open(maxN);
    detPeak.fn = () => p.det.peak(PEAK_ITERS);
    return p;
  };
  const peakCase: PairCase = {
    suite: 'fast', name: 'peak loop', engine: 'relaxed', size: 0, impl: 'assembly/peak.ts, f32x4.relaxed_madd (fast build)',
    work: { flop: 64 * PEAK_ITERS },
    prepare: async () => ({ fn: (await withPeak()).fast.peak.bind(null, PEAK_ITERS) }),
    peers: [{ engine: 'simd', prepare: async () => ({ fn: (await withPeak()).det.peak.bind(null, PEAK_ITERS), impl: 'assembly/peak.ts, f32x4.mul + f32x4.add (deterministic build)' }) }],
    peak: detPeak,
  };
  const gemmCases = sizes.flatMap((N) => GEMM_VARIANTS.map((v): PairCase => {
    const params: Record<string, number | string> = { N };
    return {
      suite: 'fast', name: `gemm ${v.name}`, engine: 'relaxed', size: N, impl: 'gaaf GEMM, fast build (relaxed_madd)', params,
      work: { flop: 2 * N * N * N },
      prepare: async () => {
        const p = await withPeak();
        const fast = p.fast.gemm(v.tA, v.tB, N), det = p.det.gemm(v.tA, v.tB, N);
        fast();
        det();
        params.maxRelDiff = maxRelDiff(p.fast.lastC(N), p.det.lastC(N));
        return { fn: fast };
      },
      peers: [{ engine: 'simd', prepare: async () => ({ fn: (await withPeak()).det.gemm(v.tA, v.tB, N), impl: 'gaaf GEMM, deterministic build (mul + add)' }) }],
      peak: detPeak,
      rounds: N >= 1024 && mode === 'full' ? 21 : undefined,
    };
  }));
  return [peakCase, ...gemmCases];
}

/** Runs the fast suite. */
export function runPrecisionPairs(mode: BenchMode, onRecord?: (r: BenchRecord) => void): Promise<BenchRecord[]> {
  return runPairCases(precisionPairCases(mode), mode, onRecord);
}
