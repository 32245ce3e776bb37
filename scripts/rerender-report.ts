// Rewrites the REPORT.md of finished reproduction runs from their results.json with the
// current report code: node --import tsx scripts/rerender-report.ts docs/reproduction/mlp-bundled ...
import { rerenderReport } from '../src/reproduce/index.js';

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  process.stderr.write('usage: node --import tsx scripts/rerender-report.ts <run directory>...\n');
  process.exit(2);
}
for (const d of dirs) process.stdout.write(`wrote ${rerenderReport(d)}\n`);
