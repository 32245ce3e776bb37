// One registry from a layer's className to a function that rebuilds it from its config(),
// so a saved architecture (checkpoints, reports) can be turned back into layers. Every layer
// class registers itself here; nothing else needs to know the list.
import type { GaafOptions } from '../gaaf.js';
import type { ActivationName } from './act-fn.js';
import { Activation } from './activation.js';
import { BatchNorm } from './batchnorm.js';
import { Conv2D, type Padding } from './conv2d.js';
import { DepthwiseConv2D } from './depthwise-conv2d.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { Flatten } from './flatten.js';
import { Reshape } from './reshape.js';
import { Embedding } from './embedding.js';
import { LayerNormalization } from './layernorm.js';
import { MaxPool2D } from './maxpool2d.js';
import { AveragePooling2D } from './avgpool2d.js';
import { GlobalAveragePooling2D, GlobalMaxPooling2D } from './global-pooling.js';
import type { Layer } from './layer.js';
import { Add, Concatenate, Multiply } from './merge.js';

export type LayerFactory = (config: Record<string, unknown>) => Layer;

const FACTORIES = new Map<string, LayerFactory>();

/** Registers how to rebuild layers of `className` from their config(). */
export function registerLayer(className: string, factory: LayerFactory): void {
  FACTORIES.set(className, factory);
}

/** The layer classes that can be rebuilt from a config. */
export function registeredLayers(): string[] {
  return [...FACTORIES.keys()];
}

/** Rebuilds a layer from its className and config(); a clear error for an unknown class. */
export function layerFromConfig(className: string, config: Record<string, unknown>, where = 'layerFromConfig'): Layer {
  const f = FACTORIES.get(className);
  if (!f) throw new RangeError(`gaaf: ${where}: unknown layer class '${className}' (known: ${registeredLayers().join(', ')})`);
  return f(config);
}

registerLayer('Dense', (c) => new Dense(c.units as number, {
  useBias: c.useBias as boolean | undefined,
  kernelInitializer: c.kernelInitializer as Dense['kernelInitializer'] | undefined,
  ...(c.activation !== undefined ? { activation: c.activation as ActivationName } : {}),
}));
registerLayer('Activation', (c) => new Activation(c.activation as ActivationName, {
  gaaf: (c.gaaf ?? false) as boolean | GaafOptions, ...(c.alpha !== undefined ? { alpha: c.alpha as number } : {}),
}));
registerLayer('Dropout', (c) => new Dropout(c.rate as number));
registerLayer('Conv2D', (c) => new Conv2D(c.filters as number, c.kernelSize as [number, number], {
  strides: c.strides as number | undefined,
  ...(c.dilationRate !== undefined ? { dilationRate: c.dilationRate as [number, number] } : {}),
  padding: c.padding as Padding | undefined,
  useBias: c.useBias as boolean | undefined,
  kernelInitializer: c.kernelInitializer as Conv2D['kernelInitializer'] | undefined,
  ...(c.activation !== undefined ? { activation: c.activation as ActivationName } : {}),
}));
registerLayer('DepthwiseConv2D', (c) => new DepthwiseConv2D(c.kernelSize as [number, number], {
  depthMultiplier: c.depthMultiplier as number | undefined,
  strides: c.strides as number | undefined,
  padding: c.padding as Padding | undefined,
  ...(c.dilationRate !== undefined ? { dilationRate: c.dilationRate as [number, number] } : {}),
  useBias: c.useBias as boolean | undefined,
  depthwiseInitializer: c.depthwiseInitializer as DepthwiseConv2D['depthwiseInitializer'] | undefined,
  ...(c.activation !== undefined ? { activation: c.activation as ActivationName } : {}),
}));
registerLayer('MaxPool2D', (c) => new MaxPool2D(c.poolSize as number, {
  strides: c.strides as number | undefined, ...(c.padding !== undefined ? { padding: c.padding as Padding } : {}),
}));
registerLayer('BatchNorm', (c) => new BatchNorm({ momentum: c.momentum as number | undefined, epsilon: c.epsilon as number | undefined }));
registerLayer('Flatten', () => new Flatten());
registerLayer('GlobalAveragePooling2D', () => new GlobalAveragePooling2D());
registerLayer('GlobalMaxPooling2D', () => new GlobalMaxPooling2D());
registerLayer('AveragePooling2D', (c) => new AveragePooling2D(c.poolSize as number, {
  strides: c.strides as number | undefined, padding: c.padding as Padding | undefined,
}));
registerLayer('Reshape', (c) => new Reshape(c.targetShape as number[]));
registerLayer('Embedding', (c) => new Embedding(c.inputDim as number, c.outputDim as number));
registerLayer('LayerNormalization', (c) => new LayerNormalization({ epsilon: c.epsilon as number | undefined }));
registerLayer('Add', () => new Add());
registerLayer('Multiply', () => new Multiply());
registerLayer('Concatenate', (c) => new Concatenate({ axis: c.axis as number | undefined }));
