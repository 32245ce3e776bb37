// PyTorch / Hugging Face weights into gaaf (model.loadWeights(..., { from: 'pytorch' })): the
// fixtures of test/fixtures/torch/ (made by make.py with the safetensors package: torch.nn's
// names and layouts, F16, BF16, F64 and F32 tensors, and numpy's float64 forward passes in
// PyTorch's NCHW layout) must be predicted to 1e-5; every malformed file is a typed error
// naming the file, the tensor or layer, and the byte offset where one applies.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  Activation, BatchNorm, Conv2D, Dropout, Dense, Embedding, Flatten, LayerNormalization, MaxPool2D, Sequential, WeightsFileError, init, readForeignSafetensors,
} from '../src/node.js';
import { f16ToNumber } from '../src/interop/torch/safetensors.js';

const dir = new URL('./fixtures/torch/', import.meta.url);
const path = (name: string): string => new URL(name, dir).pathname;
const ref = (name: string): { input: number[]; output: number[]; inputShape: number[] } => JSON.parse(readFileSync(new URL(`${name}.json`, dir), 'utf8'));

await init();

const mlp = (): Sequential => new Sequential([new Dense(8, { inputShape: [6], activation: 'relu' }), new Dense(3)]);
const CNN_MAP = { conv2d_1: 'features.0', batchnorm_1: 'features.1', conv2d_2: 'features.4', dense_1: 'classifier' };
const makeCnn = (): Sequential => {
  return new Sequential([
    new Conv2D(4, 3, { inputShape: [8, 8, 2], padding: 'same' }), new BatchNorm({ epsilon: 1e-5 }), new Activation('relu'), new MaxPool2D(2),
    new Conv2D(3, 3, { activation: 'relu' }), new Flatten(), new Dense(5),
  ]);
};
const makeTokens = (): Sequential => new Sequential([
  new Embedding(10, 4, { inputShape: [5] }), new LayerNormalization({ epsilon: 1e-5 }), new Flatten(), new Dense(3),
]);
const TOKENS_MAP = { embedding_1: 'emb', layernormalization_1: 'norm', dense_1: 'head' };

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('MLP in F16 and BF16: loaded by path in natural module order, predicts what PyTorch predicts to 1e-5', () => {
  const r = ref('mlp');
  const m = mlp();
  const report = m.loadWeights(path('mlp.safetensors'), { from: 'pytorch' });
  assert.deepEqual(report.layers, { dense_1: 'fc1', dense_2: 'fc2' });
  assert.deepEqual(report.converted, { F16: 2, BF16: 2 }, 'the conversions are stated');
  const d = maxDiff(m.predictOutputs(Float32Array.from(r.input))[0], r.output);
  console.log(`# mlp (F16, BF16): max |gaaf - numpy| = ${d.toExponential(2)}`);
  assert.ok(d < 1e-5, `max difference ${d}`);
});

test('CNN in F64 and F32 with BatchNorm2d (num_batches_tracked), MaxPool and an NCHW Flatten before the Linear: to 1e-5', () => {
  const r = ref('cnn');
  const m = makeCnn();
  const report = m.loadWeights(readFileSync(path('cnn.safetensors')), { from: 'pytorch', map: CNN_MAP });
  assert.deepEqual(report.converted, { F64: 6 });
  const d = maxDiff(m.predictOutputs(Float32Array.from(r.input))[0], r.output);
  console.log(`# cnn (F64, F32, BatchNorm, NCHW flatten): max |gaaf - numpy| = ${d.toExponential(2)}`);
  assert.ok(d < 1e-5, `max difference ${d}`);
});

test('the NCHW Flatten is found through Dropout and Activation layers between it and the Linear', () => {
  const r = ref('cnn');
  const m = new Sequential([
    new Conv2D(4, 3, { inputShape: [8, 8, 2], padding: 'same' }), new BatchNorm({ epsilon: 1e-5 }), new Activation('relu'), new MaxPool2D(2),
    new Conv2D(3, 3), new Flatten(), new Activation('relu'), new Dropout(0.5), new Dense(5),
  ]);
  m.loadWeights(path('cnn.safetensors'), { from: 'pytorch', map: CNN_MAP });
  assert.ok(maxDiff(m.predictOutputs(Float32Array.from(r.input))[0], r.output) < 1e-5);
});

test('the Linear after an NCHW Flatten is permuted: without it the predictions differ', () => {
  const r = ref('cnn');
  const m = makeCnn();
  m.loadWeights(path('cnn.safetensors'), { from: 'pytorch', map: CNN_MAP });
  // the same weights with the Linear's columns taken as they are (what a naive transpose gives)
  const st = readForeignSafetensors(readFileSync(path('cnn.safetensors')), 'cnn');
  const w = st.tensors.get('classifier.weight')!.data;
  const ws = m.getWeights();
  const k = new Float32Array(12 * 5);
  for (let i = 0; i < 12; i++) for (let o = 0; o < 5; o++) k[i * 5 + o] = w[o * 12 + i];
  ws[ws.length - 2] = k;
  m.setWeights(ws);
  assert.ok(maxDiff(m.predictOutputs(Float32Array.from(r.input))[0], r.output) > 1e-2);
});

