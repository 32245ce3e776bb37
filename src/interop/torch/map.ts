// PyTorch state dicts → gaaf layers: the names and layouts of torch.nn's modules.
//   nn.Linear      weight [out, in], bias [out]           → Dense kernel [in, out] (transposed), bias
//   nn.Conv2d      weight [out, in, kh, kw], bias [out]   → Conv2D kernel [kh, kw, in, out], bias
//   nn.BatchNorm*d weight, bias, running_mean, running_var [c] (+ num_batches_tracked, an integer
//                  counter, checked and not used)         → BatchNorm gamma, beta, moving_mean, moving_variance
//   nn.LayerNorm   weight, bias [d]                       → LayerNormalization gamma, beta
//   nn.Embedding   weight [num, dim]                      → Embedding embeddings [num, dim]
// A module's tensors are `<prefix>.weight`, `<prefix>.bias`, ...; each gaaf layer with weights
// takes one prefix, from `map` ({ dense_1: 'fc1', conv2d_1: 'features.0', ... }, or a function
// of the layer), or else the file's prefixes in natural order ('features.2' before
// 'features.10'), which is the modules' order for nn.Sequential's numbered names.
// Images: PyTorch's are NCHW, gaaf's HWC. Convolutions and pooling do not care once the kernel
// is permuted, but nn.Flatten of a [C, H, W] map orders the features c-major, gaaf's Flatten
// h, w, c: the Linear after such a Flatten (through elementwise layers: activations, dropout)
// gets its input columns permuted to gaaf's order. A Reshape of images is not permuted.
// Everything is checked (every layer has its tensors, every shape and dtype, no tensor left
// unused) before any tensor is converted (allocated), and every value before any weight is
// written, so a bad file leaves the model as it was.
import type { Layer } from '../../layers/layer.js';
import type { Network } from '../../model.js';
import { WeightsFileError } from '../errors.js';
import { DTYPE_BYTES, type ForeignSafetensors, type ForeignTensor } from './safetensors.js';

/** gaaf layer name → PyTorch module prefix, or a function of the layer giving it. */
export type TorchMap = Readonly<Record<string, string>> | ((layer: Layer) => string);

export interface TorchLoadOptions {
  map?: TorchMap;
  /** Tensors of the file that no layer takes are an error (default true); false ignores them. */
  strict?: boolean;
}

const WEIGHTED = ['Dense', 'Conv2D', 'BatchNorm', 'LayerNormalization', 'Embedding'];
const ELEMENTWISE = ['Activation', 'Dropout'];
const shapeStr = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** Natural order: digit runs compare as numbers ('features.2' < 'features.10'). */
function naturalCompare(a: string, b: string): number {
  const pa = a.split(/(\d+)/);
  const pb = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    const na = Number(pa[i]);
    const nb = Number(pb[i]);
    if (i % 2 === 1 && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
    return pa[i] < pb[i] ? -1 : 1;
  }
  return pa.length - pb.length;
}

const prefixOf = (name: string): string => (name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '');

/** The [h, w, c] of the Flatten that feeds Dense layer `index` (through elementwise layers), or null. */
function flattenedImage(model: Network, index: number): readonly number[] | null {
  const g = model.graphConfig();
  const producer = (li: number): number => {
    if (!g) return li - 1;
    const node = g.nodes.find((nd) => nd.layer === li);
    const id = node?.inputs[0] ?? -1;
    return id >= g.inputs.length && node!.inputs.length === 1 ? g.nodes[id - g.inputs.length].layer : -1;
  };
  let li = producer(index);
  while (li >= 0 && ELEMENTWISE.includes(model.layers[li].className)) li = producer(li);
  const l = li >= 0 ? model.layers[li] : null;
  return l && l.className === 'Flatten' && l.inputShape.length === 3 ? l.inputShape : null;
}

interface Want { suffix: string; shape: readonly number[]; optional?: boolean }

