// GEMM: C (M,N) = alpha * op(A) (M,K) * op(B) (K,N) + beta * C + bias (N, broadcast over rows).
// Row-major, strides in floats, pointers are byte addresses into linear memory.
//
// Fast path (`gemm`): BLIS-style blocking. op(B) is packed into NR-column panels and op(A)
// into MR-row panels (the packing absorbs transA/transB, so A·B, A·Bᵀ and Aᵀ·B all run the
// same register-tiled micro-kernel); loops block over N (NC), K (KC) and M (MC) for cache.
// Edge tiles are zero-padded in the packing and stored through a small scratch tile.
// alpha, beta and the bias are fused into the micro-kernel's store; beta == 0 never reads C
// (BLAS convention: NaN/garbage in C does not propagate), and alpha == 0 or K == 0 never
// reads A and B (C = beta*C + bias).

import { gemm_2x16_microkernel } from "./gemm_microkernel";

// ---- tile and blocking constants: the only place they are set ----
// There is no FMA in plain Wasm SIMD: each k step of a tile is one f32x4.mul + one f32x4.add
// per accumulator. V8 (x64) allocates 15 xmm registers and hoists a step's loads ahead of its
// arithmetic, so 8 accumulators + 4 B vectors + 1 broadcast A + 1 product is the largest tile
// that does not spill (4×8 fits too and measured 2-4% slower; 5×8, 3×12 spill and run at half
// speed). K is unrolled by KU inside the micro-kernel to amortize the loop overhead.
// The micro-kernel (assembly/gemm_microkernel.ts) is generated for MR, NR and KU by
// scripts/gen-microkernel.ts; the build refuses a generated file that does not match them.
// They are exported (immutable globals): the binding splits C on MR rows / NR columns and the
// specs size their cases around KC, MC and NC, all read from here.
export const GEMM_MR: i32 = 2;   // micro-tile rows: 2 broadcast A values per k
export const GEMM_NR: i32 = 16;  // micro-tile cols: four f32x4 of B per k -> 8 f32x4 accumulators
const KU: i32 = 8;               // k steps per micro-kernel loop iteration (the generator's unroll)
export const GEMM_KC: i32 = 256; // K block: a KC×NR B micro-panel (16 KiB) stays in L1 across the M loop
export const GEMM_MC: i32 = 128; // M block: the packed MC×KC A block (128 KiB) stays in L2
export const GEMM_NC: i32 = 512; // N block: the packed KC×NC B block (512 KiB) stays in L2
const MR = GEMM_MR, NR = GEMM_NR, KC = GEMM_KC, MC = GEMM_MC, NC = GEMM_NC;
// workspace layout (floats): [packed A: MC*KC][packed B: KC*NC][edge tile: MR*NR]
const PACK_A_FLOATS: i32 = MC * KC;
const PACK_B_FLOATS: i32 = KC * NC;
const EDGE_FLOATS: i32 = MR * NR;

// bytes of scratch `work` that gemm needs (caller provides it, 16-byte aligned)
export function gemm_workspace_bytes(): i32 {
  return (PACK_A_FLOATS + PACK_B_FLOATS + EDGE_FLOATS) << 2;
}

// A (M,K) or (K,M) if transA, B (K,N) or (N,K) if transB, C (M,N), bias (N) or 0,
// work: gemm_workspace_bytes() bytes of scratch.
export function gemm(transA: i32, transB: i32, M: i32, N: i32, K: i32, alpha: f32,
                     A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32,
                     bias: usize, work: usize): void {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0) { // op(A)·op(B) contributes nothing: C = beta*C + bias
    gemm_scale_c(M, N, beta, C, ldc, bias);
    return;
  }
  const packA = work;
  const packB = work + (<usize>PACK_A_FLOATS << 2);
  const edge = packB + (<usize>PACK_B_FLOATS << 2);
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      // beta and bias are applied by the first K block only; later blocks accumulate
      const bt: f32 = pc == 0 ? beta : 1;
      const bb: usize = pc == 0 ? bias : 0;
      gemm_pack_b(transB, B, ldb, pc, jc, kc, nc, packB);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = min(MC, M - ic);
        gemm_pack_a(transA, A, lda, ic, pc, mc, kc, packA);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = packB + (<usize>(jr * kc) << 2);
          const bj: usize = bb != 0 ? bb + (<usize>(jc + jr) << 2) : 0;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const cp = C + ((<usize>(ic + ir) * <usize>ldc + <usize>(jc + jr)) << 2);
            gemm_2x16_microkernel(kc, packA + (<usize>(ir * kc) << 2), pb,
                                  alpha, bt, cp, ldc, bj, mr, nr, edge);
          }
        }
      }
    }
  }
}

