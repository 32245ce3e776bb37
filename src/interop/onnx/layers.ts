// Each gaaf layer as ONNX operators, in inference form:
//   Dense             Gemm(x, W [in, out], b) (MatMul without a bias), then its activation
//   Conv2D            Conv on NCHW, W permuted to [out, in, kh, kw], pads (k−1)·d/2 for 'same', dilations
//   DepthwiseConv2D   Conv with group = channels, W [c·M, 1, kh, kw], TF's 'same' pads (extra at the end)
//   MaxPool2D         MaxPool; AveragePooling2D AveragePool (count_include_pad 0): 'same' pads as
//                     gaaf's (Keras's) rule, top/left ⌊total/2⌋
//   Global*Pooling2D  GlobalAveragePool / GlobalMaxPool, then Flatten
//   BatchNorm         BatchNormalization with the running statistics (NCHW for images)
//   LayerNormalization LayerNormalization (opset 17), axis −1, on gaaf's layout
//   Embedding         Cast to int64, Gather on the table
//   Flatten, Reshape  on gaaf's (NHWC) layout, so the values come out in gaaf's order
//   Dropout           nothing (inference)
//   Add, Multiply     Add / Mul chains; Concatenate Concat on gaaf's layout
//   activations       Relu, Tanh, Sigmoid, LeakyRelu, Elu, Softplus, Softmax (last axis); gelu
//                     as x·½(1 + erf(x/√2)) (Gelu itself from opset 20), geluTanh as
//                     x·σ(2√(2/π)(x + 0.044715x³)) (gaaf's own form), silu x·σ(x).
//   GAAF              φ(x) + g(x)·s(x) decomposed faithfully (see gaafForward below), so the
//                     export computes what gaaf computes, not the plain φ.
import type { ActFn } from '../../layers/act-fn.js';
import type { Layer } from '../../layers/layer.js';
import type { Emitter, Ref } from './emitter.js';

/** What a layer's emitter gets: the emitter, the opset, and a name base for its tensors. */
export interface Ctx { e: Emitter; opset: number; base: string }

type L = Layer & Record<string, unknown>;
const flat = (name: string, shape: readonly number[]): Ref => ({ name, shape, layout: 'nhwc' });

/** φ(x), elementwise (softmax over the last sample axis). */
export function activation(c: Ctx, fn: ActFn, x: Ref): Ref {
  const { e, base } = c;
  const out = (name: string): Ref => ({ ...x, name });
  const n = (op: string, ins: string[], attrs?: Record<string, number | { float: number }>): string => e.node(op, ins, attrs, `${base}/${op.toLowerCase()}`);
  // a surrogate's forward is φ itself; the other GAAF forwards are φ + g·s
  if (fn.gaaf && !fn.gaaf.surrogate) {
    if (fn.gaaf.height !== 1 || (fn.gaaf.shape !== 'bell' && fn.gaaf.shape !== 'shiftedSigmoid')) {
      throw new RangeError(`gaaf: toOnnx: ${base}: GAAF shape '${fn.gaaf.shape}' with height ${fn.gaaf.height} has no ONNX form here ` +
        '(only the default shapes, the bell and the shifted sigmoid at height 1, and surrogates are exported)');
    }
    return out(gaafForward(c, fn, x.name));
  }
  switch (fn.name) {
    case 'linear': return x;
    case 'relu': return out(n('Relu', [x.name]));
    case 'tanh': return out(n('Tanh', [x.name]));
    case 'sigmoid': return out(n('Sigmoid', [x.name]));
    case 'softplus': return out(n('Softplus', [x.name]));
    case 'leakyRelu': return out(n('LeakyRelu', [x.name], { alpha: { float: fn.alpha! } }));
    case 'elu': return out(n('Elu', [x.name], { alpha: { float: fn.alpha! } }));
    case 'silu': case 'swish': return out(n('Mul', [x.name, n('Sigmoid', [x.name])]));
    case 'gelu':
      if (c.opset >= 20) return out(e.node('Gelu', [x.name], undefined, `${base}/gelu`));
      return out(n('Mul', [x.name, n('Mul', [e.scalar(0.5), n('Add', [e.scalar(1), n('Erf', [n('Mul', [x.name, e.scalar(Math.SQRT1_2)])])])])]));
    case 'geluTanh': {
      const x3 = n('Mul', [x.name, n('Mul', [x.name, x.name])]);
      const u2 = n('Mul', [e.scalar(2 * Math.sqrt(2 / Math.PI)), n('Add', [x.name, n('Mul', [e.scalar(0.044715), x3])])]);
      return out(n('Mul', [x.name, n('Sigmoid', [u2])]));
    }
    case 'softmax': {
      const y = e.as(x, 'nhwc');
      return { ...y, name: n('Softmax', [y.name], { axis: y.shape.length }) };
    }
  }
}

