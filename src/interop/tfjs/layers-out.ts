// gaaf layers → TF.js layer configs (what tf.loadLayersModel in TF.js 4.x deserializes) and
// their weights, in TF.js's layouts (the same as gaaf's: Dense kernel [in, out], Conv2D kernel
// [kh, kw, in, out], BatchNormalization gamma, beta, moving_mean, moving_variance). A layer can
// become two: an activation TF.js has only as a layer (leakyRelu) follows its Dense or Conv2D as
// a LeakyReLU layer (elu with α ≠ 1 is refused: TF.js 4.x's ELU takes α = 1 only), and a Conv2D with 'same' padding at a stride
// where TF would pad unevenly becomes ZeroPadding2D + Conv2D 'valid' (gaaf pads evenly).
// GAAF activations (φ(x) + g(x)·s(x)) have no TF.js form: they are refused, unless the caller
// asks for the base activation φ (gaaf: 'base'), which differs from GAAF's forward by
// |g(x)·s(x)| ≤ 0.5/K per activation (5e-5 for the default K = 10000).
import type { ActivationName } from '../../layers/act-fn.js';
import { Activation } from '../../layers/activation.js';
import { AveragePooling2D } from '../../layers/avgpool2d.js';
import { BatchNorm } from '../../layers/batchnorm.js';
import { Conv2D } from '../../layers/conv2d.js';
import { DepthwiseConv2D } from '../../layers/depthwise-conv2d.js';
import { Dense } from '../../layers/dense.js';
import { Dropout } from '../../layers/dropout.js';
import { Embedding } from '../../layers/embedding.js';
import { Flatten } from '../../layers/flatten.js';
import { GlobalAveragePooling2D, GlobalMaxPooling2D } from '../../layers/global-pooling.js';
import type { Layer } from '../../layers/layer.js';
import { LayerNormalization } from '../../layers/layernorm.js';
import { MaxPool2D } from '../../layers/maxpool2d.js';
import { Add, Concatenate, Multiply } from '../../layers/merge.js';
import { Reshape } from '../../layers/reshape.js';
import { TfjsUnsupportedError } from './errors.js';

type Cfg = Record<string, unknown>;

/** One TF.js layer: its class, config (name included) and weights (TF.js names after `${name}/`). */
export interface OutLayer {
  class_name: string;
  config: Cfg;
  weights: Array<{ what: string; shape: number[]; values: Float32Array }>;
}

export interface LayerOutOptions {
  /** 'refuse' (default): a GAAF activation is an error; 'base': it is saved as its base activation φ. */
  gaaf: 'refuse' | 'base';
  /** Named in errors. */
  file: string;
}

/** gaaf activation names → TF.js's, for those TF.js has as an `activation` option. */
const ACT_OUT: Readonly<Partial<Record<ActivationName, string>>> = {
  linear: 'linear', relu: 'relu', tanh: 'tanh', sigmoid: 'sigmoid', softmax: 'softmax', elu: 'elu', gelu: 'gelu', geluTanh: 'gelu_new',
  silu: 'swish', swish: 'swish', softplus: 'softplus',
};

const base = (l: Layer): Cfg => ({ name: l.name, trainable: l.trainable, dtype: 'float32' });

function weightsOf(l: Layer): OutLayer['weights'] {
  return [...l.params(), ...l.stateTensors()].map((p) => ({ what: p.name.slice(p.name.lastIndexOf('/') + 1), shape: [...p.shape], values: p.value.read() }));
}

/** An activation as a TF.js layer (Activation, or LeakyReLU with its α), named `name`. */
function activationLayer(act: ActivationName, alpha: number | null, name: string, file = 'saveTfjs'): OutLayer {
  const cfg = { name, trainable: true, dtype: 'float32' };
  if (act === 'leakyRelu') return { class_name: 'LeakyReLU', config: { ...cfg, alpha }, weights: [] };
  if (act === 'elu' && alpha !== 1) {
    throw new TfjsUnsupportedError(file, `elu with alpha ${alpha}: TF.js 4.x has elu with alpha 1 only (its ELU layer refuses another alpha)`, { layer: name });
  }
  return { class_name: 'Activation', config: { ...cfg, activation: ACT_OUT[act] }, weights: [] };
}

/** Splits an activation into TF.js's `activation` option, or 'linear' and a layer after. */
function actOption(act: ActivationName, alpha: number | null, l: Layer): { option: string; after: OutLayer[] } {
  const opt = ACT_OUT[act];
  if (opt !== undefined && !(act === 'elu' && alpha !== 1)) return { option: opt, after: [] };
  return { option: 'linear', after: [activationLayer(act, alpha, `${l.name}_${act.toLowerCase()}`)] };
}

/** TF's 'same' padding before the data on a side of `d` (kernel k, stride s). */
export const tfSamePadBefore = (d: number, k: number, s: number): number => Math.floor(Math.max((Math.ceil(d / s) - 1) * s + k - d, 0) / 2);

