// Writing a reproduction's files. Each one replaces the old atomically (writeFileAtomic: a
// temporary file beside it, fsynced, renamed over it), so a run of an hour that is killed while
// it writes leaves the previous results.json, REPORT.md and charts whole, never half a file.
// The charts are rendered by render-svg.ts.
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../checkpoint/fs.js';
import type { Chart } from './charts.js';
import { CHARTS_HINT, loadVega, renderSvg } from './render-svg.js';

/** Replaces the text file `path` atomically. */
export function writeText(path: string, text: string): void {
  writeFileAtomic(path, new TextEncoder().encode(text), dirname(path));
}

/**
 * Writes each chart to `out/<file>` and appends the paths to `files`. Returns the charts
 * written (all of them, or none when vega is not installed) and, when none could be, why
 * and how to get them (CHARTS_HINT).
 */
export async function writeCharts(charts: Chart[], out: string, files: string[]): Promise<{ written: Chart[]; skipped?: string }> {
  const lib = await loadVega();
  if (!lib) return { written: [], skipped: CHARTS_HINT };
  for (const c of charts) {
    const f = join(out, c.file);
    writeText(f, await renderSvg(c.spec, lib));
    files.push(f);
  }
  return { written: charts };
}

/** What a results object carries about its own writing. */
export interface RunFileFields {
  charts: string[];
  finishedAt: string;
  wallSeconds: number;
}

/**
 * Writes a run into `out`: its charts (those vega can render; results.charts lists them), then
 * results.json and REPORT.md (render(charts written)). With `t0` (performance.now() when the
 * command began) finishedAt and wallSeconds are set first: the whole command's time, data,
 * training, measurements and charts. Without it (a report rewritten from a finished run) they
 * stay the run's. Returns the files written and, where vega is missing, the line saying so.
 */
export async function writeRunFiles<R extends RunFileFields>(results: R, out: string, charts: Chart[], render: (written: Chart[]) => string,
  t0: number | null): Promise<{ files: string[]; chartsSkipped?: string }> {
  const files: string[] = [];
  const { written, skipped } = await writeCharts(charts, out, files);
  results.charts = written.map((c) => c.file);
  if (t0 !== null) {
    results.finishedAt = new Date().toISOString();
    results.wallSeconds = (performance.now() - t0) / 1000;
  }
  const jsonFile = join(out, 'results.json');
  writeText(jsonFile, JSON.stringify(results, null, 1) + '\n');
  const reportFile = join(out, 'REPORT.md');
  writeText(reportFile, render(written));
  files.push(jsonFile, reportFile);
  return { files, chartsSkipped: skipped };
}
