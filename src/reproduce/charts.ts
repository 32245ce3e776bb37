// Charts of the reproduction, as Vega-Lite specifications; render-svg.ts renders them to SVG
// (vega and vega-lite are optional peer dependencies, loaded there on demand).
import type { TopLevelSpec } from 'vega-lite';
import { type ModelKey, MODEL_LABELS, type ReproduceResults } from './experiment.js';
import { LAYER_MAPPING, PAPER_GAAF_GRAD, PAPER_TABLE1, PAPER_TABLE2 } from './paper.js';

export interface Chart {
  /** File name, next to REPORT.md. */
  file: string;
  title: string;
  /** One-line caption for the report. */
  caption: string;
  spec: TopLevelSpec;
}

const MODEL_COLORS: Readonly<Record<ModelKey, string>> = { base: '#4c78a8', dropout: '#e45756', gaaf: '#54a24b' };
const CONFIG = { font: 'DejaVu Sans, Helvetica, Arial, sans-serif', view: { stroke: '#ddd' }, axis: { labelFontSize: 11, titleFontSize: 12 } };

const layerLabel = (name: string): string => `${name} (${LAYER_MAPPING[name] ?? name})`;

function modelColor(keys: readonly ModelKey[]) {
  return {
    field: 'model',
    type: 'nominal' as const,
    title: 'model',
    scale: { domain: keys.map((k) => MODEL_LABELS[k]), range: keys.map((k) => MODEL_COLORS[k]) },
    sort: keys.map((k) => MODEL_LABELS[k]),
  };
}

function histogramChart(r: ReproduceResults, keys: readonly ModelKey[], file: string, title: string, caption: string): Chart {
  const h = r.protocol.histogram;
  const values: Array<Record<string, unknown>> = [];
  for (const s of r.summary.filter((x) => keys.includes(x.model))) {
    for (const layer of r.hiddenLayers) {
      const hist = s.histograms[layer];
      hist.counts.forEach((c, i) => {
        values.push({ model: s.label, layer: layerLabel(layer), z: h.min + (i + 0.5) * h.binWidth, percent: (100 * c) / hist.total });
      });
    }
  }
  return {
    file,
    title,
    caption,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: title, subtitle: `test set, ${r.data.testCount} samples × ${r.protocol.seeds.length} seed(s); bins of ${h.binWidth}; |z| > ${r.protocol.saturationThreshold} counts as saturated` },
      data: { values },
      facet: { column: { field: 'layer', type: 'nominal', title: null, sort: r.hiddenLayers.map(layerLabel) } },
      spec: {
        width: 260,
        height: 200,
        layer: [
          {
            mark: { type: 'line', interpolate: 'step', strokeWidth: 1.6 },
            encoding: {
              x: { field: 'z', type: 'quantitative', title: 'net z (input to tanh)', scale: { domain: [h.min, h.max] } },
              y: { field: 'percent', type: 'quantitative', title: '% of the layer\'s nets per bin' },
              color: modelColor(keys),
            },
          },
          {
            data: { values: [{ x: -r.protocol.saturationThreshold }, { x: r.protocol.saturationThreshold }] },
            mark: { type: 'rule', strokeDash: [4, 3], color: '#888' },
            encoding: { x: { field: 'x', type: 'quantitative' } },
          },
        ],
      },
      config: CONFIG,
    } as TopLevelSpec,
  };
}

