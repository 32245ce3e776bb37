// c + a·b on f32x4, the one multiply-add of the GEMM micro-kernel and the peak loop.
//
// The default builds (build/gaaf.wasm, build/gaaf-mt.wasm) have no relaxed SIMD: one f32x4.mul
// then one f32x4.add, two roundings, the same bits on every machine. The opt-in fast builds
// (asconfig.json's "fast" and "fast-threads" targets: build/gaaf-fast*.wasm, enable
// "relaxed-simd") compile f32x4.relaxed_madd instead, which the engine may lower to a fused
// multiply-add (one rounding: vfmadd on x64 with FMA3, fmla on arm64) or to mul + add where the
// CPU has no FMA: results may differ in the last bits between machines (each product-sum's
// error stays within the usual γ_K·Σ|a||b| of an f32 dot product of length K either way).
// ASC_FEATURE_RELAXED_SIMD is a compile-time constant: each build compiles one branch only.

// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}
