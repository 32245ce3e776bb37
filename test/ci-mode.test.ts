// CI mode (test/requirements.ts): a test that needs Chromium or a data set skips where it is
// missing, and under CI=true fails naming it. Checked on real test files run in a child with
// the thing pointed at a path that does not exist; and no test file skips any other way.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function runTests(file: string, env: Record<string, string>, ci: boolean, pattern?: string): { status: number | null; out: string } {
  // without the parent's CI and NODE_TEST_CONTEXT (with it, the child would report to this runner instead of running)
  const { CI: _ci, NODE_TEST_CONTEXT: _ctx, ...rest } = process.env;
  const args = ['--import', 'tsx', '--test', '--test-reporter=tap', ...(pattern ? [`--test-name-pattern=${pattern}`] : []), file];
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...rest, ...env, ...(ci ? { CI: 'true' } : {}) } });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('without Chromium: a browser test skips saying what to install, and fails under CI=true naming it', () => {
  const env = { GAAF_CHROMIUM: '/nonexistent/chromium' };
  const laptop = runTests('test/browser-bench-page.test.ts', env, false);
  assert.equal(laptop.status, 0, laptop.out);
  assert.match(laptop.out, /# SKIP Chromium not found at \/nonexistent\/chromium \(apt-get install -y chromium/);
  assert.match(laptop.out, /^# fail 0$/m);
  const ci = runTests('test/browser-bench-page.test.ts', env, true);
  assert.equal(ci.status, 1, ci.out);
  assert.match(ci.out, /CI=true, so this test may not skip: Chromium not found at \/nonexistent\/chromium/);
  assert.match(ci.out, /^# skipped 0$/m);
});

test('without Fashion-MNIST: its test fails under CI=true naming the directory', () => {
  const ci = runTests('test/idx.test.ts', { GAAF_FASHION_MNIST: '/nonexistent/fashion-mnist' }, true, 'Fashion-MNIST');
  assert.equal(ci.status, 1, ci.out);
  assert.match(ci.out, /CI=true, so this test may not skip: Debian's Fashion-MNIST not found at \/nonexistent\/fashion-mnist \(apt-get install -y dataset-fashion-mnist/);
});

test('no test file skips except through testNeeds', () => {
  const dir = join(root, 'test');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'requirements.ts' && f !== 'ci-mode.test.ts');
  assert.ok(files.length > 20, `only ${files.length} test files found`);
  const bad = files.filter((f) => /\bskip\s*:|\.skip\s*\(|\btodo\s*:|\.todo\s*\(/.test(readFileSync(join(dir, f), 'utf8')));
  assert.deepEqual(bad, [], 'these skip or mark todo on their own; use testNeeds (test/requirements.ts) so CI=true fails instead');
});
