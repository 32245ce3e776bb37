// Runs a model's graph (./config.ts): builds its layers, lays out the buffers for a batch
// capacity, and runs the schedule forward and backward. A layer called more than once (a
// shared layer) runs its later calls as twins: layers of the same class and config whose
// parameters and state are the first call's own buffers and whose gradients are their own;
// after the backward pass each twin's gradient is added to the layer's, in call order. A
// tensor read by several calls gets the sum of their gradients, added in the reverse order of
// the schedule. The order is fixed, so the bits are the same on any thread count.
// Nothing is allocated per step: every buffer and array is made in build() or allocate().
import { type Buf, addForward, allocF32 } from '../binding.js';
import { type Layer, type Param, type StepContext, size } from '../layers/layer.js';
import { layerFromConfig } from '../layers/registry.js';
import type { PlanEntry } from '../memory.js';
import type { Rng } from '../rng.js';
import { type GraphConfig, inferShapes } from './config.js';


/** The calls of `g` with their input shapes, plus the float32 values of the gradient sums (per row) and the inputs' sizes. */
export function planOf(layers: readonly Layer[], g: GraphConfig): { entries: PlanEntry[]; sumFloatsPerRow: number; shapes: Array<readonly number[]> } {
  const shapes = inferShapes(layers, g);
  const seen = new Set<number>();
  const entries = g.nodes.map((nd) => {
    const twin = seen.has(nd.layer);
    seen.add(nd.layer);
    return { layer: layers[nd.layer], shapes: nd.inputs.map((id) => shapes[id]), twin };
  });
  const readers = consumers(g);
  const sumFloatsPerRow = readers.reduce((a, c, id) => a + (c > 1 ? size(shapes[id]) : 0), 0);
  return { entries, sumFloatsPerRow, shapes };
}

/** How many times each tensor is read (by calls, and once per appearance in the outputs). */
function consumers(g: GraphConfig): number[] {
  const c = new Array<number>(g.inputs.length + g.nodes.length).fill(0);
  for (const nd of g.nodes) for (const id of nd.inputs) c[id]++;
  for (const id of g.outputs) c[id]++;
  return c;
}

export class GraphRunner {
  readonly shapes: Array<readonly number[]>;
  /** The layer each node runs: the layer itself at its first call, a twin at later ones. */
  readonly nodeLayers: Layer[];
  private readonly twins: Array<{ of: Layer; twin: Layer }> = [];
  private readonly readers: number[];
  private readonly I: number;
  private bufs: Array<Buf | null>;
  private grads: Array<Buf | null>;
  private counts: Int32Array;
  private sums: Array<Buf | null>;
  private readonly nodeXs: Buf[][];
  private readonly nodeDxs: Array<Array<Buf | null>>;
  private readonly outBufs: Buf[];
  private readonly inGrads: Array<Buf | null>;

  constructor(readonly layers: readonly Layer[], readonly graph: GraphConfig) {
    this.shapes = inferShapes(layers, graph);
    this.I = graph.inputs.length;
    this.readers = consumers(graph);
    const T = this.I + graph.nodes.length;
    this.bufs = new Array<Buf | null>(T).fill(null);
    this.grads = new Array<Buf | null>(T).fill(null);
    this.sums = new Array<Buf | null>(T).fill(null);
    this.counts = new Int32Array(T);
    this.nodeXs = graph.nodes.map((nd) => new Array<Buf>(nd.inputs.length));
    this.nodeDxs = graph.nodes.map((nd) => new Array<Buf | null>(nd.inputs.length).fill(null));
    this.outBufs = new Array<Buf>(graph.outputs.length);
    this.inGrads = new Array<Buf | null>(this.I).fill(null);
    this.nodeLayers = [];
  }

  private inShapes(k: number): Array<readonly number[]> {
    return this.graph.nodes[k].inputs.map((id) => this.shapes[id]);
  }

  /** Builds every layer (in layer order, from `rng`), then the twins of shared layers (from `twinRng`, so the layers' weights do not depend on sharing). */
  build(rng: Rng, twinRng: () => Rng): void {
    const firstCall = this.layers.map((_, i) => this.graph.nodes.findIndex((nd) => nd.layer === i));
    this.layers.forEach((l, i) => l.buildFor(this.inShapes(firstCall[i]), rng));
    let twinIndex = this.layers.length;
    this.graph.nodes.forEach((nd, k) => {
      const l = this.layers[nd.layer];
      if (firstCall[nd.layer] === k) {
        this.nodeLayers.push(l);
        return;
      }
      let twin: Layer;
      try {
        twin = layerFromConfig(l.className, l.config(), 'shared layer');
      } catch (e) {
        throw new RangeError(`gaaf: layer '${l.name}' (${l.className}) is called twice; sharing it rebuilds it from its config: ${(e as Error).message.replace(/^gaaf: /, '')} (register custom layers with registerLayer)`);
      }
      twin.name = l.name;
      twin.index = twinIndex++;
      twin.followTrainable(l); // a frozen shared layer is frozen in every call
      twin.buildFor(this.inShapes(k), twinRng());
      share(twin.params(), l.params(), l);
      const ts = twin.stateTensors();
      const ls = l.stateTensors();
      ts.forEach((t, j) => {
        t.value.free();
        (t as { value: Buf }).value = ls[j].value;
      });
      this.twins.push({ of: l, twin });
      this.nodeLayers.push(twin);
    });
  }

