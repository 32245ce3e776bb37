// The optimizers' learning rate (settable, checked on every set), the schedules (Keras's
// formulas, the step they see, the check of every value before an update), applyGradients (by
// parameter name: every check before anything is written, unnamed parameters untouched) and
// layer.trainable (a frozen layer's weights stay bit for bit, a frozen BatchNorm runs in
// inference mode, unfreezing trains again).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Activation, Adam, BatchNorm, Dense, SGD, Sequential, cosineDecay, exponentialDecay, init, makeDataset, makeOptimizer, makeParam, type LearningRate,
} from '../src/index.js';

await init();

const f32 = Math.fround;
// 60 samples of 6 features, 3 classes; batch 20: 3 steps an epoch
const DATA = makeDataset(Float32Array.from({ length: 360 }, (_, i) => Math.sin(i * 0.7) * 0.8), Int32Array.from({ length: 60 }, (_, i) => (i * 7) % 3), [6], 3, 'toy');

/** An SGD without momentum on one parameter: from zeros, a step with gradient 1 leaves w = −fround(lr) exactly. */
function probe(lr: LearningRate, n = 2) {
  const p = makeParam('probe', 'w', [n], 0);
  const opt = new SGD({ lr, momentum: 0 });
  opt.attach([p]);
  const step = (): number => {
    p.value.fill(0);
    opt.applyGradients({ 'probe/w': new Float32Array(n).fill(1) });
    return -p.value.read()[0]; // the float32 lr used
  };
  return { p, opt, step, dispose: () => { opt.dispose(); p.value.free(); p.grad.free(); } };
}

