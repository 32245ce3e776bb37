// A model's graph as data: its inputs, the layer calls in the order they run (a topological
// schedule, computed once), and its outputs. A Sequential model is the linear graph; a
// functional Model's graph is traced from its symbolic tensors (traceGraph); a checkpoint
// records it (model.graph) and validateGraph refuses a bad one, naming the layers.
// Tensor ids: 0 .. inputs-1 are the inputs, inputs + k is the output of node k.
import { type Layer, shapeStr } from '../layers/layer.js';
import type { SymbolicTensor } from '../layers/symbolic.js';

export interface GraphConfig {
  inputs: Array<{ name: string; shape: number[] }>;
  /** Layer calls in schedule order: `layer` indexes the model's layers, `inputs` are tensor ids. */
  nodes: Array<{ layer: number; inputs: number[] }>;
  /** Tensor ids of the outputs, in order. */
  outputs: number[];
}

/** Names layers as a model does: `${class in lower case}_${count}`, in order. */
export function nameLayers(layers: readonly Layer[]): void {
  const counts = new Map<string, number>();
  layers.forEach((l, i) => {
    const k = l.className.toLowerCase();
    const c = (counts.get(k) ?? 0) + 1;
    counts.set(k, c);
    l.name = `${k}_${c}`;
    l.index = i;
  });
}

/** The graph of a stack of layers on one input: node k reads tensor k. */
export function linearGraph(layers: readonly Layer[], inputShape: readonly number[]): GraphConfig {
  return { inputs: [{ name: 'input_1', shape: [...inputShape] }], nodes: layers.map((_, k) => ({ layer: k, inputs: [k] })), outputs: [layers.length] };
}

const label = (l: Layer): string => `'${l.name}' (${l.className})`;

/**
 * The layers (in the order they are first called) and the graph from `inputs` to `outputs`.
 * Refuses an output that needs a tensor that is not one of the inputs, an input that no
 * output depends on, and inputs given twice, naming the layers.
 */
