// Building an ONNX graph: fresh tensor names, nodes, initializers (weights and scalar
// constants, each once), and the layout of every image tensor. gaaf's images are NHWC; ONNX's
// Conv, pooling and BatchNormalization want NCHW. The exported model takes and gives gaaf's
// layout (NHWC inputs, the outputs of predictOutputs), and a Transpose is inserted only where a
// tensor meets an op that wants the other layout (at most once per tensor and layout), so a
// chain of convolutions, BatchNorm and pooling stays NCHW between its two ends.
import { FLOAT, INT64, type AttrValue, type OnnxNode, type OnnxTensor } from './proto.js';

/** A tensor of the graph: its name, the gaaf sample shape it holds, and its layout (images only). */
export interface Ref {
  readonly name: string;
  /** The sample's shape as gaaf sees it ([h, w, c] for images, whatever the layout). */
  readonly shape: readonly number[];
  readonly layout: 'nhwc' | 'nchw';
}

export class Emitter {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly used = new Set<string>();
  private readonly scalars = new Map<number, string>();
  private readonly transposed = new Map<string, Ref>();

  /** A name not used yet, from `base`. */
  fresh(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node; returns the name of its (first) output. */
  node(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> | undefined, out: string): string {
    const o = this.fresh(out);
    this.nodes.push({ op, inputs, outputs: [o], name: this.fresh(`${o}/${op}`), ...(attrs ? { attrs } : {}) });
    return o;
  }

  /** A float32 initializer. */
  weight(name: string, dims: readonly number[], data: Float32Array): string {
    const n = this.fresh(name);
    this.initializers.push({ name: n, dims: [...dims], type: FLOAT, data });
    return n;
  }

  /** An int64 initializer (shapes, indices). */
  int64(name: string, values: readonly number[]): string {
    const n = this.fresh(name);
    this.initializers.push({ name: n, dims: [values.length], type: INT64, data: BigInt64Array.from(values, (v) => BigInt(v)) });
    return n;
  }

  /** A float32 scalar constant (shared by every use of the value). */
  scalar(v: number): string {
    const f = Math.fround(v);
    let n = this.scalars.get(f);
    if (!n) {
      n = this.fresh(`const_${this.scalars.size}`);
      this.initializers.push({ name: n, dims: [], type: FLOAT, data: new Float32Array([f]) });
      this.scalars.set(f, n);
    }
    return n;
  }

  /** The tensor in `layout` (the same tensor if it is already, or not an image). */
  as(x: Ref, layout: 'nhwc' | 'nchw'): Ref {
    if (x.shape.length !== 3 || x.layout === layout) return x;
    const key = `${x.name}\u0000${layout}`;
    let t = this.transposed.get(key);
    if (!t) {
      const name = this.node('Transpose', [x.name], { perm: layout === 'nchw' ? [0, 3, 1, 2] : [0, 2, 3, 1] }, `${x.name}_${layout}`);
      t = { name, shape: x.shape, layout };
      this.transposed.set(key, t);
    }
    return t;
  }
}
