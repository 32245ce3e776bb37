// The reproductions' charts as SVG files: each Vega-Lite spec (charts.ts, cnn-report.ts) is
// compiled with vega-lite and rendered in Node by vega's headless View (renderer 'none', then
// toSVG()). vega and vega-lite (with d3, about 11 MB installed) are optional peer dependencies,
// loaded here and only here, on demand: without them `gaaf reproduce` still writes
// results.json and REPORT.md, and says in one line how to get the charts.
import type { TopLevelSpec } from 'vega-lite';

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');
export interface VegaModules { vega: Vega; vl: VegaLite }

const MISSING = 'vega and vega-lite (optional peer dependencies of gaaf) are not installed; npm install vega@6 vega-lite@6 adds them';
/** What `gaaf reproduce` says, in one line, when vega or vega-lite is not installed. */
export const CHARTS_HINT = `SVG charts skipped: ${MISSING}`;

const PEERS = ['vega', 'vega-lite'] as const;

/** Whether `e` says that the package `name` itself is not installed (not a broken install of it). */
function isNotInstalled(e: unknown, name: string): boolean {
  const err = e as NodeJS.ErrnoException;
  return err?.code === 'ERR_MODULE_NOT_FOUND' && typeof err.message === 'string' && err.message.includes(`'${name}'`);
}

/**
 * Loads vega and vega-lite, or returns null when either package is not installed. Any other
 * failure (a broken install, a version without the expected API) is thrown as it is.
 * `importer` is for tests.
 */
export async function loadVega(importer: (name: string) => Promise<unknown> = (name) => import(name)): Promise<VegaModules | null> {
  const mods: unknown[] = [];
  for (const name of PEERS) {
    try {
      mods.push(await importer(name));
    } catch (e) {
      if (isNotInstalled(e, name)) return null;
      throw e;
    }
  }
  return { vega: mods[0] as Vega, vl: mods[1] as VegaLite };
}

/**
 * Compiles a Vega-Lite spec and renders it to an SVG string with vega's headless view; with
 * `lib` from loadVega, or loading it (an Error saying how to install it when it is missing).
 */
export async function renderSvg(spec: TopLevelSpec, lib?: VegaModules): Promise<string> {
  const loaded = lib ?? (await loadVega());
  if (!loaded) throw new Error(`cannot render a chart: ${MISSING}`);
  const { vega, vl } = loaded;
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
