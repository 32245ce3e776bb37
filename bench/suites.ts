// Every suite of `npm run bench`, by name. A new suite is one file exporting a Suite and one line here.
import { actSuite } from './act.js';
import { cnnTrainSuite } from './cnn-train.js';
import { convSuite } from './conv.js';
import { gemmSuite } from './gemm.js';
import { optimSuite } from './optim.js';
import { pairsSuite } from './pairs.js';
import { precisionTrainPairs } from './precision-train.js';
import { runPrecisionPairs } from '../src/bench/precision.js';
import { type Suite, modeOf } from './suite.js';
import { threadsSuite } from './threads.js';
import { trainSuite } from './train.js';

export const SUITES: Record<string, Suite> = {
  gemm: gemmSuite,
  act: actSuite,
  optim: optimSuite,
  train: trainSuite,
  conv: convSuite,
  'cnn-train': cnnTrainSuite,
  threads: threadsSuite,
  pairs: pairsSuite,
  fast: async (o) => [...(await runPrecisionPairs(modeOf(o), (r) => o.progress?.(r))), ...(await precisionTrainPairs(modeOf(o), (r) => o.progress?.(r)))],
};