/** The TF.js layers of one built gaaf layer, in order (the last one makes the layer's output). */
export function layerToTfjs(l: Layer, o: LayerOutOptions): OutLayer[] {
  const one = (class_name: string, config: Cfg): OutLayer[] => [{ class_name, config: { ...base(l), ...config }, weights: weightsOf(l) }];
  if (l instanceof Dense) {
    const a = actOption(l.act.name, l.act.alpha, l);
    return [...one('Dense', { units: l.units, activation: a.option, use_bias: l.useBias }), ...a.after];
  }
  if (l instanceof Conv2D) {
    const a = actOption(l.act.name, l.act.alpha, l);
    const [kh, kw] = l.kernelSize;
    const p = (kh - 1) / 2;
    const uneven = l.padding === 'same' && l.strides > 1 && [l.inputShape[0], l.inputShape[1]].some((d) => tfSamePadBefore(d, kh, l.strides) !== p);
    const conv = one('Conv2D', {
      filters: l.filters, kernel_size: [kh, kw], strides: [l.strides, l.strides], padding: uneven ? 'valid' : l.padding,
      data_format: 'channels_last', dilation_rate: [...l.dilationRate], activation: a.option, use_bias: l.useBias,
    });
    const pad: OutLayer[] = uneven ? [{ class_name: 'ZeroPadding2D', config: { name: `${l.name}_pad`, trainable: true, dtype: 'float32', padding: [[p, p], [p, p]], data_format: 'channels_last' }, weights: [] }] : [];
    return [...pad, ...conv, ...a.after];
  }
  if (l instanceof DepthwiseConv2D) {
    if (l.dilationRate.some((d) => d !== 1)) {
      throw new TfjsUnsupportedError(o.file, `a dilated DepthwiseConv2D (dilationRate [${l.dilationRate.join(', ')}]) has no TF.js form: TF.js 4.x's DepthwiseConv2D ignores dilation_rate`, { layer: l.name, className: l.className });
    }
    const a = actOption(l.act.name, l.act.alpha, l);
    return [...one('DepthwiseConv2D', {
      kernel_size: [...l.kernelSize], strides: [l.strides, l.strides], padding: l.padding, depth_multiplier: l.depthMultiplier,
      data_format: 'channels_last', dilation_rate: [...l.dilationRate], activation: a.option, use_bias: l.useBias,
    }), ...a.after];
  }
  if (l instanceof Activation) {
    if (l.gaaf && o.gaaf !== 'base') {
      throw new TfjsUnsupportedError(o.file, `a GAAF activation (${l.kind} + g(x)·s(x), K = ${l.gaaf.K}) has no TF.js form; saveTfjs(target, { gaaf: 'base' }) saves its base ${l.kind}, ` +
        `which differs from GAAF's forward by at most 0.5/K = ${0.5 / l.gaaf.K} per activation`, { layer: l.name, className: l.className });
    }
    const out = activationLayer(l.kind, l.fn.alpha, l.name);
    return [out];
  }
  if (l instanceof MaxPool2D || l instanceof AveragePooling2D) {
    return one(l instanceof MaxPool2D ? 'MaxPooling2D' : 'AveragePooling2D', {
      pool_size: [l.poolSize, l.poolSize], strides: [l.strides, l.strides], padding: l.padding, data_format: 'channels_last',
    });
  }
  if (l instanceof GlobalAveragePooling2D) return one('GlobalAveragePooling2D', { data_format: 'channels_last' });
  if (l instanceof GlobalMaxPooling2D) return one('GlobalMaxPooling2D', { data_format: 'channels_last' });
  if (l instanceof BatchNorm) return one('BatchNormalization', { axis: -1, momentum: l.momentum, epsilon: l.epsilon, center: true, scale: true });
  if (l instanceof LayerNormalization) return one('LayerNormalization', { axis: -1, epsilon: l.epsilon, center: true, scale: true });
  if (l instanceof Dropout) return one('Dropout', { rate: l.rate });
  if (l instanceof Flatten) return one('Flatten', {});
  if (l instanceof Reshape) return one('Reshape', { target_shape: [...l.outputShape] });
  if (l instanceof Embedding) return one('Embedding', { input_dim: l.inputDim, output_dim: l.outputDim, mask_zero: false });
  if (l instanceof Add) return one('Add', {});
  if (l instanceof Multiply) return one('Multiply', {});
  if (l instanceof Concatenate) return one('Concatenate', { axis: l.axis });
  throw new TfjsUnsupportedError(o.file, `TF.js has no layer for gaaf's ${l.className}; saveTfjs writes Dense, Conv2D, DepthwiseConv2D, pooling, BatchNorm, LayerNormalization, Dropout, Activation, Flatten, Reshape, Embedding, Add, Multiply and Concatenate`, { layer: l.name, className: l.className });
}

/** Gives the last TF.js layer of an output its head's activation: in its `activation` option if it is a linear Dense or Conv2D, else as a layer after it. */
export function withHeadActivation(chain: OutLayer[], act: 'softmax' | 'sigmoid', name: string): OutLayer[] {
  const lastL = chain[chain.length - 1];
  if ((lastL.class_name === 'Dense' || lastL.class_name === 'Conv2D') && lastL.config.activation === 'linear') {
    return [...chain.slice(0, -1), { ...lastL, config: { ...lastL.config, activation: act } }];
  }
  return [...chain, activationLayer(act, null, name)];
}
