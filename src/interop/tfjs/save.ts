// saveTfjs: a built gaaf model as a TF.js Layers model, what tf.loadLayersModel (TF.js 4.x)
// loads and predicts with: model.json (a Sequential topology for a stack of layers, a
// functional Model for a graph) and the float32 weights. gaaf's classification heads take
// logits; TF.js's models end in their probabilities, so the head's softmax (or sigmoid, for
// binaryCrossentropy) is written as the output's last activation: tf's predict() returns what
// gaaf's predict() does. The loss is recorded in userDefinedMetadata.gaaf, so loadLayersModel
// gives the model back with the same head. Targets: a directory (gaaf's Node entry, ./node.ts:
// model.json and weights.bin, each written atomically, model.json last) or a TF.js io handler
// (an object with save(artifacts), e.g. tf.io.withSaveHandler or browserDownloads).
import { TfjsUnsupportedError } from './errors.js';
import type { TfjsArtifacts, TfjsIOHandler, TfjsWeightSpec } from './artifacts.js';
import { type OutLayer, layerToTfjs, withHeadActivation } from './layers-out.js';
import type { Layer } from '../../layers/layer.js';
import type { GraphConfig } from '../../graph/config.js';

/** What saveTfjs needs of a model (a gaaf Model or Sequential). */
export interface SavableModel {
  readonly built: boolean;
  readonly layers: readonly Layer[];
  readonly inputShape: readonly number[];
  readonly inputShapes: ReadonlyArray<readonly number[]>;
  readonly head: { readonly lossName: string; readonly heads?: ReadonlyArray<{ readonly lossName: string }> };
  graphConfig(): GraphConfig | null;
}

export interface SaveTfjsOptions {
  /** A GAAF activation: 'refuse' (default, an error naming the layer) or 'base' (saved as its base activation φ, |difference| ≤ 0.5/K). */
  gaaf?: 'refuse' | 'base';
}

/** What saveTfjs did: the files it wrote (directory targets) or the handler's result. */
export interface SaveTfjsResult {
  files?: string[];
  handlerResult?: unknown;
  /** Bytes of weights written. */
  weightBytes: number;
}

/** Writes artifacts to a directory (registered by gaaf's Node entry: ./node.ts). */
export type DirectoryWriter = (dir: string, artifacts: TfjsArtifacts) => string[];
let directoryWriter: DirectoryWriter | null = null;

/** Called by gaaf's Node entry (./node.ts) so saveTfjs takes a directory path. */
export function registerTfjsDirectoryWriter(w: DirectoryWriter): void {
  directoryWriter = w;
}

const FILE = 'saveTfjs';
const HEAD_ACT: Readonly<Record<string, 'softmax' | 'sigmoid' | null>> = {
  sparseCategoricalCrossentropy: 'softmax', categoricalCrossentropy: 'softmax', binaryCrossentropy: 'sigmoid',
  meanSquaredError: null, meanAbsoluteError: null, huber: null,
};

/** Each output's loss name: a MultiHead's per output, else the one head's for every output. */
function lossNames(model: SavableModel, outputs: number): string[] {
  const names = model.head.heads ? model.head.heads.map((h) => h.lossName) : Array.from({ length: outputs }, () => model.head.lossName);
  for (const n of names) {
    if (!Object.prototype.hasOwnProperty.call(HEAD_ACT, n)) {
      throw new TfjsUnsupportedError(FILE, `the model's loss is '${n}', a head TF.js cannot be told about; saveTfjs knows ${Object.keys(HEAD_ACT).join(', ')}`);
    }
  }
  return names;
}

/** The TF.js layers of every gaaf layer (in order), each output's with its head's activation. */
function chains(model: SavableModel, opts: Required<SaveTfjsOptions>, outLayers: readonly Layer[], losses: readonly string[]): Map<Layer, OutLayer[]> {
  const m = new Map<Layer, OutLayer[]>();
  for (const l of model.layers) {
    let c = layerToTfjs(l, { gaaf: opts.gaaf, file: FILE });
    const j = outLayers.indexOf(l);
    const act = j >= 0 ? HEAD_ACT[losses[j]] : null;
    if (act) c = withHeadActivation(c, act, `${l.name}_${act}`);
    m.set(l, c);
  }
  return m;
}

const batchShape = (s: readonly number[]): Array<number | null> => [null, ...s];

