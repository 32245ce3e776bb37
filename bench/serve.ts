// A tiny static server for the browser benchmark: dist/, build/, tinybench and the bench
// page only, with the cross-origin isolation headers (COOP/COEP) that SharedArrayBuffer and
// Wasm threads need; and how this project starts Chromium.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { extname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** Only these trees are served. */
export const SERVED = ['dist/', 'build/', 'node_modules/tinybench/dist/', 'bench/browser/'];
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json', '.map': 'application/json' };
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A static server for dist/ and build/ with the cross-origin isolation headers (SharedArrayBuffer, threads later). */
export function serve(root = ROOT): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^[/\\]+/, '');
    const file = join(root, path);
    const rel = relative(root, file).split(sep).join('/');
    const ok = !rel.startsWith('..') && SERVED.some((p) => rel.startsWith(p)) && existsSync(file) && statSync(file).isFile();
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
    if (!ok) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: /${rel}\n`);
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

