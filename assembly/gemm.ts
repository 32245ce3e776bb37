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

// ---- tile and blocking constants: the only place they are set ----
// There is no FMA in plain Wasm SIMD: each k step of a tile is one f32x4.mul + one f32x4.add
// per accumulator. V8 (x64) allocates 15 xmm registers and hoists a step's loads ahead of its
// arithmetic, so 8 accumulators + 4 B vectors + 1 broadcast A + 1 product is the largest tile
// that does not spill (4×8 fits too and measured 2-4% slower; 5×8, 3×12 spill and run at half
// speed). K is unrolled by KU inside the micro-kernel (see there) to amortize the loop overhead.
const MR: i32 = 2;   // micro-tile rows: 2 broadcast A values per k
const NR: i32 = 16;  // micro-tile cols: four f32x4 of B per k -> 8 f32x4 accumulators
const KU: i32 = 8;   // k steps per micro-kernel loop iteration (written out by hand below)
const KC: i32 = 256; // K block: a KC×NR B micro-panel (16 KiB) stays in L1 across the M loop
const MC: i32 = 128; // M block: the packed MC×KC A block (128 KiB) stays in L2
const NC: i32 = 512; // N block: the packed KC×NC B block (512 KiB) stays in L2
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

// One MR×NR (2×16) tile: acc (2,16) = pa (kc×2 packed A panel) · pb (kc×16 packed B panel), then
// C[0:mr, 0:nr] = alpha*acc + beta*C + bias[0:nr]  (C row stride ldc; beta == 0: C not read;
// bias == 0: none). kc >= 1. Partial tiles (mr < 2 or nr < 16) go through the scratch `edge`.
function gemm_2x16_microkernel(kc: i32, pa: usize, pb: usize, alpha: f32, beta: f32,
                               C: usize, ldc: i32, bias: usize, mr: i32, nr: i32,
                               edge: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  let b0: v128, b1: v128, b2: v128, b3: v128, a: v128;
  // KU = 8 k steps per iteration, each: 4 B loads, 2 A broadcasts, 8 mul + 8 add. The "n <= s"
  // exits between steps end the loop at any kc (no remainder loop) and, being branches, keep
  // Binaryen from merging the steps into per-accumulator chains, which would need all the
  // steps' B vectors live at once and spill.
  let n = kc;
  while (true) {
    b0 = v128.load(pb, 0); b1 = v128.load(pb, 16); b2 = v128.load(pb, 32); b3 = v128.load(pb, 48);
    a = v128.load32_splat(pa, 0);
    c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
    c02 = f32x4.add(c02, f32x4.mul(a, b2)); c03 = f32x4.add(c03, f32x4.mul(a, b3));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
    c12 = f32x4.add(c12, f32x4.mul(a, b2)); c13 = f32x4.add(c13, f32x4.mul(a, b3));
    if (n <= 1) break;
    b0 = v128.load(pb, 64); b1 = v128.load(pb, 80); b2 = v128.load(pb, 96); b3 = v128.load(pb, 112);
    a = v128.load32_splat(pa, 8);
    c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
    c02 = f32x4.add(c02, f32x4.mul(a, b2)); c03 = f32x4.add(c03, f32x4.mul(a, b3));
    a = v128.load32_splat(pa, 12);
    c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
    c12 = f32x4.add(c12, f32x4.mul(a, b2)); c13 = f32x4.add(c13, f32x4.mul(a, b3));
    if (n <= 2) break;
    b0 = v128.load(pb, 128); b1 = v128.load(pb, 144); b2 = v128.load(pb, 160); b3 = v128.load(pb, 176);
    a = v128.load32_splat(pa, 16);
    c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
    c02 = f32x4.add(c02, f32x4.mul(a, b2)); c03 = f32x4.add(c03, f32x4.mul(a, b3));
    a = v128.load32_splat(pa, 20);
    c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
    c12 = f32x4.add(c12, f32x4.mul(a, b2)); c13 = f32x4.add(c13, f32x4.mul(a, b3));
    if (n <= 3) break;
    b0 = v128.load(pb, 192); b1 = v128.load(pb, 208); b2 = v128.load(pb, 224); b3 = v128.load(pb, 240);
    a = v128.load32_splat(pa, 24);
    c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
    c02 = f32x4.add(c02, f32x4.mul(a, b2)); c03 = f32x4.add(c03, f32x4.mul(a, b3));
    a = v128.load32_splat(pa, 28);
    c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
    c12 = f32x4.add(c12, f32x4.mul(a, b2)); c13 = f32x4.add(c13, f32x4.mul(a, b3));
    if (n <= 4) break;
    b0 = v128.load(pb, 256); b1 = v128.load(pb, 272); b2 = v128.load(pb, 288); b3 = v128.load(pb, 304);
    a = v128.load32_splat(pa, 32);
    c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
    c02 = f32x4.add(c02, f32x4.mul(a, b2)); c03 = f32x4.add(c03, f32x4.mul(a, b3));
    a = v128.load32_splat(pa, 36);
    c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
    c12 = f32x4.add(c12, f32x4.mul(a, b2)); c13 = f32x4.add(c13, f32x4.mul(a, b3));
    if (n <= 5) break;
    b0 = v128.load(pb, 320); b1 = v128.load(pb, 336); b2 = v128.load(pb, 352); b3 = v128.load(pb, 368);
    a = v128.load32_splat(pa, 40);
    c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
    c02 = f32x4.add(c02, f32x4.mul(a, b2)); c03 = f32x4.add(c03, f32x4.mul(a, b3));
    a = v128.load32_splat(pa, 44);
    c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
    c12 = f32x4.add(c12, f32x4.mul(a, b2)); c13 = f32x4.add(c13, f32x4.mul(a, b3));
    if (n <= 6) break;
    b0 = v128.load(pb, 384); b1 = v128.load(pb, 400); b2 = v128.load(pb, 416); b3 = v128.load(pb, 432);
    a = v128.load32_splat(pa, 48);
    c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
    c02 = f32x4.add(c02, f32x4.mul(a, b2)); c03 = f32x4.add(c03, f32x4.mul(a, b3));
    a = v128.load32_splat(pa, 52);
    c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
    c12 = f32x4.add(c12, f32x4.mul(a, b2)); c13 = f32x4.add(c13, f32x4.mul(a, b3));
    if (n <= 7) break;
    b0 = v128.load(pb, 448); b1 = v128.load(pb, 464); b2 = v128.load(pb, 480); b3 = v128.load(pb, 496);
    a = v128.load32_splat(pa, 56);
    c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
    c02 = f32x4.add(c02, f32x4.mul(a, b2)); c03 = f32x4.add(c03, f32x4.mul(a, b3));
    a = v128.load32_splat(pa, 60);
    c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
    c12 = f32x4.add(c12, f32x4.mul(a, b2)); c13 = f32x4.add(c13, f32x4.mul(a, b3));
    pa += <usize>(MR * KU) << 2; pb += <usize>(NR * KU) << 2; n -= KU;
    if (n <= 0) break;
  }

  const va = f32x4.splat(alpha);
  c00 = f32x4.mul(c00, va); c01 = f32x4.mul(c01, va); c02 = f32x4.mul(c02, va); c03 = f32x4.mul(c03, va);
  c10 = f32x4.mul(c10, va); c11 = f32x4.mul(c11, va); c12 = f32x4.mul(c12, va); c13 = f32x4.mul(c13, va);
  if (mr == MR && nr == NR) {
    const C1 = C + (<usize>ldc << 2);
    if (bias != 0) {
      const z0 = v128.load(bias), z1 = v128.load(bias, 16);
      const z2 = v128.load(bias, 32), z3 = v128.load(bias, 48);
      c00 = f32x4.add(c00, z0); c01 = f32x4.add(c01, z1); c02 = f32x4.add(c02, z2); c03 = f32x4.add(c03, z3);
      c10 = f32x4.add(c10, z0); c11 = f32x4.add(c11, z1); c12 = f32x4.add(c12, z2); c13 = f32x4.add(c13, z3);
    }
    if (beta != 0) {
      const vb = f32x4.splat(beta);
      c00 = f32x4.add(c00, f32x4.mul(v128.load(C), vb));
      c01 = f32x4.add(c01, f32x4.mul(v128.load(C, 16), vb));
      c02 = f32x4.add(c02, f32x4.mul(v128.load(C, 32), vb));
      c03 = f32x4.add(c03, f32x4.mul(v128.load(C, 48), vb));
      c10 = f32x4.add(c10, f32x4.mul(v128.load(C1), vb));
      c11 = f32x4.add(c11, f32x4.mul(v128.load(C1, 16), vb));
      c12 = f32x4.add(c12, f32x4.mul(v128.load(C1, 32), vb));
      c13 = f32x4.add(c13, f32x4.mul(v128.load(C1, 48), vb));
    }
    v128.store(C, c00); v128.store(C, c01, 16); v128.store(C, c02, 32); v128.store(C, c03, 48);
    v128.store(C1, c10); v128.store(C1, c11, 16); v128.store(C1, c12, 32); v128.store(C1, c13, 48);
  } else {
    // partial tile: spill alpha*acc to the scratch tile, then fuse beta/bias per element
    v128.store(edge, c00, 0);  v128.store(edge, c01, 16); v128.store(edge, c02, 32);
    v128.store(edge, c03, 48); v128.store(edge, c10, 64); v128.store(edge, c11, 80);
    v128.store(edge, c12, 96); v128.store(edge, c13, 112);
    for (let r = 0; r < mr; r++) {
      const c = C + ((<usize>r * <usize>ldc) << 2);
      const e = edge + (<usize>(r * NR) << 2);
      for (let j = 0; j < nr; j++) {
        const o = <usize>j << 2;
        let v = load<f32>(e + o);
        if (bias != 0) v += load<f32>(bias + o);
        if (beta != 0) v += beta * load<f32>(c + o);
        store<f32>(c + o, v);
      }
    }
  }
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
