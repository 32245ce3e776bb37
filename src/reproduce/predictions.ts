// Per-sample test predictions of a trained model, kept with each run so that two models can be
// compared sample by sample (McNemar, the paired bootstrap in stats.ts) after the fact, from
// results.json or a sweep's job files alone. Stored compactly: the predicted class of every
// test sample as base64 bytes, and the 0/1 "right" of every sample as a base64 bitset.
import type { Dataset } from '../data/dataset.js';
import type { Sequential } from '../sequential.js';

export interface TestPredictions {
  count: number;
  /** base64 of count bytes: the argmax class of each test sample (first maximum on ties). */
  predicted: string;
  /** base64 of ⌈count/8⌉ bytes: bit i (LSB first) is 1 when sample i is classified right. */
  correct: string;
  /** Samples classified right (the popcount of `correct`). */
  right: number;
}

/** Predicts every sample of `test` in inference mode and records the class and its rightness. */
export function testPredictions(model: Sequential, test: Dataset, batchSize = 256): TestPredictions {
  if (test.numClasses > 256) throw new RangeError(`gaaf: testPredictions stores classes as bytes; ${test.name} has ${test.numClasses} classes`);
  const probs = model.predict(test.x, { batchSize });
  const k = probs.length / test.count;
  const predicted = new Uint8Array(test.count);
  const bits = new Uint8Array(Math.ceil(test.count / 8));
  let right = 0;
  for (let i = 0; i < test.count; i++) {
    let arg = 0;
    for (let j = 1; j < k; j++) if (probs[i * k + j] > probs[i * k + arg]) arg = j;
    predicted[i] = arg;
    if (arg === test.y[i]) {
      bits[i >> 3] |= 1 << (i & 7);
      right++;
    }
  }
  return { count: test.count, predicted: Buffer.from(predicted).toString('base64'), correct: Buffer.from(bits).toString('base64'), right };
}

/** The 0/1 rightness of each test sample, from a TestPredictions record (checked for length). */
export function correctOf(p: TestPredictions, where = 'predictions'): Uint8Array {
  const bits = Buffer.from(p.correct, 'base64');
  if (bits.length !== Math.ceil(p.count / 8)) {
    throw new RangeError(`gaaf: ${where}: the 'correct' bitset holds ${bits.length} bytes, expected ${Math.ceil(p.count / 8)} for ${p.count} samples`);
  }
  const out = new Uint8Array(p.count);
  let right = 0;
  for (let i = 0; i < p.count; i++) right += out[i] = (bits[i >> 3] >> (i & 7)) & 1;
  if (right !== p.right) throw new RangeError(`gaaf: ${where}: the 'correct' bitset has ${right} samples right, but 'right' says ${p.right}`);
  return out;
}

/** The predicted class of each test sample. */
export function predictedOf(p: TestPredictions, where = 'predictions'): Uint8Array {
  const b = Buffer.from(p.predicted, 'base64');
  if (b.length !== p.count) throw new RangeError(`gaaf: ${where}: 'predicted' holds ${b.length} classes, expected ${p.count}`);
  return new Uint8Array(b);
}