/**
 * GAAF's forward, as the kernel computes it in float32: y = φ(x) + g(x)·s(x),
 * g(x) = (x·K − ⌊x·K⌋ − 0.5)/K, s the bell exp(−(x·x)·(1/c)) (tanh, sigmoid) or the shifted
 * sigmoid σ(a·(x − b)) (relu). g is the kernel's float32 operations in its order (x·K, floor,
 * two subtractions, a division), so it is the same bits; φ and s differ by their exp
 * approximations. The kernel's guard for |x·K| ≥ 2^23 changes nothing for finite x (x·K is an
 * integer there), so only x = ±Inf differs: NaN here, φ(±Inf) in gaaf.
 */
function gaafForward(c: Ctx, fn: ActFn, x: string): string {
  const { e, base } = c;
  const g = fn.gaaf!;
  const n = (op: string, ins: string[]): string => e.node(op, ins, undefined, `${base}/gaaf_${op.toLowerCase()}`);
  const K = e.scalar(g.K);
  const xk = n('Mul', [x, K]);
  const saw = n('Div', [n('Sub', [n('Sub', [xk, n('Floor', [xk])]), e.scalar(0.5)]), K]);
  const s = g.shape === 'bell'
    ? n('Exp', [n('Neg', [n('Mul', [n('Mul', [x, x]), e.scalar(1 / Math.fround(g.p1))])])])
    : n('Sigmoid', [n('Mul', [e.scalar(g.p1), n('Sub', [x, e.scalar(g.p2)])])]);
  const phi = fn.name === 'relu' ? n('Relu', [x]) : n(fn.name === 'tanh' ? 'Tanh' : 'Sigmoid', [x]);
  return n('Add', [phi, n('Mul', [saw, s])]);
}

const paramValue = (l: Layer, i: number): Float32Array => l.params()[i].value.read();