function curvesChart(r: ReproduceResults): Chart {
  const keys = r.summary.map((s) => s.model);
  const values: Array<Record<string, unknown>> = [];
  for (const run of r.runs) {
    for (const c of run.curve) {
      const base = { model: MODEL_LABELS[run.model], seed: `seed ${run.seed}`, epoch: c.epoch, best: c.epoch === run.bestEpoch };
      values.push({ ...base, metric: 'training loss', value: c.loss });
      values.push({ ...base, metric: 'test accuracy (%)', value: 100 * c.testAccuracy });
    }
  }
  return {
    file: 'training-curves.svg',
    title: 'Training curves',
    caption: 'Training loss (with dropout active, as trained) and test accuracy after every epoch, one line per seed; the dot marks the best epoch (early stopping on the validation split).',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Training curves', subtitle: 'one line per seed; dot = best epoch by validation' },
      data: { values },
      facet: {
        row: { field: 'metric', type: 'nominal', title: null, sort: ['training loss', 'test accuracy (%)'] },
        column: { field: 'model', type: 'nominal', title: null, sort: keys.map((k) => MODEL_LABELS[k]) },
      },
      spec: {
        width: 260,
        height: 180,
        layer: [
          {
            mark: { type: 'line', strokeWidth: 1.2, clip: true },
            encoding: {
              x: { field: 'epoch', type: 'quantitative', title: 'epoch' },
              y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
              color: { field: 'seed', type: 'nominal', title: 'seed' },
            },
          },
          {
            transform: [{ filter: 'datum.best' }],
            mark: { type: 'point', filled: true, size: 30 },
            encoding: {
              x: { field: 'epoch', type: 'quantitative' },
              y: { field: 'value', type: 'quantitative' },
              color: { field: 'seed', type: 'nominal' },
            },
          },
        ],
      },
      resolve: { scale: { y: 'independent' } },
      config: CONFIG,
    } as TopLevelSpec,
  };
}

function gradChart(r: ReproduceResults): Chart {
  const keys = r.summary.map((s) => s.model);
  const values: Array<Record<string, unknown>> = [];
  for (const s of r.summary) {
    for (const layer of r.layers) {
      const g = s.gradInfo[layer];
      values.push({ source: 'this run (mean over seeds)', model: s.label, layer: layerLabel(layer), value: g.mean });
    }
  }
  const paper: Array<[ModelKey, Record<string, number>]> = [['base', PAPER_TABLE1.base], ['dropout', PAPER_TABLE1.dropout], ['gaaf', PAPER_GAAF_GRAD]];
  for (const [k, t] of paper) {
    if (!keys.includes(k)) continue;
    for (const layer of r.layers) {
      const v = t[LAYER_MAPPING[layer]];
      if (v !== undefined) values.push({ source: 'paper (Table 1, §5.1)', model: MODEL_LABELS[k], layer: layerLabel(layer), value: v });
    }
  }
  return {
    file: 'gradient-information.svg',
    title: 'Gradient information per layer',
    caption: 'Mean |∂E/∂W| per Dense kernel over all training steps (eq. 5), log scale: ours (mean over seeds) beside the paper\'s Table 1 and its GAAF figures, read as Layers 1, 2, 3 (the paper does not name their layers; the reverse order is as possible, see Table 1). The paper has no value for the logits layer.',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Gradient information per layer (eq. 5)', subtitle: 'mean |dE/dW| over all training steps; log scale' },
      data: { values },
      facet: { column: { field: 'source', type: 'nominal', title: null, sort: ['this run (mean over seeds)', 'paper (Table 1, §5.1)'] } },
      spec: {
        width: 300,
        height: 220,
        mark: 'bar',
        encoding: {
          x: { field: 'layer', type: 'nominal', title: null, sort: r.layers.map(layerLabel), axis: { labelAngle: -30 } },
          xOffset: { field: 'model', type: 'nominal', sort: keys.map((k) => MODEL_LABELS[k]) },
          y: { field: 'value', type: 'quantitative', title: 'mean |dE/dW|', scale: { type: 'log' }, stack: null, axis: { format: '.0e' } },
          color: modelColor(keys),
          tooltip: [{ field: 'value', type: 'quantitative', format: '.3e' }],
        },
      },
      config: CONFIG,
    } as TopLevelSpec,
  };
}

