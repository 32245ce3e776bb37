// gaaf/worker's model transport without a browser: what createTrainer sends (modelSource), through
// structured clone as postMessage does, and what the worker makes of it (modelFromSource), must
// train to the very bits of the model it came from: unbuilt (layer configs, fit builds from the
// seed), several outputs with their losses, built with a compiled optimizer that has stepped
// (its slots go along). Logs keep TF.js's aliases across the clone; errors keep their fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Activation, Adam, Dense, Model, Sequential, TrainingDivergedError, init, input, makeMultiOutputDataset, paperMlp, subset,
} from '../src/index.js';
import { loadBundledDigits } from '../src/node.js';
import { type ModelInput, modelFromSource, modelSource, modelSpec } from '../src/worker/describe.js';
import { encodeError, packLogs, unpackLogs } from '../src/worker/protocol.js';

await init();
const { train } = loadBundledDigits();
const small = subset(train, { start: 0, end: 600 });
const FIT = { epochs: 2, batchSize: 50, lr: 0.05, seed: 4 } as const;

/** The model as the worker gets it: sent, cloned, rebuilt. */
async function shipped(m: ModelInput): Promise<Model> {
  const { source } = await modelSource(m, false);
  return modelFromSource(structuredClone(source));
}

test('an unbuilt model goes as its layers\' configs and trains to the same bits there', async () => {
  const spec = modelSpec(paperMlp({ gaaf: true, hidden: [32] }));
  assert.deepEqual(spec.layers.map((l) => l.className), ['Dense', 'Activation', 'Dense']);
  assert.deepEqual([spec.inputShape, spec.builder?.name], [[784], 'paperMlp']);
  const here = paperMlp({ gaaf: true, hidden: [32] });
  const there = await shipped(paperMlp({ gaaf: true, hidden: [32] }));
  assert.equal(there.builtBy?.name, 'paperMlp');
  await here.fit(small, FIT);
  await there.fit(small, FIT);
  assert.equal(await there.weightsSha256(), await here.weightsSha256());
});

test('a model of two outputs keeps its losses, loss weights and compiled optimizer', async () => {
  const make = (): Model => {
    const x = input({ shape: [784], name: 'pixels' });
    const h = new Activation('tanh').apply(new Dense(24).apply(x));
    const m = new Model({ inputs: x, outputs: [new Dense(10).apply(h), new Dense(1).apply(h)] });
    return m.compile({ optimizer: new Adam({ lr: 3e-3 }), loss: ['sparseCategoricalCrossentropy', 'binaryCrossentropy'], lossWeights: [1, 0.5] });
  };
  const data = makeMultiOutputDataset(small.x, [784], [{ labels: small.y, numClasses: 10 }, { targets: Float32Array.from(small.y, (v) => (v >= 5 ? 1 : 0)), size: 1 }], 'two outputs');
  const here = make();
  const there = await shipped(make());
  const opts = { epochs: 2, batchSize: 50, seed: 4 };
  const a = await here.fit(data, opts);
  const b = await there.fit(data, opts);
  assert.deepEqual(Object.keys(b.epochs[1]!), Object.keys(a.epochs[1]!));
  assert.equal(b.epochs[1]!.loss, a.epochs[1]!.loss);
  assert.equal(await there.weightsSha256(), await here.weightsSha256());
});

test('a built model goes as checkpoint bytes: its weights, its step, its compiled optimizer\'s slots and its metrics, so training continues bit for bit', async () => {
  const make = (): Sequential => new Sequential([new Dense(16), new Activation('relu'), new Dense(10)], { inputShape: [784] })
    .compile({ optimizer: new Adam({ lr: 1e-3 }), metrics: ['sparseCategoricalAccuracy'] });
  const here = make();
  await here.fit(small, { epochs: 1, batchSize: 50, seed: 4 });
  const there = await shipped(here);
  assert.equal(there.step, here.step);
  assert.equal(await there.weightsSha256(), await here.weightsSha256());
  assert.equal(there.optimizer?.iterations, here.optimizer?.iterations);
  await here.fit(small, { epochs: 1, batchSize: 50, seed: 4 });
  const h = await there.fit(small, { epochs: 1, batchSize: 50, seed: 4 });
  assert.equal(await there.weightsSha256(), await here.weightsSha256());
  assert.equal(typeof (h.epochs[0] as Record<string, unknown>).sparseCategoricalAccuracy, 'number', "the compiled metrics' names");
});

test('bad model descriptions are refused, naming what is wrong', async () => {
  await assert.rejects(modelSource({ layers: [], inputs: 1 } as unknown as ModelInput, false), /createTrainer: model: unknown field 'inputs'/);
  await assert.rejects(modelSource(42 as unknown as ModelInput, false), /model must be a model .* got number/);
  await assert.rejects(shipped({ layers: [{ className: 'Nope', config: {} }] }), /createTrainer: model\.layers\[0\]: unknown layer class 'Nope'/);
  await assert.rejects(modelSource({ weights: new Uint8Array(3), config: new Uint8Array(3) }, false).then((r) => modelFromSource(r.source)), /createTrainer: checkpoint\.json/);
});

test("logs keep TF.js's non-enumerable aliases across structured clone, and errors their fields", async () => {
  const h = await new Sequential([new Dense(10)], { inputShape: [784] }).fit(small, { epochs: 1, batchSize: 100, seed: 1 });
  const logs = h.epochs[0]!;
  assert.equal(Object.keys(logs).includes('acc'), false);
  const back = unpackLogs(structuredClone(packLogs(logs))) as Record<string, unknown>;
  assert.deepEqual(Object.keys(back), Object.keys(logs));
  assert.equal(back.acc, (logs as Record<string, unknown>).acc);
  assert.equal(Object.keys(back).includes('acc'), false);
  const e = encodeError(new TrainingDivergedError('gaaf: training diverged', 1, 7, 'dense_1'));
  assert.deepEqual(structuredClone(e).props, { epoch: 1, step: 7, layer: 'dense_1' });
  assert.equal(e.name, 'TrainingDivergedError');
});
