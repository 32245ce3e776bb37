// A TF.js model topology (Sequential, or the functional Model/Functional with inbound_nodes) →
// an unbuilt gaaf model, the weights it expects (TF.js names and shapes, from the architecture)
// and the loss of its output head. Nothing is allocated here: the shapes are chained on the
// layers' own rules, so every mismatch is found before the loader reads a weight.
// gaaf's classification heads take logits, TF.js's models end in their softmax (or sigmoid):
// that last activation moves into the head (sparseCategoricalCrossentropy or
// categoricalCrossentropy; binaryCrossentropy for a sigmoid), so predict() returns what TF.js's
// predict does, and training minimises the same loss. A model that ends otherwise gets a
// regression head (meanSquaredError unless the training config or the caller names another).
import { Conv2D } from '../../layers/conv2d.js';
import { type Layer, shapeStr } from '../../layers/layer.js';
import { type SymbolicTensor, input } from '../../layers/symbolic.js';
import { Model, Sequential } from '../../sequential.js';
import { TfjsError, TfjsFormatError, TfjsUnsupportedError } from './errors.js';
import { type InLayer, mapLayer } from './layers-in.js';

type Cfg = Record<string, unknown>;
const isObj = (v: unknown): v is Cfg => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A weight the architecture expects: the gaaf layer, the TF.js name (`${layer}/${what}`) and its shape. */
export interface ExpectedWeight {
  layer: Layer;
  tfjsName: string;
  what: string;
  shape: number[];
}

export interface PlannedModel {
  model: Model;
  expected: ExpectedWeight[];
  loss: string;
}

/** TF.js / Keras loss names (camelCase and snake_case) → gaaf's. */
const LOSSES: Readonly<Record<string, string>> = {
  sparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy', sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  categoricalCrossentropy: 'categoricalCrossentropy', categorical_crossentropy: 'categoricalCrossentropy',
  binaryCrossentropy: 'binaryCrossentropy', binary_crossentropy: 'binaryCrossentropy',
  meanSquaredError: 'meanSquaredError', mean_squared_error: 'meanSquaredError', mse: 'meanSquaredError',
  meanAbsoluteError: 'meanAbsoluteError', mean_absolute_error: 'meanAbsoluteError', mae: 'meanAbsoluteError', huber: 'huber', huber_loss: 'huber',
};

/** Keras's loss classes (a training config's {class_name, config}) → gaaf's names. */
const LOSS_CLASSES: Readonly<Record<string, string>> = {
  SparseCategoricalCrossentropy: 'sparseCategoricalCrossentropy', CategoricalCrossentropy: 'categoricalCrossentropy', BinaryCrossentropy: 'binaryCrossentropy',
  MeanSquaredError: 'meanSquaredError', MeanAbsoluteError: 'meanAbsoluteError', Huber: 'huber',
};

/** A loss and whether the model's output is logits (Keras's from_logits: nothing moves into the head). */
export interface LossChoice {
  name: string;
  fromLogits: boolean;
}

/** The losses a file or the caller gives: none (inferred), one for every output, a list in output order, or by output layer name. */
export type LossesIn = LossChoice | LossChoice[] | Map<string, LossChoice> | null;

/** Output j's loss (named `name` in the file) of `loss`. */
function pickLoss(loss: LossesIn, j: number, count: number, name: string, file: string): LossChoice | null {
  if (loss === null || !(Array.isArray(loss) || loss instanceof Map)) return loss;
  if (Array.isArray(loss)) {
    if (loss.length !== count) throw new TfjsFormatError(file, `the training config has ${loss.length} losses, the model ${count} outputs`);
    return loss[j];
  }
  const l = loss.get(name);
  if (!l) throw new TfjsFormatError(file, `the training config has no loss for the output '${name}'`);
  return l;
}

/** A loss as TF.js, Keras or gaaf spells it (a name, or Keras's {class_name, config: {from_logits}}) → gaaf's, or an error naming it. */
export function lossName(v: unknown, file: string, from: string): LossChoice {
  const has = (o: object, k: unknown): k is string => typeof k === 'string' && Object.prototype.hasOwnProperty.call(o, k);
  if (has(LOSSES, v)) return { name: LOSSES[v], fromLogits: false };
  if (isObj(v) && has(LOSS_CLASSES, v.class_name)) {
    const cfg = isObj(v.config) ? v.config : {};
    if (cfg.from_logits !== undefined && typeof cfg.from_logits !== 'boolean') throw new TfjsFormatError(file, `${from}.config.from_logits must be true or false`);
    return { name: LOSS_CLASSES[v.class_name], fromLogits: cfg.from_logits === true };
  }
  throw new TfjsUnsupportedError(file, `${from} is ${JSON.stringify(v)?.slice(0, 80)}, a loss gaaf lacks (it has ${[...new Set(Object.values(LOSSES))].join(', ')})`);
}

