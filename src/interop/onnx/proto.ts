// The ONNX messages gaaf writes, encoded with pbf (Mapbox's protocol-buffers writer: varints,
// length-delimited fields, packed arrays). The field numbers are onnx.proto's (ONNX IR):
//   ModelProto         ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7, opset_import 8
//   OperatorSetIdProto domain 1, version 2
//   GraphProto         node 1, name 2, initializer 5, doc_string 10, input 11, output 12
//   NodeProto          input 1, output 2, name 3, op_type 4, attribute 5, domain 7
//   AttributeProto     name 1, f 2, i 3, s 4, floats 7, ints 8, type 20 (FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7)
//   TensorProto        dims 1, data_type 2 (FLOAT 1, INT64 7), name 8, raw_data 9 (little-endian)
//   ValueInfoProto     name 1, type 2;  TypeProto tensor_type 1;  TypeProto.Tensor elem_type 1, shape 2
//   TensorShapeProto   dim 1;  Dimension dim_value 1, dim_param 2
import { PbfWriter } from 'pbf';

export const FLOAT = 1;
export const INT64 = 7;

export type AttrValue = number | string | readonly number[] | { floats: readonly number[] } | { float: number };
export interface OnnxNode { op: string; inputs: readonly string[]; outputs: readonly string[]; name: string; attrs?: Record<string, AttrValue> }
export interface OnnxTensor { name: string; dims: readonly number[]; type: typeof FLOAT | typeof INT64; data: Float32Array | BigInt64Array }
/** A graph input or output: float32, the first dimension `batch` (symbolic), then the sample's. */
export interface OnnxValue { name: string; sampleShape: readonly number[] }
export interface OnnxModel {
  irVersion: number;
  opset: number;
  producer: string;
  producerVersion: string;
  doc: string;
  graph: { name: string; nodes: OnnxNode[]; initializers: OnnxTensor[]; inputs: OnnxValue[]; outputs: OnnxValue[] };
}

// AttributeProto: an integer is INT unless given as { float }; a number[] is INTS unless { floats }.
function writeAttr([name, v]: [string, AttrValue], pbf: PbfWriter): void {
  pbf.writeStringField(1, name);
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new RangeError(`gaaf: ONNX attribute '${name}': ${v} is not an integer; give { float: ${v} }`);
    pbf.writeVarintField(20, 2);
    pbf.writeVarintField(3, v);
  } else if (typeof v === 'string') {
    pbf.writeVarintField(20, 3);
    pbf.writeBytesField(4, new TextEncoder().encode(v));
  } else if (Array.isArray(v)) {
    pbf.writeVarintField(20, 7);
    pbf.writePackedVarint(8, v as number[]);
  } else if ('floats' in (v as object)) {
    pbf.writeVarintField(20, 6);
    pbf.writePackedFloat(7, [...(v as { floats: readonly number[] }).floats]);
  } else {
    pbf.writeVarintField(20, 1);
    pbf.writeFloatField(2, (v as { float: number }).float);
  }
}

function writeNode(n: OnnxNode, pbf: PbfWriter): void {
  for (const s of n.inputs) pbf.writeStringField(1, s);
  for (const s of n.outputs) pbf.writeStringField(2, s);
  pbf.writeStringField(3, n.name);
  pbf.writeStringField(4, n.op);
  for (const a of Object.entries(n.attrs ?? {})) pbf.writeMessage(5, writeAttr, a);
}

function writeTensor(t: OnnxTensor, pbf: PbfWriter): void {
  pbf.writePackedVarint(1, [...t.dims]);
  pbf.writeVarintField(2, t.type);
  pbf.writeStringField(8, t.name);
  const d = t.data;
  const raw = new Uint8Array(d.byteLength);
  const dv = new DataView(raw.buffer);
  if (d instanceof Float32Array) d.forEach((x, i) => dv.setFloat32(4 * i, x, true));
  else d.forEach((x, i) => dv.setBigInt64(8 * i, x, true));
  pbf.writeBytesField(9, raw);
}

function writeDim(d: number | string, pbf: PbfWriter): void {
  if (typeof d === 'string') pbf.writeStringField(2, d);
  else pbf.writeVarintField(1, d);
}

function writeValue(v: OnnxValue, pbf: PbfWriter): void {
  pbf.writeStringField(1, v.name);
  pbf.writeMessage(2, (x: OnnxValue, p: PbfWriter) => p.writeMessage(1, (y: OnnxValue, q: PbfWriter) => {
    q.writeVarintField(1, FLOAT);
    q.writeMessage(2, (z: OnnxValue, r: PbfWriter) => {
      for (const d of ['batch', ...z.sampleShape]) r.writeMessage(1, writeDim, d);
    }, y);
  }, x), v);
}

/** The model's bytes, as ONNX's ModelProto. */
export function encodeModel(m: OnnxModel): Uint8Array {
  const pbf = new PbfWriter();
  pbf.writeVarintField(1, m.irVersion);
  pbf.writeStringField(2, m.producer);
  pbf.writeStringField(3, m.producerVersion);
  pbf.writeStringField(6, m.doc);
  pbf.writeMessage(7, (g: OnnxModel['graph'], p: PbfWriter) => {
    for (const n of g.nodes) p.writeMessage(1, writeNode, n);
    p.writeStringField(2, g.name);
    for (const t of g.initializers) p.writeMessage(5, writeTensor, t);
    for (const v of g.inputs) p.writeMessage(11, writeValue, v);
    for (const v of g.outputs) p.writeMessage(12, writeValue, v);
  }, m.graph);
  pbf.writeMessage(8, (o: { opset: number }, p: PbfWriter) => {
    p.writeStringField(1, '');
    p.writeVarintField(2, o.opset);
  }, { opset: m.opset });
  return pbf.finish();
}
