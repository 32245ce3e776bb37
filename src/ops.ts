// The `ops` namespace: the kernels on plain Float32Arrays, for apps that want just the
// compute. Each call copies its inputs into Wasm memory, runs the kernel and copies the
// result out; shapes and lengths are checked first and reported with names.
import { type ActKind, Buf, actBackward, checkFiniteF32, actForward, allocF32, allocI32, dropoutBackward, dropoutForward, gaafBackward, gaafsBackward, gaafsForward,
  gaafForward, gaafxBackward, gaafxForward, gemm, leakyReluBackward, leakyReluForward, meanAbs as meanAbsKernel, meanVar as meanVarKernel, softmaxXent } from './binding.js';
import { type GaafOptions, gaafIsPlain, resolveGaaf } from './gaaf.js';

export interface MatmulOptions {
  /** A is stored as its transpose, k×m. */
  transposeA?: boolean;
  /** B is stored as its transpose, n×k. */
  transposeB?: boolean;
  /** Added to every row of the result (length n). */
  bias?: Float32Array;
  alpha?: number;
}

function withBufs<T>(fn: (alloc: (n: number, label: string) => Buf, allocInt: (n: number, label: string) => Buf) => T): T {
  const held: Buf[] = [];
  try {
    return fn(
      (n, label) => { const b = allocF32(n, label); held.push(b); return b; },
      (n, label) => { const b = allocI32(n, label); held.push(b); return b; });
  } finally {
    for (const b of held) b.free();
  }
}

function checkDims(op: string, dims: Record<string, number>): void {
  for (const [k, v] of Object.entries(dims)) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`gaaf.ops.${op}: ${k} must be a non-negative integer, got ${v}`);
  }
}

function checkArray(op: string, name: string, a: unknown, len: number, shape: string): asserts a is Float32Array {
  if (!(a instanceof Float32Array)) throw new TypeError(`gaaf.ops.${op}: ${name} must be a Float32Array`);
  if (a.length !== len) throw new RangeError(`gaaf.ops.${op}: ${name} must have ${len} values (${shape}), got ${a.length}`);
}

/**
 * The row-major m×n product op(A)·op(B), where op(A) is m×k and op(B) is k×n. A transposed
 * operand is stored row-major as its transpose: A as k×m, B as n×k.
 */
export function matmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number, opts: MatmulOptions = {}): Float32Array {
  checkDims('matmul', { m, k, n });
  const tA = !!opts.transposeA;
  const tB = !!opts.transposeB;
  checkArray('matmul', 'a', a, m * k, tA ? `${k}×${m}, transposed` : `${m}×${k}`);
  checkArray('matmul', 'b', b, k * n, tB ? `${n}×${k}, transposed` : `${k}×${n}`);
  if (opts.bias !== undefined) checkArray('matmul', 'bias', opts.bias, n, `${n}`);
  return withBufs((alloc) => {
    const A = alloc(a.length, 'a');
    const B = alloc(b.length, 'b');
    const C = alloc(m * n, 'c');
    A.write(a);
    B.write(b);
    let bias: Buf | null = null;
    if (opts.bias) {
      bias = alloc(n, 'bias');
      bias.write(opts.bias);
    }
    gemm(tA, tB, m, n, k, opts.alpha ?? 1, A, tA ? m : k, B, tB ? k : n, 0, C, n, bias);
    return C.read();
  });
}

export interface ActivationOpOptions {
  gaaf?: boolean | GaafOptions;
  /** leakyRelu only: the slope for x ≤ 0 (default 0.3, as Keras's LeakyReLU). */
  alpha?: number;
}

/** The activations ops.activation takes: the layers' kinds, and LeakyReLU (ops only for now). */
export type ActivationOpKind = ActKind | 'leakyRelu';
export const LEAKY_RELU_ALPHA = 0.3;