test('Embedding, LayerNorm and a Linear, with a map (the names do not sort in module order): to 1e-5', () => {
  const r = ref('tokens');
  const m = makeTokens();
  assert.throws(() => m.loadWeights(path('tokens.safetensors'), { from: 'pytorch' }), (e: unknown) =>
    e instanceof WeightsFileError && /tensor 'head.weight' is missing|expects/.test(e.message));
  m.loadWeights(path('tokens.safetensors'), { from: 'pytorch', map: TOKENS_MAP });
  const d = maxDiff(m.predictOutputs(Float32Array.from(r.input))[0], r.output);
  console.log(`# tokens (Embedding, LayerNorm): max |gaaf - numpy| = ${d.toExponential(2)}`);
  assert.ok(d < 1e-5, `max difference ${d}`);
});

test('the conversions: F16 (normal, subnormal, inf), BF16 and F64 values', () => {
  assert.equal(f16ToNumber(0x3c00), 1);
  assert.equal(f16ToNumber(0xc000), -2);
  assert.equal(f16ToNumber(0x0001), 2 ** -24);
  assert.equal(f16ToNumber(0x7bff), 65504);
  assert.equal(f16ToNumber(0x7c00), Infinity);
  const st = readForeignSafetensors(readFileSync(path('mlp.safetensors')), 'mlp');
  assert.equal(st.tensors.get('fc1.weight')!.dtype, 'F16');
  assert.equal(st.tensors.get('fc2.weight')!.dtype, 'BF16');
  assert.ok(st.tensors.get('fc2.weight')!.data instanceof Float32Array);
  // a BF16 value is float32's top half: its low 16 bits are 0
  const bits = new Uint32Array(st.tensors.get('fc2.weight')!.data.buffer);
  assert.ok(bits.every((b) => (b & 0xffff) === 0));
});

/** A safetensors file from a header object and data bytes. */
function craft(header: Record<string, unknown>, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const isErr = (re: RegExp, check: (e: WeightsFileError) => boolean = () => true) => (e: unknown): boolean => {
  assert.ok(e instanceof WeightsFileError, `expected a WeightsFileError, got ${String(e)}`);
  assert.match(e.message, re);
  assert.ok(check(e), e.message);
  return true;
};

test('errors: a missing tensor is named, with the layer and the shape it expects', () => {
  const bytes = readFileSync(path('mlp.safetensors'));
  const st = readForeignSafetensors(bytes, 'mlp');
  const header: Record<string, unknown> = {};
  const parts: Uint8Array[] = [];
  let off = 0;
  for (const t of st.tensors.values()) {
    if (t.name === 'fc2.bias') continue;
    const b = new Uint8Array(t.data.buffer.slice(0));
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [off, off + b.length] };
    parts.push(b);
    off += b.length;
  }
  const file = craft(header, Uint8Array.from(parts.flatMap((p) => [...p])));
  const m = mlp();
  assert.throws(() => m.loadWeights(file, { from: 'pytorch', map: { dense_1: 'fc1', dense_2: 'fc2' } }),
    isErr(/tensor 'fc2\.bias' is missing: layer 'dense_2' \(Dense\) expects it with shape \[3\]/, (e) => e.tensor === 'fc2.bias' && e.layer === 'dense_2'));
});

test('errors: a wrong shape names the tensor, the layer, the expected and the actual shape, and leaves the weights untouched', () => {
  const m = new Sequential([new Dense(8, { inputShape: [7], activation: 'relu' }), new Dense(3)]);
  m.build([7]);
  const before = m.getWeights();
  assert.throws(() => m.loadWeights(path('mlp.safetensors'), { from: 'pytorch' }),
    isErr(/byte \d+: tensor 'fc1\.weight' has shape \[8, 6\], layer 'dense_1' \(Dense\) expects \[8, 7\]/, (e) => e.offset !== undefined && e.layer === 'dense_1'));
  m.getWeights().forEach((w, i) => assert.deepEqual(w, before[i]));
});

test('errors: a truncated file gives the byte offset', () => {
  const bytes = readFileSync(path('mlp.safetensors'));
  for (const cut of [3, 20, bytes.length - 5]) {
    assert.throws(() => mlp().loadWeights(bytes.subarray(0, cut), { from: 'pytorch' }), isErr(/truncated/, (e) => e.offset !== undefined && e.file === '(bytes)'));
  }
  assert.throws(() => mlp().loadWeights(bytes.subarray(0, bytes.length - 5), { from: 'pytorch' }), isErr(/^\(bytes\): byte \d+: tensor '.*': truncated: data_offsets/));
});

