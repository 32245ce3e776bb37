// Elementwise suite: activations (tanh, relu, sigmoid, forward and backward), GAAF, dropout
// the fused softmax cross-entropy and the losses against float targets (MSE, MAE, Huber,
// sigmoid and soft-target softmax cross-entropy, src/bench/losses.ts), in GB/s: ours against
// the same ops in TF.js (tf.losses.* with their gradients).
import { actCases } from '../src/bench/kernels.js';
import { type SuiteOptions, modeOf, runSuiteCases } from './suite.js';
import { tfjsActCases } from './tfjs.js';
import { lossCases } from '../src/bench/losses.js';
import { tfjsLossCases } from './tfjs-losses.js';

export const actSuite = (o: SuiteOptions) => runSuiteCases([...actCases(modeOf(o)), ...tfjsActCases(modeOf(o)), ...lossCases(modeOf(o)), ...tfjsLossCases(modeOf(o))], o);