/** Pads of gaaf's 'same' pooling on one axis: [before, after]. */
function samePads(h: number, k: number, s: number): [number, number] {
  const oh = Math.ceil(h / s);
  const total = Math.max((oh - 1) * s + k - h, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** The ONNX of one call of `layer` on `xs`; returns its output. An unknown layer class is an error naming it. */
export function emitLayer(c: Ctx, layer: Layer, xs: readonly Ref[]): Ref {
  const { e, base } = c;
  const l = layer as L;
  const x = xs[0];
  const outShape = layer.outputShape;
  const w = (what: string, dims: readonly number[], data: Float32Array): string => e.weight(`${layer.name}/${what}`, dims, data);
  switch (layer.className) {
    case 'Dropout': return x;
    case 'Dense': {
      const [inDim, out] = layer.params()[0].shape;
      const k = w('kernel', [inDim, out], paramValue(layer, 0));
      const z = l.useBias ? e.node('Gemm', [x.name, k, w('bias', [out], paramValue(layer, 1))], undefined, `${base}/gemm`) : e.node('MatMul', [x.name, k], undefined, `${base}/matmul`);
      return activation(c, l.act as ActFn, flat(z, outShape));
    }
    case 'Conv2D': {
      const [kh, kw, ch, oc] = layer.params()[0].shape;
      const src = paramValue(layer, 0);
      const k = new Float32Array(src.length);
      for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let ci = 0; ci < ch; ci++) for (let o = 0; o < oc; o++) {
        k[((o * ch + ci) * kh + i) * kw + j] = src[((i * kw + j) * ch + ci) * oc + o];
      }
      // gaaf's 'same' pads (k−1)·d/2 on each side (the dilated kernel is odd; with strides > 1 no dilation)
      const [dh, dw] = l.dilationRate as readonly [number, number];
      const [ph, pw] = l.padding === 'same' ? [((kh - 1) * dh) / 2, ((kw - 1) * dw) / 2] : [0, 0];
      const ins = [e.as(x, 'nchw').name, w('kernel', [oc, ch, kh, kw], k), ...(l.useBias ? [w('bias', [oc], paramValue(layer, 1))] : [])];
      const s = l.strides as number;
      const y = e.node('Conv', ins, { kernel_shape: [kh, kw], strides: [s, s], pads: [ph, pw, ph, pw], dilations: [dh, dw], group: 1 }, `${base}/conv`);
      return activation(c, l.act as ActFn, { name: y, shape: outShape, layout: 'nchw' });
    }
    case 'DepthwiseConv2D': {
      // a grouped Conv (group = channels): output channel c·M + m reads input channel c, as TF's depthwise
      const [kh, kw, ch, m] = layer.params()[0].shape;
      const src = paramValue(layer, 0);
      const k = new Float32Array(src.length);
      for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let ci = 0; ci < ch; ci++) for (let q = 0; q < m; q++) {
        k[((ci * m + q) * kh + i) * kw + j] = src[((i * kw + j) * ch + ci) * m + q];
      }
      const [dh, dw] = l.dilationRate as readonly [number, number];
      const s = l.strides as number;
      const [hh, ww] = x.shape;
      // TF's 'same' at every stride: the extra row and column of padding at the bottom and right
      const [t, bt] = l.padding === 'same' ? samePads(hh, (kh - 1) * dh + 1, s) : [0, 0];
      const [lf, r] = l.padding === 'same' ? samePads(ww, (kw - 1) * dw + 1, s) : [0, 0];
      const ins = [e.as(x, 'nchw').name, w('depthwise_kernel', [ch * m, 1, kh, kw], k), ...(l.useBias ? [w('bias', [ch * m], paramValue(layer, 1))] : [])];
      const y = e.node('Conv', ins, { kernel_shape: [kh, kw], strides: [s, s], pads: [t, lf, bt, r], dilations: [dh, dw], group: ch }, `${base}/conv`);
      return activation(c, l.act as ActFn, { name: y, shape: outShape, layout: 'nchw' });
    }
    case 'MaxPool2D': case 'AveragePooling2D': {
      const k = l.poolSize as number;
      const s = l.strides as number;
      const [h, wd] = x.shape;
      const [t, b] = l.padding === 'same' ? samePads(h, k, s) : [0, 0];
      const [lf, r] = l.padding === 'same' ? samePads(wd, k, s) : [0, 0];
      const op = layer.className === 'MaxPool2D' ? 'MaxPool' : 'AveragePool';
      const attrs = { kernel_shape: [k, k], strides: [s, s], pads: [t, lf, b, r], ...(op === 'AveragePool' ? { count_include_pad: 0 } : {}) };
      return { name: e.node(op, [e.as(x, 'nchw').name], attrs, `${base}/${op.toLowerCase()}`), shape: outShape, layout: 'nchw' };
    }
    case 'GlobalAveragePooling2D': case 'GlobalMaxPooling2D': {
      const op = layer.className === 'GlobalMaxPooling2D' ? 'GlobalMaxPool' : 'GlobalAveragePool';
      const pooled = e.node(op, [e.as(x, 'nchw').name], undefined, `${base}/${op.toLowerCase()}`);
      return flat(e.node('Flatten', [pooled], { axis: 1 }, `${base}/flatten`), outShape);
    }
    case 'BatchNorm': {
      const ch = layer.params()[0].shape[0];
      const st = layer.stateTensors();
      const ins = [e.as(x, 'nchw').name, w('gamma', [ch], paramValue(layer, 0)), w('beta', [ch], paramValue(layer, 1)),
        w('moving_mean', [ch], st[0].value.read()), w('moving_variance', [ch], st[1].value.read())];
      const y = e.node('BatchNormalization', ins, { epsilon: { float: l.epsilon as number } }, `${base}/batchnorm`);
      return { name: y, shape: outShape, layout: x.shape.length === 3 ? 'nchw' : 'nhwc' };
    }
    case 'LayerNormalization': {
      const d = layer.params()[0].shape[0];
      const y0 = e.as(x, 'nhwc');
      const y = e.node('LayerNormalization', [y0.name, w('gamma', [d], paramValue(layer, 0)), w('beta', [d], paramValue(layer, 1))],
        { axis: y0.shape.length, epsilon: { float: l.epsilon as number } }, `${base}/layernorm`);
      return { name: y, shape: outShape, layout: 'nhwc' };
    }
    case 'Embedding': {
      const [num, dim] = layer.params()[0].shape;
      const idx = e.node('Cast', [x.name], { to: 7 }, `${base}/indices`);
      return flat(e.node('Gather', [w('embeddings', [num, dim], paramValue(layer, 0)), idx], { axis: 0 }, `${base}/gather`), outShape);
    }
    case 'Flatten':
      if (x.shape.length === 1) return x;
      return flat(e.node('Flatten', [e.as(x, 'nhwc').name], { axis: 1 }, `${base}/flatten`), outShape);
    case 'Reshape':
      return flat(e.node('Reshape', [e.as(x, 'nhwc').name, e.int64(`${layer.name}/shape`, [0, ...outShape])], undefined, `${base}/reshape`), outShape);
    case 'Activation': return activation(c, l.fn as ActFn, x);
    case 'Add': case 'Multiply': {
      const op = layer.className === 'Add' ? 'Add' : 'Mul';
      const ins = xs.map((t) => e.as(t, x.layout));
      let y = ins[0].name;
      for (let i = 1; i < ins.length; i++) y = e.node(op, [y, ins[i].name], undefined, `${base}/${op.toLowerCase()}`);
      return { name: y, shape: outShape, layout: x.layout };
    }
    case 'Concatenate': {
      const rank = x.shape.length;
      const axis = (l.axis as number) < 0 ? rank + (l.axis as number) + 1 : (l.axis as number);
      return flat(e.node('Concat', xs.map((t) => e.as(t, 'nhwc').name), { axis }, `${base}/concat`), outShape);
    }
    default:
      throw new RangeError(`gaaf: toOnnx: layer '${layer.name}' (${layer.className}) has no ONNX mapping ` +
        '(gaaf exports Dense, Conv2D, DepthwiseConv2D, MaxPool2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, BatchNorm, LayerNormalization, Embedding, Flatten, Reshape, Dropout, Activation, Add, Multiply, Concatenate)');
  }
}
