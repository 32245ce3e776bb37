// The TF.js Layers format both ways, against the real TF.js (@tensorflow/tfjs-layers 4.22 on
// the cpu backend): models built and trained in tfjs-layers, saved through
// tf.io.withSaveHandler (and to files), loaded by gaaf, predict the same to 1e-5 and train on;
// gaaf models saved with saveTfjs load in tf.loadLayersModel and predict the same to 1e-5.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  Activation, Add, BatchNorm, Concatenate, Conv2D, Dense, Dropout, Flatten, MaxPool2D, Model, Sequential, init, input, loadLayersModel,
} from '../src/node.js';
import { randomArray, randomLabels } from './helpers.js';

tf.enableProdMode();
await tf.setBackend('cpu');
await init();

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'gaaf-tfjs-'));
  dirs.push(d);
  return d;
};

/** The artifacts of a tfjs-layers model, through tf.io.withSaveHandler. */
export async function tfjsArtifacts(m: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let art: tf.io.ModelArtifacts | null = null;
  await m.save(tf.io.withSaveHandler(async (a) => {
    art = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return art!;
}

function tfPredict(m: tfl.LayersModel, x: Float32Array, shape: number[]): Float32Array {
  return tf.tidy(() => (m.predict(tf.tensor(x, shape)) as tf.Tensor).dataSync() as Float32Array);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

const N = 16;

function tfMlp(): tfl.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ inputShape: [8], units: 12, activation: 'relu' }));
  m.add(tfl.layers.dropout({ rate: 0.1 }));
  m.add(tfl.layers.dense({ units: 10, activation: 'tanh' }));
  m.add(tfl.layers.dense({ units: 4, activation: 'softmax' }));
  return m;
}

function tfCnn(): tfl.Sequential {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ inputShape: [8, 8, 2], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tfl.layers.batchNormalization());
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'valid' }));
  m.add(tfl.layers.activation({ activation: 'elu' }));
  m.add(tfl.layers.averagePooling2d({ poolSize: 2 }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 5, activation: 'softmax' }));
  return m;
}

/** Trains in TF.js from fixed kernels (TF.js's initializers draw unseeded), in order (no shuffle): the same run every time but for dropout's masks. */
async function trainTf(m: tfl.LayersModel, x: Float32Array, shape: number[], y: Int32Array): Promise<void> {
  m.setWeights(m.getWeights().map((w, i) => (w.rank >= 2 ? tf.tensor(randomArray(w.size, 100 + i, 0.5), w.shape) : w.clone())));
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
  const xs = tf.tensor(x, shape);
  const ys = tf.tensor1d(y, 'float32');
  await m.fit(xs, ys, { epochs: 3, batchSize: 8, verbose: 0, shuffle: false });
  xs.dispose();
  ys.dispose();
}

for (const [name, make, shape, classes] of [
  ['an MLP (Dense relu, Dropout, Dense tanh, Dense softmax)', tfMlp, [8], 4],
  ['a CNN (Conv2D same relu, BatchNormalization, MaxPooling2D, Conv2D, ELU, AveragePooling2D, Flatten, Dense softmax)', tfCnn, [8, 8, 2], 5],
] as const) {
  test(`TF.js → gaaf: ${name} trained in tfjs-layers, saved with withSaveHandler, predicts the same to 1e-5 and trains on`, async (t) => {
    const m = make();
    const d = shape.reduce((a, b) => a * b, 1);
    const x = randomArray(N * d, 11);
    const y = randomLabels(N, classes, 12);
    await trainTf(m, x, [N, ...shape], y); // moves the batch-norm statistics away from 0 and 1
    const want = tfPredict(m, x, [N, ...shape]);
    const g = await loadLayersModel(await tfjsArtifacts(m));
    assert.ok(g instanceof Sequential);
    assert.equal(g.head.lossName, 'sparseCategoricalCrossentropy');
    const got = g.predict(x);
    const diff = maxDiff(got, want);
    t.diagnostic(`max |gaaf − tfjs| over ${got.length} probabilities: ${diff.toExponential(2)}`);
    assert.ok(diff <= 1e-5, `predictions differ by ${diff}`);
    const before = g.evaluate(x, y).loss;
    const h = await g.fit(x, y, { epochs: 1, batchSize: 2, seed: 1, optimizer: 'adam', lr: 0.01 });
    const afterLoss = g.evaluate(x, y).loss;
    t.diagnostic(`loss before ${before.toFixed(4)}, after one gaaf epoch ${afterLoss.toFixed(4)} (epoch log ${h.epochs[0].loss.toFixed(4)})`);
    assert.ok(afterLoss < before, `loss did not fall: ${before} → ${afterLoss}`);
    g.dispose();
    m.dispose();
  });
}

