// ONNX export (model.toOnnx()): onnxruntime-node runs the exported model on a batch and must
// give gaaf's outputs (predictOutputs) to 1e-5, for an MLP with Dropout, CNNs with BatchNorm
// (non-trivial running statistics) and every pooling, a model per activation (GAAF ones
// included), opset 20's Gelu, and functional models (two inputs, a shared layer, merges,
// Embedding, LayerNormalization, Reshape).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  Activation, Add, AveragePooling2D, BatchNorm, Concatenate, Conv2D, Dense, DepthwiseConv2D, Dropout, Embedding, Flatten, GlobalAveragePooling2D, GlobalMaxPooling2D,
  LayerNormalization, MaxPool2D, Model, Multiply, ONNX_OPSETS, Reshape, Rng, Sequential, init, input, type Network,
} from '../src/node.js';

await init();

const rng = new Rng(7);
const randn = (n: number, scale = 1): Float32Array => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale * 1.7);

/** Gives every parameter and BatchNorm statistic non-trivial values (so a wrong layout or a training-mode BN shows). */
function scramble(m: Network): void {
  m.setWeights(m.getWeights().map((w) => randn(w.length, 0.5)));
  for (const l of m.layers) {
    for (const s of l.stateTensors()) {
      const v = s.name.endsWith('variance') ? Float32Array.from({ length: s.value.length }, () => 0.5 + rng.next()) : randn(s.value.length, 0.3);
      s.value.write(v);
    }
  }
}