export function traceGraph(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]): { layers: Layer[]; graph: GraphConfig } {
  const ids = new Map<SymbolicTensor, number>();
  inputs.forEach((t, i) => {
    if (t.call) throw new RangeError(`gaaf: Model: inputs[${i}] is ${t.describe()}, not an input(): pass the tensors input() returned`);
    if (ids.has(t)) throw new RangeError(`gaaf: Model: input '${t.name}' is listed twice`);
    ids.set(t, i);
  });
  const names = inputs.map((t) => t.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new RangeError(`gaaf: Model: two inputs are named '${dup}'`);
  const layers: Layer[] = [];
  const nodes: GraphConfig['nodes'] = [];
  const visiting = new Set<SymbolicTensor>();
  const used = new Set<number>();
  // depth-first from the outputs, inputs in order: a fixed topological order
  const visit = (t: SymbolicTensor, from: string): number => {
    const known = ids.get(t);
    if (known !== undefined) {
      if (known < inputs.length) used.add(known);
      return known;
    }
    if (!t.call) {
      throw new RangeError(`gaaf: Model: the graph is disconnected: ${from} needs ${t.describe()}, which is not one of the model's inputs (${names.join(', ')})`);
    }
    if (visiting.has(t)) throw new RangeError(`gaaf: Model: the graph has a cycle through ${t.describe()}`);
    visiting.add(t);
    const { layer, inputs: xs } = t.call;
    const ins = xs.map((x) => visit(x, t.describe()));
    visiting.delete(t);
    let li = layers.indexOf(layer);
    if (li < 0) li = layers.push(layer) - 1;
    nodes.push({ layer: li, inputs: ins });
    const id = inputs.length + nodes.length - 1;
    ids.set(t, id);
    return id;
  };
  const outs = outputs.map((t, j) => {
    if (!t.call) throw new RangeError(`gaaf: Model: outputs[${j}] is ${t.describe()} itself; an output must come from a layer`);
    return visit(t, `outputs[${j}]`);
  });
  nameLayers(layers);
  const unused = inputs.filter((_, i) => !used.has(i));
  if (unused.length) throw new RangeError(`gaaf: Model: input ${unused.map((t) => `'${t.name}'`).join(', ')} is not connected to any output`);
  return { layers, graph: { inputs: inputs.map((t) => ({ name: t.name, shape: [...t.shape] })), nodes, outputs: outs } };
}

/**
 * Checks a graph config against its layers (named first): every reference in range, the
 * nodes in an order where each reads only tensors made before it (else a cycle or a wrong
 * order, named), every input and every node leading to an output, every layer called.
 */
export function validateGraph(layers: readonly Layer[], g: GraphConfig): void {
  const bad = (m: string): never => {
    throw new RangeError(`gaaf: model graph: ${m}`);
  };
  if (!g || !Array.isArray(g.inputs) || !Array.isArray(g.nodes) || !Array.isArray(g.outputs)) bad('expected {inputs, nodes, outputs}');
  if (g.inputs.length === 0) bad('no inputs');
  g.inputs.forEach((x, i) => {
    if (!x || typeof x.name !== 'string' || !Array.isArray(x.shape) || x.shape.length === 0 || !x.shape.every((d) => Number.isInteger(d) && d >= 1)) {
      bad(`inputs[${i}] must be {name, shape} with a list of positive integers`);
    }
  });
  const I = g.inputs.length;
  const nameOf = (id: number): string => (id < I ? `input '${g.inputs[id].name}'` : `the output of ${label(layers[g.nodes[id - I].layer])}`);
  g.nodes.forEach((nd, k) => {
    if (!nd || !Number.isInteger(nd.layer) || nd.layer < 0 || nd.layer >= layers.length) bad(`nodes[${k}].layer must index the ${layers.length} layers, got ${JSON.stringify(nd?.layer)}`);
    if (!Array.isArray(nd.inputs) || nd.inputs.length === 0) bad(`nodes[${k}] (${label(layers[nd.layer])}) has no inputs`);
    for (const id of nd.inputs) {
      if (!Number.isInteger(id) || id < 0 || id >= I + g.nodes.length) bad(`nodes[${k}] (${label(layers[nd.layer])}) reads tensor ${JSON.stringify(id)}, which does not exist`);
      if (id >= I + k) {
        bad(`${label(layers[nd.layer])} (nodes[${k}]) reads ${id === I + k ? 'its own output' : nameOf(id)}, made later: the graph has a cycle or is out of order`);
      }
    }
  });
  if (g.outputs.length === 0) bad('no outputs');
  for (const id of g.outputs) if (!Number.isInteger(id) || id < I || id >= I + g.nodes.length) bad(`output ${JSON.stringify(id)} is not a layer's output`);
  // every node and input must lead to an output
  const live = new Set<number>(g.outputs);
  for (let k = g.nodes.length - 1; k >= 0; k--) if (live.has(I + k)) for (const id of g.nodes[k].inputs) live.add(id);
  const dead = g.nodes.map((nd, k) => (live.has(I + k) ? null : label(layers[nd.layer]))).filter((x) => x);
  if (dead.length) bad(`${dead.join(', ')} ${dead.length > 1 ? 'lead' : 'leads'} to no output`);
  const deadIn = g.inputs.filter((_, i) => !live.has(i)).map((x) => `'${x.name}'`);
  if (deadIn.length) bad(`input ${deadIn.join(', ')} is not connected to any output`);
  const called = new Set(g.nodes.map((nd) => nd.layer));
  const idle = layers.filter((_, i) => !called.has(i)).map(label);
  if (idle.length) bad(`${idle.join(', ')} ${idle.length > 1 ? 'are' : 'is'} never called`);
}

/** Each tensor's shape, checking that the shapes meet at every call (and a shared layer sees one input shape), naming the layers. */
export function inferShapes(layers: readonly Layer[], g: GraphConfig): Array<readonly number[]> {
  const shapes: Array<readonly number[]> = g.inputs.map((x) => x.shape);
  const first = new Map<number, readonly (readonly number[])[]>();
  for (const nd of g.nodes) {
    const l = layers[nd.layer];
    const ins = nd.inputs.map((id) => shapes[id]);
    const seen = first.get(nd.layer);
    if (seen && (seen.length !== ins.length || seen.some((s, i) => shapeStr(s) !== shapeStr(ins[i])))) {
      throw new RangeError(`gaaf: layer ${label(l)} is shared, so every call needs the inputs of its first, ${seen.map(shapeStr).join(', ')}; got ${ins.map(shapeStr).join(', ')}`);
    }
    first.set(nd.layer, ins);
    try {
      shapes.push(l.outputShapeFor(ins));
    } catch (e) {
      const from = nd.inputs.map((id) => (id < g.inputs.length ? `input '${g.inputs[id].name}'` : label(layers[g.nodes[id - g.inputs.length].layer]))).join(', ');
      throw new RangeError(`gaaf: layer ${label(l)} on ${from} ${ins.map(shapeStr).join(', ')}: ${(e as Error).message.replace(/^gaaf: /, '').replace(new RegExp(`^layer '${l.name}' \\(${l.className}\\):? ?`), '')}`);
    }
  }
  return shapes;
}
