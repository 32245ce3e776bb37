// TF.js (and Keras, through the converter) layer configs → gaaf layers. Every option of every
// class is known here: one gaaf honours is mapped, one that does not change the loaded model
// (an initializer: the weights come from the file) is accepted, one that must be null or its
// default (a regularizer, a constraint, channels_first) is an error naming the
// layer and the option when it is not, and an option not listed is an error too. A class gaaf
// lacks is an error naming the layer and its class. Weight layouts are TF.js's own: Dense's
// kernel [in, out], Conv2D's [kh, kw, in, out] (HWC images), BatchNormalization's gamma, beta,
// moving_mean, moving_variance (momentum = the weight of the old statistics, as gaaf's).
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
import { TfjsError, TfjsFormatError, TfjsUnsupportedError } from './errors.js';

/** TF.js activation names → gaaf's. */
export const ACT_IN: Readonly<Record<string, ActivationName>> = Object.freeze(Object.assign(Object.create(null) as Record<string, ActivationName>, {
  linear: 'linear', relu: 'relu', tanh: 'tanh', sigmoid: 'sigmoid', softmax: 'softmax', elu: 'elu', gelu: 'gelu', gelu_new: 'geluTanh',
  swish: 'silu', silu: 'silu', softplus: 'softplus',
}));

/** A TF.js layer mapped: the gaaf layer (null for an InputLayer) and what the loader needs to know of it. */
export interface InLayer {
  name: string;
  className: string;
  layer: Layer | null;
  /** The TF.js weights of the layer for its input shape: names after `${name}/`, shapes, in TF.js's order. */
  weights(inputShape: readonly number[]): Array<{ what: string; shape: number[] }>;
  /** softmax/sigmoid applied last by this layer: what the loader can move into the output head. */
  lastAct: ActivationName | null;
  /** The same layer without that last activation (Dense, Conv2D); for an activation layer, null: it is dropped. */
  withoutLastAct?: () => Layer | null;
  /** ZeroPadding2D's even padding on every side: the topology joins it to the Conv2D 'valid' after it (gaaf's 'same'). */
  zeroPad?: number;
  /** A Conv2D 'same' joined from ZeroPadding2D + Conv2D 'valid': gaaf's even padding is what the file says. */
  joinedPad?: boolean;
  /** BatchNormalization's and LayerNormalization's axis as given: the topology checks it is the last axis. */
  axis?: unknown;
}

type Cfg = Record<string, unknown>;

/** The keys every layer may have, besides its own. */
const COMMON = ['name', 'trainable', 'dtype', 'batch_input_shape', 'batch_shape', 'input_shape', 'batch_size', 'input_dtype', 'input_dim'];
const INITS = (...w: string[]): string[] => w.map((x) => `${x}_initializer`);
const NULLS = (...w: string[]): string[] => w.flatMap((x) => [`${x}_regularizer`, `${x}_constraint`]);

export class LayerMapper {
  constructor(readonly file: string, readonly name: string, readonly cls: string, readonly cfg: Cfg) {}

  unsupported(detail: string): never {
    throw new TfjsUnsupportedError(this.file, detail, { layer: this.name, className: this.cls });
  }

  malformed(detail: string): never {
    throw new TfjsFormatError(this.file, detail, { layer: this.name, className: this.cls });
  }

