// bench/gemm-variants.ts (issue 18's record of the micro-kernel variants tried): it builds every
// variant, each same-layout variant gives the shipped kernel's bits, and the table has a row
// per variant. No timing is asserted.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { VARIANTS, parseArgs } from '../bench/gemm-variants.js';

test('gemm-variants: every variant builds and runs, and the ones with the shipped layout give its bits', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/gemm-variants.ts', '--rounds', '1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const rows = out.split('\n').filter((l) => /^\| [a-z0-9]+ \|/.test(l) && !l.startsWith('| variant'));
  assert.deepEqual(rows.map((l) => l.split('|')[1].trim()), Object.keys(VARIANTS));
  for (const l of rows) {
    const [, name, , pct, bits] = l.split('|').map((c) => c.trim());
    assert.match(pct, /^\*\*\d+\.\d%\*\* \(/, `${name}: a % of the peak loop`);
    const o = VARIANTS[name].o;
    const layout = (o.MR ?? 2) === 2 && (o.NR ?? 16) === 16 && !o.bcast;
    assert.equal(bits, name === 'shipped' ? '(the reference)' : layout ? 'same' : 'other layout', name);
  }
  assert.match(out, /variant\(s\) reach 90%|No variant reaches 90%/);
});

test('gemm-variants: its arguments are checked, an unknown one or a bad count is an error naming it', () => {
  assert.deepEqual(parseArgs([]), { rounds: 11, out: '' });
  assert.deepEqual(parseArgs(['--rounds', '3', '--out', 'x.md']), { rounds: 3, out: 'x.md' });
  assert.throws(() => parseArgs(['--round', '3']), /unknown argument '--round'/);
  assert.throws(() => parseArgs(['--rounds', 'abc']), /--rounds must be a positive integer, got 'abc'/);
  assert.throws(() => parseArgs(['--rounds', '0']), /positive integer, got '0'/);
  assert.throws(() => parseArgs(['--out']), /--out needs a value/);
});
