// The memory estimate against what is really allocated, for every registered layer class:
// parameter counts must be exact, and the whole estimate must cover what build(),
// ensureBatch() and the optimizer allocate (and not overstate it by much).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { init, Adam, Dense, Flatten, Model, Sequential, input, layerFromConfig, memoryStats, registeredLayers } from '../src/index.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

// One sample per registered layer class: its config and an input shape it accepts.
// A new layer class must add a line here (the test below fails until it does).
const SAMPLES: Record<string, { config: Record<string, unknown>; inputShape: number[] }> = {
  Dense: { config: { units: 7 }, inputShape: [13] },
  Activation: { config: { activation: 'tanh', gaaf: true }, inputShape: [13] },
  Dropout: { config: { rate: 0.5 }, inputShape: [13] },
  Conv2D: { config: { filters: 5, kernelSize: [3, 3], strides: 1, padding: 'same', useBias: true }, inputShape: [9, 7, 3] },
  DepthwiseConv2D: { config: { kernelSize: [3, 3], depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu' }, inputShape: [9, 7, 3] },
  MaxPool2D: { config: { poolSize: 2, strides: 2 }, inputShape: [9, 7, 3] },
  BatchNorm: { config: { momentum: 0.9, epsilon: 1e-3 }, inputShape: [9, 7, 3] },
  Flatten: { config: {}, inputShape: [9, 7, 3] },
  GlobalAveragePooling2D: { config: {}, inputShape: [9, 7, 5] },
  GlobalMaxPooling2D: { config: {}, inputShape: [9, 7, 5] },
  LayerNormalization: { config: { epsilon: 1e-3 }, inputShape: [9, 7, 5] },
  Embedding: { config: { inputDim: 11, outputDim: 6 }, inputShape: [9] },
  Reshape: { config: { targetShape: [7, -1] }, inputShape: [9, 7, 3] },
  AveragePooling2D: { config: { poolSize: 3, strides: 2, padding: 'same' }, inputShape: [9, 7, 5] },
};
/** Merge layers: the shapes of their inputs (a functional Model of that many inputs). */
const MERGE_SAMPLES: Record<string, { config: Record<string, unknown>; shapes: number[][] }> = {
  Add: { config: {}, shapes: [[5, 3], [5, 3], [5, 3]] },
  Multiply: { config: {}, shapes: [[5, 3], [5, 3]] },
  Concatenate: { config: { axis: 1 }, shapes: [[2, 3], [4, 3]] },
};

for (const cls of registeredLayers().filter((c) => c in MERGE_SAMPLES)) {
  test(`memory estimate for ${cls} (merge): exact parameter count, covers the allocation`, () => {
    const s = MERGE_SAMPLES[cls];
    const xs = s.shapes.map((shape) => input({ shape }));
    const model = new Model({ inputs: xs, outputs: new Dense(3).apply(new Flatten().apply(layerFromConfig(cls, s.config).apply(xs))) });
    const batch = 37;
    const est = model.estimateMemory({ batchSize: batch, optimizerSlots: 2 });
    const before = memoryStats().liveBytes;
    model.build(undefined, { seed: 1 });
    assert.equal(est.params, model.countParams());
    model.ensureBatch(batch);
    const used = memoryStats().liveBytes - before;
    assert.ok(est.totalBytes >= used, `estimate ${est.totalBytes} B covers the ${used} B allocated`);
    assert.ok(est.totalBytes <= 2 * used + 8192, `estimate ${est.totalBytes} B is not far above the ${used} B allocated`);
    model.dispose();
  });
}

for (const cls of registeredLayers().filter((c) => !(c in MERGE_SAMPLES))) {
  test(`memory estimate for ${cls}: exact parameter count, covers the allocation`, () => {
    const s = SAMPLES[cls];
    assert.ok(s, `add a sample config for the registered layer class '${cls}' to test/memory.test.ts`);
    const layer = layerFromConfig(cls, s.config);
    // image-shaped outputs are flattened (Flatten allocates nothing) before the Dense logits
    const flat = layer.computeOutputShape(s.inputShape).length === 1 ? [] : [new Flatten()];
    const model = new Sequential([layer, ...flat, new Dense(3)], { inputShape: s.inputShape });
    const batch = 37;
    const est = model.estimateMemory({ batchSize: batch, optimizerSlots: 2 });
    const before = memoryStats().liveBytes;
    model.build(undefined, { seed: 1 });
    assert.equal(layer.countParamsFor(s.inputShape), layer.params().reduce((a, p) => a + p.value.length, 0), 'countParamsFor matches params()');
    assert.equal(est.params, model.countParams());
    const opt = new Adam();
    opt.attach(model.params());
    model.ensureBatch(batch);
    const used = memoryStats().liveBytes - before;
    assert.ok(est.totalBytes >= used, `estimate ${est.totalBytes} B covers the ${used} B allocated`);
    assert.ok(est.totalBytes <= 2 * used + 8192, `estimate ${est.totalBytes} B is not far above the ${used} B allocated`);
    opt.dispose();
    model.dispose();
  });
}
