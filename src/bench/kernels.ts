// The kernel suites that need nothing but gaaf: every kernel in its SIMD build against its
// plain scalar reference (`*_ref`, switched with setKernelImpl), on operands already in Wasm
// memory (no copies are timed), plus the ceiling: the register-only f32x4 multiply-add loop.
// The repository's bench/ adds the TF.js peers to the same suites.
import {
  type Buf, type KernelImpl, actBackward, actForward, adamUpdate, allocF32, allocI32, dropoutBackward, dropoutForward,
  gaafBackward, gaafForward, gemm, setKernelImpl, sgdUpdate, simdPeakLoop, softmaxXent,
} from '../binding.js';
import { resolveGaaf } from '../gaaf.js';
import { Rng } from '../rng.js';
import type { BenchMode, Case, Prepared } from './runner.js';

export const OURS: readonly KernelImpl[] = ['simd', 'scalar'];
const IMPL: Readonly<Record<KernelImpl, string>> = { simd: 'gaaf f32x4 SIMD kernel', scalar: 'gaaf scalar reference (*_ref)' };

/** Sizes per mode, in one place. */
export const SIZES = {
  gemm: { full: [128, 256, 512, 1024], quick: [128, 256, 512], smoke: [17] },
  // elements: one 128×512 hidden activation, and 1M
  act: { full: [65536, 1 << 20], quick: [65536], smoke: [1000] },
  // softmax cross-entropy batch rows, 10 classes
  xent: { full: [128, 4096], quick: [128], smoke: [3] },
  // parameters: the paper MLP's 535,818, and 64K
  optim: { full: [65536, 535818], quick: [535818], smoke: [1000] },
} as const satisfies Record<string, Record<BenchMode, readonly number[]>>;

export const GEMM_VARIANTS = [
  { name: 'A·B', tA: false, tB: false },
  { name: 'A·Bᵀ', tA: false, tB: true },
  { name: 'Aᵀ·B', tA: true, tB: false },
] as const;

/** Uniform values in [-1, 1), the same for every engine (seeded). */
export function uniform(n: number, seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => 2 * r.next() - 1);
}

/** n seeded uniform values in a new Wasm buffer. */
export function filled(n: number, seed: number): Buf {
  const b = allocF32(n);
  b.write(uniform(n, seed));
  return b;
}

/** Runs fn with the given kernel implementation, and restores SIMD after. */
export function withImpl(impl: KernelImpl, fn: () => void): () => void {
  return () => {
    setKernelImpl(impl);
    try {
      fn();
    } finally {
      setKernelImpl('simd');
    }
  };
}

export const freeAll = (...bs: Buf[]) => (): void => bs.forEach((b) => b.free());

export const PEAK_ITERS = 1 << 20;

/** The ceiling: independent f32x4 multiply-adds with no memory traffic (assembly/peak.ts). */
export function peakCases(): Case[] {
  return [{
    suite: 'peak', name: 'f32x4 mul+add', engine: 'simd', size: 0, impl: 'register-only loop, assembly/peak.ts',
    work: { flop: 64 * PEAK_ITERS },
    prepare: () => ({ fn: () => simdPeakLoop(PEAK_ITERS) }),
  }];
}

/** C (N,N) = op(A)·op(B), square, for each transpose variant and each of our builds. */
export function gemmCases(mode: BenchMode): Case[] {
  const cases: Case[] = [];
  for (const N of SIZES.gemm[mode]) {
    for (const v of GEMM_VARIANTS) {
      for (const impl of OURS) {
        cases.push({
          suite: 'gemm', name: v.name, engine: impl, size: N, impl: IMPL[impl], params: { M: N, N, K: N },
          work: { flop: 2 * N * N * N },
          // the scalar reference takes about 2 s at N = 1024
          iterations: impl === 'scalar' && N >= 512 ? 3 : undefined,
          prepare: (): Prepared => {
            const A = filled(N * N, 1);
            const B = filled(N * N, 2);
            const C = allocF32(N * N);
            return { fn: withImpl(impl, () => gemm(v.tA, v.tB, N, N, N, 1, A, N, B, N, 0, C, N)), dispose: freeAll(A, B, C) };
          },
        });
      }
    }
  }
  return cases;
}

/** The elementwise kernels of one training step, by name: bytes moved per element and the call. */
interface Elementwise {
  name: string;
  bytesPerElement: number;
  setup: (n: number) => { call: () => void; bufs: Buf[] };
}

