// Crafted checkpoints: files made to hurt the loader, not damaged by accident. Deep JSON is
// a typed error naming the file and byte (it used to overflow the stack), messages stay short
// whatever a field holds, every training field is checked against the data size, the batch
// size and the architecture at load time, weights holding NaN or Inf are refused at load as
// they are at save, and a `latest` that is not a small regular file is a typed error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  init,
  Adam, CheckpointError, GradientInfo, Sequential, encodeSafetensors, loadBundledDigits, memoryHandler, paperMlp, parseCheckpointConfig, parseSafetensors, subset,
} from '../src/node.js';
import { sha256Hex } from '../src/checkpoint/format.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

const root = mkdtempSync(join(tmpdir(), 'gaaf-crafted-'));
after(() => rmSync(root, { recursive: true, force: true }));
const small = subset(loadBundledDigits().train, { start: 0, end: 200 }); // batch 50: 4 batches an epoch
const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);

async function rejectsCk(p: Promise<unknown> | (() => unknown), re: RegExp): Promise<CheckpointError> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof CheckpointError, `expected a CheckpointError, got ${String(err)}`);
  assert.match(err.message, re);
  assert.ok(err.message.length < 400, `a short message (${err.message.length} characters)`);
  return err;
}

// A mid-epoch checkpoint with Adam and a finished epoch in its history: epoch 2, batch 2, step 6.
const h = memoryHandler('c');
{
  const m = paperMlp({ hidden: [8] });
  // with the gradient information attached, so its saved sums are in the training state too
  await m.fit(small, { epochs: 2, batchSize: 50, seed: 3, optimizer: new Adam(), callbacks: [new GradientInfo()], checkpoint: { to: h, everySteps: 3 } });
  m.dispose();
}
const base = h.saved.find((c) => { const t = JSON.parse(new TextDecoder().decode(c.config)).training; return t.epoch === 2 && t.batch === 2; })!;
const cfg0 = JSON.parse(new TextDecoder().decode(base.config));

/** A handler holding the checkpoint with checkpoint.json changed by `mut` (and the weights by `weights`, hash updated). */
async function crafted(mut: (c: typeof cfg0) => void, weights = base.weights): Promise<ReturnType<typeof memoryHandler>> {
  const c = structuredClone(cfg0);
  mut(c);
  if (weights !== base.weights) {
    c.weights.sha256 = await sha256Hex(weights);
    c.weights.bytes = weights.length;
  }
  const one = memoryHandler('crafted');
  one.saved.push({ weights, config: enc(c) });
  return one;
}

