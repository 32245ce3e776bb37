// GEMM suite: GFLOP/s of A·B, A·Bᵀ and Aᵀ·B for square N×N×N products, SIMD kernel against
// the scalar reference, on operands already in Wasm memory (no copies timed).
import { Bench } from 'tinybench';
import { Buf, allocF32, gemm, setKernelImpl, simdPeakLoop } from '../src/binding.js';
import { Rng } from '../src/rng.js';
import type { BenchRecord, SuiteOptions } from './record.js';
import { recordFrom } from './record.js';

const VARIANTS = [
  { name: 'A·B', tA: false, tB: false },
  { name: 'A·Bᵀ', tA: false, tB: true },
  { name: 'Aᵀ·B', tA: true, tB: false },
] as const;

function filled(n: number, seed: number): Buf {
  const b = allocF32(n);
  const r = new Rng(seed);
  b.write(Float32Array.from({ length: n }, () => 2 * r.next() - 1));
  return b;
}

/** The ceiling: independent f32x4 multiply-adds with no memory traffic (assembly/peak.ts). */
async function peak(opts: SuiteOptions): Promise<BenchRecord | null> {
  const iters = 1 << 20;
  const bench = new Bench({ time: opts.quick ? 150 : 600, iterations: 10, warmupTime: 100, warmupIterations: 5 });
  let flop = 0;
  bench.add('simd peak', () => {
    flop = simdPeakLoop(iters);
  });
  await bench.run();
  return recordFrom('gemm', 'peak', 'simd', 0, bench.tasks[0], flop);
}

export async function gemmSuite(opts: SuiteOptions): Promise<BenchRecord[]> {
  const sizes = opts.quick ? [128, 256, 512] : [128, 256, 512, 1024];
  const records: BenchRecord[] = [];
  const p = await peak(opts);
  opts.progress?.(p);
  if (p) records.push(p);
  for (const N of sizes) {
    const A = filled(N * N, 1);
    const B = filled(N * N, 2);
    const C = allocF32(N * N);
    const flop = 2 * N * N * N;
    const bench = new Bench({ time: opts.quick ? 150 : 600, iterations: 5, warmupTime: 100, warmupIterations: 2 });
    for (const engine of ['simd', 'scalar'] as const) {
      // the scalar reference is ~40× slower: keep its sample count small at large N
      if (engine === 'scalar' && opts.quick && N > 256) continue;
      for (const v of VARIANTS) {
        bench.add(`${engine} ${v.name} ${N}`, () => {
          setKernelImpl(engine);
          gemm(v.tA, v.tB, N, N, N, 1, A, N, B, N, 0, C, N);
          setKernelImpl('simd');
        });
      }
    }
    await bench.run();
    for (const t of bench.tasks) {
      const [engine, name] = t.name.split(' ');
      const r = recordFrom('gemm', name, engine, N, t, flop);
      if (r) records.push(r);
      opts.progress?.(r);
    }
    for (const b of [A, B, C]) b.free();
  }
  return records;
}