test('TF.js → gaaf: model.json and shards from a directory path (the Node entry), split over two shards', async () => {
  const m = tfMlp();
  const a = await tfjsArtifacts(m);
  const dir = tmp();
  const bytes = new Uint8Array(a.weightData as ArrayBuffer);
  const cut = 100;
  writeFileSync(join(dir, 'group1-shard1of2.bin'), bytes.subarray(0, cut));
  writeFileSync(join(dir, 'group1-shard2of2.bin'), bytes.subarray(cut));
  const json = { modelTopology: a.modelTopology, format: a.format, weightsManifest: [{ paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'], weights: a.weightSpecs }] };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  const x = randomArray(N * 8, 5);
  const want = tfPredict(m, x, [N, 8]);
  for (const src of [join(dir, 'model.json'), dir, `file://${join(dir, 'model.json')}`]) {
    const g = await loadLayersModel(src);
    assert.ok(maxDiff(g.predict(x), want) <= 1e-5, src);
    g.dispose();
  }
  // a URL, through a given fetch that serves the same files
  const served = (u: string): Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }> => {
    const f = u.replace('https://example.test/m/', '');
    const b = readFileSync(join(dir, f));
    return Promise.resolve({ ok: true, status: 200, arrayBuffer: async () => b.buffer.slice(b.byteOffset, b.byteOffset + b.length) });
  };
  const g = await loadLayersModel('https://example.test/m/model.json', { fetch: served });
  assert.ok(maxDiff(g.predict(x), want) <= 1e-5);
  g.dispose();
  // an io handler object, as tf.io.fromMemory makes
  const h = await loadLayersModel(tf.io.fromMemory(a));
  assert.ok(maxDiff(h.predict(x), want) <= 1e-5);
  h.dispose();
  m.dispose();
});

test('TF.js → gaaf: a functional model with Add and Concatenate', async (t) => {
  const inp = tfl.input({ shape: [6] });
  const a = tfl.layers.dense({ units: 5, activation: 'tanh' }).apply(inp) as tfl.SymbolicTensor;
  const b = tfl.layers.dense({ units: 5, activation: 'relu' }).apply(inp) as tfl.SymbolicTensor;
  const s = tfl.layers.add().apply([a, b]) as tfl.SymbolicTensor;
  const c = tfl.layers.concatenate().apply([s, inp]) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 3, activation: 'softmax' }).apply(c) as tfl.SymbolicTensor;
  const m = tfl.model({ inputs: inp, outputs: out });
  const x = randomArray(N * 6, 8);
  const want = tfPredict(m, x, [N, 6]);
  const g = await loadLayersModel(await tfjsArtifacts(m));
  assert.ok(g instanceof Model && !(g instanceof Sequential));
  const diff = maxDiff(g.predict(x), want);
  t.diagnostic(`functional: max |gaaf − tfjs| ${diff.toExponential(2)}`);
  assert.ok(diff <= 1e-5);
  g.dispose();
  m.dispose();
});

async function tfLoad(a: tf.io.ModelArtifacts): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel(tf.io.fromMemory(a));
}

/** A directory saveTfjs wrote, as TF.js reads files: model.json, then its manifest's shards. */
async function tfLoadDir(dir: string): Promise<tfl.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const a = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const bufs = manifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
    const all = Buffer.concat(bufs);
    return [manifest.flatMap((g) => g.weights), all.buffer.slice(all.byteOffset, all.byteOffset + all.length)];
  });
  return tfl.loadLayersModel(tf.io.fromMemory(a));
}

