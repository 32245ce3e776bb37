// Optimizer suite: one SGD-with-momentum and one Adam update of n parameters, in GB/s:
// ours against tf.train.momentum and tf.train.adam.
import { optimCases } from '../src/bench/kernels.js';
import { type SuiteOptions, modeOf, runSuiteCases } from './suite.js';
import { tfjsOptimCases } from './tfjs.js';

export const optimSuite = (o: SuiteOptions) => runSuiteCases([...optimCases(modeOf(o)), ...tfjsOptimCases(modeOf(o))], o);