// C (M,N) = beta*C + bias (N) or 0; beta == 0 does not read C. Used when K == 0 or alpha == 0.
function gemm_scale_c(M: i32, N: i32, beta: f32, C: usize, ldc: i32, bias: usize): void {
  for (let i = 0; i < M; i++) {
    const c = C + ((<usize>i * <usize>ldc) << 2);
    for (let j = 0; j < N; j++) {
      const p = c + (<usize>j << 2);
      let v: f32 = beta != 0 ? beta * load<f32>(p) : 0;
      if (bias != 0) v += load<f32>(bias + (<usize>j << 2));
      store<f32>(p, v);
    }
  }
}

// Packs the block op(A)[ic:ic+mc, pc:pc+kc] into ceil(mc/MR) panels; panel p holds rows
// ic+p*MR .. +MR as kc×MR (k-major: dst[k*MR + r]), rows past mc zero-padded.
// A (M,K) with row stride lda, or (K,M) if transA.
function gemm_pack_a(transA: i32, A: usize, lda: i32, ic: i32, pc: i32, mc: i32, kc: i32,
                     dst: usize): void {
  const ldaB = <usize>lda << 2;
  if (transA) {
    // op(A)(i,k) = A[k*lda + i]: stored rows run along i. Walk k outermost so A is read row by
    // row (walking panel by panel strides over kc rows of A and thrashes the TLB): 4 rows of A
    // × 4 columns -> 4 consecutive k of two panels (MR = 2) per step.
    const panelB = <usize>(MR * kc) << 2; // bytes per packed panel
    const mc4 = mc & ~3, kc4 = kc & ~3;
    for (let k = 0; k < kc4; k += 4) {
      const s0 = A + ((<usize>(pc + k) * <usize>lda + <usize>ic) << 2);
      const s1 = s0 + ldaB, s2 = s1 + ldaB, s3 = s2 + ldaB;
      let d = dst + (<usize>(k * MR) << 2);
      for (let ir = 0; ir < mc4; ir += 4) {
        const o = <usize>ir << 2;
        const r0 = v128.load(s0 + o), r1 = v128.load(s1 + o);
        const r2 = v128.load(s2 + o), r3 = v128.load(s3 + o);
        v128.store(d, i32x4.shuffle(r0, r1, 0, 1, 4, 5));
        v128.store(d, i32x4.shuffle(r2, r3, 0, 1, 4, 5), 16);
        v128.store(d + panelB, i32x4.shuffle(r0, r1, 2, 3, 6, 7));
        v128.store(d + panelB, i32x4.shuffle(r2, r3, 2, 3, 6, 7), 16);
        d += panelB << 1;
      }
    }
    // the rest one element at a time: rows ir >= mc4 for k < kc4, then all rows for k >= kc4
    for (let k = 0; k < kc; k++) {
      const s = A + ((<usize>(pc + k) * <usize>lda + <usize>ic) << 2);
      for (let ir = k < kc4 ? mc4 : 0; ir < mc; ir += MR) {
        const d = dst + (<usize>(ir * kc + k * MR) << 2);
        for (let r = 0; r < MR; r++) {
          store<f32>(d + (<usize>r << 2), ir + r < mc ? load<f32>(s + (<usize>(ir + r) << 2)) : 0);
        }
      }
    }
    return;
  }
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    let d = dst + (<usize>(ir * kc) << 2);
    // op(A)(i,k) = A[i*lda + k]: each row is contiguous in k; interleave the MR = 2 rows
    const s0 = A + ((<usize>(ic + ir) * <usize>lda + <usize>pc) << 2);
    if (mr == MR) {
      const s1 = s0 + ldaB;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const o = <usize>k << 2;
        const r0 = v128.load(s0 + o), r1 = v128.load(s1 + o);
        v128.store(d, i32x4.shuffle(r0, r1, 0, 4, 1, 5));
        v128.store(d, i32x4.shuffle(r0, r1, 2, 6, 3, 7), 16);
        d += 32;
      }
      for (; k < kc; k++) {
        const o = <usize>k << 2;
        store<f32>(d, load<f32>(s0 + o));
        store<f32>(d, load<f32>(s1 + o), 4);
        d += 8;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let r = 0; r < MR; r++) {
          store<f32>(d + (<usize>r << 2),
                     r < mr ? load<f32>(s0 + <usize>r * ldaB + (<usize>k << 2)) : 0);
        }
        d += 8;
      }
    }
  }
}