/** The sample shape of a layer config (batch_input_shape / batch_shape without the batch axis, input_shape, input_dim), or null. */
function declaredShape(cfg: Cfg, file: string, name: string): number[] | null {
  const b = cfg.batch_input_shape ?? cfg.batch_shape;
  const s = Array.isArray(b) ? b.slice(1) : cfg.input_shape ?? (cfg.input_dim !== undefined && cfg.input_dim !== null ? [cfg.input_dim] : null);
  if (s === null || s === undefined) return null;
  if (!Array.isArray(s) || s.length === 0 || !s.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new TfjsUnsupportedError(file, `the input shape is ${JSON.stringify(b ?? s)}: gaaf needs every axis but the batch known (positive integers)`, { layer: name });
  }
  return s as number[];
}

function entryOf(e: unknown, i: number, file: string): { cls: string; cfg: Cfg; name: string; raw: Cfg } {
  if (!isObj(e) || typeof e.class_name !== 'string' || !isObj(e.config)) throw new TfjsFormatError(file, `modelTopology layer ${i} must be {class_name, config}`);
  const name = typeof e.config.name === 'string' ? e.config.name : typeof e.name === 'string' ? e.name : `layer ${i}`;
  return { cls: e.class_name, cfg: e.config, name, raw: e };
}

/** Checks what the gaaf layer rules cannot see: the normalized axis, TF's uneven 'same' padding at a stride. */
function checkAtShape(l: InLayer, shape: readonly number[], file: string): void {
  const where = { layer: l.name, className: l.className };
  if (l.axis !== undefined && l.axis !== null) {
    const a = Array.isArray(l.axis) && l.axis.length === 1 ? l.axis[0] : l.axis;
    if (a !== -1 && a !== shape.length) throw new TfjsUnsupportedError(file, `axis ${JSON.stringify(l.axis)} on input ${shapeStr(shape)}: gaaf ${l.className === 'Softmax' ? 'takes the softmax over' : 'normalizes'} the last axis only`, where);
  }
  const c = l.layer;
  if (c instanceof Conv2D && c.padding === 'same' && c.strides > 1 && !l.joinedPad) {
    const k = c.kernelSize[0];
    const s = c.strides;
    for (const d of [shape[0], shape[1]]) {
      const total = Math.max((Math.ceil(d / s) - 1) * s + k - d, 0);
      if (Math.floor(total / 2) !== (k - 1) / 2) {
        throw new TfjsUnsupportedError(file, `padding 'same' at stride ${s} on a side of ${d}: TF pads ${Math.floor(total / 2)} before and ${total - Math.floor(total / 2)} after, ` +
          `gaaf pads ${(k - 1) / 2} on each side, so the windows would differ`, where);
      }
    }
  }
}

function outShape(l: InLayer, shapes: readonly (readonly number[])[], file: string): readonly number[] {
  checkAtShape(l, shapes[0], file);
  try {
    return l.layer!.outputShapeFor(shapes);
  } catch (e) {
    throw new TfjsUnsupportedError(file, `on input ${shapes.map(shapeStr).join(', ')}: ${(e as Error).message.replace(/^gaaf: /, '').replace(/^layer '' \(\w+\):? ?/, '')}`, { layer: l.name, className: l.className });
  }
}

/** ZeroPadding2D p + Conv2D 'valid' with a (2p + 1)² kernel → gaaf's Conv2D 'same' (even padding p), its weights the Conv2D's. */
function joinPadding(pad: InLayer, next: InLayer, e: { cls: string; cfg: Cfg; name: string }, file: string): InLayer {
  const c = next.layer;
  const p = pad.zeroPad!;
  if (!(c instanceof Conv2D) || c.padding !== 'valid' || c.kernelSize[0] !== c.kernelSize[1] || c.kernelSize[0] !== 2 * p + 1) {
    throw new TfjsUnsupportedError(file, `ZeroPadding2D (${p} on every side) is read only before a Conv2D 'valid' with a ${2 * p + 1}×${2 * p + 1} kernel (together: gaaf's 'same'), ` +
      `here it comes before ${next.className}${c instanceof Conv2D ? ` '${c.padding}' ${c.kernelSize.join('×')}` : ''}`, { layer: pad.name, className: pad.className });
  }
  return { ...mapLayer(e.cls, { ...e.cfg, padding: 'same' }, e.name, file), joinedPad: true };
}