/** The tensors a gaaf layer takes, with their PyTorch shapes. */
function wanted(l: Layer): Want[] {
  const p = l.params();
  const st = l.stateTensors();
  switch (l.className) {
    case 'Dense': {
      const [inDim, out] = p[0].shape;
      return [{ suffix: 'weight', shape: [out, inDim] }, ...(p[1] ? [{ suffix: 'bias', shape: [out] }] : [])];
    }
    case 'Conv2D': {
      const [kh, kw, c, oc] = p[0].shape;
      return [{ suffix: 'weight', shape: [oc, c, kh, kw] }, ...(p[1] ? [{ suffix: 'bias', shape: [oc] }] : [])];
    }
    case 'BatchNorm': {
      const c = p[0].shape;
      return [
        { suffix: 'weight', shape: c }, { suffix: 'bias', shape: c }, { suffix: 'running_mean', shape: st[0].shape },
        { suffix: 'running_var', shape: st[1].shape }, { suffix: 'num_batches_tracked', shape: [], optional: true },
      ];
    }
    case 'LayerNormalization': return [{ suffix: 'weight', shape: p[0].shape }, { suffix: 'bias', shape: p[1].shape }];
    default: return [{ suffix: 'weight', shape: p[0].shape }]; // Embedding
  }
}

/** gaaf's values for each of the layer's params and state tensors, in params() then stateTensors() order. */
function convertLayer(model: Network, l: Layer, t: ReadonlyMap<string, ForeignTensor>): Float32Array[] {
  const w = t.get('weight')!.data;
  switch (l.className) {
    case 'Dense': {
      const [inDim, out] = l.params()[0].shape;
      const img = flattenedImage(model, l.index);
      const k = new Float32Array(inDim * out);
      // gaaf row r = (y·W + x)·C + c holds PyTorch column c·H·W + y·W + x
      const col = img ? ((r: number) => { const [H, W, C] = img; const c = r % C; const yx = (r - c) / C; return c * H * W + yx; }) : (r: number) => r;
      for (let r = 0; r < inDim; r++) {
        const src = col(r);
        for (let o = 0; o < out; o++) k[r * out + o] = w[o * inDim + src];
      }
      return t.has('bias') ? [k, t.get('bias')!.data] : [k];
    }
    case 'Conv2D': {
      const [kh, kw, c, oc] = l.params()[0].shape;
      const k = new Float32Array(kh * kw * c * oc);
      for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let ci = 0; ci < c; ci++) for (let o = 0; o < oc; o++) {
        k[((i * kw + j) * c + ci) * oc + o] = w[((o * c + ci) * kh + i) * kw + j];
      }
      return t.has('bias') ? [k, t.get('bias')!.data] : [k];
    }
    case 'BatchNorm': return [w, t.get('bias')!.data, t.get('running_mean')!.data, t.get('running_var')!.data];
    case 'LayerNormalization': return [w, t.get('bias')!.data];
    default: return [w];
  }
}

/**
 * Fills `model`'s weights (built) from a PyTorch state dict read from `file`. Returns the
 * gaaf layer → PyTorch prefix pairs it used.
 */