test('gaaf → TF.js: an MLP and a CNN trained in gaaf, saveTfjs to a directory, tf.loadLayersModel predicts the same to 1e-5', async (t) => {
  const cases: Array<[string, () => Sequential, number[], number]> = [
    ['MLP', () => new Sequential([new Dense(12, { activation: 'relu' }), new Dropout(0.2), new Dense(9), new Activation('leakyRelu', { alpha: 0.1 }), new Dense(4)], { inputShape: [7] }), [7], 4],
    ['CNN', () => new Sequential([
      new Conv2D(4, 3, { padding: 'same', activation: 'relu' }), new BatchNorm(), new MaxPool2D(2), new Conv2D(3, 3, { strides: 2, padding: 'same' }),
      new Activation('tanh'), new Flatten(), new Dense(5),
    ], { inputShape: [8, 8, 2] }), [8, 8, 2], 5],
  ];
  for (const [name, make, shape, classes] of cases) {
    const g = make();
    const d = shape.reduce((a, b) => a * b, 1);
    const x = randomArray(N * d, 21);
    const y = randomLabels(N, classes, 22);
    await g.fit(x, y, { epochs: 2, batchSize: 4, seed: 3, optimizer: 'adam', lr: 0.01 });
    const dir = tmp();
    const r = await g.saveTfjs(dir);
    assert.deepEqual(r.files, [join(dir, 'model.json'), join(dir, 'weights.bin')]);
    const m = await tfLoadDir(dir);
    const diff = maxDiff(tfPredict(m, x, [N, ...shape]), g.predict(x));
    t.diagnostic(`${name}: max |tfjs − gaaf| ${diff.toExponential(2)}, ${r.weightBytes} bytes of weights`);
    assert.ok(diff <= 1e-5, `${name}: predictions differ by ${diff}`);
    // and back: gaaf reads what it wrote, with the same head
    const back = await loadLayersModel(dir);
    assert.equal(back.head.lossName, 'sparseCategoricalCrossentropy');
    assert.ok(maxDiff(back.predict(x), g.predict(x)) <= 1e-6);
    back.dispose();
    m.dispose();
    g.dispose();
  }
});

test('gaaf → TF.js: a functional model with a shared layer, through an io handler, then trained on in TF.js', async (t) => {
  const x0 = input({ shape: [6] });
  const shared = new Dense(6, { activation: 'tanh' });
  const h1 = shared.apply(x0);
  const h2 = shared.apply(new Dense(6).apply(x0));
  const c = new Concatenate().apply([new Add().apply([h1, h2]), x0]);
  const g = new Model({ inputs: x0, outputs: new Dense(3).apply(c) }).build(undefined, { seed: 4 });
  let art: tf.io.ModelArtifacts | null = null;
  await g.saveTfjs({ save: async (a) => { art = a as tf.io.ModelArtifacts; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; } });
  const m = await tfLoad(art!);
  const x = randomArray(N * 6, 31);
  const y = randomLabels(N, 3, 32);
  const diff = maxDiff(tfPredict(m, x, [N, 6]), g.predict(x));
  t.diagnostic(`functional: max |tfjs − gaaf| ${diff.toExponential(2)}`);
  assert.ok(diff <= 1e-5);
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
  const xs = tf.tensor(x, [N, 6]);
  const ys = tf.tensor1d(y, 'float32');
  const before = (m.evaluate(xs, ys) as tf.Scalar).dataSync()[0];
  await m.fit(xs, ys, { epochs: 1, batchSize: 4, verbose: 0 });
  const afterL = (m.evaluate(xs, ys) as tf.Scalar).dataSync()[0];
  assert.ok(afterL < before, `TF.js loss did not fall: ${before} → ${afterL}`);
  tf.dispose([xs, ys]);
  m.dispose();
  g.dispose();
});