  /**
   * Checks the config's keys: `take` are mapped by the caller, `ignore` do not change the
   * loaded model, `nulls` must be null or absent, `fixed` must have the given value (or be absent).
   */
  check(take: readonly string[], opts: { ignore?: readonly string[]; nulls?: readonly string[]; fixed?: Readonly<Record<string, unknown>> } = {}): void {
    const nulls = opts.nulls ?? [];
    const fixed = opts.fixed ?? {};
    for (const [k, v] of Object.entries(this.cfg)) {
      if (take.includes(k) || COMMON.includes(k) || opts.ignore?.includes(k)) continue;
      if (nulls.includes(k)) {
        if (v !== null && v !== undefined) this.unsupported(`option '${k}' is ${JSON.stringify(v).slice(0, 80)}; gaaf has no ${k.replace(/_/g, ' ')} (it must be null)`);
        continue;
      }
      if (k in fixed) {
        if (v !== undefined && v !== null && JSON.stringify(v) !== JSON.stringify(fixed[k])) {
          this.unsupported(`option '${k}' is ${JSON.stringify(v).slice(0, 80)}; gaaf supports only ${JSON.stringify(fixed[k])}`);
        }
        continue;
      }
      this.unsupported(`option '${k}' is not one gaaf knows for ${this.cls} (value ${JSON.stringify(v)?.slice(0, 80)})`);
    }
    if (this.cfg.trainable !== undefined && typeof this.cfg.trainable !== 'boolean') this.malformed(`option 'trainable' must be true or false, got ${JSON.stringify(this.cfg.trainable)?.slice(0, 40)}`);
    const dt = this.cfg.dtype;
    const dtName = typeof dt === 'object' && dt !== null ? ((dt as Cfg).config as Cfg | undefined)?.name : dt;
    if (dt !== undefined && dt !== null && dtName !== 'float32') this.unsupported(`option 'dtype' is ${JSON.stringify(dt).slice(0, 80)}; gaaf computes in float32`);
  }

  int(key: string, def?: number): number {
    const v = this.cfg[key] ?? def;
    if (!Number.isInteger(v) || (v as number) < 1) this.malformed(`option '${key}' must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  }

  /** A size given as n or [n, n] (TF.js writes pairs); gaaf takes one value for both axes unless `pair`. */
  pair(key: string, def: number | null): [number, number] {
    const v = this.cfg[key] ?? def;
    const p = typeof v === 'number' ? [v, v] : v;
    if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= 1)) {
      this.malformed(`option '${key}' must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
    }
    return [p[0] as number, p[1] as number];
  }

  square(key: string, def: number | null): number {
    const [a, b] = this.pair(key, def);
    if (a !== b) this.unsupported(`option '${key}' is [${a}, ${b}]; gaaf supports only equal values on both axes`);
    return a;
  }

  bool(key: string, def: boolean): boolean {
    const v = this.cfg[key] ?? def;
    if (typeof v !== 'boolean') this.malformed(`option '${key}' must be true or false, got ${JSON.stringify(v)}`);
    return v as boolean;
  }

  num(key: string, def: number): number {
    const v = this.cfg[key] ?? def;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.malformed(`option '${key}' must be a finite number, got ${JSON.stringify(v)}`);
    return v as number;
  }

  padding(): 'valid' | 'same' {
    const v = this.cfg.padding ?? 'valid';
    if (v !== 'valid' && v !== 'same') this.unsupported(`option 'padding' is ${JSON.stringify(v)}; gaaf supports 'valid' and 'same'`);
    return v as 'valid' | 'same';
  }

  dataFormat(): void {
    const v = this.cfg.data_format;
    if (v !== undefined && v !== null && v !== 'channels_last') this.unsupported(`option 'data_format' is ${JSON.stringify(v)}; gaaf's images are channels_last (HWC)`);
  }

  activation(key = 'activation'): ActivationName {
    const v = this.cfg[key] ?? 'linear';
    if (typeof v !== 'string' || !Object.prototype.hasOwnProperty.call(ACT_IN, v)) {
      this.unsupported(`option '${key}' is ${JSON.stringify(v)?.slice(0, 80)}, an activation gaaf lacks (it has ${Object.keys(ACT_IN).join(', ')})`);
    }
    return ACT_IN[v as string];
  }

  /** Runs a gaaf constructor, turning its refusal into an error naming this layer. */
  make<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof TfjsError) throw e;
      return this.unsupported((e as Error).message.replace(/^gaaf: /, ''));
    }
  }
}

