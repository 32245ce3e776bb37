// Run by test/precision.test.ts as `node --experimental-wasm-relaxed-simd --import tsx
// test/precision-child.ts`: init({ precision: 'fast' }), then GEMM on awkward sizes in every
// transpose and conv2d forward, each element checked against the f64 value within the f32
// dot-product bound, on 1 thread and on 2 (which must give the same bits). Prints one JSON line.
import { type ConvGeom, allocF32, conv2dForward, conv2dWorkspaceLength, convOutSize, gemm, init, setThreads } from '../src/binding.js';
import { Rng } from '../src/rng.js';

const U = 2 ** -24;
/** γ_n = n·u / (1 − n·u): the bound on an f32 sum of n products, relative to Σ|terms| (Higham, Accuracy and Stability, §3.1). */
const gamma = (n: number): number => (n * U) / (1 - n * U);

const info = await init({ precision: 'fast', threads: 1 });
const rng = new Rng(7);
const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => 2 * rng.next() - 1);

interface Check { what: string; worst: number; bits: number[] }
const checks: Check[] = [];

function gemmCase(tA: boolean, tB: boolean, M: number, N: number, K: number): Check {
  const a = rand(M * K), b = rand(K * N), c0 = rand(M * N), bias = rand(N);
  const alpha = 0.75, beta = 1.5;
  const A = allocF32(a.length), B = allocF32(b.length), C = allocF32(M * N), Z = allocF32(N);
  A.write(a); B.write(b); Z.write(bias);
  const outs: Float32Array[] = [];
  for (const t of [1, 2]) {
    setThreads(t);
    C.write(c0);
    gemm(tA, tB, M, N, K, alpha, A, tA ? M : K, B, tB ? K : N, beta, C, N, Z);
    outs.push(C.read());
  }
  let worst = 0;
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0, mag = 0;
    for (let k = 0; k < K; k++) {
      const p = a[tA ? k * M + i : i * K + k] * b[tB ? j * K + k : k * N + j];
      s += p;
      mag += Math.abs(p);
    }
    const exact = alpha * s + beta * c0[i * N + j] + bias[j];
    const bound = gamma(K + 3) * (Math.abs(alpha) * mag + Math.abs(beta * c0[i * N + j]) + Math.abs(bias[j]));
    worst = Math.max(worst, Math.abs(outs[0][i * N + j] - exact) / bound);
  }
  const same = outs[0].every((v, i) => Object.is(v, outs[1][i]));
  [A, B, C, Z].forEach((x) => x.free());
  return { what: `gemm ${tA ? 'Aᵀ' : 'A'}·${tB ? 'Bᵀ' : 'B'} ${M}×${N}×${K}`, worst, bits: [same ? 1 : 0] };
}

for (const [M, N, K] of [[1, 1, 1], [3, 17, 5], [17, 63, 255], [63, 3, 300], [255, 33, 17], [130, 140, 260]]) {
  for (const [tA, tB] of [[false, false], [false, true], [true, false]] as const) checks.push(gemmCase(tA, tB, M, N, K));
}

{
  const g: ConvGeom = { n: 2, h: 5, w: 6, c: 3, oc: 17, kh: 3, kw: 3, stride: 1, pad: 1 };
  const oh = convOutSize(g.h, 3, 1, 1), ow = convOutSize(g.w, 3, 1, 1);
  const x = rand(g.n * g.h * g.w * g.c), w = rand(9 * g.c * g.oc), b = rand(g.oc);
  const X = allocF32(x.length), W = allocF32(w.length), Bb = allocF32(b.length), Y = allocF32(g.n * oh * ow * g.oc), work = allocF32(conv2dWorkspaceLength(g));
  X.write(x); W.write(w); Bb.write(b);
  setThreads(1);
  conv2dForward(X, W, Bb, Y, g, work);
  const y = Y.read();
  let worst = 0;
  for (let n = 0; n < g.n; n++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let o = 0; o < g.oc; o++) {
    let s = b[o], mag = Math.abs(b[o]);
    for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
      const iy = oy - 1 + ky, ix = ox - 1 + kx;
      if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
      for (let c = 0; c < g.c; c++) {
        const p = x[((n * g.h + iy) * g.w + ix) * g.c + c] * w[((ky * 3 + kx) * g.c + c) * g.oc + o];
        s += p;
        mag += Math.abs(p);
      }
    }
    worst = Math.max(worst, Math.abs(y[((n * oh + oy) * ow + ox) * g.oc + o] - s) / (gamma(9 * g.c + 2) * mag));
  }
  checks.push({ what: 'conv2d forward 2×5×6×3 → 17, 3×3 pad 1', worst, bits: [] });
}

process.stdout.write(JSON.stringify({ precision: info.precision, checks }) + '\n');
