// model.toOnnx(): a built gaaf model as an ONNX model (ModelProto bytes), for inference:
// opset 17 by default (17 to 21 accepted), IR version 8; BatchNorm uses its running
// statistics and Dropout is left out. Inputs and outputs keep gaaf's shapes: [batch, ...the
// sample's shape], images NHWC; the outputs are predictOutputs' (the logits before the loss
// head). Layer by layer: ./layers.ts; the layouts in between: ./emitter.ts; the encoding: ./proto.ts.
import { linearGraph } from '../../graph/config.js';
import type { Network } from '../../model.js';
import { Emitter, type Ref } from './emitter.js';
import { emitLayer } from './layers.js';
import { type OnnxModel, encodeModel } from './proto.js';

export interface OnnxExportOptions {
  /** The ONNX opset (default 17; 20 and later use the Gelu operator). */
  opset?: number;
  /** The graph's name (default 'gaaf'). */
  name?: string;
}

export const ONNX_OPSETS = [17, 18, 19, 20, 21];
const KNOWN = ['opset', 'name'];

/** Builds the ONNX graph of `model` (built) and returns its bytes. */
export function exportOnnx(model: Network, opts: OnnxExportOptions = {}): Uint8Array {
  if (opts === null || typeof opts !== 'object') throw new TypeError('gaaf: toOnnx: the options must be an object');
  const bad = Object.keys(opts).filter((k) => !KNOWN.includes(k));
  if (bad.length) throw new RangeError(`gaaf: toOnnx: unknown option ${bad.map((k) => `'${k}'`).join(', ')} (expected ${KNOWN.join(', ')})`);
  const opset = opts.opset ?? 17;
  if (!ONNX_OPSETS.includes(opset)) throw new RangeError(`gaaf: toOnnx: opset must be one of ${ONNX_OPSETS.join(', ')}, got ${String(opset)}`);
  if (!model.built) throw new Error('gaaf: toOnnx: the model is not built: build it (model.build(inputShape)) or train or load it first');
  const g = model.graphConfig() ?? linearGraph(model.layers, model.inputShape);
  const e = new Emitter();
  const refs: Ref[] = g.inputs.map((x) => ({ name: e.fresh(x.name), shape: x.shape, layout: 'nhwc' }));
  const calls = new Map<number, number>();
  for (const nd of g.nodes) {
    const layer = model.layers[nd.layer];
    const k = (calls.get(nd.layer) ?? 0) + 1;
    calls.set(nd.layer, k);
    const base = k > 1 ? `${layer.name}_call${k}` : layer.name;
    refs.push(emitLayer({ e, opset, base }, layer, nd.inputs.map((id) => refs[id])));
  }
  const outputs = g.outputs.map((id, j) => {
    const r = e.as(refs[id], 'nhwc');
    return { name: e.node('Identity', [r.name], undefined, `output_${j + 1}`), sampleShape: r.shape };
  });
  const m: OnnxModel = {
    irVersion: 8,
    opset,
    producer: 'gaaf',
    producerVersion: '0.1.0',
    doc: 'Exported by gaaf for inference: NHWC inputs as gaaf takes them; outputs before the loss head (predictOutputs).',
    graph: { name: opts.name ?? 'gaaf', nodes: e.nodes, initializers: e.initializers, inputs: refs.slice(0, g.inputs.length).map((r) => ({ name: r.name, sampleShape: r.shape })), outputs },
  };
  return encodeModel(m);
}
