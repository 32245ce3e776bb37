// The TF.js Layers format's refusals: each malformed file a TfjsFormatError, each model gaaf
// cannot represent a TfjsUnsupportedError, naming the file, the layer (and its class) or the
// tensor, and the byte offset where one applies; nothing is allocated before they are found.
// And saveTfjs's one decision: a GAAF activation is refused, or saved as its base φ on request.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  Activation, Dense, Sequential, TfjsFormatError, TfjsUnsupportedError, init, loadLayersModel, memoryStats, modelToArtifacts,
} from '../src/node.js';
import type { TfjsArtifacts } from '../src/node.js';
import { randomArray, randomLabels } from './helpers.js';

tf.enableProdMode();
await tf.setBackend('cpu');
await init();

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function artifactsOf(m: tfl.LayersModel): Promise<TfjsArtifacts> {
  let art: TfjsArtifacts | null = null;
  await m.save(tf.io.withSaveHandler(async (a) => {
    art = a as TfjsArtifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  m.dispose();
  return art!;
}

function mlp(extra: Parameters<typeof tfl.layers.dense>[0] = { units: 3 }): tfl.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ inputShape: [4], units: 5, activation: 'relu' }));
  m.add(tfl.layers.dense({ activation: 'softmax', ...extra }));
  return m;
}

const clone = (a: TfjsArtifacts): TfjsArtifacts => ({ ...JSON.parse(JSON.stringify({ ...a, weightData: undefined })), weightData: (a.weightData as ArrayBuffer).slice(0) });
type Layers = Array<{ class_name: string; config: Record<string, unknown> }>;
const layersOf = (a: TfjsArtifacts): Layers => ((a.modelTopology as { config: { layers: Layers } }).config.layers);

/** Asserts the load is refused with `cls`, its message matching every pattern, and that nothing stayed allocated. */
async function refused(src: Parameters<typeof loadLayersModel>[0], cls: typeof TfjsFormatError | typeof TfjsUnsupportedError, ...patterns: RegExp[]): Promise<Error> {
  const live = memoryStats().liveBytes;
  const e = await loadLayersModel(src).then(() => null, (err: unknown) => err as Error);
  assert.ok(e, 'loaded, expected a refusal');
  assert.ok(e instanceof cls, `${e.name}: ${e.message}`);
  for (const p of patterns) assert.match(e.message, p);
  assert.equal(memoryStats().liveBytes, live, 'Wasm memory was allocated before the refusal');
  return e;
}

test('a layer class gaaf lacks is named with its layer; so is an option gaaf cannot honour', async () => {
  const sep = tfl.sequential();
  sep.add(tfl.layers.separableConv2d({ inputShape: [6, 6, 2], filters: 2, kernelSize: 3, name: 'sep' }));
  sep.add(tfl.layers.flatten());
  sep.add(tfl.layers.dense({ units: 2, activation: 'softmax' }));
  const e = await refused(await artifactsOf(sep), TfjsUnsupportedError, /layer 'sep' \(SeparableConv2D\)/, /gaaf has no layer of class SeparableConv2D/);
  assert.equal((e as TfjsUnsupportedError).layer, 'sep');
  await refused(await artifactsOf(mlp({ units: 3, kernelRegularizer: tfl.regularizers.l2(), name: 'reg' })), TfjsUnsupportedError,
    /layer 'reg' \(Dense\)/, /option 'kernel_regularizer'/);
  const a = await artifactsOf(mlp({ units: 3, name: 'out' }));
  const b = clone(a);
  layersOf(b)[0].config.activation = 'selu';
  await refused(b, TfjsUnsupportedError, /option 'activation' is "selu", an activation gaaf lacks/);
  const c = clone(a);
  layersOf(c)[1].config.some_new_option = 1;
  await refused(c, TfjsUnsupportedError, /layer 'out' \(Dense\)/, /option 'some_new_option' is not one gaaf knows for Dense/);
  const d = clone(a);
  layersOf(d)[1].config.trainable = 'no';
  await refused(d, TfjsFormatError, /option 'trainable' must be true or false/);
  const cf = tfl.sequential();
  cf.add(tfl.layers.conv2d({ inputShape: [2, 6, 6], filters: 2, kernelSize: 3, dataFormat: 'channelsFirst', name: 'cf' }));
  cf.add(tfl.layers.flatten());
  await refused(await artifactsOf(cf), TfjsUnsupportedError, /layer 'cf' \(Conv2D\)/, /option 'data_format' is "channels_first"/);
  const st = tfl.sequential(); // TF pads 'same' at stride 2 on a side of 6 by 0 before and 1 after; gaaf would pad 1 and 1
  st.add(tfl.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, strides: 2, padding: 'same', name: 'st' }));
  st.add(tfl.layers.flatten());
  await refused(await artifactsOf(st), TfjsUnsupportedError, /layer 'st' \(Conv2D\)/, /TF pads 0 before and 1 after, gaaf pads 1 on each side/);
});