describe('deep JSON and huge values', () => {
  test('12 KB of nested brackets in checkpoint.json or a safetensors header is a CheckpointError at the byte, not a stack overflow', async () => {
    const text = `{"format":"gaaf-checkpoint","version":1,"weights":${deep(6000)}}`;
    await rejectsCk(() => parseCheckpointConfig(new TextEncoder().encode(text), 'x/checkpoint.json'),
      new RegExp(`^x/checkpoint\\.json: byte ${text.indexOf('[') + 63}: config nests arrays and objects deeper than 64 levels$`));
    const header = new TextEncoder().encode(`{"a":{"dtype":"F32","shape":${deep(6000)},"data_offsets":[0,0]}}`);
    const st = new Uint8Array(8 + header.length);
    new DataView(st.buffer).setUint32(0, header.length, true);
    st.set(header, 8);
    await rejectsCk(() => parseSafetensors(st, 'x/model.safetensors'), /^x\/model\.safetensors: byte 98: header nests arrays and objects deeper than 64 levels$/);
    // brackets inside strings do not count; nesting up to the limit parses
    assert.equal(parseSafetensors(encodeSafetensors([{ name: '[[[[{{{{'.repeat(100), shape: [1], data: Float32Array.of(1) }]), 'ok').tensors.size, 1);
    const header64 = (inner: number): Uint8Array => {
      const text = new TextEncoder().encode(`{"a":${deep(inner)}}`);
      return Uint8Array.from([...new Uint8Array(new BigUint64Array([BigInt(text.length)]).buffer), ...text]);
    };
    assert.throws(() => parseSafetensors(header64(63), 'y'), (e: unknown) => e instanceof CheckpointError && /header entry must be an object/.test(e.message), '64 levels parse');
    assert.throws(() => parseSafetensors(header64(64), 'y'), (e: unknown) => e instanceof CheckpointError && /byte 76: header nests arrays and objects deeper than 64 levels/.test(e.message), '65 do not');
  });

  test('a field holding a huge or deep value gives a short message', async () => {
    await rejectsCk(crafted((c) => { c.format = 'x'.repeat(1 << 20); }).then((one) => Sequential.load(one)), /field 'format' must be "gaaf-checkpoint", got "x{70,}\.\.\.$/);
    await rejectsCk(crafted((c) => { c.training.shuffle = Array.from({ length: 1e5 }, (_, i) => ({ i })); }).then((one) => Sequential.loadCheckpoint(one)),
      /field 'training\.shuffle' must be true or false, got \[\{"i":0\},\{"i":1\}/);
  });
});

describe('every training field is checked at load time', () => {
  const cases: Array<[string, (c: typeof cfg0) => void, RegExp]> = [
    ['batch beyond the epoch', (c) => { c.training.batch = 99; }, /field 'training\.batch' must be an integer in \[0, 3\] \(200 samples in batches of 50 make 4 per epoch\), got 99/],
    ['batch at the end of the epoch', (c) => { c.training.batch = 4; }, /field 'training\.batch' must be an integer in \[0, 3\]/],
    ['seed 2^40 (training and rng)', (c) => { c.training.seed = 2 ** 40; c.rng.seed = 2 ** 40; }, /field 'rng' must be null or \{seed, scheme\} with a seed in \[0, 2\^32\)/],
    ['seed 2^32 in training only', (c) => { c.training.seed = 2 ** 32; }, /field 'training\.seed' must be an integer in \[0, 2\^32\), got 4294967296/],
    ['rng.seed and training.seed differ', (c) => { c.rng.seed = 4; }, /field 'rng\.seed' must be training\.seed \(3\), got 4/],
    ['epoch beyond epochs + 1', (c) => { c.training.epoch = 4; }, /field 'training\.epoch' must be at most training\.epochs \+ 1 \(3\), got 4/],
    ['a batch after the last epoch', (c) => { c.training.epoch = 3; }, /field 'training\.batch' must be 0 after the last epoch \(training\.epoch 3 of 2\), got 2/],
    ['fewer steps than the position', (c) => { c.training.step = 5; c.optimizer.state.iterations = 5; }, /field 'training\.step' must be at least 6, the steps before epoch 2, batch 2/],
    ['history of another length', (c) => { c.training.history = []; }, /field 'training\.history' must be a list of the 1 finished epochs' logs, got \[\]/],
    ['history steps', (c) => { c.training.historySteps = 3; }, /field 'training\.historySteps' must be 4, the steps of the 1 finished epoch\(s\), got 3/],
    ['an epoch log of another epoch', (c) => { c.training.history[0].epoch = 2; }, /field 'training\.history\[0\]\.epoch' must be 1, got 2/],
    ['an epoch log of other steps', (c) => { c.training.history[0].steps = 3; }, /field 'training\.history\[0\]\.steps' must be 4/],
    ['an accuracy above 1', (c) => { c.training.history[0].accuracy = 1.5; }, /field 'training\.history\[0\]\.accuracy' must be a number in \[0, 1\], got 1\.5/],
    ['more correct than seen', (c) => { c.training.epochCorrect = 101; }, /field 'training\.epochCorrect' must be at most 100, the samples trained on so far this epoch, got 101/],
    ['a negative loss sum', (c) => { c.training.epochLossSum = -1; }, /field 'training\.epochLossSum' must be a finite number ≥ 0, got -1/],
    ['no samples', (c) => { c.training.dataCount = 0; }, /field 'training\.dataCount' must be an integer ≥ 1, got 0/],
    ['a data hash that is no hash', (c) => { c.training.dataSha256 = 'abc'; }, /field 'training\.dataSha256' must be a hex SHA-256, got "abc"/],
    ['an initial epoch at the last epoch', (c) => { c.training.initialEpoch = 2; }, /field 'training\.initialEpoch' must be an integer in \[0, 1\] \(below training\.epochs\), got 2/],
    ['an initial epoch that leaves the history too long', (c) => { c.training.initialEpoch = 1; }, /field 'training\.historySteps' must be 0, the steps of the 0 finished epoch\(s\), got 4/],
    ['a negative metric sum', (c) => { c.training.epochMetricSums = [-1]; }, /field 'training\.epochMetricSums' must be a list of finite numbers ≥ 0, got \[-1\]/],
    ['gradient sums of another architecture', (c) => { c.training.callbacks.gradInfo.total = [1, 2, 3]; }, /field 'training\.callbacks\.gradInfo\.total' must have one entry per Dense layer \(2\), got 3/],
    ['an epoch log of another architecture', (c) => { c.training.history[0].gradInfo = [1]; }, /field 'training\.history\[0\]\.gradInfo' must have one entry per Dense layer \(2\), got 1/],
  ];
  for (const [what, mut, re] of cases) {
    test(what, async () => {
      await rejectsCk(Sequential.loadCheckpoint(await crafted(mut)), new RegExp(`^crafted/checkpoint\\.json: ${re.source}`));
    });
  }

  test('the checkpoint it was crafted from loads and resumes', async () => {
    const r = await Sequential.loadCheckpoint(await crafted(() => {}));
    const hist = await r.model.fit(small, { resume: r });
    assert.deepEqual(hist.epochs.map((e) => [e.epoch, e.steps]), [[1, 4], [2, 4]]);
    r.model.dispose();
    r.optimizer!.dispose();
  });
});

describe('non-finite weights are refused at load', () => {
  const st = parseSafetensors(base.weights, 'w');
  for (const [tensor, value] of [['dense_1/kernel', NaN], ['dense_2/bias', -Infinity], ['optimizer/dense_1/kernel/v', Infinity]] as const) {
    test(`${value} in ${tensor}`, async () => {
      const t = st.tensors.get(tensor)!;
      const w = base.weights.slice();
      const at = t.offset! + 4 * 3;
      new DataView(w.buffer).setFloat32(at, value, true);
      await rejectsCk(Sequential.loadCheckpoint(await crafted(() => {}, w)),
        new RegExp(`^crafted/model\\.safetensors: byte ${at}: tensor '${tensor}' holds ${value} at element 3: gaaf never saves weights holding NaN or Inf`));
    });
  }
});

describe('a latest that is not a small regular file', () => {
  const dir = join(root, 'latest');
  const latest = join(dir, 'latest');
  const reset = (): void => {
    rmSync(latest, { recursive: true, force: true });
  };
  test('is a typed error naming it, never "missing", a hang or unbounded memory', async () => {
    const m = paperMlp({ hidden: [8] }).build(undefined, { seed: 1 });
    await m.save(dir);
    m.dispose();
    const good = (await import('node:fs')).readFileSync(latest);
    reset();
    writeFileSync(latest, Buffer.concat([good, Buffer.alloc(5000, 0x20)]));
    await rejectsCk(Sequential.load(dir), new RegExp(`^${latest}: byte 4096: file is ${good.length + 5000} bytes, over the cap of 4096 bytes$`));
    reset();
    mkdirSync(latest);
    await rejectsCk(Sequential.load(dir), new RegExp(`^${latest}: is a directory, not a regular file$`));
    reset();
    symlinkSync('/dev/zero', latest);
    await rejectsCk(Sequential.load(dir), new RegExp(`^${latest}: is a character device, not a regular file$`));
    reset();
    if (spawnSync('mkfifo', [latest]).status === 0) await rejectsCk(Sequential.load(dir), new RegExp(`^${latest}: is a named pipe \\(FIFO\\), not a regular file$`));
    reset();
    writeFileSync(latest, deep(2000));
    await rejectsCk(Sequential.load(dir), new RegExp(`^${latest}: byte 64: latest nests arrays and objects deeper than 64 levels$`));
    reset();
    writeFileSync(latest, good);
    (await Sequential.load(dir)).dispose();
  });
});
