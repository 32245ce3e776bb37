// The SIMD ceiling (assembly/peak.ts): the register-only f32x4 multiply-add loop, as a table
// entry. It has no scalar reference (it is the measurement itself), so setKernelImpl does not
// change it.
import { dim } from './checks.js';
import { instance } from './instance.js';
import { defineKernel } from './kernel.js';
import { Buf } from './memory.js';

let scratch: Buf | null = null;

function peakScratch(): Buf {
  if (!scratch) {
    scratch = new Buf(64, 'f32', 'peak scratch');
    scratch.write(Float32Array.from({ length: 24 }, (_, i) => 1e-3 * (i + 1)));
  }
  return scratch;
}

/**
 * Runs `iters` iterations of the register-only f32x4 multiply-add loop (assembly/peak.ts)
 * and returns the flops it did: timing it gives this machine's reachable SIMD peak.
 */
export const simdPeakLoop = defineKernel({
  name: 'simdPeakLoop', simd: 'simd_peak_loop',
  params: ['iters'], args: ['iters', 'p'],
  scalars: { iters: dim },
  operands: { p: { role: 'inout', scratch: peakScratch } },
  result: (_r, get) => (instance('simdPeakLoop').ex.simd_peak_flops as (iters: number) => number)(get('iters')),
}) as (iters: number) => number;