test('Keras through the converter: model_config, an InputLayer, axis [3], a from_logits loss object; TF.js and gaaf give the same logits', async (t) => {
  const dir = new URL('./fixtures/tfjs/keras-cnn/', import.meta.url).pathname;
  const exp = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { x: number[]; logits: number[] };
  const x = Float32Array.from(exp.x);
  const g = await loadLayersModel(join(dir, 'model.json'));
  assert.ok(g instanceof Sequential);
  assert.equal(g.head.lossName, 'sparseCategoricalCrossentropy'); // from_logits: the Dense output is the logits, nothing moved
  assert.deepEqual(g.layers.map((l) => l.className), ['Conv2D', 'BatchNorm', 'MaxPool2D', 'Flatten', 'Dropout', 'Dense']);
  const logits = g.predictOutputs(x)[0];
  const dFile = maxDiff(logits, exp.logits);
  const m = await tfLoadDir(dir);
  const dTf = maxDiff(logits, tfPredict(m, x, [4, 8, 8, 1]));
  t.diagnostic(`Keras-form CNN: max |gaaf − tfjs| logits ${dTf.toExponential(2)} (against expected.json ${dFile.toExponential(2)})`);
  assert.ok(dFile <= 1e-5 && dTf <= 1e-5);
  const p = g.predict(x); // probabilities: the softmax of those logits
  for (let r = 0; r < 4; r++) {
    const z = exp.logits.slice(3 * r, 3 * r + 3);
    const e = z.map((v) => Math.exp(v - Math.max(...z)));
    e.forEach((v, j) => assert.ok(Math.abs(p[3 * r + j] - v / (e[0] + e[1] + e[2])) < 1e-6));
  }
  m.dispose();
  g.dispose();
});

test("gaaf → TF.js → gaaf: a functional model with a strided 'same' Conv2D TF would pad unevenly (written as ZeroPadding2D + 'valid', read back as 'same')", async (t) => {
  const x0 = input({ shape: [8, 8, 1] });
  const conv = new Flatten().apply(new Conv2D(2, 3, { strides: 2, padding: 'same', activation: 'relu' }).apply(x0));
  const g = new Model({ inputs: x0, outputs: new Dense(3).apply(new Concatenate().apply([conv, new Flatten().apply(x0)])) }).build(undefined, { seed: 5 });
  const dir = tmp();
  await g.saveTfjs(dir);
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { modelTopology: { config: { layers: Array<{ class_name: string }> } } };
  assert.ok(json.modelTopology.config.layers.some((l) => l.class_name === 'ZeroPadding2D'));
  const x = randomArray(N * 64, 41);
  const m = await tfLoadDir(dir);
  const dTf = maxDiff(tfPredict(m, x, [N, 8, 8, 1]), g.predict(x));
  const back = await loadLayersModel(dir);
  const dBack = maxDiff(back.predict(x), g.predict(x));
  t.diagnostic(`strided 'same': max |tfjs − gaaf| ${dTf.toExponential(2)}, back in gaaf ${dBack.toExponential(2)}`);
  assert.ok(dTf <= 1e-5 && dBack <= 1e-6);
  assert.ok(back.layers.some((l) => l instanceof Conv2D && l.padding === 'same' && l.strides === 2));
  back.dispose();
  m.dispose();
  g.dispose();
});

test('gaaf → TF.js → gaaf: Embedding, LayerNormalization, gelu, Reshape, GlobalMaxPooling2D, GlobalAveragePooling2D, swish', async (t) => {
  const { Embedding, LayerNormalization, Reshape, GlobalMaxPooling2D, GlobalAveragePooling2D } = await import('../src/node.js');
  const g = new Sequential([
    new Embedding(10, 4, { inputShape: [6] }), new LayerNormalization(), new Flatten(), new Dense(8, { activation: 'gelu' }), new Reshape([2, 2, 2]),
    new GlobalMaxPooling2D(), new Dense(12, { activation: 'silu' }), new Reshape([2, 2, 3]), new GlobalAveragePooling2D(), new Dense(3),
  ]).build(undefined, { seed: 6 });
  const x = Float32Array.from({ length: N * 6 }, (_, i) => (i * 7) % 10);
  const y = randomLabels(N, 3, 9);
  await g.fit(x, y, { epochs: 2, batchSize: 4, seed: 1, optimizer: 'adam', lr: 0.01 });
  const dir = tmp();
  await g.saveTfjs(dir);
  const m = await tfLoadDir(dir);
  const dTf = maxDiff(tfPredict(m, x, [N, 6]), g.predict(x));
  const back = await loadLayersModel(dir);
  const dBack = maxDiff(back.predict(x), g.predict(x));
  t.diagnostic(`Embedding … GlobalAveragePooling2D: max |tfjs − gaaf| ${dTf.toExponential(2)}, back in gaaf ${dBack.toExponential(2)}`);
  assert.ok(dTf <= 1e-5 && dBack <= 1e-6);
  back.dispose();
  m.dispose();
  g.dispose();
});

