// The demo page: base tanh and GAAF tanh train side by side, each in its own Web Worker through
// gaaf/worker (createTrainer: the model's fit, evaluate and predict run there); this thread
// fetches the digits once, sends them to both workers, and only draws. Charts are uPlot
// (canvas, no eval: fine under the page's CSP).
// window.__demo exposes the state to the browser tests (test/browser-demo.test.ts).
import uPlot from '/vendor/uplot/uPlot.esm.js';
import { fetchBundledDigits, paperMlp } from '../dist/bundle/gaaf.js';
import { createTrainer } from '../dist/bundle/gaaf-trainer.js';
import { drawingPad, toMnist } from './draw.js';

const DIGITS_URL = new URL('../dist/digits.bin.gz', import.meta.url);
const RUNS = [
  { key: 'base', label: 'base tanh', gaaf: false, color: '#1f77b4', dash: undefined },
  { key: 'gaaf', label: 'GAAF tanh', gaaf: true, color: '#d62728', dash: [6, 4] },
];
const LAYER_COLORS = ['#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b'];
const REDRAW_MS = 200; // charts are redrawn at most this often

const $ = (id) => document.getElementById(id);
const demo = (window.__demo = { frames: 0, runs: {}, errors: [] });

// ---- rAF counter: shows (and lets the tests check) that the main thread stays responsive.
function tick() {
  demo.frames++;
  if (demo.frames % 10 === 0) $('frames').textContent = `frames: ${demo.frames}`;
  if (dirty && performance.now() - lastDraw >= REDRAW_MS) redraw();
  requestAnimationFrame(tick);
}

// ---- per-run state
function freshRun(r) {
  return { ...r, trainer: null, state: 'idle', epoch: 0, step: 0, loss: new Map(), acc: new Map(), grad: new Map(),
    layers: [], accuracy: null, lastLoss: null, hash: null, seconds: null, error: null };
}
let runs = RUNS.map(freshRun);
let config = null;
let paused = false;
let dirty = false;
let lastDraw = 0;
let predictId = 0;
let generation = 0; // a Reset makes the runs still starting stale
let digits = null; // fetched once; each run's worker gets its own copy

function publish() {
  for (const r of runs) {
    demo.runs[r.key] = { state: r.state, epoch: r.epoch, step: r.step, accuracy: r.accuracy, lastLoss: r.lastLoss,
      hash: r.hash, seconds: r.seconds, error: r.error, evals: r.acc.size, gradPoints: r.grad.size };
  }
  demo.config = config;
  demo.paused = paused;
}

