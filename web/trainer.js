// Web Worker: trains one run of the paper's MLP (784-512-256-256-10, tanh; base or GAAF) on
// the bundled digits, so the page's main thread never waits on a training step. The page
// starts one worker per run, so the two runs train side by side on two cores.
//
// Messages in:  {type:'start', config:{gaaf, epochs, lr, batchSize, seed}},
//               {type:'pause'}, {type:'resume'}, {type:'predict', id, pixels: Float32Array(784)}
// Messages out: {type:'ready', train, test}, {type:'step', step, epoch, loss (mean since the last)},
//               {type:'eval', step, loss, accuracy}, {type:'grad', step, layers, values},
//               {type:'epoch', epoch, logs}, {type:'done', steps, accuracy, loss, hash, seconds},
//               {type:'prediction', id, probs}, {type:'error', message}
//
// gaaf is imported dynamically, so the message handler below is installed first, synchronously
// (a module worker whose evaluation is still waiting drops the messages that arrive meanwhile);
// importing it loads nothing, `await init()` loads the Wasm and starts its threads.
const gaaf = import('../dist/bundle/gaaf.js');

const DIGITS_URL = new URL('../dist/digits.bin.gz', import.meta.url);

let model = null;
let paused = false;
let resume = null;
let started = false;
let pausedMs = 0; // time spent paused, left out of the reported training time

async function train(config) {
  const { GradientInfo, fetchBundledDigits, init, paperMlp } = await gaaf;
  await init();
  const { train: trainSet, test } = await fetchBundledDigits(DIGITS_URL);
  postMessage({ type: 'ready', train: trainSet.count, test: test.count });
  model = paperMlp({ gaaf: config.gaaf });
  // However small the batch, each epoch sends about 200 loss points, 16 gradient samples and 3
  // test evaluations, so neither the page's charts nor the evaluations swamp the training.
  const batches = Math.ceil(trainSet.count / config.batchSize);
  const lossEvery = Math.max(1, Math.ceil(batches / 200));
  const gradEvery = Math.max(1, Math.ceil(batches / 16));
  const evalEvery = Math.max(1, Math.ceil(batches / 3));
  let lossSum = 0;
  let lossCount = 0;
  // the paper's gradient information (eq. 5): mean |dE/dW| of each Dense kernel, every step
  const gradInfo = new GradientInfo();
  const t0 = performance.now();
  const history = await model.fit(trainSet, {
    epochs: config.epochs,
    batchSize: config.batchSize,
    lr: config.lr,
    seed: config.seed,
    validationData: test,
    callbacks: [gradInfo, {
      onBatchEnd: async (_batch, info) => {
        lossSum += info.loss;
        lossCount++;
        if (info.step % lossEvery === 0 || info.batch === info.batches) {
          postMessage({ type: 'step', step: info.step, epoch: info.epoch, loss: lossSum / lossCount });
          lossSum = 0;
          lossCount = 0;
        }
        if (info.step % gradEvery === 0) {
          postMessage({ type: 'grad', step: info.step, layers: gradInfo.layers, values: [...gradInfo.last] });
        }
        if (info.step % evalEvery === 0) {
          const r = model.evaluate(test);
          postMessage({ type: 'eval', step: info.step, loss: r.loss, accuracy: r.accuracy });
        }
        if (paused) {
          const t = performance.now();
          await new Promise((r) => { resume = r; });
          pausedMs += performance.now() - t;
        }
      },
      onEpochEnd: (_epoch, logs) => {
        postMessage({ type: 'epoch', epoch: logs.epoch, step: model.step, logs });
      },
    }],
  });
  const seconds = (performance.now() - t0 - pausedMs) / 1000;
  const final = model.evaluate(test);
  postMessage({ type: 'eval', step: model.step, loss: final.loss, accuracy: final.accuracy });
  postMessage({
    type: 'done', steps: history.steps, accuracy: final.accuracy, loss: final.loss,
    hash: await model.weightsSha256(), seconds, gradInfo: history.gradInfo,
  });
}

self.onmessage = (e) => {
  const msg = e.data;
  try {
    if (msg.type === 'start') {
      if (started) throw new Error('this worker has already trained; the page starts a fresh one for each run');
      started = true;
      train(msg.config).catch((err) => postMessage({ type: 'error', message: String(err?.stack ?? err) }));
    } else if (msg.type === 'pause') {
      paused = true;
    } else if (msg.type === 'resume') {
      paused = false;
      resume?.();
      resume = null;
    } else if (msg.type === 'predict') {
      if (!model?.built) {
        postMessage({ type: 'prediction', id: msg.id, probs: null });
      } else {
        postMessage({ type: 'prediction', id: msg.id, probs: model.predict(msg.pixels) });
      }
    } else {
      throw new Error(`unknown message type '${msg.type}'`);
    }
  } catch (err) {
    postMessage({ type: 'error', message: String(err?.stack ?? err) });
  }
};
