// Finite-difference checks of every layer's backward pass and of the loss.
// Central differences in float64 around float32 weights: L(w + ε) − L(w − ε) over 2ε.
// GAAF is checked differently, by design (see gaaf.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { init, Activation, Dense, Dropout, type Layer, Sequential, ops } from '../src/index.js';
import { assertClose, checkGradients, randomArray, randomLabels } from './helpers.js';

await init(); // importing gaaf loads nothing; init() loads the Wasm module and starts the threads

interface Case {
  name: string;
  layers: () => Layer[];
  training?: boolean;
  /** Finite-difference step; smaller where a ReLU kink could fall inside ±ε. */
  eps?: number;
}


const cases: Case[] = [
  { name: 'Dense', layers: () => [new Dense(4)] },
  { name: 'Dense without bias', layers: () => [new Dense(3, { useBias: false }), new Dense(4)] },
  { name: 'Dense + tanh + Dense', layers: () => [new Dense(7), new Activation('tanh'), new Dense(4)] },
  { name: 'Dense + sigmoid + Dense', layers: () => [new Dense(7), new Activation('sigmoid'), new Dense(4)] },
  { name: 'Dense + relu + Dense', layers: () => [new Dense(7, { kernelInitializer: 'heNormal' }), new Activation('relu'), new Dense(4)], eps: 1e-3 },
  {
    name: 'Dense + tanh + Dropout(0.4) + Dense (training, fixed mask)',
    layers: () => [new Dense(9), new Activation('tanh'), new Dropout(0.4), new Dense(4)],
    training: true,
  },
  { name: 'Dropout at inference is the identity', layers: () => [new Dense(6), new Dropout(0.5), new Activation('tanh'), new Dense(4)] },
  {
    name: 'deep: 3 hidden layers, all activations',
    layers: () => [new Dense(8), new Activation('tanh'), new Dense(6), new Activation('sigmoid'), new Dense(5), new Activation('relu'), new Dense(3)],
  },
];

for (const c of cases) {
  test(`finite differences: ${c.name}`, () => {
    const model = new Sequential(c.layers(), { inputShape: [5] });
    model.build(undefined, { seed: 11 });
    const batch = 3;
    const x = randomArray(batch * 5, 101, 1.5);
    const y = randomLabels(batch, model.numClasses, 102);
    checkGradients(c.name, model, x, y, !!c.training, c.eps ?? 1e-2);
    model.dispose();
  });
}

test('finite differences: softmax cross-entropy with respect to the logits', () => {
  const EPS = 1e-2;
  for (const [rows, classes] of [[1, 1], [1, 3], [4, 10], [3, 17]]) {
    const z = randomArray(rows * classes, rows * 31 + classes, 4);
    const y = randomLabels(rows, classes, 5);
    const { dlogits, probs, loss } = ops.softmaxCrossEntropy(z, y, classes);
    // the loss is −mean log p[label]
    let ref = 0;
    for (let r = 0; r < rows; r++) ref -= Math.log(probs[r * classes + y[r]]);
    assert.ok(Math.abs(ref / rows - loss) < 1e-5, `loss ${loss} vs −mean log p ${ref / rows}`);
    const numeric = new Float64Array(z.length);
    for (let i = 0; i < z.length; i++) {
      const z0 = z[i];
      z[i] = z0 + EPS;
      const lp = ops.softmaxCrossEntropy(z, y, classes).loss;
      z[i] = z0 - EPS;
      const lm = ops.softmaxCrossEntropy(z, y, classes).loss;
      z[i] = z0;
      numeric[i] = (lp - lm) / (Math.fround(z0 + EPS) - Math.fround(z0 - EPS));
    }
    assertClose(`softmax xent ${rows}×${classes}`, dlogits, numeric, 2e-2, 1e-4);
  }
});

test('the gradient check catches a wrong gradient', () => {
  // A sanity check of the checker itself: a gradient off by 5% must fail.
  const a = Float32Array.from([0.5, -0.25, 1e-2]);
  const wrong = a.map((v) => v * 1.05);
  assert.throws(() => assertClose('scaled', wrong, a, 2e-2, 2e-4), /analytic/);
});