const GAAF = resolveGaaf('tanh', true);
const ELEMENTWISE: readonly Elementwise[] = [
  ...(['tanh', 'relu', 'sigmoid'] as const).map((k) => ({
    name: `${k} fwd`, bytesPerElement: 8,
    setup: (n: number) => {
      const x = filled(n, 3), y = allocF32(n);
      return { call: () => actForward(k, x, y, n), bufs: [x, y] };
    },
  })),
  {
    name: 'tanh bwd', bytesPerElement: 16,
    setup: (n) => {
      const x = filled(n, 3), y = allocF32(n), dy = filled(n, 4), dx = allocF32(n);
      actForward('tanh', x, y, n);
      return { call: () => actBackward('tanh', x, y, dy, dx, n), bufs: [x, y, dy, dx] };
    },
  },
  {
    name: 'gaaf tanh fwd', bytesPerElement: 8,
    setup: (n) => {
      const x = filled(n, 3), y = allocF32(n);
      return { call: () => gaafForward('tanh', x, y, n, GAAF.K, GAAF.p1, GAAF.p2), bufs: [x, y] };
    },
  },
  {
    name: 'gaaf tanh bwd', bytesPerElement: 12,
    setup: (n) => {
      const x = filled(n, 3), dy = filled(n, 4), dx = allocF32(n);
      return { call: () => gaafBackward('tanh', x, dy, dx, n, GAAF.p1, GAAF.p2), bufs: [x, dy, dx] };
    },
  },
  {
    name: 'dropout fwd', bytesPerElement: 12,
    setup: (n) => {
      const x = filled(n, 3), y = allocF32(n), mask = allocF32(n);
      let step = 0;
      return { call: () => dropoutForward(x, y, mask, n, 0.5, 1, step++), bufs: [x, y, mask] };
    },
  },
  {
    name: 'dropout bwd', bytesPerElement: 12,
    setup: (n) => {
      const x = filled(n, 3), y = allocF32(n), mask = allocF32(n), dy = filled(n, 4), dx = allocF32(n);
      dropoutForward(x, y, mask, n, 0.5, 1, 0);
      return { call: () => dropoutBackward(dy, mask, dx, n), bufs: [x, y, mask, dy, dx] };
    },
  },
];

/** Activations (with GAAF), dropout and the fused softmax cross-entropy, in GB/s. */
export function actCases(mode: BenchMode): Case[] {
  const cases: Case[] = [];
  for (const n of SIZES.act[mode]) {
    for (const e of ELEMENTWISE) {
      for (const impl of OURS) {
        cases.push({
          suite: 'act', name: e.name, engine: impl, size: n, impl: IMPL[impl],
          work: { bytes: e.bytesPerElement * n, elements: n },
          prepare: (): Prepared => {
            const { call, bufs } = e.setup(n);
            return { fn: withImpl(impl, call), dispose: freeAll(...bufs) };
          },
        });
      }
    }
  }
  const C = 10;
  for (const B of SIZES.xent[mode]) {
    for (const impl of OURS) {
      cases.push({
        suite: 'act', name: 'softmax-xent fwd+bwd', engine: impl, size: B, impl: IMPL[impl], params: { B, C },
        // logits in, probs and dlogits out, labels in
        work: { bytes: (3 * B * C + B) * 4, elements: B * C },
        prepare: (): Prepared => {
          const logits = filled(B * C, 5), probs = allocF32(B * C), dl = allocF32(B * C), labels = allocI32(B);
          labels.write(Int32Array.from({ length: B }, (_, i) => (i * 7) % C));
          return { fn: withImpl(impl, () => softmaxXent(logits, labels, probs, dl, B, C, 1 / B)), dispose: freeAll(logits, probs, dl, labels) };
        },
      });
    }
  }
  return cases;
}

/** SGD with momentum and Adam over n parameters, in GB/s. */
export function optimCases(mode: BenchMode): Case[] {
  const cases: Case[] = [];
  for (const n of SIZES.optim[mode]) {
    for (const impl of OURS) {
      cases.push({
        suite: 'optim', name: 'sgd momentum', engine: impl, size: n, impl: IMPL[impl],
        work: { bytes: 20 * n, elements: n }, // reads w, g, v; writes w, v
        prepare: (): Prepared => {
          const w = filled(n, 6), g = filled(n, 7), v = allocF32(n);
          v.fill(0);
          // a tiny rate keeps the weights bounded over thousands of calls
          return { fn: withImpl(impl, () => sgdUpdate(w, g, v, n, 1e-6, 0.9, 0)), dispose: freeAll(w, g, v) };
        },
      });
      cases.push({
        suite: 'optim', name: 'adam', engine: impl, size: n, impl: IMPL[impl],
        work: { bytes: 28 * n, elements: n }, // reads w, g, m, v; writes w, m, v
        prepare: (): Prepared => {
          const w = filled(n, 6), g = filled(n, 7), m = allocF32(n), v = allocF32(n);
          m.fill(0); v.fill(0);
          let t = 0;
          return {
            fn: withImpl(impl, () => {
              t++;
              adamUpdate(w, g, m, v, n, 1e-6, 0.9, 0.999, 1e-7, 1 - 0.9 ** t, 1 - 0.999 ** t, 0);
            }),
            dispose: freeAll(w, g, m, v),
          };
        },
      });
    }
  }
  return cases;
}
