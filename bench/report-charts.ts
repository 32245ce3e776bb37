// The report's charts: per suite, each engine's rate by size (Vega-Lite specs, rendered to SVG
// by bench/report.ts's writeReport), with the measured SIMD peak as a dashed line.
import type { TopLevelSpec } from 'vega-lite';
import { peakRecord } from '../src/bench/index.js';
import { type BenchResults, METRIC_UNITS, type Metric, metricValue } from '../src/bench/record.js';
import { ENGINE_COLORS, type ReportChart, SUITE_TITLES, engineOf, peakFor, sizeLabel, sortEngines } from './report-common.js';

const CONFIG = { font: 'DejaVu Sans, Helvetica, Arial, sans-serif', view: { stroke: '#ddd' }, axis: { labelFontSize: 11, titleFontSize: 12 } };

function engineColor(engines: string[]) {
  return { field: 'engine', type: 'nominal' as const, title: 'engine', sort: engines, scale: { domain: engines, range: engines.map((e, i) => ENGINE_COLORS[e] ?? ['#888', '#bcbd22', '#17becf'][i % 3]) } };
}

/** The report's charts, for the suites present in the run. */
export function buildCharts(results: BenchResults): ReportChart[] {
  const recs = results.records.filter((r) => !r.error);
  const peak = peakRecord(recs);
  const charts: ReportChart[] = [];
  const suites = [...new Set(recs.map((r) => r.suite))].filter((s) => !['peak', 'train', 'pairs', 'fast', 'threads-pairs'].includes(s)); // pairs, fast, threads-pairs: tables of per-round ratios
  for (const suite of suites) {
    const rs = recs.filter((r) => r.suite === suite && r !== peak);
    const engines = sortEngines(rs.map(engineOf));
    const m: Metric = rs[0].metric ?? 'gflops';
    const values = rs.map((r) => ({ kernel: r.name, size: r.size, sizeLabel: sizeLabel(r), engine: engineOf(r), value: metricValue(r) }));
    const kernels = [...new Set(rs.map((r) => r.name))];
    if (m === 'gflops') {
      const layers: unknown[] = [{
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'size', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'N', axis: { values: [...new Set(rs.map((r) => r.size))] } },
          y: { field: 'value', type: 'quantitative', title: 'GFLOP/s (median)' },
          color: engineColor(engines),
        },
      }];
      if (peak) layers.push({ data: { values: [{ peak: peak.gflops }] }, mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { y: { field: 'peak', type: 'quantitative' } } });
      charts.push({
        file: `${suite}-gflops.svg`, title: `${SUITE_TITLES[suite] ?? suite}: GFLOP/s by size`,
        caption: `GFLOP/s at the median time, per engine${peak ? `; the dashed line is the measured SIMD peak (${peak.gflops.toFixed(1)} GFLOP/s)` : ''}.`,
        spec: {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
          title: `${SUITE_TITLES[suite] ?? suite}: GFLOP/s by size`,
          data: { values }, facet: { column: { field: 'kernel', type: 'nominal', title: null, sort: kernels } },
          spec: { width: 220, height: 200, layer: layers }, config: CONFIG,
        } as TopLevelSpec,
      });
      const sp = peakFor(results.records, suite) ?? peak;
      if (sp) {
        const pv = rs.filter((r) => engineOf(r) === 'simd').map((r) => ({ kernel: r.name, size: String(r.size), percent: (100 * r.gflops) / sp.gflops }));
        charts.push({
          file: `${suite}-percent-of-peak.svg`, title: `${SUITE_TITLES[suite] ?? suite}: % of the SIMD peak`,
          caption: 'Our SIMD kernel\'s GFLOP/s as a percentage of the register-only f32x4 multiply-add peak measured in the same run; the dashed line is the 85% aim.',
          spec: {
            $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: `${SUITE_TITLES[suite] ?? suite}: % of the measured SIMD peak`,
            data: { values: pv }, width: 360, height: 200,
            layer: [
              { mark: 'bar', encoding: { x: { field: 'size', type: 'ordinal', title: 'N', sort: null }, xOffset: { field: 'kernel', sort: kernels }, y: { field: 'percent', type: 'quantitative', title: '% of peak', scale: { domain: [0, 100] } }, color: { field: 'kernel', type: 'nominal', sort: kernels } } },
              { data: { values: [{ y: 85 }] }, mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
            ],
            config: CONFIG,
          } as TopLevelSpec,
        });
      }
    } else {
      charts.push({
        file: `${suite}-${m}.svg`, title: `${SUITE_TITLES[suite] ?? suite}: ${METRIC_UNITS[m]}`,
        caption: `${METRIC_UNITS[m]} at the median time, per engine (log scale), one panel per size.`,
        spec: {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: `${SUITE_TITLES[suite] ?? suite}: ${METRIC_UNITS[m]}`,
          data: { values }, facet: { row: { field: 'sizeLabel', type: 'ordinal', title: 'size', sort: null } },
          spec: {
            width: 520, height: 150, mark: 'bar',
            encoding: {
              x: { field: 'kernel', type: 'nominal', title: null, sort: kernels, axis: { labelAngle: -30 } }, xOffset: { field: 'engine', sort: engines },
              y: { field: 'value', type: 'quantitative', title: METRIC_UNITS[m], scale: { type: 'log' } }, color: engineColor(engines),
            },
          },
          config: CONFIG,
        } as TopLevelSpec,
      });
    }
  }
  const train = recs.filter((r) => r.suite === 'train');
  if (train.length) {
    const engines = sortEngines(train.map(engineOf));
    const at128 = train.filter((r) => r.size === 128).map((r) => ({ model: r.name, engine: engineOf(r), value: metricValue(r) }));
    charts.push({
      file: 'train-samples-per-sec.svg', title: 'Training samples/s per engine (batch 128)',
      caption: 'Samples/s of one training step at the median step time, batch 128, per model and engine (log scale).',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: 'Training samples/s, batch 128',
        data: { values: at128 }, width: 420, height: 220, mark: 'bar',
        encoding: {
          x: { field: 'model', type: 'nominal', title: null }, xOffset: { field: 'engine', sort: engines },
          y: { field: 'value', type: 'quantitative', title: 'samples/s', scale: { type: 'log' } }, color: engineColor(engines),
        },
        config: CONFIG,
      } as TopLevelSpec,
    });
    const scaling = train.filter((r) => r.name === 'mlp-base').map((r) => ({ batch: r.size, engine: engineOf(r), value: metricValue(r) }));
    if (new Set(scaling.map((s) => s.batch)).size > 1) {
      charts.push({
        file: 'train-batch-scaling.svg', title: 'Training samples/s by batch size (base MLP)',
        caption: 'Samples/s of the base MLP at batch sizes 1 to 512, per engine (log scales).',
        spec: {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title: 'Base MLP: samples/s by batch size',
          data: { values: scaling }, width: 420, height: 240, mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'batch', type: 'quantitative', scale: { type: 'log', base: 2 }, axis: { values: [...new Set(scaling.map((s) => s.batch))] } },
            y: { field: 'value', type: 'quantitative', title: 'samples/s', scale: { type: 'log' } }, color: engineColor(engines),
          },
          config: CONFIG,
        } as TopLevelSpec,
      });
    }
  }
  return charts;
}