export function loadTorchWeights(model: Network, st: ForeignSafetensors, file: string, opts: TorchLoadOptions = {}): Record<string, string> {
  const bad = Object.keys(opts).filter((k) => k !== 'map' && k !== 'strict');
  if (bad.length) throw new RangeError(`gaaf: loadWeights: unknown option ${bad.map((k) => `'${k}'`).join(', ')} (expected from, map, strict)`);
  const layers = model.layers.filter((l) => l.params().length > 0 || l.stateTensors().length > 0);
  const other = layers.find((l) => !WEIGHTED.includes(l.className));
  if (other) throw new WeightsFileError(file, `layer '${other.name}' (${other.className}) has weights but no PyTorch mapping (gaaf maps ${WEIGHTED.join(', ')})`, undefined, undefined, other.name);
  const byPrefix = new Map<string, Map<string, ForeignTensor>>();
  for (const t of st.tensors.values()) {
    const p = prefixOf(t.name);
    if (!byPrefix.has(p)) byPrefix.set(p, new Map());
    byPrefix.get(p)!.set(t.name.slice(p ? p.length + 1 : 0), t);
  }
  const pairs: Array<[Layer, string]> = [];
  const map = opts.map;
  if (typeof map === 'function') {
    for (const l of layers) pairs.push([l, map(l)]);
  } else if (map !== undefined) {
    if (map === null || typeof map !== 'object') throw new TypeError('gaaf: loadWeights: map must be an object { gaafLayer: torchPrefix } or a function of the layer');
    const names = new Set(layers.map((l) => l.name));
    const unknown = Object.keys(map).filter((k) => !names.has(k));
    if (unknown.length) throw new RangeError(`gaaf: loadWeights: map names ${unknown.map((k) => `'${k}'`).join(', ')}, which ${unknown.length > 1 ? 'are' : 'is'} not a layer with weights (those are ${[...names].join(', ')})`);
    for (const l of layers) {
      if (!Object.hasOwn(map, l.name)) throw new WeightsFileError(file, `map has no entry for layer '${l.name}' (${l.className})`, undefined, undefined, l.name);
      pairs.push([l, map[l.name]]);
    }
  } else {
    const prefixes = [...byPrefix.keys()].sort(naturalCompare);
    if (prefixes.length !== layers.length) {
      throw new WeightsFileError(file, `the file has ${prefixes.length} modules (${prefixes.join(', ')}), the model ${layers.length} layers with weights ` +
        `(${layers.map((l) => l.name).join(', ')}): give { map: { gaafLayer: 'torch.prefix', ... } }`);
    }
    layers.forEach((l, i) => pairs.push([l, prefixes[i]]));
  }
  // check everything, then write
  const used = new Set<string>();
  const plan: Array<[Layer, ReadonlyMap<string, ForeignTensor>]> = [];
  for (const [l, prefix] of pairs) {
    if (typeof prefix !== 'string') throw new TypeError(`gaaf: loadWeights: the map gives ${String(prefix)} for layer '${l.name}', expected a module prefix string`);
    const mod = byPrefix.get(prefix) ?? new Map<string, ForeignTensor>();
    const got = new Map<string, ForeignTensor>();
    for (const want of wanted(l)) {
      const name = prefix ? `${prefix}.${want.suffix}` : want.suffix;
      const t = mod.get(want.suffix);
      if (!t) {
        if (want.optional) continue;
        throw new WeightsFileError(file, `tensor '${name}' is missing: layer '${l.name}' (${l.className}) expects it with shape ${shapeStr(want.shape)}`, undefined, name, l.name);
      }
      if (shapeStr(t.shape) !== shapeStr(want.shape)) {
        throw new WeightsFileError(file, `tensor '${name}' has shape ${shapeStr(t.shape)}, layer '${l.name}' (${l.className}) expects ${shapeStr(want.shape)}` +
          (l.className === 'Dense' || l.className === 'Conv2D' ? ' (in PyTorch\'s layout)' : ''), t.offset, name, l.name);
      }
      if (want.suffix === 'num_batches_tracked' ? !t.dtype.startsWith('I') : !['F32', 'F16', 'BF16', 'F64'].includes(t.dtype)) {
        throw new WeightsFileError(file, `tensor '${name}' has dtype ${t.dtype}, layer '${l.name}' expects ${want.suffix === 'num_batches_tracked' ? 'an integer' : 'a float'}`, t.offset, name, l.name);
      }
      used.add(t.name);
      got.set(want.suffix, t);
    }
    const left = [...mod.values()].find((t) => !used.has(t.name));
    if (left && opts.strict !== false) throw new WeightsFileError(file, `tensor '${left.name}' is not a tensor of layer '${l.name}' (${l.className})`, left.offset, left.name, l.name);
    plan.push([l, got]);
  }
  const unused = [...st.tensors.values()].find((t) => !used.has(t.name));
  if (unused && opts.strict !== false) {
    throw new WeightsFileError(file, `tensor '${unused.name}' is taken by no layer of the model (pass strict: false to ignore it, or map its module)`, unused.offset, unused.name);
  }
  // names, shapes and dtypes are right: now the values are converted (and checked), all before the first write
  const values = plan.map(([l, got]) => {
    const rv = got.get('running_var');
    const neg = rv ? rv.data.findIndex((v) => !(v >= 0)) : -1;
    if (neg >= 0) throw new WeightsFileError(file, `tensor '${rv!.name}' holds the variance ${rv!.data[neg]} at element ${neg}: a variance is not negative`, rv!.offset + DTYPE_BYTES[rv!.dtype] * neg, rv!.name, l.name);
    void got.get('num_batches_tracked')?.data; // an integer counter: checked (a safe integer), not used
    return convertLayer(model, l, got);
  });
  plan.forEach(([l], k) => [...l.params().map((p) => p.value), ...l.stateTensors().map((s) => s.value)].forEach((b, i) => b.write(values[k][i])));
  return Object.fromEntries(pairs.map(([l, p]) => [l.name, p]));
}