test('TF.js → gaaf: Embedding, LayerNormalization, LeakyReLU, ReLU, ELU, Reshape, GlobalMaxPooling2D and a Softmax layer at the end', async (t) => {
  const m = tfl.sequential();
  m.add(tfl.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 6, inputShape: [6] }));
  m.add(tfl.layers.layerNormalization());
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 8 }));
  m.add(tfl.layers.leakyReLU({ alpha: 0.2 }));
  m.add(tfl.layers.dense({ units: 8, activation: 'gelu_new' as 'gelu' }));
  m.add(tfl.layers.reLU());
  m.add(tfl.layers.reshape({ targetShape: [2, 2, 2] }));
  m.add(tfl.layers.globalMaxPooling2d({}));
  m.add(tfl.layers.dense({ units: 6 }));
  m.add(tfl.layers.elu({}));
  m.add(tfl.layers.dense({ units: 3 }));
  m.add(tfl.layers.softmax());
  const x = Float32Array.from({ length: N * 6 }, (_, i) => (i * 3) % 10);
  const want = tfPredict(m, x, [N, 6]);
  const g = await loadLayersModel(await tfjsArtifacts(m));
  assert.equal(g.layers[g.layers.length - 1].className, 'Dense'); // the Softmax layer moved into the head
  const d = maxDiff(g.predict(x), want);
  t.diagnostic(`Embedding … Softmax layer: max |gaaf − tfjs| ${d.toExponential(2)}`);
  assert.ok(d <= 1e-5);
  g.dispose();
  m.dispose();
});

test('trainable: false both ways: a frozen TF.js layer stays frozen in gaaf (its weights do not move in fit), and back in TF.js', async () => {
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ inputShape: [5], units: 6, activation: 'tanh', trainable: false }));
  m.add(tfl.layers.dense({ units: 3, activation: 'softmax' }));
  const g = await loadLayersModel(await tfjsArtifacts(m));
  assert.deepEqual(g.layers.map((l) => l.trainable), [false, true]);
  const before = g.getWeights();
  await g.fit(randomArray(N * 5, 51), randomLabels(N, 3, 52), { epochs: 1, batchSize: 4, seed: 1, optimizer: 'adam', lr: 0.05 });
  const afterW = g.getWeights();
  assert.deepEqual(afterW[0], before[0], 'the frozen kernel moved');
  assert.notDeepEqual(afterW[2], before[2], 'the trainable kernel did not move');
  let art: tf.io.ModelArtifacts | null = null;
  await g.saveTfjs({ save: async (a) => { art = a as tf.io.ModelArtifacts; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; } });
  const back = await tfLoad(art!);
  assert.deepEqual(back.layers.map((l) => l.trainable), [false, true]);
  back.dispose();
  g.dispose();
  m.dispose();
});

