// loadLayersModel: a TF.js Layers model (model.json and its weight shards; Keras models reach
// this format through the TensorFlow.js converter) as a gaaf model. Sources: a URL (fetched,
// the shards relative to it; `fetch` may be given), a TF.js io handler (an object with load(),
// e.g. tf.io.fromMemory or browserFiles), the artifacts themselves, or (gaaf's Node entry) a
// path to model.json. The order is fixed: parse and check the JSON and the manifest, plan the
// model from the topology (every layer and option mapped or refused), match every weight by
// name and shape against what the architecture expects, check the bytes against the specs and
// read every value (finite), and only then build the model (the Wasm allocation) and write the
// weights. Optimizer weights (group 'optimizer', from includeOptimizer) are not imported:
// train the loaded model with a fresh optimizer.
import { MemoryLimitError } from '../../memory.js';
import type { Model } from '../../sequential.js';
import {
  type PlacedWeight, type Shard, type TfjsArtifacts, type TfjsIOHandler, type TfjsModelJson, type TfjsWeightSpec,
  checkArtifacts, parseModelJson, placeWeights, readWeight, shardsOf,
} from './artifacts.js';
import { TfjsError, TfjsFormatError, TfjsUnsupportedError } from './errors.js';
import { type ExpectedWeight, type LossesIn, lossName, planModel } from './topology.js';

export interface LoadLayersModelOptions {
  /** The loss of the output head (a TF.js or Keras name; for several outputs a list, or an object by output layer name); default: the one saveTfjs recorded, the training config's (Keras's from_logits kept), or inferred from the last activation. */
  loss?: string | readonly string[] | Readonly<Record<string, string>>;
  /** The fetch for URLs (default: globalThis.fetch). */
  fetch?: (url: string) => Promise<{ ok: boolean; status: number; statusText?: string; arrayBuffer(): Promise<ArrayBuffer> }>;
}

/** What loadLayersModel reads: a URL (or, in Node, a path) to model.json, an io handler with load(), or the artifacts. */
export type LayersModelSource = string | TfjsIOHandler | TfjsArtifacts;

/** model.json and its shards, as a reader (fetch, or the Node file reader) got them. */
export interface ReadModelFiles {
  json: TfjsModelJson;
  file: string;
  /** The shards of each manifest group, in order. */
  groups: Shard[][];
}

/** Reads model.json at a path and its shards (registered by gaaf's Node entry: ./node.ts). */
export type PathReader = (path: string) => ReadModelFiles;
let pathReader: PathReader | null = null;

/** Called by gaaf's Node entry (./node.ts) so a path to model.json can be loaded. */
export function registerTfjsPathReader(r: PathReader): void {
  pathReader = r;
}

/** The bytes each manifest group's weights take (what its shards must hold together). */
export function groupBytes(g: { weights: readonly TfjsWeightSpec[] }): number {
  return g.weights.reduce((a, w) => a + w.shape.reduce((x, d) => x * d, 1) * 4, 0);
}

const MODEL_JSON_CAP = 256 * 2 ** 20;

