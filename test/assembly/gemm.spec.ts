import { gemm, gemm_ref, gemm_workspace_bytes, GEMM_MR as MR, GEMM_NR as NR, GEMM_KC as KC, GEMM_MC as MC, GEMM_NC as NC } from "../../assembly/gemm";

// gemm (packed, SIMD, blocked over K/M/N) is compared with the scalar triple loop gemm_ref.
// Tolerance: the two sum the K products in different orders (gemm splits K into KC blocks and
// applies alpha per block), so per element we allow
//   |fast - ref| <= 1e-5 * (1 + K) * mag,   mag = max(1, |alpha|, max |ref| over C)
// (f32 eps is 6e-8; inputs are in [-1, 1], so each partial sum is at most K in size). A wrong
// product, a dropped k, a misplaced edge element or a missed beta/bias is O(1) and fails.

const BIG: i32 = NC + 88; // the longest side of the block cases below
const MAXF: i32 = BIG * BIG; // floats per buffer (covers the largest case with padding)
// buffers come from heap.alloc (not GC-managed, 16-byte aligned; the kernel itself allocates nothing)
const A = heap.alloc(<usize>MAXF << 2);
const B = heap.alloc(<usize>MAXF << 2);
const C0 = heap.alloc(<usize>MAXF << 2); // initial C (incl. padding)
const C1 = heap.alloc(<usize>MAXF << 2); // gemm result
const C2 = heap.alloc(<usize>MAXF << 2); // gemm_ref result
const BIAS = heap.alloc(<usize>(2 * NC) << 2);
const WORK_RAW = heap.alloc(<usize>gemm_workspace_bytes() + 16);
const WORK = (WORK_RAW + 15) & ~(<usize>15);

// deterministic LCG, values in [-1, 1)
let seed: u32 = 0x12345678;
function rnd(): f32 {
  seed = seed * 1664525 + 1013904223;
  return <f32>(<f64>(seed >> 8) / 8388608.0 - 1.0);
}
function fill(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(p + (<usize>i << 2), rnd());
}
function fillv(p: usize, n: i32, v: f32): void {
  for (let i = 0; i < n; i++) store<f32>(p + (<usize>i << 2), v);
}
function at(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

let failures = 0;
let firstFailure = "";

// Runs gemm and gemm_ref on the same random inputs (strides = row length + pad) and compares
// the whole C buffer, padding and tail included (so writes outside C's M×N are caught too).
// cNaN: C starts as NaN (only meaningful with beta == 0).
function check(ta: i32, tb: i32, M: i32, N: i32, K: i32, alpha: f32, beta: f32,
               useBias: bool, pad: i32, cNaN: bool = false): void {
  const lda = (ta ? M : K) + pad, aRows = ta ? K : M;
  const ldb = (tb ? K : N) + pad, bRows = tb ? N : K;
  const ldc = N + pad;
  const aN = aRows * lda, bN = bRows * ldb, cN = M * ldc + 8; // +8: tail sentinel
  assert(aN <= MAXF && bN <= MAXF && cN <= MAXF && N <= 2 * NC);
  fill(A, aN);
  fill(B, bN);
  fill(BIAS, N);
  if (cNaN) fillv(C0, cN, NaN); else fill(C0, cN);
  memory.copy(C1, C0, <usize>cN << 2);
  memory.copy(C2, C0, <usize>cN << 2);
  const bias: usize = useBias ? BIAS : 0;
  gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C1, ldc, bias, WORK);
  gemm_ref(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C2, ldc, bias);

  let mag: f32 = max<f32>(1, Mathf.abs(alpha));
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) mag = max<f32>(mag, Mathf.abs(at(C2, i * ldc + j)));
  }
  const tol: f32 = <f32>1e-5 * <f32>(K + 1) * mag;
  for (let t = 0; t < cN; t++) {
    const i = t / ldc, j = t % ldc;
    const inside = i < M && j < N;
    const x = at(C1, t), r = at(C2, t);
    let ok: bool;
    if (inside) ok = Mathf.abs(x - r) <= tol; // false for NaN
    else ok = isNaN(at(C0, t)) ? isNaN(x) : x == at(C0, t); // untouched
    if (!ok) {
      if (failures == 0) {
        firstFailure = "transA=" + ta.toString() + " transB=" + tb.toString() + " M=" + M.toString()
          + " N=" + N.toString() + " K=" + K.toString() + " alpha=" + alpha.toString()
          + " beta=" + beta.toString() + " bias=" + (useBias ? "1" : "0") + " pad=" + pad.toString()
          + " at (" + i.toString() + "," + j.toString() + "): gemm=" + x.toString()
          + " ref=" + r.toString() + " tol=" + tol.toString();
      }
      failures++;
      return;
    }
  }
}

function expectClean(): void {
  const msg = firstFailure, n = failures;
  failures = 0; // reset first: a failing expect throws
  firstFailure = "";
  expect(msg).toBe("");
  expect(n).toBe(0);
}

// below, at and above the micro-tile (MR×NR, from assembly/gemm.ts) and 4 tiles wide
const SMALL: i32[] = [1, MR + 1, 4, 5, 7, 8, 9, NR + 1, 4 * NR - 1, 4 * NR, 4 * NR + 1];
const BETAS: f32[] = [0, 1, 0.5];
const ALPHAS: f32[] = [1.5, -0.75, 1];

