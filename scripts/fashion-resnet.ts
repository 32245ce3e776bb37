// The residual CNN (src/resnet.ts: 16-32-64 channels, BatchNorm, Add, global average pooling)
// on the full Fashion-MNIST from Debian's dataset-fashion-mnist (60,000 / 10,000), base ReLU or
// GAAF ReLU, with Adam and a cosine decay of the learning rate to 0 over the run. The test set
// is used once, after the last epoch (no choice is made on it). Prints one JSON line per epoch
// (training loss and accuracy) and a summary with the test accuracy and the wall time.
//   node --import tsx scripts/fashion-resnet.ts [--gaaf] [--epochs 7] [--lr 0.002] [--threads 1] [--data DIR]
import { parseArgs } from 'node:util';
import { Adam, cosineDecay, init, residualCnn } from '../src/index.js';
import { loadTrainTest } from '../src/node.js';

const { values: o } = parseArgs({
  options: {
    gaaf: { type: 'boolean', default: false }, epochs: { type: 'string', default: '7' }, lr: { type: 'string', default: '0.002' },
    batch: { type: 'string', default: '128' }, seed: { type: 'string', default: '1' }, threads: { type: 'string', default: '1' },
    data: { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
  },
  strict: true,
});
const epochs = Number(o.epochs), batchSize = Number(o.batch), lr = Number(o.lr), seed = Number(o.seed);
await init({ threads: Number(o.threads) });
const { train, test } = loadTrainTest(o.data, { image: true });
const model = residualCnn({ inputShape: [...train.sampleShape], classes: 10, gaaf: o.gaaf });
const steps = epochs * Math.ceil(train.count / batchSize);
const t0 = performance.now();
await model.fit(train, {
  epochs, batchSize, seed, optimizer: new Adam({ lr: cosineDecay({ initialLr: lr, decaySteps: steps }) }),
  callbacks: [{ onEpochEnd: (e, l) => console.log(JSON.stringify({ epoch: e + 1, loss: l.loss, accuracy: l.accuracy, seconds: l.seconds })) }],
});
const seconds = (performance.now() - t0) / 1000;
const r = model.evaluate(test);
console.log(JSON.stringify({ type: 'summary', gaaf: o.gaaf, epochs, lr, batchSize, seed, threads: Number(o.threads), trainCount: train.count,
  testCount: test.count, testAccuracy: r.accuracy, testLoss: r.loss, seconds, weightsSha256: await model.weightsSha256() }));
