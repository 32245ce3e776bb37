// Inverted dropout with a counter-based (stateless) random number generator.
//
// Element i of a call is kept iff  hash(seed, stream, i) >= floor(p·2^32)  (unsigned), so it is
// kept with probability 1 − floor(p·2^32)/2^32 = 1 − p (exactly, for p >= 2^-9). The mask holds
// 1/(1 − p) for kept elements and 0 for dropped ones, so E[y] = x and the backward pass only
// needs the mask. The random bits are a pure function of (seed, stream, i): no generator state,
// reproducible, independent of SIMD lane layout, and the SIMD kernel produces exactly the
// masks of the scalar reference.
//
// Hash: key = fmix(seed ^ fmix(stream + 0x9E3779B9)); bits_i = fmix((i·0x9E3779B9) ^ key),
// where fmix is lowbias32 (C. Wellons, "Prospecting for Hash Functions", 2018: the
// murmur3 fmix32 structure x ^= x>>16; x *= 0x7feb352d; x ^= x>>15; x *= 0x846ca68b;
// x ^= x>>16, a bijection on u32 with low avalanche bias). i·0x9E3779B9 (odd golden-ratio
// constant, mod 2^32) spreads consecutive counters over the whole word first.
// Use a different stream (e.g. layer index, step number) for every mask that must differ.
//
// p must lie in [0, 1) (validated by the caller); p = 0 keeps everything with mask 1.

// @ts-ignore: decorator
@inline const GOLDEN: u32 = 0x9E3779B9;
// @ts-ignore: decorator
@inline const M1: u32 = 0x7feb352d;
// @ts-ignore: decorator
@inline const M2: u32 = 0x846ca68b;

// @ts-ignore: decorator
@inline function fmix(h: u32): u32 {
  h ^= h >> 16;
  h *= M1;
  h ^= h >> 15;
  h *= M2;
  h ^= h >> 16;
  return h;
}

// @ts-ignore: decorator
@inline function v_fmix(h: v128): v128 {
  h = v128.xor(h, i32x4.shr_u(h, 16));
  h = i32x4.mul(h, i32x4.splat(M1));
  h = v128.xor(h, i32x4.shr_u(h, 15));
  h = i32x4.mul(h, i32x4.splat(M2));
  h = v128.xor(h, i32x4.shr_u(h, 16));
  return h;
}

// @ts-ignore: decorator
@inline function dropout_key(seed: u32, stream: u32): u32 {
  return fmix(seed ^ fmix(stream + GOLDEN));
}

// The 32 random bits of element i.
// @ts-ignore: decorator
@inline function dropout_bits(seed: u32, stream: u32, i: u32): u32 {
  return fmix((i * GOLDEN) ^ dropout_key(seed, stream));
}

// floor(p·2^32) as u32; p <= 0 (or NaN) gives 0, i.e. keep everything.
// @ts-ignore: decorator
@inline function dropout_threshold(p: f32): u32 {
  const t = <f64>p * 4294967296.0;
  if (!(t > 0)) return 0;
  if (t >= 4294967295.0) return 0xffffffff;
  return <u32>t;
}

/**
 * Inverted dropout: mask[i] = keep ? 1/(1 − p) : 0, y = x·mask.
 * x (n), y (n), mask (n). keep iff dropout_bits(seed, stream, i) >= floor(p·2^32) (unsigned).
 */
export function dropout_forward(x: usize, y: usize, mask: usize, n: i32, p: f32, seed: u32, stream: u32): void {
  const key = dropout_key(seed, stream);
  const thr = dropout_threshold(p);
  const scale: f32 = <f32>1.0 / (<f32>1.0 - p);
  const vkey = i32x4.splat(key);
  const vthr = i32x4.splat(thr);
  const vscale = f32x4.splat(scale);
  const vgold = i32x4.splat(GOLDEN);
  let idx = i32x4(0, 1, 2, 3);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const h = v_fmix(v128.xor(i32x4.mul(idx, vgold), vkey));
    const m = v128.and(vscale, i32x4.ge_u(h, vthr));
    v128.store(mask + o, m);
    v128.store(y + o, f32x4.mul(v128.load(x + o), m));
    idx = i32x4.add(idx, i32x4.splat(4));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const m: f32 = fmix((<u32>i * GOLDEN) ^ key) >= thr ? scale : 0;
    store<f32>(mask + o, m);
    store<f32>(y + o, load<f32>(x + o) * m);
  }
}

/** Scalar reference of dropout_forward (bit-identical). x (n), y (n), mask (n). */
export function dropout_forward_ref(x: usize, y: usize, mask: usize, n: i32, p: f32, seed: u32, stream: u32): void {
  const thr = dropout_threshold(p);
  const scale: f32 = <f32>1.0 / (<f32>1.0 - p);
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const m: f32 = dropout_bits(seed, stream, <u32>i) >= thr ? scale : 0;
    store<f32>(mask + o, m);
    store<f32>(y + o, load<f32>(x + o) * m);
  }
}

/** dx = dy·mask.  dy (n), mask (n) from dropout_forward, dx (n). */
export function dropout_backward(dy: usize, mask: usize, dx: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), v128.load(mask + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(dy + o) * load<f32>(mask + o));
  }
}

/** Scalar reference of dropout_backward. dy (n), mask (n), dx (n). */
export function dropout_backward_ref(dy: usize, mask: usize, dx: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(dy + o) * load<f32>(mask + o));
  }
}