// ---- charts
function makeChart(el, title, series, log) {
  return new uPlot({
    width: Math.max(320, el.clientWidth), height: 220,
    scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
    axes: [{ label: 'step' }, { label: title, size: 60 }],
    series: [{ label: 'step' }, ...series.map((s) => ({ spanGaps: true, width: 1.5, points: { show: false }, ...s }))],
    legend: { live: false },
  }, [[], ...series.map(() => [])], el);
}
let charts = null;
function buildCharts() {
  for (const id of ['chart-loss', 'chart-acc', 'chart-grad']) $(id).replaceChildren();
  const perRun = runs.map((r) => ({ label: r.label, stroke: r.color }));
  charts = {
    loss: makeChart($('chart-loss'), 'loss', perRun, false),
    acc: makeChart($('chart-acc'), 'accuracy', perRun, false),
    grad: null, // made when the first gradient information arrives and the layer names are known
  };
}
function aligned(maps) {
  const xs = [...new Set(maps.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  return [xs, ...maps.map((m) => xs.map((x) => (m.has(x) ? m.get(x) : null)))];
}
function redraw() {
  dirty = false;
  lastDraw = performance.now();
  charts.loss.setData(aligned(runs.map((r) => r.loss)));
  charts.acc.setData(aligned(runs.map((r) => r.acc)));
  const layers = runs[0].layers.length ? runs[0].layers : runs[1].layers;
  if (layers.length) {
    const maps = runs.flatMap((r) => layers.map((_, k) => new Map([...r.grad].map(([s, v]) => [s, v[k]]))));
    if (!charts.grad) {
      const series = runs.flatMap((r) => layers.map((name, k) => ({
        label: `${name} (${r.key})`, stroke: LAYER_COLORS[k % LAYER_COLORS.length], dash: r.dash })));
      charts.grad = makeChart($('chart-grad'), 'mean |∂E/∂W|', series, true);
    }
    charts.grad.setData(aligned(maps));
  }
  for (const r of runs) {
    const parts = [r.state];
    if (r.step) parts.push(`epoch ${r.epoch}/${config?.epochs ?? '?'}`, `step ${r.step}`);
    if (r.lastLoss !== null) parts.push(`loss ${r.lastLoss.toFixed(4)}`);
    if (r.accuracy !== null) parts.push(`test accuracy ${(100 * r.accuracy).toFixed(2)}%`);
    if (r.seconds !== null) parts.push(`${r.seconds.toFixed(1)} s training`);
    if (r.hash) parts.push(`weights sha256 ${r.hash.slice(0, 16)}…`);
    if (r.error) parts.push(`error: ${r.error}`);
    $(`run-${r.key}`).querySelector('.status').textContent = parts.join(' · ');
  }
  publish();
}

// ---- training
function readConfig() {
  const num = (id, min, max, int) => {
    const el = $(id);
    const v = Number(el.value);
    if (!Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v))) {
      throw new RangeError(`${el.parentElement.firstChild.textContent.trim()} must be ${int ? 'an integer' : 'a number'} in [${min}, ${max}], got '${el.value}'`);
    }
    return v;
  };
  return { epochs: num('epochs', 1, 100, true), lr: num('lr', 1e-6, 1, false), batchSize: num('batch', 1, 1024, true),
    seed: num('seed', 0, 4294967295, true) };
}

function fail(r, err) {
  if (!runs.includes(r)) return; // a run that Reset has dropped
  const message = String(err?.stack ?? err);
  r.state = 'failed';
  r.error = String(err?.message ?? err).split('\n')[0];
  demo.errors.push(message);
  console.error(message);
  dirty = true;
}

/** One run: its model trains in a worker; its progress comes back as events. */
async function train(r, gen) {
  const trainer = await createTrainer({ model: paperMlp({ gaaf: r.gaaf }) });
  if (gen !== generation) return trainer.terminate();
  r.trainer = trainer;
  if (paused) trainer.pause();
  const [trainSet, test] = await Promise.all([trainer.upload(digits.train), trainer.upload(digits.test)]);
  r.state = paused ? 'paused' : 'training';
  // However small the batch, each epoch sends about 200 loss points, 16 gradient samples and 3
  // test evaluations, so neither the charts nor the evaluations swamp the training.
  const batches = Math.ceil(trainSet.count / config.batchSize);
  const lossEvery = Math.max(1, Math.ceil(batches / 200));
  const gradEvery = Math.max(1, Math.ceil(batches / 16));
  const evalEvery = Math.max(1, Math.ceil(batches / 3));
  let lossSum = 0;
  let lossCount = 0;
  const evaluate = () => trainer.evaluate(test).then((ev) => {
    // answered between two steps, at trainer.step
    r.acc.set(trainer.step, ev.accuracy);
    r.accuracy = ev.accuracy;
    dirty = true;
  });
  const run = trainer.fit(trainSet, {
    epochs: config.epochs, batchSize: config.batchSize, lr: config.lr, seed: config.seed, validationData: test,
    // the paper's gradient information (eq. 5): mean |dE/dW| of each Dense kernel, every step
    callbacks: [{ className: 'GradientInfo' }],
  });
  run.on('trainBegin', (logs) => (r.layers = logs.layers))
    .on('batchEnd', (batch, logs) => {
      r.step = logs.step;
      r.epoch = logs.epoch;
      lossSum += logs.loss;
      lossCount++;
      if (logs.step % lossEvery === 0 || logs.batch === logs.batches) {
        r.lastLoss = lossSum / lossCount;
        r.loss.set(logs.step, r.lastLoss);
        lossSum = 0;
        lossCount = 0;
      }
      if (logs.step % gradEvery === 0) r.grad.set(logs.step, logs.gradInfo);
      if (logs.step % evalEvery === 0) evaluate().catch((e) => fail(r, e));
      dirty = true;
    })
    .on('epochEnd', () => predictDrawing())
    .on('paused', () => {
      r.state = 'paused';
      dirty = true;
    })
    .on('resumed', () => {
      r.state = 'training';
      dirty = true;
    });
  const history = await run;
  await evaluate();
  if (gen !== generation) return;
  Object.assign(r, { state: 'done', step: history.steps, hash: await trainer.weightsSha256(), seconds: history.seconds });
  if (runs.every((x) => x.state === 'done' || x.state === 'failed')) {
    $('pause').disabled = true;
    $('start').disabled = false;
  }
  predictDrawing();
  dirty = true;
}

