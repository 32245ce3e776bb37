// The paper's models, ready-made (the MLP of section 5.1, the CNNs of section 5.2), and the
// recipe the MLP is trained with. Each builder records itself and its options on the model
// (Network.builtBy), so a checkpoint says what built it.
import type { ActKind } from './binding.js';
import type { GaafOptions } from './gaaf.js';
import { Activation } from './layers/activation.js';
import { BatchNorm } from './layers/batchnorm.js';
import { Conv2D } from './layers/conv2d.js';
import { Dense } from './layers/dense.js';
import { Dropout } from './layers/dropout.js';
import { Flatten } from './layers/flatten.js';
import { type Layer, shapeStr } from './layers/layer.js';
import { MaxPool2D } from './layers/maxpool2d.js';
import { Sequential } from './sequential.js';

/**
 * How the paper's MLP is trained here: the paper (section 5.1) states no optimizer, learning
 * rate, batch size or epochs; these are ours, chosen on the bundled digits (see
 * docs/reproduction/mlp-bundled/REPORT.md). `gaaf train` (and so `npm start`) trains by it,
 * `gaaf reproduce mlp` takes its optimizer and batch size, and the training benchmark its step.
 */
export const PAPER_MLP_RECIPE = { optimizer: 'sgd', lr: 0.05, momentum: 0.9, batchSize: 128, epochs: 15 } as const;

/** `model`, with the builder `name` and its options recorded as what built it. */
function recorded(name: string, options: object, model: Sequential): Sequential {
  model.builtBy = { name, options: JSON.parse(JSON.stringify(options)) as Record<string, unknown> };
  return model;
}

export interface MlpOptions {
  /** Hidden layer widths. Default: the paper's 512-256-256. */
  hidden?: number[];
  inputSize?: number;
  classes?: number;
  /** tanh (the paper's), relu, sigmoid, or leakyRelu (Keras's slope 0.3; no GAAF variants of it here). */
  activation?: ActKind | 'leakyRelu';
  gaaf?: boolean | GaafOptions;
  /** Dropout rate after each hidden layer's activation; 0 for none. */
  dropout?: number;
  /** BatchNorm after each hidden Dense (which then has no bias), before its activation. */
  bn?: boolean;
}

/** The paper's MNIST MLP (section 5.1): 784-512-256-256-10 with tanh, optionally with dropout, GAAF or BatchNorm. */
export function paperMlp(opts: MlpOptions = {}): Sequential {
  const hidden = opts.hidden ?? [512, 256, 256];
  const act = opts.activation ?? 'tanh';
  const layers: Layer[] = [];
  for (const units of hidden) {
    const init = act === 'relu' || act === 'leakyRelu' ? 'heUniform' : 'glorotUniform';
    layers.push(new Dense(units, opts.bn ? { kernelInitializer: init, useBias: false } : { kernelInitializer: init }));
    if (opts.bn) layers.push(new BatchNorm({ momentum: BN_MOMENTUM }));
    layers.push(new Activation(act, { gaaf: opts.gaaf ?? false }));
    if (opts.dropout) layers.push(new Dropout(opts.dropout));
  }
  layers.push(new Dense(opts.classes ?? 10));
  return recorded('paperMlp', opts, new Sequential(layers, { inputShape: [opts.inputSize ?? 784] }));
}

export interface CnnOptions {
  /** Shape of one input image [h, w, c]. Default [32, 32, 3] (SVHN, CIFAR). */
  inputShape?: number[];
  classes?: number;
  /** BatchNorm after every hidden Conv2D and Dense layer, before its activation (Table 4's "+BN"). */
  bn?: boolean;
  /** Activation of every hidden layer; the paper's CNNs use ReLU (the default). */
  activation?: ActKind;
  /** GAAF on every activation (for ReLU the shifted-sigmoid shape, section 5.2). */
  gaaf?: boolean | GaafOptions;
  /** Conv2D widths, one per conv layer ('M' in the layout marks a max-pool; see each model). */
  filters?: number[];
  /** Hidden Dense widths (the output layer has `classes` units). */
  dense?: number[];
}

/**
 * BatchNorm momentum of the CNNs: 0.9 (PyTorch's 0.1 in its convention) rather than Keras's
 * 0.99, so the running statistics catch up within the few hundred steps of a short run.
 */
export const BN_MOMENTUM = 0.9;

/** He initialisation for ReLU, Glorot for tanh and sigmoid. */
const initFor = (o: CnnOptions): 'heUniform' | 'glorotUniform' => ((o.activation ?? 'relu') === 'relu' ? 'heUniform' : 'glorotUniform');

