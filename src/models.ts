// Ready-made models from the paper.
import type { ActKind } from './binding.js';
import type { GaafOptions } from './gaaf.js';
import { Activation } from './layers/activation.js';
import { Dense } from './layers/dense.js';
import { Dropout } from './layers/dropout.js';
import type { Layer } from './layers/layer.js';
import { Sequential } from './sequential.js';

export interface MlpOptions {
  /** Hidden layer widths. Default: the paper's 512-256-256. */
  hidden?: number[];
  inputSize?: number;
  classes?: number;
  activation?: ActKind;
  gaaf?: boolean | GaafOptions;
  /** Dropout rate after each hidden layer's activation; 0 for none. */
  dropout?: number;
}

/** The paper's MNIST MLP (section 5.1): 784-512-256-256-10 with tanh, optionally with dropout or GAAF. */
export function paperMlp(opts: MlpOptions = {}): Sequential {
  const hidden = opts.hidden ?? [512, 256, 256];
  const act = opts.activation ?? 'tanh';
  const layers: Layer[] = [];
  for (const units of hidden) {
    layers.push(new Dense(units, { kernelInitializer: act === 'relu' ? 'heUniform' : 'glorotUniform' }));
    layers.push(new Activation(act, { gaaf: opts.gaaf ?? false }));
    if (opts.dropout) layers.push(new Dropout(opts.dropout));
  }
  layers.push(new Dense(opts.classes ?? 10));
  return new Sequential(layers, { inputShape: [opts.inputSize ?? 784] });
}
