// `npm run demo`: serves the demo page (web/) with the built package (dist/) on localhost and
// prints the URL. Every response carries COOP/COEP (so the page is cross-origin isolated and
// SharedArrayBuffer, hence Wasm threads, will work once gaaf has them) and a CSP that allows
// only 'self' and 'wasm-unsafe-eval' (so nothing in the page or the package may eval).
// The browser tests start the same server on a free port.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

/**
 * The CSP: everything from this origin only ('self'), plus compiling Wasm ('wasm-unsafe-eval');
 * no inline script or style, no eval, no data: URLs. `scriptHashes` ('sha256-…') admit given
 * inline scripts, such as a fixture's import map. The last three directives only forbid more.
 */
export function csp(scriptHashes: readonly string[] = []): string {
  return [
    "default-src 'self'", ["script-src 'self' 'wasm-unsafe-eval'", ...scriptHashes.map((h) => `'${h}'`)].join(' '),
    "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(scriptHashes: readonly string[] = []): Record<string, string> {
  return {
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Content-Security-Policy': csp(scriptHashes),
    'X-Content-Type-Options': 'nosniff',
  };
}

const root = (p: string): string => fileURLToPath(new URL(`../${p}`, import.meta.url));

/** URL prefix → directory. The longest matching prefix wins. */
export const DEMO_MOUNTS: ReadonlyArray<readonly [string, string]> = [
  ['/dist/', root('dist')],
  ['/vendor/uplot/', root('node_modules/uplot/dist')],
  ['/', root('web')],
];

export interface DemoServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1:`port` (0: a free port). `mounts` adds to or overrides DEMO_MOUNTS. */
export async function startDemoServer(opts: {
  port?: number;
  mounts?: ReadonlyArray<readonly [string, string]>;
  scriptHashes?: readonly string[];
} = {}): Promise<DemoServer> {
  const headers = securityHeaders(opts.scriptHashes);
  const mounts = [...(opts.mounts ?? []), ...DEMO_MOUNTS]
    .sort((a, b) => b[0].length - a[0].length)
    .map(([prefix, dir]) => [prefix, sirv(dir, { dev: true, etag: true, dotfiles: false })] as const);
  const server = createServer((req, res) => {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    const url = req.url ?? '/';
    const hit = mounts.find(([prefix]) => url.startsWith(prefix));
    if (!hit) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    req.url = '/' + url.slice(hit[0].length);
    hit[1](req, res, () => {
      res.statusCode = 404;
      res.end('not found');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    server,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const port = Number(process.env.PORT ?? 8080);
  const { url } = await startDemoServer({ port }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'EADDRINUSE' || process.env.PORT) throw e;
    console.log(`port ${port} is in use; taking a free one`);
    return startDemoServer({ port: 0 });
  });
  console.log(`gaaf demo: ${url}  (Ctrl+C to stop; run \`npm run build\` first if dist/ is missing)`);
}