async function fetchBytes(url: string, f: NonNullable<LoadLayersModelOptions['fetch']>, cap: number): Promise<Uint8Array> {
  let res;
  try {
    res = await f(url);
  } catch (e) {
    throw new TfjsFormatError(url, `cannot be fetched (${(e as Error).message})`);
  }
  if (!res.ok) throw new TfjsFormatError(url, `cannot be fetched: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  const b = new Uint8Array(await res.arrayBuffer());
  if (b.length > cap) throw new TfjsFormatError(url, `is ${b.length} bytes, over the ${cap} the manifest accounts for`, { offset: cap });
  return b;
}

async function readUrl(url: string, opts: LoadLayersModelOptions): Promise<ReadModelFiles> {
  const f = opts.fetch ?? (globalThis.fetch as unknown as LoadLayersModelOptions['fetch']);
  if (!f) throw new TypeError(`gaaf: loadLayersModel('${url}'): no fetch here; pass options.fetch, or an io handler`);
  const json = parseModelJson(await fetchBytes(url, f, MODEL_JSON_CAP), url);
  const base = url.slice(0, url.lastIndexOf('/') + 1);
  const groups: Shard[][] = [];
  for (const g of json.weightsManifest) {
    let left = groupBytes(g);
    const shards: Shard[] = [];
    for (const p of g.paths) {
      const u = base + p;
      const bytes = await fetchBytes(u, f, left);
      left -= bytes.length;
      shards.push({ name: u, bytes });
    }
    groups.push(shards);
  }
  return { json, file: url, groups };
}

/** The artifacts' parts as the loader uses them: topology, placed weights, and the recorded loss. */
interface Source {
  file: string;
  topology: Record<string, unknown>;
  placed: Array<{ w: PlacedWeight; shards: Shard[] }>;
  trainingConfig?: Record<string, unknown>;
  userDefinedMetadata?: Record<string, unknown>;
}

function fromFiles(r: ReadModelFiles): Source {
  const placed = r.json.weightsManifest.flatMap((g, i) => {
    const shards = r.groups[i];
    return placeWeights(g.weights, shards, r.file).map((w) => ({ w, shards }));
  });
  return { file: r.file, topology: r.json.modelTopology, placed, trainingConfig: r.json.trainingConfig, userDefinedMetadata: r.json.userDefinedMetadata };
}

function fromArtifacts(a: TfjsArtifacts, file: string): Source {
  const shards = shardsOf(a, file);
  const placed = placeWeights(a.weightSpecs ?? [], shards, file).map((w) => ({ w, shards }));
  type R = Record<string, unknown>;
  return { file, topology: a.modelTopology as R, placed, trainingConfig: a.trainingConfig as R | undefined, userDefinedMetadata: a.userDefinedMetadata as R | undefined };
}

async function sourceOf(src: LayersModelSource, opts: LoadLayersModelOptions): Promise<Source> {
  if (typeof src === 'string') {
    if (/^(https?|blob|data):/i.test(src) || !pathReader) return fromFiles(await readUrl(src, opts));
    return fromFiles(pathReader(src.replace(/^file:\/\//, '')));
  }
  if (typeof src !== 'object' || src === null) throw new TypeError(`gaaf: loadLayersModel takes a URL or path, an io handler or model artifacts, got ${String(src)}`);
  if ('modelTopology' in src) return fromArtifacts(checkArtifacts(src, 'the artifacts'), 'the artifacts');
  if (typeof (src as TfjsIOHandler).load !== 'function') throw new TypeError('gaaf: loadLayersModel: the io handler has no load() method');
  const file = 'the io handler';
  let a: unknown;
  try {
    a = await (src as TfjsIOHandler).load!();
  } catch (e) {
    throw new TfjsFormatError(file, `load() failed: ${(e as Error).message}`);
  }
  return fromArtifacts(checkArtifacts(a, file), file);
}

/** The loss to load with: the caller's, else what saveTfjs recorded, else the training config's, else null (inferred). */
/** A loss, a list of them (one per output) or an object of them by output name, as a file or the caller gives it. */
function lossesOf(v: unknown, file: string, from: string): LossesIn {
  if (Array.isArray(v)) return v.map((x, i) => lossName(x, file, `${from}[${i}]`));
  if (typeof v === 'object' && v !== null && !('class_name' in v)) return new Map(Object.entries(v).map(([k, x]) => [k, lossName(x, file, `${from}.${k}`)]));
  return lossName(v, file, from);
}

/** The loss to load with: the caller's, else what saveTfjs recorded, else the training config's, else null (inferred). */
function lossOf(s: Source, opts: LoadLayersModelOptions): LossesIn {
  if (opts.loss !== undefined) return lossesOf(opts.loss, s.file, 'options.loss');
  const meta = s.userDefinedMetadata?.gaaf as { loss?: unknown } | undefined;
  if (meta?.loss !== undefined) return lossesOf(meta.loss, s.file, 'userDefinedMetadata.gaaf.loss');
  // TF.js's trainingConfig, or the Keras converter's training_config inside the topology
  const keras = (s.topology.training_config ?? (s.topology.model_config as { training_config?: unknown } | undefined)?.training_config) as { loss?: unknown } | undefined;
  for (const [tl, from] of [[s.trainingConfig?.loss, 'trainingConfig.loss'], [keras?.loss, 'modelTopology.training_config.loss']] as const) {
    if (tl !== undefined && tl !== null) return lossesOf(tl, s.file, from);
  }
  return null;
}

/** Each expected weight's spec and values, by name (with TF 2.2's layer/cell/weight form); every model weight of the file used. */
function matchWeights(s: Source, expected: readonly ExpectedWeight[]): Float32Array[] {
  const model = s.placed.filter((p) => p.w.spec.group !== 'optimizer');
  const byName = new Map(model.map((p) => [p.w.spec.name, p]));
  const short = (n: string): string => {
    const t = n.split('/');
    return t.length > 2 ? [...t.slice(0, -2), t[t.length - 1]].join('/') : n;
  };
  for (const p of model) if (!byName.has(short(p.w.spec.name))) byName.set(short(p.w.spec.name), p);
  const used = new Set<PlacedWeight>();
  const values = expected.map((e) => {
    const p = byName.get(e.tfjsName);
    if (!p) throw new TfjsFormatError(s.file, `the weights have no tensor '${e.tfjsName}' (float32 ${JSON.stringify(e.shape)}), which the layer needs`, { tensor: e.tfjsName });
    if (JSON.stringify(p.w.spec.shape) !== JSON.stringify(e.shape)) {
      throw new TfjsFormatError(s.file, `shape ${JSON.stringify(p.w.spec.shape)} in the manifest, the architecture needs ${JSON.stringify(e.shape)}`, { tensor: p.w.spec.name });
    }
    used.add(p.w);
    return p;
  });
  const extra = model.find((p) => !used.has(p.w));
  if (extra) throw new TfjsFormatError(s.file, 'the manifest has this weight, and no layer of the model has it', { tensor: extra.w.spec.name });
  return values.map((p) => readWeight(p.w, p.shards));
}

/**
 * Loads a TF.js Layers model as a gaaf model (a Sequential for a Sequential topology, else a
 * functional Model), its weights and batch-norm statistics set, ready to predict and to train
 * on. Everything is checked before anything is allocated; a malformed file is a
 * TfjsFormatError, a model gaaf cannot represent a TfjsUnsupportedError, each naming the file,
 * the layer or tensor, and the byte offset where one applies.
 */
export async function loadLayersModel(source: LayersModelSource, opts: LoadLayersModelOptions = {}): Promise<Model> {
  if (typeof opts !== 'object' || opts === null) throw new TypeError('gaaf: loadLayersModel: options must be an object');
  const bad = Object.keys(opts).filter((k) => k !== 'loss' && k !== 'fetch');
  if (bad.length) throw new RangeError(`gaaf: loadLayersModel: unknown option ${bad.map((k) => `'${k}'`).join(', ')} (expected loss, fetch)`);
  const s = await sourceOf(source, opts);
  const plan = planModel(s.topology, s.file, lossOf(s, opts));
  const values = matchWeights(s, plan.expected);
  const { model } = plan;
  // a layer the file calls but whose output reaches no model output is not in the model (traced from the outputs)
  const stray = plan.expected.find((e) => !model.layers.includes(e.layer));
  if (stray) throw new TfjsFormatError(s.file, 'the layer has weights but its output reaches none of output_layers', { layer: stray.tfjsName.split('/')[0] });
  try {
    model.build();
  } catch (e) {
    if (e instanceof TfjsError || e instanceof MemoryLimitError) throw e;
    throw new TfjsUnsupportedError(s.file, (e as Error).message.replace(/^gaaf: /, ''));
  }
  try {
    plan.expected.forEach((e, i) => {
      const l = e.layer;
      const t = [...l.params(), ...l.stateTensors()].find((p) => p.name === `${l.name}/${e.what}`);
      if (!t || t.value.length !== values[i].length) throw new Error(`gaaf: loadLayersModel: layer '${l.name}' has no ${e.what} of ${values[i].length} values (a bug in the mapping)`);
      t.value.write(values[i]);
    });
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
