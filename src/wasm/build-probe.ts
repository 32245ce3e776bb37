// A private instance of one single-threaded build (deterministic or fast), beside whatever
// init() loaded, so the builds can be compared call against call in one process (the bench's
// `fast` suite: relaxed_madd against mul + add on the same operands). It has its own memory and
// its own operands; its calls take sizes only, so no address leaves this module.
import { type Precision, buildBytes, relaxedSimdUnavailable } from './instance.js';

export interface BuildProbe {
  readonly precision: Precision;
  /** One run of the build's peak loop (assembly/peak.ts) over `iters` iterations; returns its flops. */
  peak(iters: number): number;
  /**
   * A call of the build's GEMM, C (N,N) = op(A)·op(B), on N×N operands that hold the same
   * values in every probe (N ≤ the probe's maxN).
   */
  gemm(transA: boolean, transB: boolean, N: number): () => void;
  /** A copy of C (N×N) as the last gemm call left it. */
  lastC(N: number): Float32Array;
}

type Fn = (...a: number[]) => number;

/** Fills `a` with values in [-0.5, 0.5) from a fixed linear congruential sequence. */
export function fillFixed(a: Float32Array, seed: number): void {
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    a[i] = (s >>> 8) / 16777216 - 0.5;
  }
}

/** Instantiates `precision`'s single-threaded build with room for N ≤ maxN operands. */
export async function openBuildProbe(precision: Precision, maxN: number): Promise<BuildProbe> {
  if (!(Number.isInteger(maxN) && maxN >= 1 && maxN <= 4096)) throw new RangeError(`openBuildProbe: maxN must be an integer in [1, 4096], got ${maxN}`);
  if (precision === 'fast') {
    const why = relaxedSimdUnavailable();
    if (why) throw new Error(`the fast build cannot run here: ${why}`);
  }
  const { instance } = await WebAssembly.instantiate(await buildBytes(precision), {
    env: { abort: () => { throw new Error(`gaaf: the ${precision} build probe's kernel aborted`); } },
  });
  const ex = instance.exports as unknown as Record<string, Fn> & { memory: WebAssembly.Memory };
  const align = (x: number): number => Math.ceil(x / 64) * 64;
  const floats = maxN * maxN;
  const peakAt = align(ex.heap_base());
  const work = align(peakAt + 256);
  const A = align(work + ex.gemm_workspace_bytes());
  const B = align(A + 4 * floats), C = align(B + 4 * floats), end = C + 4 * floats;
  const have = ex.memory.buffer.byteLength;
  if (end > have) ex.memory.grow(Math.ceil((end - have) / 65536));
  const f32 = (at: number, n: number): Float32Array => new Float32Array(ex.memory.buffer, at, n); // after any growth
  const p = f32(peakAt, 24); // the peak loop's operands: small, so its accumulators stay finite
  fillFixed(p, 7);
  p.forEach((v, i) => (p[i] = v * 2e-3));
  fillFixed(f32(A, floats), 1);
  fillFixed(f32(B, floats), 2);
  const check = (N: number): void => {
    if (!(Number.isInteger(N) && N >= 1 && N <= maxN)) throw new RangeError(`BuildProbe.gemm: N must be an integer in [1, ${maxN}], got ${N}`);
  };
  return {
    precision,
    peak: (iters) => {
      ex.simd_peak_loop(iters, peakAt);
      return ex.simd_peak_flops(iters);
    },
    gemm: (transA, transB, N) => {
      check(N);
      const tA = transA ? 1 : 0, tB = transB ? 1 : 0;
      return () => ex.gemm(tA, tB, N, N, N, 1, A, N, B, N, 0, C, N, 0, work);
    },
    lastC: (N) => {
      check(N);
      return f32(C, N * N).slice();
    },
  };
}