/** [Conv2D 3×3 'same' → (BatchNorm) → ReLU(+GAAF)] per width, with a 2×2 max-pool after the conv layers in `poolAfter`. */
function convStack(filters: readonly number[], poolAfter: ReadonlySet<number>, o: CnnOptions, input: number[]): Layer[] {
  const layers: Layer[] = [];
  filters.forEach((f, i) => {
    layers.push(new Conv2D(f, 3, {
      padding: 'same', useBias: !o.bn, kernelInitializer: initFor(o), inputShape: i === 0 ? input : undefined,
    }));
    if (o.bn) layers.push(new BatchNorm({ momentum: BN_MOMENTUM }));
    layers.push(new Activation(o.activation ?? 'relu', { gaaf: o.gaaf ?? false }));
    if (poolAfter.has(i)) layers.push(new MaxPool2D(2));
  });
  return layers;
}

function denseHead(widths: readonly number[], classes: number, o: CnnOptions): Layer[] {
  const layers: Layer[] = [new Flatten()];
  for (const u of widths) {
    layers.push(new Dense(u, { useBias: !o.bn, kernelInitializer: initFor(o) }));
    if (o.bn) layers.push(new BatchNorm({ momentum: BN_MOMENTUM }));
    layers.push(new Activation(o.activation ?? 'relu', { gaaf: o.gaaf ?? false }));
  }
  layers.push(new Dense(classes));
  return layers;
}

function checkCount(what: string, v: number[] | undefined, n: number): void {
  if (v && (v.length !== n || !v.every((u) => Number.isInteger(u) && u >= 1))) {
    throw new RangeError(`gaaf: ${what} takes ${n} positive integer widths, got [${v.join(', ')}]`);
  }
}

/** Default widths of svhnCnn: conv 32-32 | 64-64, dense 512-256-classes. */
export const SVHN_CNN_FILTERS: readonly number[] = [32, 32, 64, 64];
export const SVHN_CNN_DENSE: readonly number[] = [512, 256];

/**
 * The paper's SVHN model (section 5.2): four 3×3 'same' Conv2D layers with ReLU and a 2×2
 * max-pool after every second one, then three Dense layers (two hidden with ReLU, and the
 * output). The paper gives no widths; ours are 32-32-M-64-64-M, Dense 512-256-classes.
 * With bn, each hidden Conv2D and Dense is followed by BatchNorm before its ReLU, and has no
 * bias (BatchNorm's β takes its place).
 */
export function svhnCnn(opts: CnnOptions = {}): Sequential {
  const input = opts.inputShape ?? [32, 32, 3];
  checkCount('svhnCnn filters', opts.filters, 4);
  checkCount('svhnCnn dense', opts.dense, 2);
  const layers = [
    ...convStack(opts.filters ?? SVHN_CNN_FILTERS, new Set([1, 3]), opts, input),
    ...denseHead(opts.dense ?? SVHN_CNN_DENSE, opts.classes ?? 10, opts),
  ];
  return recorded('svhnCnn', opts, new Sequential(layers, { inputShape: input }));
}

/** VGG16's conv widths without its last three conv layers (blocks 1-4: 2 + 2 + 3 + 3 = 10 layers). */
export const VGG_FILTERS: readonly number[] = [64, 64, 128, 128, 256, 256, 256, 512, 512, 512];
/** Max-pools after the last conv of each block. */
const VGG_POOLS = new Set([1, 3, 6, 9]);
export const VGG_DENSE: readonly number[] = [512, 512];

/**
 * The paper's CIFAR model (section 5.2): VGG16 (Simonyan & Zisserman 2015, configuration D)
 * without its last three conv layers (block 5), for 32×32 images, with smaller Dense layers.
 * Ours: conv 64-64-M-128-128-M-256-256-256-M-512-512-512-M (32×32 → 2×2×512), then Dense
 * 512-512-classes in place of 4096-4096-1000 (the paper gives no sizes). ReLU everywhere,
 * optional BatchNorm and GAAF as in svhnCnn. Refuses inputs that are not 32×32.
 */
export function reducedVgg16(opts: CnnOptions = {}): Sequential {
  const input = opts.inputShape ?? [32, 32, 3];
  if (input.length !== 3 || input[0] !== 32 || input[1] !== 32) {
    throw new RangeError(`gaaf: reducedVgg16 is laid out for 32×32 images (CIFAR: [32, 32, 3]), got input shape ${shapeStr(input)}; ` +
      'use svhnCnn for other image sizes (it does not pad or resize)');
  }
  checkCount('reducedVgg16 filters', opts.filters, 10);
  checkCount('reducedVgg16 dense', opts.dense, 2);
  const layers = [
    ...convStack(opts.filters ?? VGG_FILTERS, VGG_POOLS, opts, input),
    ...denseHead(opts.dense ?? VGG_DENSE, opts.classes ?? 10, opts),
  ];
  return recorded('reducedVgg16', opts, new Sequential(layers, { inputShape: input }));
}