/** The slope of leakyRelu, or null for the other kinds; refuses options that do not apply. */
function leakyAlpha(op: string, kind: ActivationOpKind, opts: ActivationOpOptions): number | null {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`gaaf.ops.${op}: options must be an object`);
  const unknown = Object.keys(opts).filter((k) => k !== 'gaaf' && k !== 'alpha');
  if (unknown.length) throw new RangeError(`gaaf.ops.${op}: unknown option '${unknown.join("', '")}' (expected gaaf, alpha)`);
  if (kind !== 'leakyRelu') {
    if (opts.alpha !== undefined) throw new RangeError(`gaaf.ops.${op}: alpha applies to leakyRelu only, not ${kind}`);
    return null;
  }
  const alpha = opts.alpha ?? LEAKY_RELU_ALPHA;
  checkFiniteF32(`gaaf.ops.${op}: alpha`, alpha);
  return alpha;
}

/** φ(x) elementwise, or φ(x) + g(x)·s(x) with GAAF; leakyRelu: x > 0 ? x : alpha·x (GAAF: s = (1 − alpha)·σ(a·(x − b))). */
export function activation(kind: ActivationOpKind, x: Float32Array, opts: ActivationOpOptions = {}): Float32Array {
  const alpha = leakyAlpha('activation', kind, opts);
  checkArray('activation', 'x', x, x?.length ?? 0, 'any length');
  return withBufs((alloc) => {
    const X = alloc(x.length, 'x');
    const Y = alloc(x.length, 'y');
    X.write(x);
    if (alpha !== null && opts.gaaf) {
      const g = resolveGaaf('leakyRelu', opts.gaaf, alpha);
      if (g.surrogate) leakyReluForward(X, Y, x.length, alpha); // a surrogate's forward is φ
      else gaafxForward('leakyRelu', X, Y, x.length, alpha, g.K, g.p1, g.p2);
    } else if (alpha !== null) {
      leakyReluForward(X, Y, x.length, alpha);
    } else if (opts.gaaf) {
      const k = kind as ActKind;
      const g = resolveGaaf(k, opts.gaaf);
      if (g.surrogate) actForward(k, X, Y, x.length);
      else if (gaafIsPlain(g)) gaafForward(k, X, Y, x.length, g.K, g.p1, g.p2);
      else gaafsForward(k, g.shape, X, Y, x.length, g.K, g.p1, g.p2, g.height);
    } else {
      actForward(kind as ActKind, X, Y, x.length);
    }
    return Y.read();
  });
}

/**
 * dL/dx = dy·φ'(x), or dy·(φ'(x) + s(x)) with GAAF (the g·s' term, below |s'|/2K, is dropped);
 * leakyRelu: dy·(x > 0 ? 1 : alpha).
 */
export function activationBackward(kind: ActivationOpKind, x: Float32Array, dy: Float32Array, opts: ActivationOpOptions = {}): Float32Array {
  const alpha = leakyAlpha('activationBackward', kind, opts);
  checkArray('activationBackward', 'x', x, x?.length ?? 0, 'any length');
  checkArray('activationBackward', 'dy', dy, x.length, 'same as x');
  return withBufs((alloc) => {
    const X = alloc(x.length, 'x');
    const D = alloc(x.length, 'dy');
    const DX = alloc(x.length, 'dx');
    X.write(x);
    D.write(dy);
    if (alpha !== null && opts.gaaf) {
      const g = resolveGaaf('leakyRelu', opts.gaaf, alpha);
      gaafxBackward('leakyRelu', X, D, DX, x.length, alpha, g.p1, g.p2);
    } else if (alpha !== null) {
      leakyReluBackward(X, D, DX, x.length, alpha);
    } else if (opts.gaaf) {
      const k = kind as ActKind;
      const g = resolveGaaf(k, opts.gaaf);
      if (gaafIsPlain({ ...g, surrogate: false })) gaafBackward(k, X, D, DX, x.length, g.p1, g.p2);
      else gaafsBackward(k, g.shape, X, D, DX, x.length, g.p1, g.p2, g.height);
    } else {
      const Y = alloc(x.length, 'y');
      actForward(kind as ActKind, X, Y, x.length);
      actBackward(kind as ActKind, X, Y, D, DX, x.length);
    }
    return DX.read();
  });
}

