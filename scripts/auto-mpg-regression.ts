// Regression on a real tabular set: Auto MPG (cars.json, as shipped by the npm package
// vega-datasets, BSD-3-Clause; not a dependency of gaaf: pass the file). Predicts miles per gallon
// from cylinders, displacement, horsepower, weight, acceleration and year (standardised), MLP with
// MSE, the last 20% of the rows (in a seeded shuffle) as the test set. Prints test MSE, MAE and var(y).
//
//   node --import tsx scripts/auto-mpg-regression.ts path/to/vega-datasets/data/cars.json
import { readFileSync } from 'node:fs';
import { Activation, Adam, Dense, Rng, Sequential, init, makeTargetDataset, subset } from '../src/node.js';

const file = process.argv[2];
if (!file) throw new Error('usage: auto-mpg-regression.ts CARS_JSON');
const rows = (JSON.parse(readFileSync(file, 'utf8')) as Array<Record<string, number | string | null>>)
  .filter((r) => ['Miles_per_Gallon', 'Horsepower'].every((k) => typeof r[k] === 'number'));
const cols = ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration'];
const feats = rows.map((r) => [...cols.map((c) => r[c] as number), Number(String(r.Year).slice(0, 4))]);
const F = feats[0].length;
const mean = Array.from({ length: F }, (_, j) => feats.reduce((a, f) => a + f[j], 0) / feats.length);
const sd = Array.from({ length: F }, (_, j) => Math.sqrt(feats.reduce((a, f) => a + (f[j] - mean[j]) ** 2, 0) / feats.length));
const x = Float32Array.from(feats.flatMap((f) => f.map((v, j) => (v - mean[j]) / sd[j])));
const y = Float32Array.from(rows.map((r) => r.Miles_per_Gallon as number));
await init();
const all = makeTargetDataset(x, y, [F], 1, `Auto MPG (${file})`);
const order = Array.from({ length: all.count }, (_, i) => i);
const rng = new Rng(1);
for (let i = order.length - 1; i > 0; i--) { const j = rng.int(i + 1); [order[i], order[j]] = [order[j], order[i]]; }
const cut = Math.floor(0.8 * all.count);
const train = subset(all, order.slice(0, cut)), test = subset(all, order.slice(cut));
const model = new Sequential([new Dense(32), new Activation('relu'), new Dense(32), new Activation('relu'), new Dense(1)], { inputShape: [F] });
await model.fit(train, { loss: 'mse', epochs: 300, batchSize: 32, optimizer: new Adam({ lr: 3e-3 }), seed: 1 });
const ev = model.evaluate(test);
const t = test.targets!, m = t.reduce((a, b) => a + b, 0) / t.length;
const v = t.reduce((a, b) => a + (b - m) ** 2, 0) / t.length;
console.log(JSON.stringify({ rows: all.count, train: train.count, test: test.count, testMse: ev.mse, testMae: ev.mae, varY: v }));