const last = (s: readonly number[]): number => s[s.length - 1];
const none = (): Array<{ what: string; shape: number[] }> => [];
const plain = (m: LayerMapper, layer: Layer, weights: InLayer['weights'] = none): InLayer => ({ name: m.name, className: m.cls, layer, weights, lastAct: null });
const actLayer = (m: LayerMapper, act: ActivationName, alpha?: number): InLayer => ({
  ...plain(m, m.make(() => new Activation(act, alpha === undefined ? {} : { alpha }))),
  lastAct: act === 'softmax' || act === 'sigmoid' ? act : null, withoutLastAct: () => null,
});

type Mapping = (m: LayerMapper) => InLayer;

const MAPPINGS: Readonly<Record<string, Mapping>> = {
  InputLayer: (m) => {
    if (m.cfg.dtype === 'int32') delete m.cfg.dtype; // indices for an Embedding: gaaf reads them as float32 (exact below 2^24)
    m.check([], { fixed: { sparse: false, ragged: false } });
    return { name: m.name, className: m.cls, layer: null, weights: none, lastAct: null };
  },
  Dense: (m) => {
    m.check(['units', 'activation', 'use_bias'], { ignore: INITS('kernel', 'bias'), nulls: [...NULLS('kernel', 'bias'), 'activity_regularizer', 'lora_rank', 'quantization_config'] });
    const units = m.int('units');
    const useBias = m.bool('use_bias', true);
    const act = m.activation();
    const mk = (a: ActivationName): Layer => m.make(() => new Dense(units, { useBias, ...(a !== 'linear' ? { activation: a } : {}) }));
    return {
      ...plain(m, mk(act), (s) => [{ what: 'kernel', shape: [last(s), units] }, ...(useBias ? [{ what: 'bias', shape: [units] }] : [])]),
      lastAct: act === 'softmax' || act === 'sigmoid' ? act : null, withoutLastAct: () => mk('linear'),
    };
  },
  Conv2D: (m) => {
    m.check(['filters', 'kernel_size', 'strides', 'padding', 'activation', 'use_bias', 'data_format', 'dilation_rate'], {
      ignore: INITS('kernel', 'bias'), nulls: [...NULLS('kernel', 'bias'), 'activity_regularizer', 'lora_rank'], fixed: { groups: 1 },
    });
    m.dataFormat();
    const filters = m.int('filters');
    const ks = m.pair('kernel_size', null);
    const strides = m.square('strides', 1);
    const dilationRate = m.pair('dilation_rate', 1);
    const padding = m.padding();
    const useBias = m.bool('use_bias', true);
    const act = m.activation();
    const eff = [(ks[0] - 1) * dilationRate[0] + 1, (ks[1] - 1) * dilationRate[1] + 1];
    if (padding === 'same' && (eff[0] !== eff[1] || eff[0] % 2 === 0)) {
      m.unsupported(`padding 'same' with a ${eff[0]}×${eff[1]} (dilated) kernel: TF pads it unevenly; gaaf's 'same' needs an odd square kernel`);
    }
    const mk = (a: ActivationName): Layer => m.make(() => new Conv2D(filters, ks, { strides, padding, useBias, dilationRate, ...(a !== 'linear' ? { activation: a } : {}) }));
    return {
      ...plain(m, mk(act), (s) => [{ what: 'kernel', shape: [ks[0], ks[1], last(s), filters] }, ...(useBias ? [{ what: 'bias', shape: [filters] }] : [])]),
      lastAct: act === 'softmax' || act === 'sigmoid' ? act : null, withoutLastAct: () => mk('linear'),
    };
  },
  // TF's 'same' at every stride, as gaaf's DepthwiseConv2D pads; the kernel [kh, kw, c, multiplier] as gaaf stores it
  DepthwiseConv2D: (m) => {
    m.check(['kernel_size', 'strides', 'padding', 'depth_multiplier', 'activation', 'use_bias', 'data_format', 'dilation_rate'], {
      ignore: INITS('depthwise', 'bias'), nulls: [...NULLS('depthwise', 'bias'), 'activity_regularizer'],
    });
    m.dataFormat();
    const ks = m.pair('kernel_size', null);
    const strides = m.square('strides', 1);
    const dilationRate = m.pair('dilation_rate', 1);
    // TF.js 4.x's DepthwiseConv2D layer ignores dilation_rate (its output shape and its call use
    // none) where Keras honours it: such a file means two different models, so it is refused
    if (dilationRate.some((d) => d !== 1)) {
      m.unsupported(`option 'dilation_rate' is [${dilationRate.join(', ')}]: TF.js's DepthwiseConv2D ignores it and Keras does not, so the file does not say which model it is`);
    }
    const depthMultiplier = m.int('depth_multiplier', 1);
    const padding = m.padding();
    const useBias = m.bool('use_bias', true);
    const act = m.activation();
    const mk = (a: ActivationName): Layer => m.make(() => new DepthwiseConv2D(ks, { strides, padding, depthMultiplier, dilationRate, useBias, ...(a !== 'linear' ? { activation: a } : {}) }));
    return {
      ...plain(m, mk(act), (s) => [{ what: 'depthwise_kernel', shape: [ks[0], ks[1], last(s), depthMultiplier] }, ...(useBias ? [{ what: 'bias', shape: [last(s) * depthMultiplier] }] : [])]),
      lastAct: act === 'softmax' || act === 'sigmoid' ? act : null, withoutLastAct: () => mk('linear'),
    };
  },
  MaxPooling2D: (m) => pool(m, (k, o) => new MaxPool2D(k, o)),
  AveragePooling2D: (m) => pool(m, (k, o) => new AveragePooling2D(k, o)),
  GlobalAveragePooling2D: (m) => {
    m.check(['data_format'], { fixed: { keepdims: false } });
    m.dataFormat();
    return plain(m, new GlobalAveragePooling2D());
  },
  GlobalMaxPooling2D: (m) => {
    m.check(['data_format'], { fixed: { keepdims: false } });
    m.dataFormat();
    return plain(m, new GlobalMaxPooling2D());
  },
  BatchNormalization: (m) => {
    m.check(['axis', 'momentum', 'epsilon'], {
      ignore: [...INITS('beta', 'gamma', 'moving_mean', 'moving_variance'), 'fused'],
      nulls: [...NULLS('beta', 'gamma'), 'renorm_clipping', 'virtual_batch_size', 'adjustment'],
      fixed: { center: true, scale: true, renorm: false, synchronized: false },
    });
    const momentum = m.num('momentum', 0.99);
    const epsilon = m.num('epsilon', 1e-3);
    const layer = m.make(() => new BatchNorm({ momentum, epsilon }));
    return { ...plain(m, layer, (s) => ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((what) => ({ what, shape: [last(s)] }))), axis: m.cfg.axis };
  },
  LayerNormalization: (m) => {
    m.check(['axis', 'epsilon'], { ignore: INITS('beta', 'gamma'), nulls: NULLS('beta', 'gamma'), fixed: { center: true, scale: true, rms_scaling: false } });
    const epsilon = m.num('epsilon', 1e-3);
    const layer = m.make(() => new LayerNormalization({ epsilon }));
    return { ...plain(m, layer, (s) => ['gamma', 'beta'].map((what) => ({ what, shape: [last(s)] }))), axis: m.cfg.axis };
  },
  Dropout: (m) => {
    m.check(['rate'], { nulls: ['noise_shape', 'seed'] });
    const rate = m.num('rate', NaN);
    return plain(m, m.make(() => new Dropout(rate)));
  },
  Activation: (m) => {
    m.check(['activation']);
    return actLayer(m, m.activation());
  },
  ReLU: (m) => {
    m.check([], { nulls: ['max_value'], fixed: { negative_slope: 0, threshold: 0 } });
    return actLayer(m, 'relu');
  },
  LeakyReLU: (m) => {
    m.check(['alpha', 'negative_slope']);
    return actLayer(m, 'leakyRelu', m.num(m.cfg.negative_slope !== undefined ? 'negative_slope' : 'alpha', 0.3));
  },
  ELU: (m) => {
    m.check(['alpha']);
    return actLayer(m, 'elu', m.num('alpha', 1));
  },
  Softmax: (m) => {
    m.check(['axis']);
    return { ...actLayer(m, 'softmax'), axis: m.cfg.axis ?? -1 }; // TF.js writes axis 1 for [batch, classes]: the topology checks it is the last
  },
  ZeroPadding2D: (m) => {
    m.check(['padding', 'data_format']);
    m.dataFormat();
    const v = m.cfg.padding ?? 1;
    const flat = typeof v === 'number' ? [v] : Array.isArray(v) ? v.flat() : [];
    if (flat.length === 0 || !flat.every((d) => Number.isInteger(d) && d >= 0)) m.malformed(`option 'padding' must be an integer, a pair or a pair of pairs, got ${JSON.stringify(v)}`);
    if (!flat.every((d) => d === flat[0])) m.unsupported(`option 'padding' is ${JSON.stringify(v)}; gaaf pads evenly (the same on every side), before a Conv2D only`);
    return { name: m.name, className: m.cls, layer: null, weights: none, lastAct: null, zeroPad: flat[0] as number };
  },
  Flatten: (m) => {
    m.check(['data_format']);
    m.dataFormat();
    return plain(m, new Flatten());
  },
  Reshape: (m) => {
    m.check(['target_shape']);
    const t = m.cfg.target_shape;
    return plain(m, m.make(() => new Reshape(t as number[])));
  },
  Embedding: (m) => {
    m.check(['input_dim', 'output_dim'], {
      ignore: [...INITS('embeddings'), 'input_length'], nulls: [...NULLS('embeddings'), 'activity_regularizer', 'lora_rank'], fixed: { mask_zero: false, sparse: false },
    });
    const inputDim = m.int('input_dim');
    const outputDim = m.int('output_dim');
    return plain(m, m.make(() => new Embedding(inputDim, outputDim)), () => [{ what: 'embeddings', shape: [inputDim, outputDim] }]);
  },
  Add: (m) => {
    m.check([]);
    return plain(m, new Add());
  },
  Multiply: (m) => {
    m.check([]);
    return plain(m, new Multiply());
  },
  Concatenate: (m) => {
    m.check(['axis']);
    const axis = m.cfg.axis ?? -1;
    return plain(m, m.make(() => new Concatenate({ axis: axis as number })));
  },
};