/** Which loss, and whether the output layer's last activation moves into the head. */
function chooseLoss(out: InLayer, choice: LossChoice | null, file: string): { loss: string; strip: boolean } {
  const a = out.lastAct;
  if (choice?.fromLogits) return { loss: choice.name, strip: false }; // the output is already the logits gaaf's heads take
  const given = choice?.name ?? null;
  if (given === null) {
    if (a === 'softmax') return { loss: 'sparseCategoricalCrossentropy', strip: true };
    if (a === 'sigmoid') return { loss: 'binaryCrossentropy', strip: true };
    return { loss: 'meanSquaredError', strip: false };
  }
  const need = given === 'sparseCategoricalCrossentropy' || given === 'categoricalCrossentropy' ? 'softmax' : given === 'binaryCrossentropy' ? 'sigmoid' : null;
  if (need !== null && a !== need) {
    throw new TfjsUnsupportedError(file, `the loss '${given}' needs the model to end in a ${need}, which gaaf moves into the loss; this output ends in ${a ?? 'no softmax or sigmoid'}`, { layer: out.name, className: out.className });
  }
  return { loss: given, strip: need !== null };
}

function expectedOf(l: InLayer, shape: readonly number[], out: ExpectedWeight[]): void {
  for (const w of l.weights(shape)) out.push({ layer: l.layer!, tfjsName: `${l.name}/${w.what}`, what: w.what, shape: w.shape });
}

/** A Sequential topology: its layers in order, the first (or an InputLayer) declaring the input shape. */
function planSequential(cfg: unknown, file: string, losses: LossesIn): PlannedModel {
  const loss = pickLoss(losses, 0, 1, '', file);
  const list = Array.isArray(cfg) ? cfg : isObj(cfg) ? cfg.layers : undefined;
  if (!Array.isArray(list) || list.length === 0) throw new TfjsFormatError(file, 'a Sequential model needs config.layers, a non-empty list');
  const entries = list.map((e, i) => entryOf(e, i, file));
  let shape: number[] | null = null;
  const mapped: InLayer[] = [];
  let pad: InLayer | null = null;
  entries.forEach((e, i) => {
    let l = mapLayer(e.cls, e.cfg, e.name, file);
    if (i === 0) shape = declaredShape(e.cfg, file, e.name);
    if (pad) l = joinPadding(pad, l, e, file);
    pad = l.zeroPad !== undefined ? l : null;
    if (pad) return;
    if (l.layer === null) {
      if (i !== 0) throw new TfjsFormatError(file, 'an InputLayer can only be first in a Sequential model', { layer: e.name });
      return;
    }
    mapped.push(l);
  });
  if (pad) throw new TfjsUnsupportedError(file, "ZeroPadding2D is read only before a Conv2D 'valid' (together: gaaf's 'same')", { layer: (pad as InLayer).name });
  if (shape === null) throw new TfjsUnsupportedError(file, 'the first layer declares no input shape (batch_input_shape): gaaf needs it to lay out the weights', { layer: entries[0].name });
  if (mapped.length === 0) throw new TfjsFormatError(file, 'the model has no layers besides its input');
  const { loss: lossUsed, strip } = chooseLoss(mapped[mapped.length - 1], loss, file);
  if (strip) {
    const lastL = mapped[mapped.length - 1];
    const w = lastL.withoutLastAct!();
    if (w === null) mapped.pop();
    else mapped[mapped.length - 1] = { ...lastL, layer: w };
  }
  const expected: ExpectedWeight[] = [];
  let s: readonly number[] = shape;
  for (const l of mapped) {
    expectedOf(l, s, expected);
    s = outShape(l, [s], file);
  }
  if (mapped.length === 0) throw new TfjsUnsupportedError(file, 'the model is only an activation, which gaaf moves into the loss: nothing is left to run');
  const model = new Sequential(mapped.map((l) => l.layer!), { inputShape: shape, loss: lossUsed });
  return { model, expected, loss: lossUsed };
}

type Ref = [string, number, number];

