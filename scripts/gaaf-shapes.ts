// GAAF with our shape functions (src/gaaf.ts) on the bundled digits: for each of leakyRelu, elu,
// gelu, geluTanh and silu, the same MLP (784-128-64-10, the activation after each hidden Dense)
// trained with and without GAAF from the same seed (same initial weights and batch order), with
// the paper's gradient information (GradientInfo: mean |∂E/∂W| of each Dense kernel over the
// training steps, paper eq. 5 and Table 1). Prints one JSON line per run and a Markdown table
// (the README's GAAF section quotes it).
//
//   node --import tsx scripts/gaaf-shapes.ts [--samples 2000] [--epochs 3] [--seed 1] [--kinds leakyRelu,elu,...]
import {
  Activation, Adam, Dense, GradientInfo, Sequential, init, loadBundledDigits, subset,
} from '../src/node.js';

const KINDS = ['leakyRelu', 'elu', 'gelu', 'geluTanh', 'silu'] as const;
const args = process.argv.slice(2);
const flag = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? def : args[i + 1] ?? '';
};
const known = new Set(['--samples', '--epochs', '--seed', '--kinds']);
for (let i = 0; i < args.length; i += 2) {
  if (!known.has(args[i])) throw new Error(`gaaf-shapes: unknown flag '${args[i]}' (expected ${[...known].join(', ')})`);
}
const int = (name: string, def: number): number => {
  const v = Number(flag(name, String(def)));
  if (!Number.isInteger(v) || v < 1) throw new Error(`gaaf-shapes: --${name} must be a positive integer, got '${flag(name, '')}'`);
  return v;
};
const samples = int('samples', 2000), epochs = int('epochs', 3), seed = int('seed', 1);
const kinds = flag('kinds', KINDS.join(',')).split(',');
for (const k of kinds) if (!(KINDS as readonly string[]).includes(k)) throw new Error(`gaaf-shapes: --kinds: '${k}' is not one of ${KINDS.join(', ')}`);

await init();
const { train, test } = loadBundledDigits();
const tr = subset(train, { start: 0, end: Math.min(samples, train.count) });
const te = subset(test, { start: 0, end: Math.min(1000, test.count) });

interface Row { activation: string; gaaf: boolean; loss: number[]; testAccuracy: number; gradInfo: number[]; seconds: number }
const rows: Row[] = [];
for (const kind of kinds as (typeof KINDS[number])[]) {
  for (const gaaf of [false, true]) {
    const act = () => new Activation(kind, { gaaf });
    const model = new Sequential([new Dense(128), act(), new Dense(64), act(), new Dense(10)], { inputShape: [784] });
    model.build(undefined, { seed });
    const t0 = performance.now();
    const history = await model.fit(tr, { epochs, batchSize: 32, optimizer: new Adam({ lr: 1e-3 }), seed, callbacks: [new GradientInfo()] });
    const row: Row = {
      activation: kind, gaaf,
      loss: history.epochs.map((e) => e.loss),
      testAccuracy: model.evaluate(te).accuracy,
      gradInfo: history.gradInfo!,
      seconds: (performance.now() - t0) / 1000,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
    model.dispose();
  }
}

const f = (v: number, d = 3): string => v.toFixed(d);
const e = (v: number): string => v.toExponential(2);
console.log(`\n${tr.count} training digits, ${epochs} epochs, batch 32, Adam 1e-3, seed ${seed}; test: ${te.count} digits\n`);
console.log('| activation | GAAF | loss, epoch 1 → last | test accuracy | gradient information (Dense 1, 2, 3) |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(`| ${r.activation} | ${r.gaaf ? 'yes' : 'no'} | ${f(r.loss[0])} → ${f(r.loss[r.loss.length - 1])} | ${f(100 * r.testAccuracy, 1)}% | ${r.gradInfo.map(e).join(', ')} |`);
}