// Packs the block op(B)[pc:pc+kc, jc:jc+nc] into ceil(nc/NR) panels; panel p holds cols
// jc+p*NR .. +NR as kc×NR (k-major: dst[k*NR + c]), cols past nc zero-padded.
// B (K,N) with row stride ldb, or (N,K) if transB.
function gemm_pack_b(transB: i32, B: usize, ldb: i32, pc: i32, jc: i32, kc: i32, nc: i32,
                     dst: usize): void {
  const ldbB = <usize>ldb << 2;
  if (!transB) {
    // op(B)(k,j) = B[k*ldb + j]: stored rows run along j. Walk k outermost so B is read row by
    // row (walking panel by panel strides over kc rows of B and thrashes the TLB).
    const panelB = <usize>(NR * kc) << 2; // bytes per packed panel
    const full = nc - nc % NR;
    for (let k = 0; k < kc; k++) {
      const s = B + ((<usize>(pc + k) * <usize>ldb + <usize>jc) << 2);
      let d = dst + (<usize>(k * NR) << 2);
      let jr = 0;
      for (; jr < full; jr += NR) { // NR = 16 floats: four f32x4
        const sj = s + (<usize>jr << 2);
        v128.store(d, v128.load(sj));
        v128.store(d, v128.load(sj, 16), 16);
        v128.store(d, v128.load(sj, 32), 32);
        v128.store(d, v128.load(sj, 48), 48);
        d += panelB;
      }
      if (jr < nc) {
        for (let c = 0; c < NR; c++) {
          store<f32>(d + (<usize>c << 2), jr + c < nc ? load<f32>(s + (<usize>(jr + c) << 2)) : 0);
        }
      }
    }
    return;
  }
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    let d = dst + (<usize>(jr * kc) << 2);
    // op(B)(k,j) = B[j*ldb + k]: each of the NR rows is contiguous in k; transpose 4×4 blocks
    const s0 = B + ((<usize>(jc + jr) * <usize>ldb + <usize>pc) << 2);
    if (nr == NR) {
      for (let g = 0; g < NR; g += 4) {
        const t0 = s0 + <usize>g * ldbB, t1 = t0 + ldbB, t2 = t1 + ldbB, t3 = t2 + ldbB;
        let dd = d + (<usize>g << 2);
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const o = <usize>k << 2;
          transpose4_store(v128.load(t0 + o), v128.load(t1 + o), v128.load(t2 + o),
                           v128.load(t3 + o), dd, 64);
          dd += 256;
        }
        for (; k < kc; k++) {
          const o = <usize>k << 2;
          store<f32>(dd, load<f32>(t0 + o));
          store<f32>(dd, load<f32>(t1 + o), 4);
          store<f32>(dd, load<f32>(t2 + o), 8);
          store<f32>(dd, load<f32>(t3 + o), 12);
          dd += 64;
        }
      }
    } else {
      for (let k = 0; k < kc; k++) {
        for (let c = 0; c < NR; c++) {
          store<f32>(d + (<usize>c << 2),
                     c < nr ? load<f32>(s0 + <usize>c * ldbB + (<usize>k << 2)) : 0);
        }
        d += 64;
      }
    }
  }
}

// rows r0..r3 (4 floats each) of a 4×4 block -> its columns stored at d, d+step, d+2step, d+3step
// @ts-ignore: decorator
@inline
function transpose4_store(r0: v128, r1: v128, r2: v128, r3: v128, d: usize, step: usize): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(d, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(d + step, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(d + 2 * step, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(d + 3 * step, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

// Scalar reference, same contract as gemm (no workspace): plain triple loop, f32 accumulation
// in k order. A (M,K) or (K,M) if transA, B (K,N) or (N,K) if transB, C (M,N), bias (N) or 0.
export function gemm_ref(transA: i32, transB: i32, M: i32, N: i32, K: i32, alpha: f32,
                         A: usize, lda: i32, B: usize, ldb: i32, beta: f32, C: usize, ldc: i32,
                         bias: usize): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s: f32 = 0;
      for (let k = 0; k < K; k++) {
        const ai = transA ? <usize>k * <usize>lda + <usize>i : <usize>i * <usize>lda + <usize>k;
        const bi = transB ? <usize>j * <usize>ldb + <usize>k : <usize>k * <usize>ldb + <usize>j;
        s += load<f32>(A + (ai << 2)) * load<f32>(B + (bi << 2));
      }
      const p = C + ((<usize>i * <usize>ldc + <usize>j) << 2);
      let v: f32 = alpha * s;
      if (bias != 0) v += load<f32>(bias + (<usize>j << 2));
      if (beta != 0) v += beta * load<f32>(p);
      store<f32>(p, v);
    }
  }
}