function refsOf(nodes: unknown, name: string, file: string): Ref[][] {
  if (!Array.isArray(nodes)) throw new TfjsFormatError(file, 'inbound_nodes must be a list', { layer: name });
  return nodes.map((nd) => {
    if (!Array.isArray(nd) || nd.length === 0) {
      throw new TfjsUnsupportedError(file, `an inbound node is ${JSON.stringify(nd)?.slice(0, 80)}: gaaf reads the [[layer, node, tensor, kwargs], ...] form of TF.js and Keras 2`, { layer: name });
    }
    return nd.map((r) => {
      if (!Array.isArray(r) || typeof r[0] !== 'string' || !Number.isInteger(r[1]) || !Number.isInteger(r[2])) {
        throw new TfjsFormatError(file, `an inbound tensor must be [layer, node, tensor, kwargs], got ${JSON.stringify(r)?.slice(0, 80)}`, { layer: name });
      }
      if (r[3] !== undefined && !(isObj(r[3]) && Object.keys(r[3]).length === 0)) {
        throw new TfjsUnsupportedError(file, `a call with arguments ${JSON.stringify(r[3]).slice(0, 80)}: gaaf calls layers on tensors only`, { layer: name });
      }
      return [r[0], r[1], r[2]] as Ref;
    });
  });
}

const key = (r: Ref): string => `${r[0]}:${r[1]}:${r[2]}`;

