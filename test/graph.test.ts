// Functional (graph) models: merge layers' gradients against finite differences, a two-input
// model and a shared layer trained, a checkpoint round trip with bit-exact resume, the same
// bits on 1 and 2 threads, and bad graphs refused naming the layers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Activation, Add, Concatenate, Conv2D, Dense, Flatten, Model, Multiply, Sequential, init, input, makeDataset, memoryHandler, setThreads } from '../src/index.js';
import { checkGradients, randomArray, randomLabels } from './helpers.js';

await init();

function twoInput(): Model {
  const img = input({ shape: [6, 6, 1], name: 'image' });
  const tab = input({ shape: [5], name: 'tabular' });
  const a = new Flatten().apply(new Activation('tanh').apply(new Conv2D(3, 3).apply(img)));
  const b = new Dense(4).apply(tab);
  const shared = new Dense(6);
  const h1 = shared.apply(new Concatenate().apply([a, b]));
  const h2 = shared.apply(new Dense(52).apply(tab)); // the shared layer, called twice
  const h = new Activation('tanh').apply(new Add().apply([h1, new Multiply().apply([h1, h2])]));
  return new Model({ inputs: [img, tab], outputs: new Dense(3).apply(h) });
}

test('merge layers, a shared layer and a two-input graph: gradients match central differences', () => {
  const m = twoInput().build(undefined, { seed: 3 });
  assert.deepEqual(m.inputShape, [41]);
  checkGradients('graph', m, randomArray(4 * 41, 1), randomLabels(4, 3, 2), false, 1e-2, 5e-4, 3e-2);
  assert.match(m.summary(), /dense_2 \(Dense\) shared\s+\[6\]\s+0\s+dense_3/);
  m.dispose();
});

test('Concatenate on a middle axis, and one tensor read twice (Add(x, x))', () => {
  const x = input({ shape: [2, 3, 2] });
  const y = input({ shape: [2, 1, 2] });
  const c = new Concatenate({ axis: 2 }).apply([x, y]);
  assert.deepEqual(c.shape, [2, 4, 2]);
  const out = new Dense(3).apply(new Flatten().apply(new Add().apply([c, c])));
  const m = new Model({ inputs: [x, y], outputs: out }).build(undefined, { seed: 1 });
  checkGradients('concat', m, randomArray(3 * 16, 4), randomLabels(3, 3, 5), false, 1e-2, 5e-4, 3e-2);
  m.dispose();
});

test('a two-input model trains, saves and resumes bit for bit; 1 and 2 threads give the same bits', async () => {
  const n = 96;
  const data = makeDataset(randomArray(n * 41, 9), randomLabels(n, 3, 8), [41], 3, 'mixed');
  const run = async (threads: number): Promise<string> => {
    setThreads(threads);
    const m = twoInput();
    await m.fit(data, { epochs: 3, batchSize: 16, seed: 5, optimizer: 'adam' });
    const h = await m.weightsSha256();
    m.dispose();
    return h;
  };
  const one = await run(1);
  assert.equal(await run(2), one);
  setThreads(1);
  const full = twoInput();
  const hist = await full.fit(data, { epochs: 3, batchSize: 16, seed: 5, optimizer: 'adam' });
  assert.ok(hist.epochs[2].loss < hist.epochs[0].loss, 'the loss falls');
  const store = memoryHandler();
  const part = twoInput();
  await part.fit(data, { epochs: 1, batchSize: 16, seed: 5, optimizer: 'adam', checkpoint: { to: store } });
  const r = await Model.loadCheckpoint(store);
  assert.ok(r.model.graphConfig(), 'the checkpoint records the graph');
  await r.model.fit(data, { epochs: 3, resume: r });
  assert.equal(await r.model.weightsSha256(), await full.weightsSha256());
  await assert.rejects(Sequential.load(store), /functional \(graph\) model: load it with Model.load/);
  for (const m of [full, part, r.model]) m.dispose();
});

test('bad graphs are refused, naming the layers', () => {
  const x = input({ shape: [4], name: 'a' });
  const z = input({ shape: [3], name: 'b' });
  assert.throws(() => new Add().apply([x, z]), /Add.apply on input 'a' \[4\], input 'b' \[3\]: .*needs inputs of one shape/);
  assert.throws(() => new Model({ inputs: [x, z], outputs: new Dense(2).apply(x) }), /input 'b' is not connected to any output/);
  assert.throws(() => new Model({ inputs: x, outputs: new Dense(2).apply(new Concatenate().apply([x, z])) }), /disconnected: .*input 'b', which is not one of the model's inputs/);
  assert.throws(() => new Dense(2).apply(new Conv2D(2, 3).apply(input({ shape: [5, 5, 1] }))), /Dense.apply on the output of Conv2D \[3, 3, 2\]: .*expects a flat input/);
  const d = new Dense(3);
  const t = d.apply(x);
  const img = input({ shape: [5] });
  assert.throws(() => new Model({ inputs: [x, img], outputs: new Add().apply([t, d.apply(img)]) }).build(), /'dense_1' \(Dense\) is shared, so every call needs the inputs of its first, \[4\]; got \[5\]/);
  const m = new Model({ inputs: x, outputs: new Dense(2).apply(t) });
  const g = m.graphConfig()!;
  g.nodes[0].inputs = [2];
  assert.throws(() => new Model(m.layers, { graph: g }), /'dense_1' \(Dense\) \(nodes\[0\]\) reads the output of 'dense_2' \(Dense\), made later: the graph has a cycle/);
  assert.throws(() => new Model({ inputs: x, outputs: t }).add(new Dense(1)), /functional model is defined by its inputs and outputs/);
});

test('the residual CNN builds, trains and reloads from its checkpoint', async () => {
  const { residualCnn } = await import('../src/index.js');
  const n = 32;
  const data = makeDataset(randomArray(n * 64, 11), randomLabels(n, 4, 12), [8, 8, 1], 4, 'tiny');
  const m = residualCnn({ inputShape: [8, 8, 1], classes: 4, filters: [4, 8], gaaf: true });
  const h = await m.fit(data, { epochs: 2, batchSize: 8, seed: 1 });
  assert.ok(Number.isFinite(h.epochs[1].loss));
  assert.match(m.summary(), /add_2 \(Add\)\s+\[4, 4, 8\]\s+0\s+batchnorm_\d+, batchnorm_\d+/);
  assert.match(m.summary(), /globalaveragepooling2d_1 \(GlobalAveragePooling2D\)\s+\[8\]/);
  const store = memoryHandler();
  await m.save(store);
  const back = await Model.load(store);
  assert.equal(back.builtBy?.name, 'residualCnn');
  assert.deepEqual(back.predict(data.x), m.predict(data.x));
  m.dispose();
  back.dispose();
});