/** Runs the export in onnxruntime and returns the largest |ort − gaaf| over the outputs. */
async function compare(m: Model, xs: Float32Array[], batch: number, opts: { opset?: number } = {}): Promise<number> {
  const bytes = m.toOnnx(opts);
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {};
  m.inputShapes.forEach((s, i) => (feeds[session.inputNames[i]] = new ort.Tensor('float32', xs[i], [batch, ...s])));
  const res = await session.run(feeds);
  const want = m.predictOutputs(xs.length === 1 ? xs[0] : xs);
  let d = 0;
  session.outputNames.forEach((name, j) => {
    const got = res[name];
    assert.deepEqual(got.dims, [batch, ...m.outputShapes[j]]);
    const g = got.data as Float32Array;
    for (let i = 0; i < g.length; i++) d = Math.max(d, Math.abs(g[i] - want[j][i]));
  });
  return d;
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

test('DepthwiseConv2D (multipliers, strides, same/valid, dilation) and a dilated Conv2D: to 1e-5', async () => {
  const m = new Sequential([
    new DepthwiseConv2D(3, { inputShape: [11, 10, 3], depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu' }),
    new Conv2D(5, 3, { dilationRate: 2, padding: 'same' }), new DepthwiseConv2D(3, { dilationRate: [2, 1], padding: 'same' }),
    new DepthwiseConv2D([2, 3], { useBias: false }), new Conv2D(4, [3, 1], { dilationRate: [1, 2] }), new Flatten(), new Dense(3),
  ]);
  m.build(undefined, { seed: 3 });
  scramble(m);
  const x = randn(3 * size(m.inputShape));
  const d = await compare(m, [x], 3);
  // five layers of weights with σ = 0.5 make outputs of some tens: 1e-5 relative to the largest
  const top = Math.max(1, ...m.predictOutputs(x)[0].map(Math.abs));
  console.log(`# onnx depthwise/dilated: max |ort - gaaf| = ${d.toExponential(2)} (largest output ${top.toFixed(1)})`);
  assert.ok(d < 1e-5 * top, `${d} against outputs up to ${top}`);
});

test('MLP with Dropout and a Dense activation: onnxruntime gives gaaf\'s outputs to 1e-5', async () => {
  const m = new Sequential([new Dense(16, { inputShape: [10], activation: 'relu' }), new Dropout(0.3), new Dense(8, { activation: 'tanh' }), new Dense(4)]);
  m.build([10], { seed: 1 });
  const d = await compare(m, [randn(6 * 10)], 6);
  console.log(`# onnx mlp: max |ort - gaaf| = ${d.toExponential(2)}`);
  assert.ok(d < 1e-5, `${d}`);
});

test('CNNs: Conv2D (same/valid, strides), BatchNorm, MaxPool and AveragePool (valid and same), global pooling, Flatten: to 1e-5', async () => {
  const a = new Sequential([
    new Conv2D(4, 3, { inputShape: [9, 9, 3], padding: 'same', activation: 'relu' }), new BatchNorm(), new MaxPool2D(2, { padding: 'same' }),
    new Conv2D(6, 3, { strides: 2, padding: 'same' }), new Activation('relu'), new AveragePooling2D(2, { strides: 1, padding: 'same' }),
    new Conv2D(5, 3), new MaxPool2D(1), new Flatten(), new Dropout(0.5), new Dense(7), new BatchNorm({ epsilon: 1e-5 }), new Dense(3),
  ]);
  const b = new Sequential([
    new Conv2D(5, 3, { inputShape: [8, 7, 2], useBias: false }), new AveragePooling2D(2), new BatchNorm(), new Conv2D(4, 1),
    new GlobalMaxPooling2D(), new Dense(3),
  ]);
  const c = new Sequential([new Conv2D(3, 3, { inputShape: [6, 6, 1], padding: 'same' }), new GlobalAveragePooling2D(), new Dense(2, { useBias: false })]);
  for (const [name, m] of [['a', a], ['b', b], ['c', c]] as const) {
    m.build(undefined, { seed: 2 });
    scramble(m);
    const d = await compare(m, [randn(4 * size(m.inputShape))], 4);
    console.log(`# onnx cnn ${name}: max |ort - gaaf| = ${d.toExponential(2)}`);
    assert.ok(d < 1e-5, `cnn ${name}: ${d}`);
  }
});

test('every activation, GAAF ones as φ + g·s: to 1e-5', async () => {
  const cases: Array<[string, ConstructorParameters<typeof Activation>[1]?, string?]> = [
    ['relu'], ['tanh'], ['sigmoid'], ['leakyRelu', { alpha: 0.1 }], ['elu', { alpha: 0.5 }], ['gelu'], ['geluTanh'], ['silu'], ['swish'], ['softplus'],
    ['softmax'], ['linear'], ['tanh', { gaaf: true }, 'gaaf'], ['relu', { gaaf: true }, 'gaaf'], ['sigmoid', { gaaf: { K: 100, c: 5 } }, 'gaaf K 100'],
  ];
  const worst: string[] = [];
  for (const [kind, opts, label] of cases) {
    const m = new Sequential([new Dense(12, { inputShape: [5] }), new Activation(kind as 'relu', opts ?? {}), new Dense(3)]);
    m.build([5], { seed: 3 });
    const d = await compare(m, [randn(8 * 5, 2)], 8);
    worst.push(`${kind}${label ? ` (${label})` : ''} ${d.toExponential(1)}`);
    assert.ok(d < 1e-5, `${kind} ${label ?? ''}: ${d}`);
  }
  console.log(`# onnx activations, max |ort - gaaf|: ${worst.join(', ')}`);
  // softmax on images normalises gaaf's last axis (channels), so it is exported on NHWC
  const img = new Sequential([new Conv2D(4, 3, { inputShape: [5, 5, 2], activation: 'softmax' }), new Flatten(), new Dense(2)]);
  img.build();
  assert.ok(await compare(img, [randn(3 * 50)], 3) < 1e-5);
});

test('opset 20 exports gelu as the Gelu operator; every opset 17..21 runs', async () => {
  const m = new Sequential([new Dense(6, { inputShape: [4], activation: 'gelu' }), new Dense(2)]);
  m.build([4]);
  const text = new TextDecoder('latin1').decode(m.toOnnx({ opset: 20 }));
  assert.ok(text.includes('Gelu') && !text.includes('Erf'));
  assert.ok(new TextDecoder('latin1').decode(m.toOnnx()).includes('Erf'));
  assert.ok(await compare(m, [randn(5 * 4)], 5, { opset: 20 }) < 1e-5);
  // every accepted opset loads and runs: a CNN with BatchNorm, pooling and LayerNormalization
  const c = new Sequential([new Conv2D(3, 3, { inputShape: [6, 6, 2], padding: 'same', activation: 'gelu' }), new BatchNorm(), new MaxPool2D(2),
    new LayerNormalization(), new Flatten(), new Dense(2)]);
  c.build();
  scramble(c);
  for (const opset of ONNX_OPSETS) assert.ok(await compare(c, [randn(3 * 72)], 3, { opset }) < 1e-5, `opset ${opset}`);
});

test('functional models: two inputs, a shared Dense, Add, Multiply, Concatenate; Embedding, LayerNormalization, Reshape: to 1e-5', async () => {
  const x1 = input({ shape: [6], name: 'left' });
  const x2 = input({ shape: [6], name: 'right' });
  const shared = new Dense(4, { activation: 'tanh' });
  const a = shared.apply(x1);
  const b = shared.apply(x2);
  const s = new Add().apply([a, b]);
  const p = new Multiply().apply([a, b, s]);
  const out = new Dense(3).apply(new Concatenate().apply([s, p, new LayerNormalization().apply(a)]));
  const m = new Model({ inputs: [x1, x2], outputs: out });
  m.build(undefined, { seed: 4 });
  scramble(m);
  const d1 = await compare(m, [randn(5 * 6), randn(5 * 6)], 5);
  // tokens → vectors → an image → convolution; and a residual join of two image branches
  const t = new Sequential([new Embedding(11, 4, { inputShape: [9] }), new LayerNormalization({ epsilon: 1e-5 }), new Reshape([3, 3, 4]),
    new Conv2D(3, 3, { padding: 'same' }), new BatchNorm(), new Flatten(), new Dense(2)]);
  t.build(undefined, { seed: 5 });
  scramble(t);
  const ids = Float32Array.from({ length: 4 * 9 }, () => Math.floor(rng.next() * 11));
  const d2 = await compare(t, [ids], 4);
  const xi = input({ shape: [6, 6, 2] });
  const c1 = new Conv2D(3, 3, { padding: 'same' }).apply(xi);
  const c2 = new BatchNorm().apply(new Conv2D(3, 1).apply(xi));
  const joined = new Concatenate({ axis: -1 }).apply([new Add().apply([c1, c2]), c1]);
  const r = new Model({ inputs: xi, outputs: new Dense(2).apply(new GlobalAveragePooling2D().apply(joined)) });
  r.build(undefined, { seed: 6 });
  scramble(r);
  const d3 = await compare(r, [randn(3 * 72)], 3);
  // two outputs, one of them an image branch's pooled features
  const xo = input({ shape: [5, 5, 3] });
  const feat = new GlobalMaxPooling2D().apply(new Conv2D(4, 3, { activation: 'elu' }).apply(xo));
  const two = new Model({ inputs: xo, outputs: [new Dense(2).apply(feat), new Dense(3, { activation: 'sigmoid' }).apply(feat)] });
  two.build(undefined, { seed: 7 });
  scramble(two);
  const d4 = await compare(two, [randn(3 * 75)], 3);
  console.log(`# onnx functional: two inputs ${d1.toExponential(2)}, tokens ${d2.toExponential(2)}, residual ${d3.toExponential(2)}, two outputs ${d4.toExponential(2)}`);
  for (const d of [d1, d2, d3, d4]) assert.ok(d < 1e-5, `${d}`);
});

test('bad calls: not built, an unknown option or opset, a layer with no ONNX mapping', () => {
  const m = new Sequential([new Dense(2, { inputShape: [3] })]);
  assert.throws(() => m.toOnnx(), /toOnnx: the model is not built/);
  m.build([3]);
  assert.throws(() => m.toOnnx({ opsets: 17 } as never), /unknown option 'opsets'/);
  assert.throws(() => m.toOnnx({ opset: 13 }), /opset must be one of 17, 18, 19, 20, 21, got 13/);
  class Scale extends Activation {
    override readonly className = 'Scale' as never;
  }
  const odd = new Sequential([new Dense(2, { inputShape: [3] }), new Scale('relu')]);
  odd.build([3]);
  assert.throws(() => odd.toOnnx(), /layer 'scale_1' \(Scale\) has no ONNX mapping/);
});

test('gaaf export --onnx <dir>: a saved model (Dropout, BatchNorm) as model.onnx that onnxruntime runs as gaaf does; bad flags refused', async () => {
  const { mkdtempSync, readFileSync, rmSync, existsSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { spawnSync } = await import('node:child_process');
  const cli = new URL('../dist/cli.js', import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), 'gaaf-onnx-'));
  try {
    const m = new Sequential([new Conv2D(3, 3, { inputShape: [6, 6, 1], activation: 'relu' }), new BatchNorm(), new Flatten(), new Dropout(0.2), new Dense(4)]);
    m.build(undefined, { seed: 8 });
    scramble(m);
    await m.save(join(dir, 'saved'));
    const r = spawnSync(process.execPath, [cli, 'export', '--onnx', join(dir, 'saved')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^wrote .*model\.onnx \(\d+ bytes, 5 layers, opset 17\)\n$/);
    const session = await ort.InferenceSession.create(readFileSync(join(dir, 'saved', 'model.onnx')));
    const x = randn(3 * 36);
    const got = (await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [3, 6, 6, 1]) }))[session.outputNames[0]].data as Float32Array;
    const want = m.predictOutputs(x)[0];
    const d = Math.max(...got.map((v, i) => Math.abs(v - want[i])));
    console.log(`# gaaf export --onnx: max |ort - gaaf| = ${d.toExponential(2)}`);
    assert.ok(d < 1e-5, `${d}`);
    const out = join(dir, 'm20.onnx');
    assert.equal(spawnSync(process.execPath, [cli, 'export', '--onnx', '--opset', '20', '--out', out, join(dir, 'saved')], { encoding: 'utf8' }).status, 0);
    assert.ok(existsSync(out));
    const bad = spawnSync(process.execPath, [cli, 'export', '--onnx', '--opset', '12', join(dir, 'saved')], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--opset must be one of 17, 18, 19, 20, 21, got '12'/);
    const noFormat = spawnSync(process.execPath, [cli, 'export', join(dir, 'saved')], { encoding: 'utf8' });
    assert.equal(noFormat.status, 1);
    assert.match(noFormat.stderr, /say the format: --onnx/);
    const missing = spawnSync(process.execPath, [cli, 'export', '--onnx', join(dir, 'nothing')], { encoding: 'utf8' });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nothing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
