// npm run bench:browser [-- --quick] [--suites gemm,act | --fast] [--out FILE]
// Runs the kernel suites and the SIMD ceiling in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core) on a page served with COOP/COEP headers from a tiny static
// server, and writes the same results JSON as npm run bench, each record with host
// 'chromium' (the report's "chromium-simd" and "chromium-scalar" columns). Merge it into a
// report with: npm run bench -- --from NODE.json --from CHROMIUM.json
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { chromium } from 'playwright-core';
import { machineInfo } from '../src/machine.js';
import type { BenchResults } from '../src/bench/record.js';
import { CHROMIUM, CHROMIUM_ARGS, ROOT, serve } from './serve.js';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
interface Opts { quick: boolean; smoke: boolean; suites?: string; out?: string; fast: boolean }

async function main(o: Opts): Promise<void> {
  if (o.fast && o.suites) throw new Error('bench:browser: --fast runs the fast suite instead of the kernel suites; give it without --suites');
  for (const f of ['dist/bench/index.js', 'build/gaaf.wasm']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`bench:browser: ${f} is missing: run npm run build first`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`bench:browser: ${CHROMIUM} is missing: apt-get install -y chromium`);
  const mode = o.smoke ? 'smoke' : o.quick ? 'quick' : 'full';
  const command = `npm run bench:browser -- ${process.argv.slice(2).join(' ')}`.trim();
  const server = await serve();
  const profile = mkdtempSync(join(tmpdir(), 'gaaf-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error' || m.text().startsWith('progress')) process.stderr.write(`  chromium: ${m.text()}\n`);
    });
    page.on('pageerror', (e) => process.stderr.write(`  chromium page error: ${e.message}\n`));
    const { port } = server.address() as AddressInfo;
    const q = new URLSearchParams({ mode, host: 'chromium', command, ...(o.suites ? { suites: o.suites } : {}), ...(o.fast ? { pairs: 'fast' } : {}) });
    await page.goto(`http://127.0.0.1:${port}/bench/browser/index.html?${q}`);
    const results = (await page.evaluate(() => (window as unknown as { benchDone: Promise<unknown> }).benchDone, undefined)) as BenchResults;
    const version = context.browser()?.version() ?? '';
    const node = await machineInfo();
    results.machine = { ...results.machine, browser: `Chromium ${version} (headless)`, userAgent: results.machine.browser, cpu: node.cpu, platform: node.platform, arch: node.arch };
    mkdirSync(RESULTS, { recursive: true });
    const out = o.out ?? `${RESULTS}${results.date.replace(/[:.]/g, '-')}-chromium.json`;
    writeFileSync(`${out}.tmp`, JSON.stringify(results, null, 2) + '\n');
    renameSync(`${out}.tmp`, out);
    process.stderr.write(`bench:browser: ${results.records.length} records from Chromium ${version}, written to ${relative(process.cwd(), out)}\n`);
  } finally {
    await context.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

new Command('npm run bench:browser --')
  .option('--quick', 'short run', false)
  .option('--smoke', 'tiny sizes, a few calls (tests)', false)
  .option('--suites <list>', 'comma-separated kernel suites (default: gemm, act, optim)')
  .option('--fast', 'instead of the kernel suites: the relaxed-SIMD build against the deterministic one, call against call', false)
  .option('--out <file>', 'results file (default: bench/results/<timestamp>-chromium.json)')
  .action(main)
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