  /** Lays out every call's buffers and the gradient sums for `batch` rows; input gradients only where asked. */
  allocate(batch: number, inputGrad: boolean): void {
    this.graph.nodes.forEach((nd, k) => this.nodeLayers[k].allocate(batch, inputGrad || nd.inputs.some((id) => id >= this.I)));
    this.readers.forEach((c, id) => {
      if (c > 1) this.sums[id] = allocF32(batch * size(this.shapes[id]), `graph/grad_sum_${id}`);
    });
  }

  release(): void {
    for (const l of this.nodeLayers) l.release();
    this.sums.forEach((b, id) => {
      b?.free();
      this.sums[id] = null;
    });
    this.bufs.fill(null);
    this.grads.fill(null);
  }

  /** Runs the schedule on the input buffers; returns the output buffers (an array it keeps). */
  forward(inputs: readonly Buf[], ctx: StepContext): readonly Buf[] {
    const b = this.bufs;
    for (let i = 0; i < this.I; i++) b[i] = inputs[i];
    const nodes = this.graph.nodes;
    for (let k = 0; k < nodes.length; k++) {
      const xs = this.nodeXs[k];
      const ins = nodes[k].inputs;
      for (let j = 0; j < ins.length; j++) xs[j] = b[ins[j]]!;
      b[this.I + k] = this.nodeLayers[k].forwardInputs(xs, ctx);
    }
    const outs = this.graph.outputs;
    for (let j = 0; j < outs.length; j++) this.outBufs[j] = b[outs[j]]!;
    return this.outBufs;
  }

  /** The gradient of tensor `id` so far, summing `g` in (the first contribution is kept as is, without a copy). */
  private contribute(id: number, g: Buf, n: number): void {
    const c = this.counts[id]++;
    if (c === 0) {
      this.grads[id] = g;
      return;
    }
    const sum = this.sums[id]!;
    addForward(this.grads[id]!, g, sum, n * size(this.shapes[id]));
    this.grads[id] = sum;
  }

  /**
   * Backward from the gradients of the outputs (null: that output is not trained), through
   * every call in reverse order; then each shared layer's gradient gets its twins' added.
   * Returns the inputs' gradients (null where not asked for), in an array it keeps.
   */
  backward(outGrads: ReadonlyArray<Buf | null>, ctx: StepContext): ReadonlyArray<Buf | null> {
    this.counts.fill(0);
    this.grads.fill(null);
    const outs = this.graph.outputs;
    for (let j = 0; j < outs.length; j++) if (outGrads[j]) this.contribute(outs[j], outGrads[j]!, ctx.n);
    const nodes = this.graph.nodes;
    for (let k = nodes.length - 1; k >= 0; k--) {
      const dy = this.grads[this.I + k];
      if (!dy) continue; // leads only to outputs that are not trained
      const dxs = this.nodeDxs[k];
      this.nodeLayers[k].backwardInputs(dy, ctx, dxs);
      const ins = nodes[k].inputs;
      for (let j = 0; j < ins.length; j++) if (dxs[j]) this.contribute(ins[j], dxs[j]!, ctx.n);
    }
    for (const { of, twin } of this.twins) {
      const ps = of.params();
      const ts = twin.params();
      for (let i = 0; i < ps.length; i++) addForward(ps[i].grad, ts[i].grad, ps[i].grad, ps[i].grad.length);
    }
    for (let i = 0; i < this.I; i++) this.inGrads[i] = this.grads[i];
    return this.inGrads;
  }

  /** The buffers of every call's output after forward (for the non-finite search). */
  callOutputs(): Array<{ layer: Layer; out: Buf | null; size: number }> {
    return this.graph.nodes.map((_, k) => ({ layer: this.nodeLayers[k], out: this.nodeLayers[k].output(), size: size(this.shapes[this.I + k]) }));
  }

  /** Frees the twins (their own gradients and buffers, not the shared parameters) and the sums. */
  dispose(): void {
    this.release();
    for (const { twin } of this.twins) {
      twin.release();
      for (const p of twin.params()) p.grad.free();
    }
  }
}

function share(twin: Param[], of: Param[], l: Layer): void {
  if (twin.length !== of.length || twin.some((p, i) => p.value.length !== of[i].value.length)) {
    throw new Error(`gaaf: layer '${l.name}' (${l.className}): its second call does not build the same parameters as its first`);
  }
  twin.forEach((p, i) => {
    p.value.free();
    (p as { value: Buf }).value = of[i].value;
  });
}