/** A functional topology: layers with inbound_nodes, input_layers and output_layers. */
function planFunctional(cfg: unknown, file: string, loss: LossesIn): PlannedModel {
  if (!isObj(cfg) || !Array.isArray(cfg.layers) || !Array.isArray(cfg.input_layers) || !Array.isArray(cfg.output_layers)) {
    throw new TfjsFormatError(file, 'a functional model needs config.layers, config.input_layers and config.output_layers');
  }
  const entries = cfg.layers.map((e, i) => entryOf(e, i, file));
  const asRef = (r: unknown, what: string): Ref => {
    if (!Array.isArray(r) || typeof r[0] !== 'string' || !Number.isInteger(r[1]) || !Number.isInteger(r[2])) throw new TfjsFormatError(file, `${what} must hold [layer, node, tensor], got ${JSON.stringify(r)?.slice(0, 80)}`);
    return [r[0], r[1], r[2]];
  };
  const ins = cfg.input_layers.map((r) => asRef(r, 'input_layers'));
  const outs = cfg.output_layers.map((r) => asRef(r, 'output_layers'));
  const byName = new Map<string, { e: ReturnType<typeof entryOf>; l: InLayer; nodes: Ref[][] }>();
  for (const e of entries) {
    if (byName.has(e.name)) throw new TfjsFormatError(file, 'two layers have this name', { layer: e.name });
    byName.set(e.name, { e, l: mapLayer(e.cls, e.cfg, e.name, file), nodes: refsOf(e.raw.inbound_nodes ?? [], e.name, file) });
  }
  // ZeroPadding2D + the one Conv2D 'valid' it feeds → that Conv2D 'same'; the padding's output is its input
  const aliases = new Map<string, Ref>();
  for (const x of byName.values()) {
    if (x.l.zeroPad === undefined) continue;
    const users = [...byName.values()].filter((o) => o.nodes.some((nd) => nd.some((r) => r[0] === x.l.name)));
    const uses = users.reduce((a, o) => a + o.nodes.flat().filter((r) => r[0] === x.l.name).length, 0);
    if (x.nodes.length !== 1 || x.nodes[0].length !== 1 || users.length !== 1 || uses !== 1 || users[0].nodes.length !== 1 || outs.some((r) => r[0] === x.l.name)) {
      throw new TfjsUnsupportedError(file, "ZeroPadding2D is read only when called once, before the one call of a Conv2D 'valid' (together: gaaf's 'same')", { layer: x.l.name, className: x.l.className });
    }
    users[0].l = joinPadding(x.l, users[0].l, users[0].e, file);
    aliases.set(`${x.l.name}:0:0`, x.nodes[0][0]);
  }
  const tensors = new Map<string, SymbolicTensor>();
  const look = (r: Ref): SymbolicTensor | undefined => tensors.get(key(aliases.get(key(r)) ?? r));
  const inputs = ins.map((r) => {
    const it = byName.get(r[0]);
    if (!it || it.l.layer !== null || r[1] !== 0 || r[2] !== 0) throw new TfjsFormatError(file, `input_layers names ${JSON.stringify(r)}, which is not an InputLayer's tensor`);
    const shape = declaredShape(it.e.cfg, file, r[0]);
    if (shape === null) throw new TfjsUnsupportedError(file, 'the InputLayer declares no shape', { layer: r[0] });
    const t = input({ shape, name: r[0] });
    tensors.set(key(r), t);
    return t;
  });
  // the output's last softmax/sigmoid moves into the head: only where that layer makes the output alone
  // each output's last softmax/sigmoid moves into its head: only where that layer makes the output alone
  const strips = new Set<string>();
  const losses = outs.map((r, j) => {
    const o = byName.get(r[0]);
    if (!o || o.l.layer === null) throw new TfjsFormatError(file, `output_layers names ${JSON.stringify(r)}, which is not a layer's output`);
    const c = chooseLoss(o.l, pickLoss(loss, j, outs.length, r[0], file), file);
    const consumers = [...byName.values()].flatMap((x) => x.nodes.flat()).filter((q) => q[0] === r[0]).length;
    if (c.strip && (o.nodes.length !== 1 || consumers > 0 || outs.filter((q) => q[0] === r[0]).length > 1)) {
      throw new TfjsUnsupportedError(file, `the output's ${o.l.lastAct} would move into the loss, but the layer is also used elsewhere in the graph`, { layer: o.l.name });
    }
    if (c.strip) strips.add(r[0]);
    return c.loss;
  });
  const expected: ExpectedWeight[] = [];
  const pending = [...byName.values()].filter((x) => x.l.layer !== null);
  for (const x of pending) if (x.nodes.length === 0) throw new TfjsFormatError(file, 'the layer is never called (no inbound_nodes)', { layer: x.l.name });
  const done = new Set<string>();
  for (let progress = true; progress;) {
    progress = false;
    for (const x of pending) {
      x.nodes.forEach((refs, ni) => {
        const k = `${x.l.name}:${ni}:0`;
        if (done.has(k) || !refs.every((r) => look(r) !== undefined)) return;
        const args = refs.map((r) => look(r)!);
        let dropped = false;
        if (strips.has(x.l.name)) {
          const w = x.l.withoutLastAct!();
          if (w === null) dropped = true; // an activation layer: its output is its input
          else x.l = { ...x.l, layer: w };
        }
        if (dropped) tensors.set(k, args[0]);
        else {
          const shapes = args.map((t) => t.shape);
          if (ni === 0) expectedOf(x.l, shapes[0], expected);
          outShape(x.l, shapes, file);
          tensors.set(k, wrap(x.l, () => x.l.layer!.apply(args.length === 1 ? args[0] : args), file));
        }
        done.add(k);
        progress = true;
      });
    }
  }
  const missing = pending.flatMap((x) => x.nodes.map((refs, ni) => ({ x, refs, ni }))).filter(({ x, ni }) => !done.has(`${x.l.name}:${ni}:0`));
  if (missing.length) {
    const m = missing[0];
    const absent = m.refs.find((r) => look(r) === undefined && !missing.some((o) => `${o.x.l.name}:${o.ni}:0` === key(r)));
    throw new TfjsFormatError(file, absent ? `call ${m.ni} reads ${JSON.stringify(absent)}, a tensor no layer makes` : `call ${m.ni} is part of a cycle`, { layer: m.x.l.name });
  }
  const ys = outs.map((r) => {
    const y = tensors.get(key(r));
    if (!y) throw new TfjsFormatError(file, `output_layers names ${JSON.stringify(r)}, a tensor no layer makes`);
    return y;
  });
  const model = wrap(byName.get(outs[0][0])!.l, () => new Model({ inputs, outputs: ys.length === 1 ? ys[0] : ys }), file);
  model.setLoss(losses.length === 1 ? losses[0] : losses);
  return { model, expected, loss: losses.join(', ') };
}

function wrap<T>(l: InLayer, f: () => T, file: string): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TfjsError) throw e;
    throw new TfjsUnsupportedError(file, (e as Error).message.replace(/^gaaf: /, ''), { layer: l.name, className: l.className });
  }
}

/** Plans the gaaf model of a topology (model_config unwrapped), with the loss given, or the training config's, or inferred. */
export function planModel(topology: Cfg, file: string, loss: LossesIn): PlannedModel {
  const top = isObj(topology.model_config) ? topology.model_config : topology;
  const cls = top.class_name;
  if (cls === 'Sequential') return planSequential(top.config, file, loss);
  if (cls === 'Model' || cls === 'Functional') return planFunctional(top.config, file, loss);
  throw new TfjsUnsupportedError(file, `modelTopology class_name is ${JSON.stringify(cls)?.slice(0, 60)}; gaaf reads Sequential, Model and Functional models`);
}
