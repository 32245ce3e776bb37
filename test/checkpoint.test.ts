// Checkpoints through the API: the safetensors bytes as other tools read them, round trips,
// validation errors with the file, offset and tensor named, crash-safe directory writes,
// bit-exact resume, divergence with the last good checkpoint kept, and the memory estimate.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  init,
  Adam, Activation, CheckpointError, Dense, GradientInfo, MemoryLimitError, SGD, Sequential, TrainingDivergedError,
  encodeSafetensors, loadBundledDigits, memoryHandler, paperMlp, parseSafetensors, reducedVgg16, subset, svhnCnn,
} from '../src/node.js';
import { fileURLToPath } from 'node:url';
import { checkpointDir } from '../src/checkpoint/node.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

const dir = mkdtempSync(join(tmpdir(), 'gaaf-ckpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const { train } = loadBundledDigits();
const small = subset(train, { start: 0, end: 400 });
const mlp = () => paperMlp({ hidden: [24, 12], dropout: 0.25, gaaf: true });

/** Expects a CheckpointError whose message matches. */
function throwsCk(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CheckpointError, `expected CheckpointError, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
}

async function rejectsCk(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof CheckpointError, `expected CheckpointError, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
}

describe('safetensors', () => {
  test('the file is what the format specifies: u64 LE header length, JSON header, F32 data, no holes', async () => {
    const m = mlp();
    await m.fit(small, { epochs: 1, batchSize: 50, optimizer: new Adam(), seed: 1 });
    const d = join(dir, 'spec');
    await m.save(d);
    const latest = JSON.parse(readFileSync(join(d, 'latest'), 'utf8'));
    const bytes = readFileSync(join(d, latest.checkpoint, 'model.safetensors'));
    // read it as an independent tool would
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    assert.equal(bytes[8], 0x7b);
    assert.equal((8 + n) % 8, 0, 'header padded to 8 bytes');
    assert.equal(header.__metadata__.format, 'gaaf');
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    assert.deepEqual(names, ['dense_1/kernel', 'dense_1/bias', 'dense_2/kernel', 'dense_2/bias', 'dense_3/kernel', 'dense_3/bias']);
    const weights = m.getWeights();
    let end = 0;
    names.forEach((k, i) => {
      const e = header[k];
      assert.equal(e.dtype, 'F32');
      assert.equal(e.data_offsets[0], end);
      end = e.data_offsets[1];
      const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 8 + n + e.data_offsets[0], bytes.byteOffset + 8 + n + e.data_offsets[1]));
      assert.deepEqual(data, weights[i]);
      assert.equal(data.length, e.shape.reduce((a: number, b: number) => a * b, 1));
    });
    assert.equal(8 + n + end, bytes.length);
    m.dispose();
  });

  test('round trip, and optimizer slots under optimizer/<param>/<slot>', () => {
    const t = [
      { name: 'a', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -0]) },
      { name: 'optimizer/a/m', shape: [1], data: Float32Array.from([NaN]) },
      { name: 'empty', shape: [0, 4], data: new Float32Array(0) },
    ];
    const st = parseSafetensors(encodeSafetensors(t, { k: 'v' }), 'x.safetensors');
    assert.deepEqual([...st.tensors.keys()], ['a', 'optimizer/a/m', 'empty']);
    assert.deepEqual(st.tensors.get('a')!.data, t[0].data);
    assert.ok(Object.is(st.tensors.get('a')!.data[5], -0));
    assert.ok(Number.isNaN(st.tensors.get('optimizer/a/m')!.data[0]));
    assert.deepEqual(st.metadata, { k: 'v' });
  });

  const valid = encodeSafetensors([{ name: 'w', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) },
    { name: 'b', shape: [2], data: Float32Array.from([5, 6]) }]);
  const headerLen = Number(Buffer.from(valid).readBigUInt64LE(0));
  const withHeader = (h: unknown, data = valid.subarray(8 + headerLen)): Uint8Array => {
    const json = Buffer.from(JSON.stringify(h));
    const out = Buffer.alloc(8 + json.length + data.length);
    out.writeBigUInt64LE(BigInt(json.length), 0);
    json.copy(out, 8);
    Buffer.from(data).copy(out, 8 + json.length);
    return out;
  };

  test('every malformed case is a CheckpointError naming the file, the byte offset and the tensor', () => {
    throwsCk(() => parseSafetensors(new Uint8Array(0), 'f.st'), /^f\.st: byte 0: empty file/);
    throwsCk(() => parseSafetensors(valid.subarray(0, 5), 'f.st'), /^f\.st: byte 5: truncated: file has 5 bytes/);
    throwsCk(() => parseSafetensors(valid.subarray(0, 40), 'f.st'), new RegExp(`^f\\.st: byte 0: header length ${headerLen} exceeds the file: 40 bytes leave room for at most 32`));
    const huge = Buffer.from(valid);
    huge.writeBigUInt64LE(2n ** 63n, 0);
    throwsCk(() => parseSafetensors(huge, 'f.st'), /byte 0: header length 9223372036854776000 exceeds the file/);
    const notJson = Buffer.from(valid);
    notJson[8 + 5] = 0x7d; // '}' early
    throwsCk(() => parseSafetensors(notJson, 'f.st'), /f\.st: byte \d+: header is not well-formed JSON/);
    const notBrace = Buffer.from(valid);
    notBrace[8] = 0x5b;
    throwsCk(() => parseSafetensors(notBrace, 'f.st'), /byte 8: header must begin with '\{' \(0x7B\), found 0x5b/);
    throwsCk(() => parseSafetensors(withHeader({ w: { dtype: 'F16', shape: [2, 2], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [2], data_offsets: [16, 24] } }), 'f.st'),
      /tensor 'w': dtype "F16" is not supported, expected "F32"/);
    throwsCk(() => parseSafetensors(withHeader({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [2], data_offsets: [16, 32] } }), 'f.st'),
      /byte \d+: tensor 'b': truncated: data_offsets \[16, 32\] run past the end of the data \(24 bytes after the header\)/);
    throwsCk(() => parseSafetensors(withHeader({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [2], data_offsets: [12, 20] } }, new Uint8Array(20)), 'f.st'),
      /tensor 'b': data_offsets \[12, 20\] overlap tensor 'w' \(which ends at 16\)/);
    throwsCk(() => parseSafetensors(withHeader({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [2], data_offsets: [16, 24] } }), 'f.st'),
      /tensor 'w': shape \[2, 3\] of F32 needs 24 bytes, data_offsets \[0, 16\] give 16/);
    throwsCk(() => parseSafetensors(withHeader({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } }), 'f.st'), /8 trailing bytes after the last tensor's data/);
    throwsCk(() => parseSafetensors(withHeader({ w: { dtype: 'F32', shape: [2], data_offsets: [8, 16] }, b: { dtype: 'F32', shape: [2], data_offsets: [16, 24] } }), 'f.st'),
      /tensor 'w': data_offsets begin at 8, leaving bytes \[0, 8\) that belong to no tensor/);
    throwsCk(() => parseSafetensors(withHeader({ __metadata__: { a: 1 }, w: { dtype: 'F32', shape: [6], data_offsets: [0, 24] } }), 'f.st'), /__metadata__ must map strings to strings/);
    throwsCk(() => parseSafetensors(withHeader([1, 2]), 'f.st'), /header must begin with '\{'/);
  });
});

