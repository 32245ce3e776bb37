// GEMM (assembly/gemm.ts): its table entry.
import { bool, dim, finite, raw } from './checks.js';
import { defineKernel } from './kernel.js';
import type { Buf } from './memory.js';
import { gemmWorkspace, rowsOrColumnsOfC } from './parallel.js';

/**
 * C (M,N) = alpha·op(A)·op(B) + beta·C + bias (N). op(A) is M×K: A is stored M×K, or K×M when
 * transA. op(B) is K×N: B is stored K×N, or N×K when transB. Row-major, with row strides.
 * beta = 0 means C is not read. C must not be A, B or bias.
 */
export const gemm = defineKernel({
  name: 'gemm', simd: 'gemm', ref: 'gemm_ref',
  params: ['transA', 'transB', 'M', 'N', 'K', 'alpha', 'A', 'lda', 'B', 'ldb', 'beta', 'C', 'ldc', 'bias'],
  args: ['transA', 'transB', 'M', 'N', 'K', 'alpha', 'A', 'lda', 'B', 'ldb', 'beta', 'C', 'ldc', 'bias', 'work'],
  scalars: { M: dim, N: dim, K: dim, alpha: finite, beta: finite, transA: bool, transB: bool, lda: raw, ldb: raw, ldc: raw },
  operands: {
    A: { role: 'in', mat: { rows: 'M', cols: 'K', ld: 'lda', transposed: 'transA' } },
    B: { role: 'in', mat: { rows: 'K', cols: 'N', ld: 'ldb', transposed: 'transB' } },
    C: { role: 'inout', mat: { rows: 'M', cols: 'N', ld: 'ldc' } },
    bias: { role: 'in', optional: true, len: 'N' },
    work: { role: 'work', scratch: () => gemmWorkspace(0), simdOnly: true },
  },
  split: rowsOrColumnsOfC,
}) as (transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Buf, lda: number, B: Buf, ldb: number, beta: number, C: Buf, ldc: number, bias?: Buf | null) => void;
