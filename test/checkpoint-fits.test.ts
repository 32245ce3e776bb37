// Checkpoints across repeated fit calls (the same optimizer, a new one, the default one): every
// checkpoint loads, and resuming from one in the middle of a later fit gives the bits of the run
// that was never interrupted (the model's global step and the optimizer's own iterations are
// two states, each restored). Learning-rate schedules and a learning rate set while training
// resume bit for bit too; a function schedule needs its function again. Layers' trainable
// flags are saved and restored.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Adam, CheckpointError, Dense, SGD, Sequential, cosineDecay, exponentialDecay, init, loadBundledDigits, memoryHandler, paperMlp, subset,
  type Callback, type CheckpointBytes, type LearningRate, type TrainingRun,
} from '../src/node.js';

await init();

const small = subset(loadBundledDigits().train, { start: 0, end: 400 }); // batch 50: 8 steps an epoch
const mlp = () => paperMlp({ hidden: [24, 12], dropout: 0.25, gaaf: true });
const decode = (c: CheckpointBytes) => JSON.parse(new TextDecoder().decode(c.config));
const only = (c: CheckpointBytes) => {
  const h = memoryHandler();
  h.saved.push(c);
  return h;
};

/** Resumes from `c` to the end of its run; returns the weights' SHA-256. */
async function resumeFrom(c: CheckpointBytes, opts: { lr?: (s: number) => number } = {}, callbacks: Callback[] = []): Promise<string> {
  const r = await Sequential.loadCheckpoint(only(c), opts);
  await r.model.fit(small, { resume: r, callbacks });
  const sha = await r.model.weightsSha256();
  r.model.dispose();
  r.optimizer!.dispose();
  return sha;
}

describe('repeated fit calls', () => {
  test('fit A (sgd), B (the same optimizer), C (a new Adam), D (the default): every checkpoint loads, and C and D resume bit for bit', async () => {
    const m = mlp();
    const sgd = new SGD({ lr: 0.05 });
    const runs: Array<{ name: string; opts: Record<string, unknown> }> = [
      { name: 'A', opts: { optimizer: sgd } },
      { name: 'B', opts: { optimizer: sgd } },
      { name: 'C', opts: { optimizer: new Adam({ lr: 2e-3 }), epochs: 2 } },
      { name: 'D', opts: { epochs: 2 } },
    ];
    const saved: Record<string, CheckpointBytes[]> = {};
    const after: Record<string, string> = {};
    for (const { name, opts } of runs) {
      const h = memoryHandler(name);
      await m.fit(small, { epochs: 1, batchSize: 50, seed: 9, ...opts, checkpoint: { to: h, everySteps: 3 } });
      saved[name] = h.saved;
      after[name] = await m.weightsSha256();
    }
    // the global step goes on (8, 16, 32, 48) while C's and D's optimizers start at 0
    const last = (n: string) => decode(saved[n].at(-1)!);
    assert.deepEqual(['A', 'B', 'C', 'D'].map((n) => [last(n).training.step, last(n).optimizer.state.iterations]), [[8, 8], [16, 16], [32, 16], [48, 16]]);
    for (const [name, list] of Object.entries(saved)) {
      for (const [k, c] of list.entries()) {
        const l = await Sequential.load(only(c));
        l.dispose();
        const r = await Sequential.loadCheckpoint(only(c));
        assert.equal(r.model.step, decode(c).training.step, `fit ${name}, checkpoint ${k}: the model's step`);
        assert.equal(r.optimizer!.iterations, decode(c).optimizer.state.iterations);
        r.model.dispose();
        r.optimizer!.dispose();
      }
    }
    // mid-run (everySteps counts the model's global step): C at its step 5 (global 21: epoch 1,
    // batch 5), D at its step 10 (global 42: epoch 2, batch 2)
    const mid = (n: string, step: number) => saved[n].find((c) => decode(c).optimizer.state.iterations === step)!;
    assert.deepEqual([mid('C', 5), mid('D', 10)].map((c) => [decode(c).training.step, decode(c).training.epoch, decode(c).training.batch]), [[21, 1, 5], [42, 2, 2]]);
    assert.equal(decode(mid('D', 10)).optimizer.config.name, 'sgd');
    assert.equal(await resumeFrom(mid('C', 5)), after.C, 'C resumed from its step 5');
    assert.equal(await resumeFrom(mid('D', 10)), after.D, 'D resumed from its step 10');
    assert.notEqual(after.C, after.D);
    m.dispose();
  });
});