describe('Model.save / Model.load', () => {
  test('a directory round trip restores architecture, weights and predictions', async () => {
    const m = mlp();
    await m.fit(small, { epochs: 1, batchSize: 40, seed: 2 });
    const d = join(dir, 'rt');
    await m.save(d);
    const l = await Sequential.load(d);
    assert.ok(l instanceof Sequential);
    assert.deepEqual(l.layers.map((x) => [x.className, x.config()]), m.layers.map((x) => [x.className, x.config()]));
    assert.equal(await l.weightsSha256(), await m.weightsSha256());
    assert.deepEqual(l.predict(small.x.subarray(0, 784 * 5)), m.predict(small.x.subarray(0, 784 * 5)));
    m.dispose();
    l.dispose();
  });

  test('a crash at any stage of a save leaves the previous checkpoint loadable, and the next save cleans up', async () => {
    const m = mlp().build(undefined, { seed: 3 });
    for (const stage of ['weights', 'config', 'rename', 'latest'] as const) {
      const d = join(dir, `crash-${stage}`);
      await m.save(d);
      const before = await m.weightsSha256();
      m.setWeights(m.getWeights().map((w) => w.map((v) => v + 1)));
      const crashing = checkpointDir(d, { beforeStage: (s) => { if (s === stage) throw new Error(`simulated crash before ${s}`); } });
      await assert.rejects(m.save(crashing), /simulated crash/);
      const l = await Sequential.load(d);
      assert.equal(await l.weightsSha256(), before, `after a crash before '${stage}' the previous checkpoint loads`);
      l.dispose();
      await m.save(d);
      const after2 = await Sequential.load(d);
      assert.equal(await after2.weightsSha256(), await m.weightsSha256());
      after2.dispose();
      assert.deepEqual(readdirSync(d).filter((n) => n.startsWith('.tmp') || n.includes('.tmp-')), [], 'no temporary files left');
      assert.ok(readdirSync(d).filter((n) => n.startsWith('ckpt-')).length <= 2, 'keeps the newest two');
    }
    m.dispose();
  });

  test('two files that do not belong together are refused, naming the file', async () => {
    const a = mlp().build(undefined, { seed: 4 });
    const b = mlp().build(undefined, { seed: 5 });
    const da = join(dir, 'pair-a');
    const db = join(dir, 'pair-b');
    await a.save(da);
    await b.save(db);
    const ca = join(da, JSON.parse(readFileSync(join(da, 'latest'), 'utf8')).checkpoint);
    const cb = join(db, JSON.parse(readFileSync(join(db, 'latest'), 'utf8')).checkpoint);
    cpSync(join(cb, 'model.safetensors'), join(ca, 'model.safetensors'));
    await rejectsCk(Sequential.load(da), /model\.safetensors: SHA-256 [0-9a-f]{64} does not match [0-9a-f]{64} recorded in .*checkpoint\.json/);
    const w = readFileSync(join(cb, 'model.safetensors'));
    writeFileSync(join(cb, 'model.safetensors'), w.subarray(0, w.length - 100));
    await rejectsCk(Sequential.load(db), new RegExp(`model\\.safetensors: file is ${w.length - 100} bytes, .*checkpoint\\.json expects ${w.length}`));
    writeFileSync(join(cb, 'checkpoint.json'), '{"format": "gaaf-checkpoint", ');
    await rejectsCk(Sequential.load(db), /checkpoint\.json: SHA-256 .* does not match .* recorded in .*latest: the file is damaged/);
    await rejectsCk(Sequential.load(join(dir, 'nope')), /nope: no such checkpoint directory/);
    a.dispose();
    b.dispose();
  });

  test('shapes are checked against the architecture: the tensor, expected and actual are named', async () => {
    const h = memoryHandler('h');
    const m = new Sequential([new Dense(5), new Activation('tanh'), new Dense(3)], { inputShape: [4] }).build(undefined, { seed: 1 });
    await m.save(h);
    const cfg = JSON.parse(new TextDecoder().decode(h.saved[0].config));
    cfg.model.layers[0].config.units = 6;
    h.saved[0].config = new TextEncoder().encode(JSON.stringify(cfg));
    await rejectsCk(Sequential.load(h), /h\/model\.safetensors: tensor 'dense_1\/kernel': expected shape \[4, 6\] from the architecture, the file has \[4, 5\]/);
    cfg.model.layers[0].config.units = -1;
    h.saved[0].config = new TextEncoder().encode(JSON.stringify(cfg));
    await rejectsCk(Sequential.load(h), /h\/checkpoint\.json: model\.layers\[0\] \(Dense\): Dense units must be a positive integer, got -1/);
    cfg.model.layers[0].className = 'Conv9D';
    h.saved[0].config = new TextEncoder().encode(JSON.stringify(cfg));
    await rejectsCk(Sequential.load(h), /model\.layers\[0\] \(Conv9D\): checkpoint: unknown layer class 'Conv9D'/);
    cfg.model.layers[0] = { className: 'Dense', config: { units: 200000 } };
    cfg.model.layers[2] = { className: 'Dense', config: { units: 200000 } };
    cfg.model.layers.splice(2, 0, { className: 'Dense', config: { units: 200000 } });
    h.saved[0].config = new TextEncoder().encode(JSON.stringify(cfg));
    await assert.rejects(Sequential.load(h), (e: unknown) => e instanceof MemoryLimitError && /the model in h\/checkpoint\.json would need about [\d.]+ GiB of Wasm memory \([\d,]+ parameters/.test(e.message));
    const withOpt = memoryHandler('o');
    const sgd = new SGD({ lr: 0.1 });
    sgd.attach(m.params());
    await m.save(withOpt, { optimizer: sgd });
    sgd.dispose();
    const ocfg = JSON.parse(new TextDecoder().decode(withOpt.saved[0].config));
    ocfg.optimizer.config.lr = 0;
    withOpt.saved[0].config = new TextEncoder().encode(JSON.stringify(ocfg));
    await rejectsCk(Sequential.load(withOpt), /o\/checkpoint\.json: optimizer\.config: SGD learning rate must be a positive finite number, got 0/);
    ocfg.optimizer.config.lr = 0.1;
    ocfg.optimizer.state.iterations = -3;
    withOpt.saved[0].config = new TextEncoder().encode(JSON.stringify(ocfg));
    await rejectsCk(Sequential.load(withOpt), /optimizer\.state: SGD state 'iterations' must be an integer in \[0, 2\^53\), got -3/);
    h.saved[0].config = new TextEncoder().encode('{"format": "gaaf-checkpoint", "version": 3}');
    await rejectsCk(Sequential.load(h), /h\/checkpoint\.json: field 'version' must be 1 or 2 \(this gaaf reads versions 1 and 2\), got 3/);
    m.dispose();
  });
});

describe('training with checkpoints', () => {
  const opts = { epochs: 3, batchSize: 50, seed: 11 } as const;
  test('resuming from any checkpoint, mid-epoch or at an epoch end, gives the same bits as an uninterrupted run, the gradient information included', async () => {
    const a = mlp();
    const ha = await a.fit(small, { ...opts, optimizer: new Adam({ lr: 2e-3 }), callbacks: [new GradientInfo()] });
    const want = await a.weightsSha256();
    const h = memoryHandler();
    const b = mlp();
    await b.fit(small, { ...opts, optimizer: new Adam({ lr: 2e-3 }), callbacks: [new GradientInfo()], checkpoint: { to: h, everySteps: 3 } });
    assert.equal(await b.weightsSha256(), want, 'checkpointing does not change the run');
    assert.equal(h.saved.length, 10); // 8 steps an epoch: steps 3, 6, end 8, 9, 12, 15, end 16, 18, 21, end 24
    for (const k of [0, 2, 5, 9]) {
      const one = memoryHandler();
      one.saved.push(h.saved[k]);
      const r = await Sequential.loadCheckpoint(one);
      const hist = await r.model.fit(small, { resume: r, callbacks: [new GradientInfo()] });
      assert.equal(await r.model.weightsSha256(), want, `resumed from checkpoint ${k} (epoch ${r.training!.epoch}, batch ${r.training!.batch})`);
      assert.deepEqual(hist.epochs.map((e) => [e.loss, e.accuracy, e.gradInfo]), ha.epochs.map((e) => [e.loss, e.accuracy, e.gradInfo]));
      assert.ok(ha.gradInfo?.length === 3 && ha.epochs.every((e) => e.gradInfo?.length === 3));
      assert.deepEqual(hist.gradInfo, ha.gradInfo);
      r.model.dispose();
      r.optimizer!.dispose();
    }
    a.dispose();
    b.dispose();
  });

  test('SGD momentum resumes bit for bit too, and resuming on other data or another batch size is refused', async () => {
    const a = mlp();
    await a.fit(small, { ...opts, optimizer: new SGD({ lr: 0.05, momentum: 0.9 }) });
    const h = memoryHandler();
    const b = mlp();
    await b.fit(small, { ...opts, optimizer: new SGD({ lr: 0.05, momentum: 0.9 }), checkpoint: { to: h, everySteps: 5 } });
    const one = memoryHandler();
    one.saved.push(h.saved[1]);
    const r = await Sequential.loadCheckpoint(one);
    await assert.rejects(r.model.fit(small, { resume: r, batchSize: 40 }), /cannot resume: the checkpoint was trained with batch size 50, this run has 40/);
    await assert.rejects(r.model.fit(subset(train, { start: 1, end: 401 }), { resume: r }), /cannot resume: .* is not the data the checkpoint was trained on/);
    await assert.rejects(r.model.fit(subset(train, { start: 0, end: 300 }), { resume: r }), /number of training samples 400, this run has 300/);
    await r.model.fit(small, { resume: r });
    assert.equal(await r.model.weightsSha256(), await a.weightsSha256());
    for (const m of [a, b, r.model]) m.dispose();
  });

  test('divergence stops training, and the last good checkpoint stays finite and loads', async () => {
    const d = join(dir, 'diverge');
    const model = paperMlp({ hidden: [32], activation: 'relu' });
    const saved: number[] = [];
    let divergedAt = -1;
    await assert.rejects(
      model.fit(subset(train, { start: 0, end: 500 }), {
        epochs: 2, batchSize: 50, optimizer: new SGD({ lr: 1e12 }), seed: 1,
        checkpoint: { to: d, everySteps: 1, onSave: (c) => { saved.push(c.step); } },
      }),
      (e: unknown) => {
        assert.ok(e instanceof TrainingDivergedError, String(e));
        assert.match(e.message, /training diverged (at|by) epoch 1, step \d+/);
        assert.match(e.message, /lower learning rate/);
        divergedAt = e.step;
        return true;
      });
    assert.ok(existsSync(join(d, 'latest')), `a checkpoint was saved before the divergence (steps ${saved.join(', ')})`);
    const last = await Sequential.loadCheckpoint(d);
    assert.equal(last.training!.step, saved[saved.length - 1]);
    for (const w of last.model.getWeights()) assert.ok(w.every(Number.isFinite), 'the last checkpoint is finite');
    assert.ok(last.training!.step < divergedAt, `last checkpoint at step ${last.training!.step}, divergence at ${divergedAt}`);
    assert.equal(last.model.predict(small.x.subarray(0, 784)).length, 10);
    last.model.dispose();
    model.dispose();
  });
});

describe('what a checkpoint records', () => {
  const decode = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
  test('the builder and its options (paperMlp, svhnCnn, reducedVgg16), or null for plain layers, and a load gives them back', async () => {
    const h = memoryHandler();
    const m = paperMlp({ hidden: [8], dropout: 0.25, gaaf: { K: 100 } }).build(undefined, { seed: 1 });
    await m.save(h);
    assert.deepEqual(decode(h.saved[0].config).model.builder, { name: 'paperMlp', options: { hidden: [8], dropout: 0.25, gaaf: { K: 100 } } });
    const back = await Sequential.load(h);
    assert.deepEqual(back.builtBy, m.builtBy);
    const plain = new Sequential([new Dense(3)], { inputShape: [4] }).build();
    const hp = memoryHandler();
    await plain.save(hp);
    assert.equal(decode(hp.saved[0].config).model.builder, null);
    assert.equal((await Sequential.load(hp)).builtBy, null);
    assert.deepEqual(svhnCnn({ inputShape: [28, 28, 1], bn: true, filters: undefined }).builtBy, { name: 'svhnCnn', options: { inputShape: [28, 28, 1], bn: true } });
    assert.deepEqual(reducedVgg16({ classes: 100 }).builtBy, { name: 'reducedVgg16', options: { classes: 100 } });
    for (const x of [m, back, plain]) x.dispose();
  });

  test('a version-1 checkpoint (no builder; the gradient sums in training.epochGradSum and gradTotal) loads and resumes bit for bit', async () => {
    // made by gaaf at 47f0a0c, before checkpoints recorded builders and callback states (see expected.json)
    const fx = (f: string) => fileURLToPath(new URL(`./fixtures/checkpoint-v1/${f}`, import.meta.url));
    const want = JSON.parse(readFileSync(fx('expected.json'), 'utf8'));
    const bytes = { weights: readFileSync(fx('model.safetensors')), config: readFileSync(fx('checkpoint.json')), weightsName: 'v1/model.safetensors', configName: 'v1/checkpoint.json' };
    assert.equal(decode(bytes.config).version, 1);
    const r = await Sequential.loadCheckpoint({ description: 'v1', save: async () => { throw new Error('read-only'); }, load: async () => bytes });
    assert.equal(r.model.builtBy, null, 'a version-1 checkpoint has no builder: its layers are the architecture');
    assert.deepEqual(Object.keys(r.training!.callbacks), ['gradInfo']);
    assert.deepEqual(r.training!.callbacks.gradInfo, { epochSum: decode(bytes.config).training.epochGradSum, total: decode(bytes.config).training.gradTotal });
    const hist = await r.model.fit(subset(train, { start: 0, end: 200 }), { resume: r, callbacks: [new GradientInfo()] });
    assert.equal(await r.model.weightsSha256(), want.weightsSha256);
    assert.deepEqual(hist.epochs.map((e) => ({ loss: e.loss, accuracy: e.accuracy, gradInfo: e.gradInfo })), want.epochs);
    assert.deepEqual(hist.gradInfo, want.gradInfo);
    assert.deepEqual(hist.layers, want.layers);
    r.model.dispose();
  });

  test("a stateful callback resumes only from its own state: missing or malformed, it is refused", async () => {
    const h = memoryHandler();
    const m = mlp();
    await m.fit(small, { epochs: 1, batchSize: 50, seed: 1, checkpoint: { to: h, everySteps: 3 } });
    const r = await Sequential.loadCheckpoint(h);
    await assert.rejects(r.model.fit(small, { resume: r, callbacks: [new GradientInfo()] }),
      /resume: the checkpoint holds no state for the callback 'gradInfo' \(it was not attached when the checkpoint was saved\)/);
    r.training!.callbacks.gradInfo = { epochSum: [0], total: [0, 0, 0] };
    await assert.rejects(r.model.fit(small, { resume: r, callbacks: [new GradientInfo()] }), /GradientInfo state must be \{ epochSum, total \}, each a list of 3 finite numbers/);
    await assert.rejects(r.model.fit(small, { resume: r, callbacks: [new GradientInfo(), new GradientInfo()] }), /two callbacks keep state under the same key 'gradInfo'/);
    for (const x of [m, r.model]) x.dispose();
  });
});

describe('memory estimate', () => {
  test('a model too big for Wasm memory is refused before allocating, with the estimate', async () => {
    assert.throws(() => paperMlp({ hidden: [100000, 100000] }).build(), (e: unknown) => {
      assert.ok(e instanceof MemoryLimitError);
      assert.match(e.message, /this model would need about 75\.10 GiB of Wasm memory \(10,079,600,010 parameters with gradients 75\.10 GiB\)/);
      return true;
    });
    const m = paperMlp({ hidden: [3000, 3000, 3000] });
    const big = { ...train, count: 60000, x: new Float32Array(60000 * 784), y: new Int32Array(60000) };
    await assert.rejects(m.fit(big, { batchSize: 60000, optimizer: 'adam' }), (e: unknown) => {
      assert.ok(e instanceof MemoryLimitError);
      assert.match(e.message, /training this model would need about [\d.]+ GiB .*optimizer slots 155\.6 MiB \+ activations for batch 60000 on input \[784\] 12\.\d\d GiB/);
      return true;
    });
    m.dispose();
  });
});