/** Inverted dropout with a counter-based mask: the same (seed, stream) give the same mask. */
export function dropout(x: Float32Array, p: number, seed: number, stream = 0): { y: Float32Array; mask: Float32Array } {
  checkArray('dropout', 'x', x, x?.length ?? 0, 'any length');
  return withBufs((alloc) => {
    const X = alloc(x.length, 'x');
    const Y = alloc(x.length, 'y');
    const M = alloc(x.length, 'mask');
    X.write(x);
    dropoutForward(X, Y, M, x.length, p, seed, stream);
    return { y: Y.read(), mask: M.read() };
  });
}

/** dL/dx = dy·mask. */
export function dropoutGrad(dy: Float32Array, mask: Float32Array): Float32Array {
  checkArray('dropoutGrad', 'dy', dy, dy?.length ?? 0, 'any length');
  checkArray('dropoutGrad', 'mask', mask, dy.length, 'same as dy');
  return withBufs((alloc) => {
    const D = alloc(dy.length, 'dy');
    const M = alloc(dy.length, 'mask');
    const DX = alloc(dy.length, 'dx');
    D.write(dy);
    M.write(mask);
    dropoutBackward(D, M, DX, dy.length);
    return DX.read();
  });
}

/**
 * Softmax cross-entropy of logits (rows × classes) against integer labels: the mean loss,
 * the probabilities, and the gradient of the mean loss with respect to the logits.
 */
export function softmaxCrossEntropy(logits: Float32Array, labels: ArrayLike<number>, classes: number):
  { loss: number; probs: Float32Array; dlogits: Float32Array } {
  checkDims('softmaxCrossEntropy', { classes });
  const rows = labels.length;
  checkArray('softmaxCrossEntropy', 'logits', logits, rows * classes, `${rows}×${classes}`);
  // Labels are class indices: writing NaN, 1.5 or 'x' into the Int32 buffer would coerce them.
  for (let i = 0; i < rows; i++) {
    const v = labels[i];
    if (!(typeof v === 'number' && Number.isInteger(v))) { // the range is the kernel's check
      throw new RangeError(`gaaf.ops.softmaxCrossEntropy: labels[${i}] = ${typeof v === 'string' ? `'${v}'` : String(v)} is not a class index, expected an integer in 0..${classes - 1}`);
    }
  }
  return withBufs((alloc, allocInt) => {
    const Z = alloc(logits.length, 'logits');
    const L = allocInt(rows, 'labels');
    const P = alloc(logits.length, 'probs');
    const G = alloc(logits.length, 'dlogits');
    Z.write(logits);
    L.write(labels);
    const sum = softmaxXent(Z, L, P, G, rows, classes, rows ? 1 / rows : 1);
    return { loss: rows ? sum / rows : 0, probs: P.read(), dlogits: G.read() };
  });
}

/** mean |x|: the paper's gradient information (eq. 5) when x is a weight gradient. */
export function meanAbs(x: Float32Array): number {
  checkArray('meanAbs', 'x', x, x?.length ?? 0, 'any length');
  return withBufs((alloc) => {
    const X = alloc(x.length, 'x');
    X.write(x);
    return meanAbsKernel(X, x.length);
  });
}

/** Mean and population variance. */
export function meanVar(x: Float32Array): { mean: number; variance: number } {
  checkArray('meanVar', 'x', x, x?.length ?? 0, 'any length');
  return withBufs((alloc) => {
    const X = alloc(x.length, 'x');
    X.write(x);
    return meanVarKernel(X, x.length);
  });
}
