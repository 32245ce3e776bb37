// Computations whose bytes the threads tests compare across thread counts and across the
// threaded and single-threaded builds (threads-fallback-child.ts runs them in a child).
import { createHash } from 'node:crypto';
import type { allocF32 as AllocF32, gemm as Gemm } from '../src/binding.js';

/** sha256 of C = A·Bᵀ + bias for a fixed 200×150×70 problem. */
export function fixedGemm(allocF32: typeof AllocF32, gemm: typeof Gemm): string {
  const M = 200, N = 150, K = 70;
  const A = allocF32(M * K), B = allocF32(N * K), C = allocF32(M * N), bias = allocF32(N);
  A.write(Float32Array.from({ length: M * K }, (_, i) => Math.sin(0.37 * i)));
  B.write(Float32Array.from({ length: N * K }, (_, i) => Math.cos(0.11 * i)));
  bias.write(Float32Array.from({ length: N }, (_, i) => i / N));
  gemm(false, true, M, N, K, 0.5, A, K, B, K, 0, C, N, bias);
  const h = createHash('sha256').update(C.read()).digest('hex');
  for (const b of [A, B, C, bias]) b.free();
  return h;
}

/** Weights sha256 after one epoch of a small MLP with GAAF, dropout and Adam on 512 digits. */
export async function shortTraining(): Promise<string> {
  const { Adam, loadBundledDigits, paperMlp, subset } = await import('../src/node.js');
  const { train } = loadBundledDigits();
  const model = paperMlp({ gaaf: true, dropout: 0.25, hidden: [96, 48] });
  await model.fit(subset(train, { start: 0, end: 512 }), { epochs: 1, batchSize: 128, optimizer: new Adam({ lr: 1e-3 }), seed: 7 });
  const h = await model.weightsSha256();
  model.dispose();
  return h;
}
