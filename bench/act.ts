// Elementwise suite: activations (tanh, relu, sigmoid, forward and backward), GAAF, dropout
// and the fused softmax cross-entropy, in GB/s: ours against the same ops in TF.js.
import { actCases } from '../src/bench/kernels.js';
import { type SuiteOptions, modeOf, runSuiteCases } from './suite.js';
import { tfjsActCases } from './tfjs.js';

export const actSuite = (o: SuiteOptions) => runSuiteCases([...actCases(modeOf(o)), ...tfjsActCases(modeOf(o))], o);