describe("gemm", () => {
  it("has a constant, 16-byte multiple workspace", () => {
    const w = gemm_workspace_bytes();
    expect(w).toBeGreaterThan(0);
    expect(w & 15).toBe(0);
    expect(gemm_workspace_bytes()).toBe(w);
  });

  it("matches gemm_ref for every M, N, K in SMALL (around the MR×NR tile), all transposes", () => {
    // alpha, beta, bias and stride padding cycle with the case index, so every value of each
    // meets every size class and every (transA, transB)
    let c = 0;
    for (let t = 0; t < 4; t++) {
      for (let a = 0; a < SMALL.length; a++) {
        for (let b = 0; b < SMALL.length; b++) {
          for (let k = 0; k < SMALL.length; k++) {
            check(t >> 1, t & 1, SMALL[a], SMALL[b], SMALL[k], ALPHAS[c % 3], BETAS[(c / 3) % 3],
                  (c & 1) == 0, (c / 2) % 4);
            c++;
          }
        }
      }
    }
    expectClean();
  });

  it("matches gemm_ref with 255 and across the KC/MC/NC blocks", () => {
    // KC, MC and NC as assembly/gemm.ts exports them: sizes below, at and above each, several
    // K blocks (K > KC), several M blocks, several N blocks, with edge tiles
    const shapes: i32[] = [
      KC - 1, KC - 1, KC - 1,
      KC - 1, 9, 65,
      17, KC - 1, 63,
      64, 63, KC - 1,
      KC + 44, KC + 44, KC + 44,
      MC + 1, MC + 2, KC + 1,
      MC, 8, KC,
      5, NC + 1, 17,
      7, NC + 8, KC + 44,
      MC + 3, 65, NC + 1,
      1, BIG, 1,
      BIG, 1, 5,
    ];
    for (let s = 0; s < shapes.length; s += 3) {
      for (let t = 0; t < 4; t++) {
        const pad = (s / 3 + t) % 3 == 0 ? 0 : 5;
        check(t >> 1, t & 1, shapes[s], shapes[s + 1], shapes[s + 2], 0.75, BETAS[t % 3],
              (t & 1) == 1, pad);
        check(t >> 1, t & 1, shapes[s], shapes[s + 1], shapes[s + 2], -1.25, 0.5,
              (t & 1) == 0, 3 - pad % 3);
      }
    }
    expectClean();
  });

  it("beta == 0 ignores NaN already in C", () => {
    const shapes: i32[] = [1, 1, 1, 4, 8, 16, 5, 13, 7, 65, 63, 300, 130, 520, 17];
    for (let s = 0; s < shapes.length; s += 3) {
      for (let t = 0; t < 4; t++) {
        check(t >> 1, t & 1, shapes[s], shapes[s + 1], shapes[s + 2], 1.5, 0, t < 2, 2, true);
      }
    }
    expectClean();
    // and the result really is finite, not just equal to a NaN reference
    const c = C1, a = A, b = B;
    fillv(c, 6, NaN); fillv(a, 6, 1); fillv(b, 6, 2);
    gemm(0, 0, 2, 3, 2, 1, a, 2, b, 3, 0, c, 3, 0, WORK);
    for (let i = 0; i < 6; i++) expect(at(c, i)).toBe(4);
  });

  it("K == 0 gives beta*C + bias, alpha == 0 does not read A and B", () => {
    for (let z = 0; z < 2; z++) { // z = 0: K == 0; z = 1: alpha == 0 with NaN A and B
      for (let t = 0; t < 3; t++) {
        const beta = BETAS[t];
        const M = 5, N = 9, K = z ? 4 : 0, ldc = 11;
        fill(C0, M * ldc);
        if (beta == 0) fillv(C0, M * ldc, NaN);
        memory.copy(C1, C0, <usize>(M * ldc) << 2);
        fill(BIAS, N);
        fillv(A, 64, NaN); fillv(B, 64, NaN);
        gemm(0, 1, M, N, K, z ? 0 : 1, A, 4, B, 4, beta, C1, ldc, BIAS, WORK);
        for (let i = 0; i < M; i++) {
          for (let j = 0; j < ldc; j++) {
            const o = i * ldc + j;
            if (j < N) {
              const want: f32 = (beta != 0 ? beta * at(C0, o) : 0) + at(BIAS, j);
              expect(at(C1, o)).toBe(want);
            } else if (!isNaN(at(C0, o))) {
              expect(at(C1, o)).toBe(at(C0, o));
            }
          }
        }
      }
    }
  });

  it("M == 0 or N == 0 is a no-op", () => {
    fill(C0, 16);
    memory.copy(C1, C0, 64);
    gemm(0, 0, 0, 4, 4, 1, A, 4, B, 4, 0, C1, 4, BIAS, WORK);
    gemm(1, 1, 4, 0, 4, 1, A, 4, B, 4, 0, C1, 4, BIAS, WORK);
    for (let i = 0; i < 16; i++) expect(at(C1, i)).toBe(at(C0, i));
  });
});
