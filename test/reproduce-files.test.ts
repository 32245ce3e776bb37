// Writing a reproduction's files (src/reproduce/run-files.ts): each replaces the old one
// atomically, the run's times are set only for a run (not for a report rewritten from one),
// and results.json lists the charts that were written.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeRunFiles, writeText } from '../src/reproduce/run-files.js';

test('writeText replaces a file whole and leaves no temporary file beside it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gaaf-files-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, 'REPORT.md');
  writeFileSync(f, 'old report, longer than the new one\n');
  writeText(f, 'new\n');
  assert.equal(readFileSync(f, 'utf8'), 'new\n');
  assert.deepEqual(readdirSync(dir), ['REPORT.md']);
  // a directory that does not exist: the error names the path, and nothing is left behind
  assert.throws(() => writeText(join(dir, 'missing', 'x.md'), 'x'), /missing/);
  assert.deepEqual(readdirSync(dir), ['REPORT.md']);
});

test('writeRunFiles: results.json and REPORT.md, the times set for a run and kept for a rewrite', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gaaf-files-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const results = { charts: ['stale.svg'], finishedAt: '', wallSeconds: 0, value: 7 };
  const t0 = performance.now() - 1500;
  const { files } = await writeRunFiles(results, dir, [], (written) => `report of ${results.value}, ${written.length} charts\n`, t0);
  assert.deepEqual(files.map((f) => f.slice(dir.length + 1)), ['results.json', 'REPORT.md']);
  const saved = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  assert.deepEqual(saved.charts, [], 'results.json lists the charts written (none here), not what it held before');
  assert.ok(saved.wallSeconds >= 1.5 && saved.wallSeconds < 60, `wallSeconds ${saved.wallSeconds}`);
  assert.ok(Date.parse(saved.finishedAt) > 0);
  assert.equal(readFileSync(join(dir, 'REPORT.md'), 'utf8'), 'report of 7, 0 charts\n');
  // a rewrite from a finished run keeps the run's times
  const again = { ...saved, value: 8 };
  await writeRunFiles(again, dir, [], () => 'rewritten\n', null);
  const kept = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  assert.equal(kept.finishedAt, saved.finishedAt);
  assert.equal(kept.wallSeconds, saved.wallSeconds);
  assert.equal(kept.value, 8);
  assert.deepEqual(readdirSync(dir).sort(), ['REPORT.md', 'results.json']);
});