/** The model's TF.js artifacts: topology, weight specs and the weight bytes. */
export function modelToArtifacts(model: SavableModel, options: SaveTfjsOptions = {}): TfjsArtifacts {
  if (!model.built) throw new Error('gaaf: saveTfjs: build or fit the model first (its weights are written)');
  const bad = Object.keys(options).filter((k) => k !== 'gaaf');
  if (bad.length) throw new RangeError(`gaaf: saveTfjs: unknown option ${bad.map((k) => `'${k}'`).join(', ')} (expected gaaf)`);
  const gaaf = options.gaaf ?? 'refuse';
  if (gaaf !== 'refuse' && gaaf !== 'base') throw new RangeError(`gaaf: saveTfjs: option gaaf must be 'refuse' or 'base', got ${JSON.stringify(gaaf)}`);
  const g = model.graphConfig();
  const layers = model.layers;
  const I = g ? g.inputs.length : 1;
  const outLayers = g ? g.outputs.map((id) => layers[g.nodes[id - I].layer]) : [layers[layers.length - 1]];
  const losses = lossNames(model, outLayers.length);
  outLayers.forEach((o, j) => {
    if (HEAD_ACT[losses[j]] && g && g.nodes.filter((nd) => layers[nd.layer] === o).length > 1) {
      throw new TfjsUnsupportedError(FILE, "the output layer is called more than once; the head's activation cannot be given to one of its calls", { layer: o.name });
    }
  });
  const ch = chains(model, { gaaf }, outLayers, losses);
  let config: Record<string, unknown>;
  let className: string;
  if (!g) {
    const list = layers.flatMap((l) => ch.get(l)!);
    list[0] = { ...list[0], config: { ...list[0].config, batch_input_shape: batchShape(model.inputShape) } };
    className = 'Sequential';
    config = { name: 'sequential', layers: list.map((x) => ({ class_name: x.class_name, config: x.config })) };
  } else {
    className = 'Model';
    const entries: Array<{ name: string; class_name: string; config: Record<string, unknown>; inbound_nodes: unknown[][] }> = g.inputs.map((x) => ({
      name: x.name, class_name: 'InputLayer', config: { name: x.name, batch_input_shape: batchShape(x.shape), dtype: 'float32', sparse: false }, inbound_nodes: [],
    }));
    const byLayer = new Map<Layer, typeof entries>();
    const calls: Array<[string, number]> = []; // the TF.js tensor each node makes: [layer name, node index]
    g.nodes.forEach((nd, k) => {
      const l = layers[nd.layer];
      const chain = ch.get(l)!;
      let es = byLayer.get(l);
      if (!es) {
        es = chain.map((x) => ({ name: x.config.name as string, class_name: x.class_name, config: x.config, inbound_nodes: [] as unknown[][] }));
        byLayer.set(l, es);
        entries.push(...es);
      }
      const ref = (id: number): unknown[] => (id < I ? [g.inputs[id].name, 0, 0, {}] : [calls[id - I][0], calls[id - I][1], 0, {}]);
      let ins = nd.inputs.map(ref);
      for (const e of es) {
        e.inbound_nodes.push(ins);
        ins = [[e.name, e.inbound_nodes.length - 1, 0, {}]];
      }
      calls[k] = [es[es.length - 1].name, es[es.length - 1].inbound_nodes.length - 1];
    });
    const outs = g.outputs.map((id) => calls[id - I]);
    config = { name: 'model', layers: entries, input_layers: g.inputs.map((x) => [x.name, 0, 0]), output_layers: outs.map((o) => [o[0], o[1], 0]) };
  }
  const specs: TfjsWeightSpec[] = [];
  const parts: Float32Array[] = [];
  for (const l of layers) {
    for (const x of ch.get(l)!) {
      for (const w of x.weights) {
        specs.push({ name: `${x.config.name as string}/${w.what}`, shape: w.shape, dtype: 'float32' });
        parts.push(w.values);
      }
    }
  }
  const data = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return {
    modelTopology: { class_name: className, config, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' },
    format: 'layers-model', generatedBy: 'gaaf', convertedBy: null, weightSpecs: specs, weightData: data.buffer,
    userDefinedMetadata: { gaaf: { loss: losses.length === 1 ? losses[0] : losses, ...(gaaf === 'base' && layers.some((l) => (l as { gaaf?: unknown }).gaaf) ? { gaafSavedAs: 'base activation' } : {}) } },
  };
}

/** Saves `model` as a TF.js Layers model to a directory (Node) or through an io handler with save(artifacts). */
export async function saveTfjs(model: SavableModel, target: string | TfjsIOHandler, options: SaveTfjsOptions = {}): Promise<SaveTfjsResult> {
  if (typeof target !== 'string' && (typeof target !== 'object' || target === null || typeof target.save !== 'function')) {
    throw new TypeError('gaaf: saveTfjs takes a directory path (Node) or an io handler with save(artifacts)');
  }
  if (typeof target === 'string' && !directoryWriter) {
    throw new TypeError(`gaaf: saveTfjs('${target}'): a directory path needs gaaf's Node entry; in a browser pass an io handler (an object with save(artifacts), e.g. tf.io.browserDownloads())`);
  }
  const a = modelToArtifacts(model, options);
  const weightBytes = (a.weightData as ArrayBuffer).byteLength;
  if (typeof target === 'string') return { files: directoryWriter!(target, a), weightBytes };
  return { handlerResult: await target.save!(a), weightBytes };
}