describe('learning rate', () => {
  test('lr is settable, checked as the constructor checks it, and what config() reports', () => {
    const o = new SGD({ lr: 0.1 });
    o.lr = o.lr * 0.5;
    assert.equal(o.lr, 0.05);
    assert.equal(o.config().lr, 0.05);
    assert.throws(() => { o.lr = 0; }, /SGD learning rate must be a positive finite number, got 0/);
    assert.throws(() => { o.lr = NaN; }, /SGD learning rate must be a positive finite number, got NaN/);
    assert.throws(() => { o.lr = 1e-50; }, /SGD learning rate = 1e-50 is below float32's smallest normal number/);
    assert.equal(o.lr, 0.05, 'a refused value leaves the rate as it was');
    const a = makeOptimizer('adam', { lr: 0.002 });
    a.lr = 0.003;
    assert.equal(a.config().lr, 0.003);
    assert.throws(() => new Adam({ lr: -1 }), /Adam learning rate must be a positive finite number, got -1/);
  });

  test('the new rate is the one the next update uses', () => {
    const pr = probe(0.25);
    assert.equal(pr.step(), 0.25);
    pr.opt.lr = 0.125;
    assert.equal(pr.step(), 0.125);
    pr.dispose();
  });

  test("exponentialDecay and cosineDecay follow Keras's formulas", () => {
    const e = exponentialDecay({ initialLr: 0.1, decaySteps: 10, decayRate: 0.5 });
    assert.deepEqual([0, 10, 20].map((s) => e.at(s)), [0.1, 0.05, 0.025]);
    assert.ok(Math.abs(e.at(5) - 0.07071067811865475) < 1e-16, `continuous between: ${e.at(5)}`);
    const st = exponentialDecay({ initialLr: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
    assert.deepEqual([0, 9, 10, 19, 20].map((s) => st.at(s)), [0.1, 0.1, 0.05, 0.05, 0.025]);
    const c = cosineDecay({ initialLr: 0.1, decaySteps: 100 });
    assert.equal(c.at(0), 0.1);
    assert.ok(Math.abs(c.at(50) - 0.05) < 1e-17);
    assert.equal(c.at(100), 0);
    assert.equal(c.at(150), 0, 'the step is capped at decaySteps');
    const ca = cosineDecay({ initialLr: 0.1, decaySteps: 100, alpha: 0.1 });
    assert.ok(Math.abs(ca.at(100) - 0.01) < 1e-17);
    // warm-up from 0.02 to 0.1 over 10 steps, then cosine from 0.1 over 100
    const w = cosineDecay({ initialLr: 0.02, decaySteps: 100, warmupSteps: 10, warmupTarget: 0.1, alpha: 0.2 });
    assert.deepEqual([0, 10].map((s) => w.at(s)), [0.02, 0.1]);
    assert.ok(Math.abs(w.at(5) - 0.06) < 1e-17);
    assert.ok(Math.abs(w.at(60) - 0.1 * (0.8 * 0.5 + 0.2)) < 1e-17);
    assert.ok(Math.abs(w.at(500) - 0.02) < 1e-17);
    assert.deepEqual(w.config(), { schedule: 'cosineDecay', initialLr: 0.02, decaySteps: 100, alpha: 0.2, warmupSteps: 10, warmupTarget: 0.1 });
    assert.deepEqual(st.config(), { schedule: 'exponentialDecay', initialLr: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
  });

  test('bad schedule options are refused, naming the option', () => {
    assert.throws(() => exponentialDecay({ initialLr: 0.1, decaySteps: 0, decayRate: 0.5 }), /exponentialDecay: decaySteps must be a positive finite number, got 0/);
    assert.throws(() => exponentialDecay({ initialLr: 0.1, decaySteps: 10, decayRate: 0.5, stairs: true } as never), /exponentialDecay has no option 'stairs'/);
    assert.throws(() => cosineDecay({ initialLr: 0.1, decaySteps: 10, alpha: 2 }), /cosineDecay: alpha must be in \[0, 1\], got 2/);
    assert.throws(() => cosineDecay({ initialLr: 0.1, decaySteps: 10, warmupSteps: 5 }), /warmupSteps 5 needs warmupTarget/);
    assert.throws(() => cosineDecay({ initialLr: 0, decaySteps: 10 }), /cosineDecay: initialLr must be a positive finite number, got 0/);
    assert.throws(() => cosineDecay({ initialLr: 0, decaySteps: 10, warmupSteps: 2, warmupTarget: 0.1 }), /initialLr 0 would make the first update's learning rate 0, which the optimizers refuse/);
  });

  test('a schedule sees the step before the update (0 first); its value is checked before any update', () => {
    const seen: number[] = [];
    const pr = probe((s: number) => { seen.push(s); return s === 2 ? NaN : 0.5 / (s + 1); });
    assert.equal(pr.step(), 0.5);
    assert.equal(pr.step(), 0.25);
    assert.deepEqual(seen, [0, 1]);
    pr.p.value.fill(3);
    const before = pr.p.value.read();
    assert.throws(() => pr.opt.step(), /SGD: the learning-rate schedule \(a function of the step\) at step 2 must be a positive finite number, got NaN/);
    assert.throws(() => pr.opt.applyGradients({ 'probe/w': Float32Array.of(1, 1) }), /at step 2 must be a positive finite number, got NaN/);
    assert.deepEqual(pr.p.value.read(), before, 'nothing was updated');
    assert.equal(pr.opt.iterations, 2);
    assert.throws(() => pr.opt.lr, /at step 2 must be a positive finite number, got NaN/);
    pr.dispose();
    for (const [lr, re] of [
      [() => 0, /at step 0 must be a positive finite number, got 0/],
      [() => -0.1, /at step 0 must be a positive finite number, got -0\.1/],
      [() => 1e-45, /at step 0 = 1e-45 is below float32's smallest normal number/],
      [() => 1e39, /at step 0 = 1e\+39 is beyond float32's range/],
      [() => 'fast' as unknown as number, /at step 0 must be a positive finite number, got fast/],
      [cosineDecay({ initialLr: 0.1, decaySteps: 1 }), /\(cosineDecay\) at step 0 must be a positive finite number, got 0|at step 1/],
    ] as const) {
      const q = probe(lr);
      if (typeof lr !== 'function') q.step(); // cosineDecay: 0.1 at step 0, 0 at step 1
      assert.throws(() => q.step(), re as RegExp);
      q.dispose();
    }
  });

  test("a named schedule's values are the ones used, step by step; setting lr under a schedule is refused", () => {
    const sched = exponentialDecay({ initialLr: 0.5, decaySteps: 2, decayRate: 0.5 });
    const pr = probe(sched);
    for (let s = 0; s < 5; s++) {
      assert.equal(pr.opt.lr, sched.at(s));
      assert.equal(pr.step(), f32(sched.at(s)), `step ${s}`);
    }
    assert.throws(() => { pr.opt.lr = 0.1; }, /SGD: the learning rate follows a schedule \(exponentialDecay\), so it cannot be set/);
    assert.deepEqual(pr.opt.config().lr, sched.config());
    assert.deepEqual(new Adam({ lr: (s) => 1 / (s + 10) }).config().lr, { schedule: 'function' });
    pr.dispose();
  });
});

describe('applyGradients', () => {
  test('updates the named parameters by one step, as step() after a backward pass would; the others are untouched', async () => {
    const build = () => new Sequential([new Dense(4), new Activation('tanh'), new Dense(3)], { inputShape: [6] }).build(undefined, { seed: 3 });
    const a = build();
    const b = build();
    const oa = new Adam({ lr: 0.01 });
    const ob = new Adam({ lr: 0.01 });
    oa.attach(a.params());
    ob.attach(b.params());
    const x = DATA.x.subarray(0, 60);
    const y = DATA.y.subarray(0, 10);
    for (let k = 0; k < 3; k++) {
      const g = a.lossAndGradients(x, y);
      a.params().forEach((p, i) => p.grad.write(g.grads[i]));
      oa.step();
      const gb = b.lossAndGradients(x, y);
      ob.applyGradients(Object.fromEntries(b.params().map((p, i) => [p.name, gb.grads[i]])));
    }
    assert.equal(await b.weightsSha256(), await a.weightsSha256(), 'applyGradients of every gradient is step()');
    // one parameter named (a Map): only it moves; the iteration count advances once
    const before = b.getWeights();
    const kernel = b.params()[2];
    ob.applyGradients(new Map([[kernel.name, new Float32Array(kernel.value.length).fill(0.5)]]));
    const after = b.getWeights();
    assert.equal(ob.iterations, 4);
    b.params().forEach((p, i) => (p === kernel ? assert.notDeepEqual(after[i], before[i]) : assert.deepEqual(after[i], before[i], `${p.name} untouched`)));
    for (const m of [a, b]) m.dispose();
    oa.dispose();
    ob.dispose();
  });

  test('every name, length and value is checked before anything is written', () => {
    const m = new Sequential([new Dense(2)], { inputShape: [3] }).build(undefined, { seed: 1 });
    const o = new SGD({ lr: 0.1 });
    assert.throws(() => o.applyGradients({ 'dense_1/kernel': new Float32Array(6) }), /SGD\.applyGradients: the optimizer is not attached to any parameters: call optimizer\.attach\(model\.params\(\)\) first/);
    o.attach(m.params());
    const before = m.getWeights();
    const good = new Float32Array(6).fill(1);
    assert.throws(() => o.applyGradients({ 'dense_1/kernel': good, 'dense_9/kernel': good }), /unknown parameter 'dense_9\/kernel' \(the optimizer's parameters: dense_1\/kernel, dense_1\/bias\)/);
    assert.throws(() => o.applyGradients({ 'dense_1/kernel': good, 'dense_1/bias': new Float32Array(3) }), /the gradient of 'dense_1\/bias' has 3 values, the parameter's shape \[2\] holds 2/);
    assert.throws(() => o.applyGradients({ 'dense_1/kernel': Float32Array.from([0, 1, 2, Infinity, NaN, 0]) }), /the gradient of 'dense_1\/kernel' holds Infinity at index 3: gradients must be finite/);
    assert.throws(() => o.applyGradients({ 'dense_1/kernel': [1, 2, 3, 4, 5, 6] as never }), /the gradient of 'dense_1\/kernel' must be a Float32Array, got object/);
    assert.throws(() => o.applyGradients({}), /no gradients given/);
    assert.throws(() => o.applyGradients([good] as never), /takes gradients by parameter name/);
    assert.deepEqual(m.getWeights(), before);
    assert.equal(o.iterations, 0);
    m.layers[0].trainable = false; // a frozen layer's gradients are checked, then skipped, as in step()
    assert.throws(() => o.applyGradients({ 'dense_1/bias': Float32Array.of(1, NaN) }), /the gradient of 'dense_1\/bias' holds NaN at index 1/);
    o.applyGradients({ 'dense_1/kernel': good, 'dense_1/bias': Float32Array.of(1, 1) });
    assert.deepEqual(m.getWeights(), before);
    assert.equal(o.iterations, 1);
    m.dispose();
    o.dispose();
  });
});

describe('layer.trainable', () => {
  const fitOpts = { epochs: 2, batchSize: 20, seed: 5 } as const;
  test("a frozen layer's weights stay bit for bit through fit while the others change; unfreezing trains it again", async () => {
    const m = new Sequential([new Dense(8), new Activation('tanh'), new Dense(5), new Activation('relu'), new Dense(3)], { inputShape: [6] });
    m.build(undefined, { seed: 2 });
    assert.equal(m.layers[2].trainable, true, 'trainable by default');
    m.layers[2].trainable = false;
    const w0 = m.getWeights();
    await m.fit(DATA, { ...fitOpts, optimizer: new Adam({ lr: 0.01 }) });
    const w1 = m.getWeights();
    assert.deepEqual(w1[2], w0[2], 'frozen kernel');
    assert.deepEqual(w1[3], w0[3], 'frozen bias');
    for (const i of [0, 1, 4, 5]) assert.notDeepEqual(w1[i], w0[i], `param ${i} trained`);
    m.layers[2].trainable = true;
    await m.fit(DATA, { ...fitOpts, optimizer: new Adam({ lr: 0.01 }) });
    assert.notDeepEqual(m.getWeights()[2], w0[2], 'unfrozen, it trains');
    assert.throws(() => { (m.layers[0] as { trainable: unknown }).trainable = 'no'; }, /layer 'dense_1' \(Dense\): trainable must be true or false, got no/);
    m.dispose();
  });

  test('frozen before it is built, a layer is frozen too', async () => {
    const d = new Dense(4);
    d.trainable = false;
    const m = new Sequential([d, new Activation('tanh'), new Dense(3)], { inputShape: [6] }).build(undefined, { seed: 4 });
    const w0 = m.getWeights();
    await m.fit(DATA, { ...fitOpts, optimizer: new SGD({ lr: 0.1 }) });
    const w1 = m.getWeights();
    assert.deepEqual(w1.slice(0, 2), w0.slice(0, 2));
    assert.notDeepEqual(w1[2], w0[2]);
    m.dispose();
  });

  test('a frozen BatchNorm runs in inference mode: its γ, β and moving statistics stay as they are', async () => {
    const m = new Sequential([new Dense(8), new BatchNorm(), new Activation('relu'), new Dense(3)], { inputShape: [6] }).build(undefined, { seed: 6 });
    await m.fit(DATA, { ...fitOpts, epochs: 1, optimizer: new Adam({ lr: 0.01 }) }); // moving statistics away from 0 and 1
    const bn = m.layers[1];
    bn.trainable = false;
    const state = () => [...bn.params(), ...bn.stateTensors()].map((t) => t.value.read());
    const s0 = state();
    const dense0 = m.getWeights()[0];
    await m.fit(DATA, { ...fitOpts, optimizer: new Adam({ lr: 0.01 }) });
    assert.deepEqual(state(), s0, 'γ, β, moving mean and variance unchanged');
    assert.notDeepEqual(m.getWeights()[0], dense0, 'the Dense below it trains, through it');
    bn.trainable = true;
    await m.fit(DATA, { ...fitOpts, epochs: 1, optimizer: new Adam({ lr: 0.01 }) });
    const s1 = state();
    s1.forEach((t, i) => assert.notDeepEqual(t, s0[i], `BatchNorm tensor ${i} trains again`));
    m.dispose();
  });
});
