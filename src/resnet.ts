// A small residual CNN (He et al. 2016, "Deep Residual Learning", the CIFAR layout): a 3×3
// stem, stages of basic blocks (conv-BN-ReLU-conv-BN plus the shortcut, then ReLU; a 1×1
// strided conv + BN shortcut where the shape changes), global average pooling and a Dense
// classifier, built with the functional API. GAAF (the paper's ReLU shape) on every ReLU.
import type { GaafOptions } from './gaaf.js';
import { Activation } from './layers/activation.js';
import { BatchNorm } from './layers/batchnorm.js';
import { Conv2D } from './layers/conv2d.js';
import { Dense } from './layers/dense.js';
import { GlobalAveragePooling2D } from './layers/global-pooling.js';
import { Add } from './layers/merge.js';
import { type SymbolicTensor, input } from './layers/symbolic.js';
import { BN_MOMENTUM } from './paper-models.js';
import { Model } from './sequential.js';

export interface ResidualCnnOptions {
  /** [h, w, c]; default [28, 28, 1] (Fashion-MNIST). */
  inputShape?: number[];
  classes?: number;
  /** Channels of each stage; each stage after the first halves the resolution. Default [16, 32, 64]. */
  filters?: number[];
  /** Basic blocks per stage. Default 1. */
  blocks?: number;
  gaaf?: boolean | GaafOptions;
}

/** The residual CNN described above, as a functional Model (its builder recorded for checkpoints). */
export function residualCnn(opts: ResidualCnnOptions = {}): Model {
  const filters = opts.filters ?? [16, 32, 64];
  const blocks = opts.blocks ?? 1;
  if (!filters.length || !filters.every((f) => Number.isInteger(f) && f >= 1)) throw new RangeError(`gaaf: residualCnn filters must be positive integers, got [${filters.join(', ')}]`);
  if (!Number.isInteger(blocks) || blocks < 1) throw new RangeError(`gaaf: residualCnn blocks must be a positive integer, got ${blocks}`);
  const relu = (t: SymbolicTensor): SymbolicTensor => new Activation('relu', { gaaf: opts.gaaf ?? false }).apply(t);
  const bn = (t: SymbolicTensor): SymbolicTensor => new BatchNorm({ momentum: BN_MOMENTUM }).apply(t);
  const conv = (f: number, k: number, strides: number, t: SymbolicTensor): SymbolicTensor =>
    new Conv2D(f, k, { strides, padding: 'same', useBias: false, kernelInitializer: 'heUniform' }).apply(t);
  const x = input({ shape: opts.inputShape ?? [28, 28, 1], name: 'image' });
  let h = relu(bn(conv(filters[0], 3, 1, x)));
  filters.forEach((f, s) => {
    for (let b = 0; b < blocks; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      const y = bn(conv(f, 3, 1, relu(bn(conv(f, 3, stride, h)))));
      const shortcut = stride !== 1 || h.shape[2] !== f ? bn(conv(f, 1, stride, h)) : h;
      h = relu(new Add().apply([y, shortcut]));
    }
  });
  const out = new Dense(opts.classes ?? 10).apply(new GlobalAveragePooling2D().apply(h));
  const m = new Model({ inputs: x, outputs: out });
  m.builtBy = { name: 'residualCnn', options: JSON.parse(JSON.stringify(opts)) as Record<string, unknown> };
  return m;
}