test('weights: a shard too short names the shard, the tensor and the byte offset; dtypes, shapes, names and values are checked', async () => {
  const a = await artifactsOf(mlp({ units: 3, name: 'out' }));
  const bytes = new Uint8Array(a.weightData as ArrayBuffer); // 4·5 + 5 + 5·3 + 3 floats = 172 bytes
  const dir = mkdtempSync(join(tmpdir(), 'gaaf-tfjs-err-'));
  dirs.push(dir);
  const write = (json: unknown, shard: Uint8Array): string => {
    writeFileSync(join(dir, 'model.json'), typeof json === 'string' ? json : JSON.stringify(json));
    writeFileSync(join(dir, 'w.bin'), shard);
    return join(dir, 'model.json');
  };
  const json = (specs = a.weightSpecs) => ({ modelTopology: a.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['w.bin'], weights: specs }] });
  const short = await refused(write(json(), bytes.subarray(0, 150)), TfjsFormatError, /w\.bin, tensor 'out\/kernel', byte 100: the weight data ends too soon/);
  assert.equal((short as TfjsFormatError).offset, 100);
  assert.equal((short as TfjsFormatError).tensor, 'out/kernel');
  // a shard longer than its manifest is refused before it is read
  await refused(write(json(), new Uint8Array(200)), TfjsFormatError, /w\.bin, byte 172: file is 200 bytes, over the cap of 172 bytes/);
  const specs = () => JSON.parse(JSON.stringify(a.weightSpecs)) as NonNullable<TfjsArtifacts['weightSpecs']>;
  const int = specs();
  int[0].dtype = 'int32';
  await refused({ ...a, weightSpecs: int }, TfjsUnsupportedError, /tensor 'dense_Dense\d+\/kernel': dtype is "int32", gaaf reads float32 weights only/);
  const shp = specs();
  shp[2].shape = [3, 5];
  await refused({ ...a, weightSpecs: shp }, TfjsFormatError, /tensor 'out\/kernel': shape \[3,5\] in the manifest, the architecture needs \[5,3\]/);
  const ren = specs();
  ren[3].name = 'out/bias_typo';
  await refused({ ...a, weightSpecs: ren }, TfjsFormatError, /tensor 'out\/bias'.*no tensor 'out\/bias'/);
  const q = specs();
  (q[0] as { quantization?: unknown }).quantization = { dtype: 'uint8', scale: 1, min: 0 };
  await refused({ ...a, weightSpecs: q }, TfjsUnsupportedError, /is quantized/);
  const nan = new Float32Array((a.weightData as ArrayBuffer).slice(0));
  nan[27] = NaN; // out/kernel starts at float 25
  await refused({ ...a, weightData: nan.buffer }, TfjsFormatError, /weightData, tensor 'out\/kernel', byte 108: value 2 is NaN/);
  await refused({ ...a, weightData: new Uint8Array([...bytes, 0, 0, 0, 0]).buffer }, TfjsFormatError, /byte 172: 4 bytes after the last tensor/);
  await refused(write('{"modelTopology": ', bytes), TfjsFormatError, /model\.json: is not valid JSON/);
  await refused(write({ ...json(), format: 'graph-model' }, bytes), TfjsUnsupportedError, /graph model/);
  await refused(join(dir, 'missing.json'), TfjsFormatError, /missing\.json: no such file/);
  const fetched = await loadLayersModel('https://example.test/model.json', { fetch: async () => ({ ok: false, status: 404, statusText: 'Not Found', arrayBuffer: async () => new ArrayBuffer(0) }) })
    .then(() => null, (e: Error) => e);
  assert.ok(fetched instanceof TfjsFormatError && /https:\/\/example\.test\/model\.json: cannot be fetched: HTTP 404 Not Found/.test(fetched.message), String(fetched));
});

test('saveTfjs: a GAAF activation is refused naming the layer; { gaaf: "base" } saves φ, within 0.5/K of GAAF', async (t) => {
  const g = new Sequential([new Dense(6), new Activation('tanh', { gaaf: { K: 1000 } }), new Dense(3)], { inputShape: [4] });
  const x = randomArray(16 * 4, 3);
  await g.fit(x, randomLabels(16, 3, 4), { epochs: 1, batchSize: 4, seed: 2 });
  assert.throws(() => modelToArtifacts(g), (e: Error) => e instanceof TfjsUnsupportedError && /layer 'activation_1' \(Activation\)/.test(e.message) && /gaaf: 'base'/.test(e.message));
  await assert.rejects(g.saveTfjs({ save: async () => ({}) }), TfjsUnsupportedError);
  const a = modelToArtifacts(g, { gaaf: 'base' });
  assert.deepEqual((a.userDefinedMetadata as { gaaf: unknown }).gaaf, { loss: 'sparseCategoricalCrossentropy', gaafSavedAs: 'base activation' });
  const m = await tfl.loadLayersModel(tf.io.fromMemory(a as tf.io.ModelArtifacts));
  const got = tf.tidy(() => (m.predict(tf.tensor(x, [16, 4])) as tf.Tensor).dataSync());
  const want = g.predict(x);
  let d = 0;
  for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
  t.diagnostic(`GAAF (K = 1000) saved as tanh: max |tfjs − gaaf| over the probabilities ${d.toExponential(2)} (bound per activation 0.5/K = 5e-4)`);
  assert.ok(d > 0 && d < 5e-4 * 6, `difference ${d}`);
  assert.throws(() => modelToArtifacts(g, { gaaf: 'approx' as 'base' }), /option gaaf must be 'refuse' or 'base'/);
  m.dispose();
  g.dispose();
  assert.throws(() => modelToArtifacts(new Sequential([new Dense(2)], { inputShape: [2] })), /build or fit the model first/);
});
