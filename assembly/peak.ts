// Reachable f32x4 multiply-add rate, with no memory traffic: the ceiling that the GEMM
// micro-kernel's GFLOP/s is compared against. Plain Wasm SIMD has no fused multiply-add, so
// a "multiply-add" is one f32x4.mul and one f32x4.add, as in the micro-kernel; in the opt-in
// relaxed-SIMD build it is f32x4.relaxed_madd (assembly/madd.ts), as in that build's micro-kernel.
import { madd } from "./madd";
//
// p: 256 bytes. Reads a0, a1 (p, p+16) and b0..b3 (p+32 .. p+80); runs `iters` iterations of
// c_ij += a_i·b_j over 2×4 independent accumulators (8 mul + 8 add = 64 flops per iteration),
// swapping a0 and a1 each iteration so no product is loop-invariant; writes c00..c13 to
// p+96 .. p+208 and the final a0, a1 to p+224, p+240 so nothing is dead code.
export function simd_peak_loop(iters: i32, p: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  let a0 = v128.load(p), a1 = v128.load(p, 16);
  const b0 = v128.load(p, 32), b1 = v128.load(p, 48), b2 = v128.load(p, 64), b3 = v128.load(p, 80);
  for (let k = 0; k < iters; k++) {
    c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
    c02 = madd(a0, b2, c02); c03 = madd(a0, b3, c03);
    c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
    c12 = madd(a1, b2, c12); c13 = madd(a1, b3, c13);
    const t = a0; a0 = a1; a1 = t;
  }
  v128.store(p, c00, 96); v128.store(p, c01, 112); v128.store(p, c02, 128); v128.store(p, c03, 144);
  v128.store(p, c10, 160); v128.store(p, c11, 176); v128.store(p, c12, 192); v128.store(p, c13, 208);
  v128.store(p, a0, 224); v128.store(p, a1, 240);
}

/** Flops done by simd_peak_loop(iters, p). */
export function simd_peak_flops(iters: i32): f64 {
  return 64.0 * <f64>iters;
}