function pool(m: LayerMapper, make: (k: number, o: { strides: number; padding: 'valid' | 'same' }) => Layer): InLayer {
  m.check(['pool_size', 'strides', 'padding', 'data_format']);
  m.dataFormat();
  const k = m.square('pool_size', 2);
  const strides = m.square('strides', k);
  const padding = m.padding();
  return plain(m, m.make(() => make(k, { strides, padding })));
}

const ALIASES: Readonly<Record<string, string>> = { MaxPool2D: 'MaxPooling2D', AvgPool2D: 'AveragePooling2D', GlobalAvgPool2D: 'GlobalAveragePooling2D', GlobalMaxPool2D: 'GlobalMaxPooling2D' };

/** The TF.js layer classes gaaf reads. */
export const TFJS_LAYER_CLASSES: readonly string[] = Object.keys(MAPPINGS);

/** Maps one TF.js layer {class_name, config} (named `name`) to a gaaf layer, or throws naming the layer and what gaaf lacks. */
export function mapLayer(cls: string, cfg: Cfg, name: string, file: string): InLayer {
  const key = Object.prototype.hasOwnProperty.call(ALIASES, cls) ? ALIASES[cls] : cls;
  const m = new LayerMapper(file, name, cls, { ...cfg });
  if (!Object.prototype.hasOwnProperty.call(MAPPINGS, key)) {
    m.unsupported(`gaaf has no layer of class ${cls} (it reads ${TFJS_LAYER_CLASSES.join(', ')})`);
  }
  const r = MAPPINGS[key](m);
  // a frozen layer (Keras's and TF.js's trainable: false) stays frozen: the optimizers skip it, a BatchNorm runs in inference mode
  if (cfg.trainable === false && r.layer) {
    r.layer.trainable = false;
    const w = r.withoutLastAct;
    if (w) r.withoutLastAct = () => { const l = w(); if (l) l.trainable = false; return l; };
  }
  return r;
}