function saturationChart(r: ReproduceResults): Chart {
  const keys = r.summary.map((s) => s.model);
  const values = r.summary.flatMap((s) => r.hiddenLayers.map((layer) => ({
    model: s.label, layer: layerLabel(layer), percent: 100 * s.saturation[layer].mean,
  })));
  const t = r.protocol.saturationThreshold;
  return {
    file: 'saturation.svg',
    title: 'Nets in the saturation area',
    caption: `Share of the test set's nets with |z| > ${t} (tanh′ < ${(1 - Math.tanh(t) ** 2).toFixed(3)}), per hidden layer, mean over seeds.`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: `Nets in the saturation area (|z| > ${t})`, subtitle: 'test set, mean over seeds' },
      data: { values },
      width: 360,
      height: 220,
      mark: 'bar',
      encoding: {
        x: { field: 'layer', type: 'nominal', title: null, sort: r.hiddenLayers.map(layerLabel), axis: { labelAngle: 0 } },
        xOffset: { field: 'model', type: 'nominal', sort: keys.map((k) => MODEL_LABELS[k]) },
        y: { field: 'percent', type: 'quantitative', title: '% of nets saturated' },
        color: modelColor(keys),
      },
      config: CONFIG,
    } as TopLevelSpec,
  };
}

function varianceChart(r: ReproduceResults): Chart | null {
  const s = r.summary.find((x) => x.model === 'dropout');
  if (!s?.netVariance) return null;
  const values: Array<Record<string, unknown>> = [];
  for (const layer of r.layers) {
    values.push({ source: 'this run (mean over seeds)', layer: layerLabel(layer), value: s.netVariance[layer].mean });
    const p = (PAPER_TABLE2 as Record<string, number>)[LAYER_MAPPING[layer]];
    if (p !== undefined) values.push({ source: 'paper (Table 2)', layer: layerLabel(layer), value: p });
  }
  return {
    file: 'net-variance.svg',
    title: 'Net variance under dropout',
    caption: `Average variance of the nets of one batch of ${r.protocol.netVariance.rows} training samples over ${r.protocol.netVariance.passes} dropout masks (dropout model), beside the paper's Table 2.`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Net variance under dropout (Table 2)', subtitle: `${r.protocol.netVariance.passes} masks, one batch of ${r.protocol.netVariance.rows}` },
      data: { values },
      width: 360,
      height: 220,
      mark: 'bar',
      encoding: {
        x: { field: 'layer', type: 'nominal', title: null, sort: r.layers.map(layerLabel), axis: { labelAngle: -30 } },
        xOffset: { field: 'source', type: 'nominal', sort: ['this run (mean over seeds)', 'paper (Table 2)'] },
        y: { field: 'value', type: 'quantitative', title: 'mean variance of z' },
        color: {
          field: 'source', type: 'nominal', title: null,
          scale: { domain: ['this run (mean over seeds)', 'paper (Table 2)'], range: ['#e45756', '#bbbbbb'] },
          legend: { labelLimit: 300 },
        },
      },
      config: CONFIG,
    } as TopLevelSpec,
  };
}

/** Every chart the report shows (those that apply to the models that were run). */
export function buildCharts(r: ReproduceResults): Chart[] {
  const keys = r.summary.map((s) => s.model);
  const charts: Chart[] = [];
  if (keys.includes('base') && keys.includes('dropout')) {
    charts.push(histogramChart(r, ['base', 'dropout'], 'fig2-net-histograms-dropout.svg', 'Figure 2: nets to tanh, base vs +dropout',
      'Distribution of the nets fed to tanh on the test set after training, base model against the dropout model (the paper\'s Figure 2).'));
  }
  if (keys.includes('base') && keys.includes('gaaf')) {
    charts.push(histogramChart(r, ['base', 'gaaf'], 'fig5-net-histograms-gaaf.svg', 'Figure 5: nets to tanh, base vs +GAAF',
      'The same for the base model against the GAAF model (the paper\'s Figure 5).'));
  }
  charts.push(histogramChart(r, keys, 'net-histograms-all.svg', 'Nets to tanh, all models',
    'All three models together, per hidden layer.'));
  charts.push(saturationChart(r));
  charts.push(curvesChart(r));
  charts.push(gradChart(r));
  const v = varianceChart(r);
  if (v) charts.push(v);
  return charts;
}