test('errors: an unknown dtype, a non-finite or out-of-range value, a negative variance, unused tensors, a file that is not there', () => {
  const f8 = craft({ 'fc.weight': { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2));
  assert.throws(() => readForeignSafetensors(f8, 'f8.safetensors'), isErr(/^f8\.safetensors: byte 8: tensor 'fc\.weight': dtype "F8_E4M3" is not supported/, (e) => e.tensor === 'fc.weight'));
  const big = new Uint8Array(8);
  new DataView(big.buffer).setFloat64(0, 1e300, true);
  assert.throws(() => readForeignSafetensors(craft({ w: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, big), 'x'), isErr(/holds 1e\+300, outside float32's range at element 0/));
  const nan = new Uint8Array([0x00, 0x7e]); // F16 NaN
  assert.throws(() => readForeignSafetensors(craft({ w: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, nan), 'x'), isErr(/holds NaN at element 0/));
  const m = new Sequential([new Dense(2, { inputShape: [2] }), new BatchNorm()]);
  m.build([2]);
  const f32 = (vals: number[]): Uint8Array => new Uint8Array(Float32Array.from(vals).buffer);
  const bn = (rv: number[], extra = false): Uint8Array => {
    const t: Array<[string, number[]]> = [['0.weight', [1, 0, 0, 1]], ['0.bias', [0, 0]], ['1.weight', [1, 1]], ['1.bias', [0, 0]], ['1.running_mean', [0, 0]], ['1.running_var', rv], ...(extra ? [['2.weight', [1]] as [string, number[]]] : [])];
    const h: Record<string, unknown> = {};
    let off = 0;
    for (const [n, v] of t) {
      h[n] = { dtype: 'F32', shape: n === '0.weight' ? [2, 2] : [v.length], data_offsets: [off, off + 4 * v.length] };
      off += 4 * v.length;
    }
    return craft(h, Uint8Array.from(t.flatMap(([, v]) => [...f32(v)])));
  };
  m.loadWeights(bn([1, 2]), { from: 'pytorch' });
  assert.throws(() => m.loadWeights(bn([1, -2]), { from: 'pytorch' }), isErr(/tensor '1\.running_var' holds the variance -2 at element 1/, (e) => e.layer === 'batchnorm_1'));
  assert.throws(() => m.loadWeights(bn([1, 2], true), { from: 'pytorch', map: { dense_1: '0', batchnorm_1: '1' } }), isErr(/tensor '2\.weight' is taken by no layer/));
  m.loadWeights(bn([1, 2], true), { from: 'pytorch', map: { dense_1: '0', batchnorm_1: '1' }, strict: false });
  assert.throws(() => m.loadWeights('/nonexistent/model.safetensors', { from: 'pytorch' }), isErr(/^\/nonexistent\/model\.safetensors: no such file/));
  assert.throws(() => m.loadWeights(bn([1, 2]), { from: 'tf' as 'pytorch' }), /from must be 'pytorch'/);
  assert.throws(() => m.loadWeights(bn([1, 2]), { from: 'pytorch', mapping: {} } as never), /unknown option 'mapping'/);
  assert.throws(() => m.loadWeights(bn([1, 2]), { from: 'pytorch', map: { dense_9: '0' } }), /map names 'dense_9', which is not a layer with weights/);
});

test('validation comes first: a bad value in the last layer leaves every weight as it was, and nothing is converted before the names and shapes pass', () => {
  const bytes = new Uint8Array(readFileSync(path('mlp.safetensors')));
  const st = readForeignSafetensors(bytes, 'mlp', { lazy: true });
  const fc2 = st.tensors.get('fc2.bias')!; // BF16, the last layer's
  new DataView(bytes.buffer).setUint16(fc2.offset + 2, 0x7fc0, true); // its element 1 becomes NaN
  const m = mlp();
  m.build([6]);
  const before = m.getWeights();
  assert.throws(() => m.loadWeights(bytes, { from: 'pytorch' }), isErr(/tensor 'fc2\.bias' \(BF16\) holds NaN at element 1/, (e) => e.offset === fc2.offset + 2));
  m.getWeights().forEach((w, i) => assert.deepEqual(w, before[i]));
  // lazily read, a tensor is converted when its data is read: a wrong shape is found without converting any
  const lazy = readForeignSafetensors(bytes, 'mlp', { lazy: true });
  assert.equal(lazy.tensors.get('fc1.weight')!.shape.join(','), '8,6');
  assert.throws(() => lazy.tensors.get('fc2.bias')!.data, /holds NaN/);
  assert.throws(() => readForeignSafetensors(bytes, 'mlp'), /holds NaN/, 'read eagerly, the file is refused at once');
});

test('a functional model takes the same weights (by map): the same predictions', async () => {
  const { Model, input } = await import('../src/node.js');
  const r = ref('mlp');
  const x = input({ shape: [6] });
  const m = new Model({ inputs: x, outputs: new Dense(3).apply(new Dense(8, { activation: 'relu' }).apply(x)) });
  m.build();
  const names = m.layers.map((l) => l.name);
  m.loadWeights(path('mlp.safetensors'), { from: 'pytorch', map: (l) => (l.name === names[0] ? 'fc1' : 'fc2') });
  assert.ok(maxDiff(m.predictOutputs(Float32Array.from(r.input))[0], r.output) < 1e-5);
});
