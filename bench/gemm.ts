// GEMM suite: GFLOP/s of A·B, A·Bᵀ and Aᵀ·B for square N×N×N products: our SIMD kernel and
// scalar reference (src/bench/kernels.ts) against tf.matMul in tfjs-wasm and tfjs-cpu, on
// operands already in place (no copies timed).
import { gemmCases } from '../src/bench/kernels.js';
import { type SuiteOptions, modeOf, runSuiteCases } from './suite.js';
import { tfjsGemmCases } from './tfjs.js';

export const gemmSuite = (o: SuiteOptions) => runSuiteCases([...gemmCases(modeOf(o)), ...tfjsGemmCases(modeOf(o))], o);