async function start() {
  try {
    config = readConfig();
  } catch (e) {
    $('config-error').textContent = e.message;
    return;
  }
  $('config-error').textContent = '';
  reset();
  const gen = generation;
  for (const r of runs) r.state = 'loading data';
  $('start').disabled = true;
  $('pause').disabled = false;
  dirty = true;
  try {
    digits ??= await fetchBundledDigits(DIGITS_URL);
  } catch (e) {
    for (const r of runs) fail(r, e);
    return;
  }
  if (gen !== generation) return;
  for (const r of runs) train(r, gen).catch((e) => gen === generation && fail(r, e));
}

function togglePause() {
  paused = !paused;
  for (const r of runs) {
    if (r.state === 'done' || r.state === 'failed') continue;
    if (paused) r.trainer?.pause();
    else r.trainer?.resume();
  }
  $('pause').textContent = paused ? 'Resume' : 'Pause';
  dirty = true;
}

function reset() {
  generation++;
  for (const r of runs) r.trainer?.terminate();
  runs = RUNS.map(freshRun);
  paused = false;
  $('pause').textContent = 'Pause';
  $('pause').disabled = true;
  $('start').disabled = false;
  buildCharts();
  for (const r of runs) showPrediction(r, { probs: null });
  publish();
  dirty = true;
}

// ---- drawing and prediction
let clearPad;
function predictDrawing() {
  const pixels = toMnist($('pad'));
  if (!pixels) return;
  const id = ++predictId;
  for (const r of runs) {
    if (!r.trainer || r.step === 0) continue; // the model is built by its first step
    r.trainer.predict(pixels).then((probs) => showPrediction(r, { id, probs }), (e) => fail(r, e));
  }
}
function showPrediction(r, msg) {
  const box = $(`pred-${r.key}`);
  const bars = box.querySelector('.bars');
  if (!msg.probs) {
    box.querySelector('.digit').textContent = '–';
    bars.replaceChildren();
    if (demo.prediction) delete demo.prediction[r.key];
    return;
  }
  if (msg.id !== predictId) return; // a newer drawing is on its way
  const p = Array.from(msg.probs);
  const best = p.indexOf(Math.max(...p));
  box.querySelector('.digit').textContent = String(best);
  bars.replaceChildren(...p.map((v, d) => {
    const li = document.createElement('li');
    const label = document.createElement('span');
    label.textContent = String(d);
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${(150 * v).toFixed(1)}px`;
    const pct = document.createElement('span');
    pct.className = 'p';
    pct.textContent = `${(100 * v).toFixed(1)}%`;
    li.append(label, pct, bar);
    return li;
  }));
  demo.prediction = demo.prediction ?? {};
  demo.prediction[r.key] = { digit: best, probs: p };
}

// ---- wiring
$('controls').addEventListener('submit', (e) => {
  e.preventDefault();
  start();
});
$('pause').addEventListener('click', togglePause);
$('reset').addEventListener('click', reset);
clearPad = drawingPad($('pad'), predictDrawing);
$('clear').addEventListener('click', () => {
  clearPad();
  for (const r of runs) showPrediction(r, { probs: null });
});
$('isolation').textContent = `crossOriginIsolated: ${self.crossOriginIsolated} (COOP/COEP headers; needed for Wasm threads). ` +
  'gaaf runs under a CSP that allows only \'self\' and \'wasm-unsafe-eval\'.';
buildCharts();
publish();
demo.ready = true;
requestAnimationFrame(tick);