describe('learning rates in checkpoints', () => {
  const opts = { epochs: 3, batchSize: 50, seed: 4 } as const;
  /** Trains with `lr` uninterrupted and with checkpoints; checks each resumes to the same bits; returns the checkpoints. */
  async function roundTrip(lr: () => LearningRate, what: string, load: { lr?: (s: number) => number } = {}, callbacks: () => Callback[] = () => []): Promise<CheckpointBytes[]> {
    const a = mlp();
    await a.fit(small, { ...opts, optimizer: new Adam({ lr: lr() }), callbacks: callbacks() });
    const want = await a.weightsSha256();
    const h = memoryHandler();
    const b = mlp();
    await b.fit(small, { ...opts, optimizer: new Adam({ lr: lr() }), callbacks: callbacks(), checkpoint: { to: h, everySteps: 5 } });
    assert.equal(await b.weightsSha256(), want);
    for (const k of [0, 3, 5]) { // steps 5 (epoch 1), 15 (epoch 2), 20 (epoch 3)
      const t = decode(h.saved[k]).training;
      assert.equal(await resumeFrom(h.saved[k], load, callbacks()), want, `${what}: resumed from epoch ${t.epoch}, batch ${t.batch}`);
    }
    const c = mlp();
    await c.fit(small, { ...opts, optimizer: new Adam({ lr: 1e-3 }) });
    assert.notEqual(await c.weightsSha256(), want, `${what} is not the constant rate`);
    for (const m of [a, b, c]) m.dispose();
    return h.saved;
  }

  test('exponentialDecay and cosineDecay (with warm-up) are saved as their config and resume bit for bit', async () => {
    const exp = () => exponentialDecay({ initialLr: 3e-3, decaySteps: 4, decayRate: 0.7, staircase: true });
    const cos = () => cosineDecay({ initialLr: 1e-4, decaySteps: 20, alpha: 0.05, warmupSteps: 5, warmupTarget: 4e-3 });
    const se = await roundTrip(exp, 'exponentialDecay');
    assert.deepEqual(decode(se[0]).optimizer.config.lr, exp().config());
    const sc = await roundTrip(cos, 'cosineDecay');
    assert.deepEqual(decode(sc[0]).optimizer.config.lr, { schedule: 'cosineDecay', initialLr: 1e-4, decaySteps: 20, alpha: 0.05, warmupSteps: 5, warmupTarget: 4e-3 });
    const r = await Sequential.loadCheckpoint(only(sc[3]));
    assert.deepEqual((r.optimizer!.schedule as { config(): unknown }).config(), cos().config());
    r.model.dispose();
    r.optimizer!.dispose();
  });

  test('a function schedule is recorded as one, and resuming needs the function again', async () => {
    const fn = (s: number) => 2e-3 / (1 + 0.1 * s);
    const saved = await roundTrip(() => fn, 'a function', { lr: fn });
    assert.deepEqual(decode(saved[2]).optimizer.config.lr, { schedule: 'function' });
    await assert.rejects(Sequential.loadCheckpoint(only(saved[2])), (e: unknown) => e instanceof CheckpointError &&
      /checkpoint\.json: optimizer\.config: lr: the learning rate was a function of the step, which a checkpoint cannot hold: pass the same function again, Sequential\.loadCheckpoint\(target, \{ lr: yourFunction \}\)/.test(e.message));
    const l = await Sequential.load(only(saved[2])); // the weights need no function
    l.dispose();
    const exp = memoryHandler();
    const m = mlp();
    await m.fit(small, { epochs: 1, batchSize: 50, optimizer: new Adam({ lr: exponentialDecay({ initialLr: 1e-3, decaySteps: 5, decayRate: 0.5 }) }), checkpoint: { to: exp } });
    await assert.rejects(Sequential.loadCheckpoint(exp, { lr: fn }), /the option lr \(a function\) is for a checkpoint whose learning rate was a function; this one's is the schedule 'exponentialDecay'/);
    await assert.rejects(Sequential.loadCheckpoint(exp, { lr: 0.1 } as never), /loadCheckpoint: lr must be the learning-rate function \(step\) => lr, got 0\.1/);
    await assert.rejects(Sequential.loadCheckpoint(exp, { lrs: fn } as never), /loadCheckpoint: unknown option 'lrs'/);
    const bare = memoryHandler('bare');
    await m.save(bare);
    await assert.rejects(Sequential.loadCheckpoint(bare, { lr: fn }), /bare\/checkpoint\.json: the option lr \(a learning-rate function\) was given, but the checkpoint holds no optimizer/);
    m.dispose();
  });

  test('a learning rate set while training (halved after epoch 1, as ReduceLROnPlateau does) is saved and resumes bit for bit', async () => {
    // the run is the last argument of onEpochEnd in both the old and the TF.js callback signatures
    const halve = (): Callback[] => [{ onEpochEnd: (...a: unknown[]) => {
      const run = a.at(-1) as TrainingRun;
      if (run.history.epochs.length === 1) run.optimizer.lr = run.optimizer.lr * 0.5;
    } } as Callback];
    const saved = await roundTrip(() => 2e-3, 'halved after epoch 1', {}, halve);
    assert.deepEqual(saved.map((c) => decode(c).optimizer.config.lr), [2e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3], 'the epoch-1 end checkpoint has the halved rate');
  });
});

describe('trainable in checkpoints', () => {
  test("each layer's flag is saved and restored; a checkpoint without it loads trainable; a bad one is refused", async () => {
    const m = new Sequential([new Dense(6), new Dense(4), new Dense(10)], { inputShape: [784] }).build(undefined, { seed: 3 });
    m.layers[1].trainable = false;
    const h = memoryHandler('t');
    await m.save(h);
    const cfg = decode(h.saved[0]);
    assert.deepEqual(cfg.model.layers.map((l: { trainable: boolean }) => l.trainable), [true, false, true]);
    const l = await Sequential.load(h);
    assert.deepEqual(l.layers.map((x) => x.trainable), [true, false, true]);
    const w0 = l.getWeights();
    await l.fit(small, { epochs: 1, batchSize: 50, optimizer: new SGD({ lr: 0.05 }) });
    assert.deepEqual(l.getWeights().slice(2, 4), w0.slice(2, 4), 'still frozen after loading');
    assert.notDeepEqual(l.getWeights()[0], w0[0]);
    for (const layer of cfg.model.layers) delete layer.trainable; // as checkpoints before the flag
    h.saved[0].config = new TextEncoder().encode(JSON.stringify(cfg));
    const old = await Sequential.load(h);
    assert.deepEqual(old.layers.map((x) => x.trainable), [true, true, true]);
    cfg.model.layers[2].trainable = 'no';
    h.saved[0].config = new TextEncoder().encode(JSON.stringify(cfg));
    await assert.rejects(Sequential.load(h), (e: unknown) => e instanceof CheckpointError && /t\/checkpoint\.json: field 'model\.layers\[2\]\.trainable' must be true or false, got "no"/.test(e.message));
    for (const x of [m, l, old]) x.dispose();
  });
});