test('several outputs both ways: a softmax head and a regression head, each output its own loss', async (t) => {
  const inp = tfl.input({ shape: [5] });
  const h = tfl.layers.dense({ units: 8, activation: 'tanh' }).apply(inp) as tfl.SymbolicTensor;
  const cls = tfl.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(h) as tfl.SymbolicTensor;
  const reg = tfl.layers.dense({ units: 2, name: 'reg' }).apply(h) as tfl.SymbolicTensor;
  const m = tfl.model({ inputs: inp, outputs: [cls, reg] });
  const x = randomArray(N * 5, 61);
  const want = tf.tidy(() => (m.predict(tf.tensor(x, [N, 5])) as tf.Tensor[]).map((o) => o.dataSync() as Float32Array));
  const g = await loadLayersModel(await tfjsArtifacts(m));
  assert.deepEqual((g.head as unknown as { heads: Array<{ lossName: string }> }).heads.map((hd) => hd.lossName), ['sparseCategoricalCrossentropy', 'meanSquaredError']);
  const got = g.predictAll(x);
  const d = Math.max(maxDiff(got[0], want[0]), maxDiff(got[1], want[1]));
  await g.fit(x, [randomLabels(N, 3, 62), randomArray(N * 2, 63)], { epochs: 1, batchSize: 4, seed: 1, optimizer: 'adam' });
  let art: tf.io.ModelArtifacts | null = null;
  await g.saveTfjs({ save: async (a) => { art = a as tf.io.ModelArtifacts; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; } });
  const back = await tfLoad(art!);
  const outs = tf.tidy(() => (back.predict(tf.tensor(x, [N, 5])) as tf.Tensor[]).map((o) => o.dataSync() as Float32Array));
  const mine = g.predictAll(x);
  const dBack = Math.max(maxDiff(outs[0], mine[0]), maxDiff(outs[1], mine[1]));
  t.diagnostic(`two outputs: TF.js → gaaf max |diff| ${d.toExponential(2)}; trained in gaaf, gaaf → TF.js ${dBack.toExponential(2)}`);
  assert.ok(d <= 1e-5 && dBack <= 1e-5);
  back.dispose();
  g.dispose();
  m.dispose();
});

test('DepthwiseConv2D and dilated Conv2D both ways: TF.js → gaaf and gaaf → TF.js → gaaf predict the same', async (t) => {
  const { DepthwiseConv2D } = await import('../src/node.js');
  const tm = tfl.sequential({ layers: [
    tfl.layers.depthwiseConv2d({ inputShape: [9, 8, 3], kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu' }),
    tfl.layers.conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same' }),
    tfl.layers.depthwiseConv2d({ kernelSize: [2, 3], useBias: false }),
    tfl.layers.flatten(), tfl.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
  const x = randomArray(N * 9 * 8 * 3, 12);
  const fromTf = await loadLayersModel(await tfjsArtifacts(tm));
  const dIn = maxDiff(fromTf.predict(x), tfPredict(tm, x, [N, 9, 8, 3]));
  const g = new Sequential([
    new DepthwiseConv2D(3, { inputShape: [9, 8, 3], depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu' }),
    new Conv2D(4, 3, { dilationRate: 2, padding: 'same' }), new DepthwiseConv2D([2, 3], { useBias: false }),
    new Flatten(), new Dense(3),
  ]).build(undefined, { seed: 8 });
  const dir = tmp();
  await g.saveTfjs(dir);
  const m = await tfLoadDir(dir);
  const dOut = maxDiff(tfPredict(m, x, [N, 9, 8, 3]), g.predict(x));
  const back = await loadLayersModel(dir);
  const dBack = maxDiff(back.predict(x), g.predict(x));
  t.diagnostic(`depthwise + dilation: TF.js → gaaf ${dIn.toExponential(2)}, gaaf → TF.js ${dOut.toExponential(2)}, back ${dBack.toExponential(2)}`);
  assert.ok(dIn <= 1e-5 && dOut <= 1e-5 && dBack <= 1e-6, `${dIn} ${dOut} ${dBack}`);
  for (const d of [fromTf, m, back, g]) d.dispose();
  tm.dispose();
  // TF.js's DepthwiseConv2D ignores dilation_rate (Keras does not): refused both ways rather than guessed
  const dil = tfl.sequential({ layers: [tfl.layers.depthwiseConv2d({ inputShape: [9, 8, 3], kernelSize: 3, dilationRate: 2, padding: 'same' }), tfl.layers.flatten(), tfl.layers.dense({ units: 2 })] });
  await assert.rejects(loadLayersModel(await tfjsArtifacts(dil), { loss: 'mse' }), /option 'dilation_rate' is \[2, 2\]: TF.js's DepthwiseConv2D ignores it and Keras does not/);
  dil.dispose();
  const gd = new Sequential([new DepthwiseConv2D(3, { inputShape: [9, 8, 3], dilationRate: 2, padding: 'same' }), new Flatten(), new Dense(2)]).build(undefined, { seed: 1 });
  await assert.rejects(gd.saveTfjs(tmp()), /a dilated DepthwiseConv2D \(dilationRate \[2, 2\]\) has no TF.js form/);
  gd.dispose();
});
