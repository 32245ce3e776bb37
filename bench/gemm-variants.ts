// What was tried for issue 18's "GEMM ≥ 90% of the peak loop", measured again by one command:
//   node --import tsx bench/gemm-variants.ts [--rounds N] [--out FILE.md]
// Each variant is a GEMM micro-kernel generated from the template below (the shipped one is
// `today`: scripts/gen-microkernel.ts makes assembly/gemm_microkernel.ts with the same steps),
// compiled together into one throwaway module (build/gemm-variants/, asc with the repo's release
// flags), and run alone over a packed MC×KC block of A (128×256) and one KC×NR panel of B, the
// micro-kernel's steady state inside a GEMM. Every round times the peak loop (assembly/peak.ts)
// and each variant, the order reversed every other round, and a variant's figure is the median
// over the rounds of its GFLOP/s ÷ that round's peak loop (with the interquartile range). The
// full GEMM adds packing and edges to this (2-3 points in the committed reports), so a variant
// below 90% here cannot reach 90% as a GEMM. Variants that keep today's data layout and k
// order are also checked to give the shipped kernel's bits.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantile } from '../src/bench/pairs.js';

interface Opts {
  MR?: number; NR?: number; KU?: number;
  /** B loaded at each use (for V8 to fold loads into vmulps) instead of once per step. */
  fold?: boolean;
  /** A main loop of KU steps with no exits, and a remainder loop. */
  nobreak?: boolean;
  /** An exit every `brk` steps (1: today's, after every step). */
  brk?: number;
  /** A packed with every value broadcast to 4 lanes (4× the bytes; plain v128 loads). */
  bcast?: boolean;
  /** A's pointer bumped per step instead of constant offsets. */
  pinc?: boolean;
  /** A read as one v128 per 2 steps and broadcast with i32x4.shuffle. */
  shuf?: boolean;
  /** Column-major tile: per B vector, one load, then one multiply-add per row (for tall tiles). */
  colmajor?: boolean;
}

/** The variants, with what each changes. */
export const VARIANTS: Record<string, { o: Opts; what: string }> = {
  shipped: { o: {}, what: 'assembly/gemm_microkernel.ts itself, its epilogue included' },
  today: { o: {}, what: "the template's copy of it: 2×16 tile, 8 steps a loop, an exit after every step" },
  ku16: { o: { KU: 16 }, what: '16 steps a loop' },
  ku32: { o: { KU: 32 }, what: '32 steps a loop' },
  nobreak: { o: { nobreak: true }, what: 'no exits between steps: a loop of 8 steps, then a remainder loop' },
  brk2: { o: { brk: 2 }, what: 'an exit every 2 steps' },
  brk4: { o: { brk: 4 }, what: 'an exit every 4 steps' },
  fold: { o: { fold: true }, what: 'B loaded at each multiply (to let V8 fold the load into vmulps)' },
  pinc: { o: { pinc: true }, what: "A's pointer bumped every step instead of constant offsets" },
  bcast: { o: { bcast: true }, what: 'A packed pre-broadcast (4 copies): plain loads, no broadcast' },
  shuf: { o: { shuf: true }, what: 'A as one v128 per 2 steps, broadcast by i32x4.shuffle' },
  t48: { o: { MR: 4, NR: 8 }, what: '4×8 tile (4 broadcasts, 2 B loads a step)' },
  t38: { o: { MR: 3, NR: 8 }, what: '3×8 tile' },
  t312cm: { o: { MR: 3, NR: 12, colmajor: true }, what: '3×12 tile, column-major' },
  t220cm: { o: { MR: 2, NR: 20, colmajor: true }, what: '2×20 tile, column-major' },
};
const SAME_BITS = (o: Opts): boolean => (o.MR ?? 2) === 2 && (o.NR ?? 16) === 16 && !o.bcast;

/** The micro-kernel `name` with options `o`: acc (MR,NR) = pa (kc×MR packed) · pb (kc×NR packed), then C = acc (alpha 1, beta 0). */
function kernel(name: string, o: Opts): string {
  const MR = o.MR ?? 2, NR = o.NR ?? 16, KU = o.KU ?? 8, brk = o.brk ?? 1;
  const NV = NR / 4, rows = [...Array(MR).keys()], vecs = [...Array(NV).keys()];
  const L: string[] = [`export function ${name}(kc: i32, pa: usize, pb: usize, C: usize, ldc: i32): void {`];
  for (const r of rows) L.push(`  let ${vecs.map((v) => `c${r}${v} = f32x4.splat(0)`).join(', ')};`);
  L.push(`  let ${vecs.map((v) => `b${v}: v128`).join(', ')}, a: v128, av: v128 = f32x4.splat(0)${rows.map((r) => `, a${r}: v128`).join('')};`);
  const step = (s: number, out: string[]): void => {
    if (o.colmajor) {
      for (const r of rows) out.push(`    a${r} = v128.load32_splat(pa, ${4 * (s * MR + r)});`);
      for (const v of vecs) {
        out.push(`    b0 = v128.load(pb, ${4 * (s * NR + 4 * v)});`);
        for (const r of rows) out.push(`    c${r}${v} = madd(a${r}, b0, c${r}${v});`);
      }
      return;
    }
    if (!o.fold) out.push(`    ${vecs.map((v) => `b${v} = v128.load(pb, ${4 * (s * NR + 4 * v)});`).join(' ')}`);
    for (const r of rows) {
      if (o.shuf) {
        if (r === 0 && s % 2 === 0) out.push(`    av = v128.load(pa, ${16 * (s / 2)});`);
        const l = (s % 2) * 2 + r;
        out.push(`    a = i32x4.shuffle(av, av, ${l}, ${l}, ${l}, ${l});`);
      } else out.push(o.bcast ? `    a = v128.load(pa, ${16 * (s * MR + r)});` : `    a = v128.load32_splat(pa, ${4 * ((o.pinc ? 0 : s * MR) + r)});`);
      if (o.pinc && r === MR - 1) out.push(`    pa += ${4 * MR};`);
      for (const v of vecs) out.push(`    c${r}${v} = madd(a, ${o.fold ? `v128.load(pb, ${4 * (s * NR + 4 * v)})` : `b${v}`}, c${r}${v});`);
    }
  };
  const aStep = `${o.pinc ? '' : `pa += <usize>(${MR * KU}) << ${o.bcast ? 4 : 2}; `}`;
  if (!o.nobreak) {
    L.push('  let n = kc;', '  while (true) {');
    for (let s = 0; s < KU; s++) {
      step(s, L);
      if (s < KU - 1 && (s + 1) % brk === 0) L.push(`    if (n <= ${s + 1}) break;`);
    }
    L.push(`    ${aStep}pb += <usize>(${NR * KU}) << 2; n -= ${KU};`, '    if (n <= 0) break;', '  }');
  } else {
    L.push('  let n = kc;', `  while (n >= ${KU}) {`);
    for (let s = 0; s < KU; s++) step(s, L);
    L.push(`    pa += <usize>(${MR * KU}) << 2; pb += <usize>(${NR * KU}) << 2; n -= ${KU};`, '  }', '  while (n > 0) {');
    step(0, L);
    L.push(`    pa += <usize>${MR} << 2; pb += <usize>${NR} << 2; n--;`, '  }');
  }
  for (const r of rows) for (const v of vecs) L.push(`  v128.store(C + ((<usize>${r} * <usize>ldc) << 2), c${r}${v}, ${16 * v});`);
  L.push('}');
  return L.join('\n') + '\n';
}

const KC = 256, MC = 128;

/** One module: every variant's kernel and a loop calling it over the MC rows of a packed A block (kb_<name>). */
function moduleSource(): string {
  const L = ['import { madd } from "../../assembly/madd";', 'import { gemm_2x16_microkernel } from "../../assembly/gemm_microkernel";',
    'export { simd_peak_loop } from "../../assembly/peak";',
    // the shipped kernel itself, epilogue included (alpha 1, beta 0, no bias: C = acc, the same bits)
    `export function kb_shipped(reps: i32, pa: usize, pb: usize, C: usize): void {
  for (let t = 0; t < reps; t++) for (let ir = 0; ir + 2 <= ${MC}; ir += 2) gemm_2x16_microkernel(${KC}, pa + (<usize>(ir * ${KC}) << 2), pb, 1, 0, C + (<usize>(ir * 16) << 2), 16, 0, 2, 16, 0);
}`];
  for (const [v, { o }] of Object.entries(VARIANTS)) {
    if (v === 'shipped') continue;
    const MR = o.MR ?? 2, NR = o.NR ?? 16;
    L.push(kernel(`mk_${v}`, o));
    L.push(`export function kb_${v}(reps: i32, pa: usize, pb: usize, C: usize): void {
  for (let t = 0; t < reps; t++) for (let ir = 0; ir + ${MR} <= ${MC}; ir += ${MR}) mk_${v}(${KC}, pa + (<usize>(ir * ${KC}) << ${o.bcast ? 4 : 2}), pb, C + (<usize>(ir * ${NR}) << 2), ${NR});
}`);
  }
  return L.join('\n');
}

/** --rounds N (a positive integer, default 11) and --out FILE; anything else is an error naming it. */
export function parseArgs(argv: readonly string[]): { rounds: number; out: string } {
  let rounds = 11, out = '';
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k !== '--rounds' && k !== '--out') throw new RangeError(`gemm-variants: unknown argument '${k}' (expected --rounds N, --out FILE)`);
    if (v === undefined || v === '') throw new RangeError(`gemm-variants: ${k} needs a value`);
    if (k === '--out') out = v;
    else if (!/^[1-9]\d*$/.test(v)) throw new RangeError(`gemm-variants: --rounds must be a positive integer, got '${v}'`);
    else rounds = Number(v);
  }
  return { rounds, out };
}

function main(): void {
  const { rounds, out } = parseArgs(process.argv.slice(2));
  const root = fileURLToPath(new URL('..', import.meta.url)); // the checkout, wherever this is run from
  const dir = join(root, 'build/gemm-variants');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.ts'), moduleSource());
  execFileSync(process.execPath, [join(root, 'node_modules/assemblyscript/bin/asc.js'), join(dir, 'index.ts'), '--enable', 'simd', '--runtime', 'stub',
    '-O3', '--noAssert', '--initialMemory', '256', '-o', join(dir, 'variants.wasm')], { stdio: 'inherit' });
  const ex = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(join(dir, 'variants.wasm'))), {}).exports as Record<string, CallableFunction> & { memory: WebAssembly.Memory };
  const base = 1 << 20, P = base, PA = base + 4096, PB = PA + MC * KC * 16 + 4096, C = PB + KC * 32 * 4 + 4096, C2 = C + MC * 32 * 4 + 4096;
  const f = new Float32Array(ex.memory.buffer);
  let s = 1;
  for (let i = base / 4; i < (C2 + MC * 32 * 4) / 4; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; f[i] = (s >>> 8) / (1 << 24) - 0.5; }
  const names = Object.keys(VARIANTS);
  // the bits: each variant with today's layout against today's kernel
  const bits: Record<string, string> = {};
  const tile = (v: string, at: number): Uint32Array => { ex[`kb_${v}`](1, PA, PB, at); return new Uint32Array(ex.memory.buffer, at, MC * 16).slice(); };
  const ref = tile('shipped', C);
  bits.shipped = '(the reference)';
  for (const v of names.filter((n) => n !== 'shipped')) {
    if (!SAME_BITS(VARIANTS[v].o)) { bits[v] = 'other layout'; continue; }
    const got = tile(v, C2);
    const bad = got.findIndex((x, i) => x !== ref[i]);
    bits[v] = bad < 0 ? 'same' : `differs at ${bad}`;
  }
  const PEAK_IT = 1 << 20, REPS = 40;
  const time = (fn: () => void): number => { const t0 = performance.now(); fn(); return performance.now() - t0; };
  const calls = [() => ex.simd_peak_loop(PEAK_IT, P), ...names.map((v) => () => ex[`kb_${v}`](REPS, PA, PB, C))];
  for (let w = 0; w < 3; w++) calls.forEach(time);
  const pct: number[][] = names.map(() => []);
  const peak: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = calls.map((_, i) => i);
    if (r % 2) order.reverse();
    const t: number[] = [];
    for (const i of order) t[i] = time(calls[i]);
    const pg = (64 * PEAK_IT) / t[0] / 1e6;
    peak.push(pg);
    names.forEach((v, j) => {
      const o = VARIANTS[v].o, MR = o.MR ?? 2, NR = o.NR ?? 16;
      const flop = 2 * REPS * Math.floor(MC / MR) * MR * NR * KC;
      pct[j].push((100 * flop) / t[j + 1] / 1e6 / pg);
    });
  }
  const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
  const L = [`The GEMM micro-kernel variants alone, over a packed ${MC}×${KC} block of A and one B panel, each round interleaved with the peak loop: ` +
    `\`node --import tsx bench/gemm-variants.ts --rounds ${rounds}\` (${new Date().toISOString()}, Node ${process.version}). ` +
    `The peak loop's median over the rounds: ${quantile(sorted(peak), 0.5).toFixed(1)} GFLOP/s (IQR ${quantile(sorted(peak), 0.25).toFixed(1)}–${quantile(sorted(peak), 0.75).toFixed(1)}).`, '',
  '| variant | what it changes | % of the peak loop, median (IQR) | bits against the shipped kernel |', '| --- | --- | ---: | --- |'];
  names.forEach((v, j) => {
    const x = sorted(pct[j]);
    L.push(`| ${v} | ${VARIANTS[v].what} | **${quantile(x, 0.5).toFixed(1)}%** (${quantile(x, 0.25).toFixed(1)}–${quantile(x, 0.75).toFixed(1)}) | ${bits[v]} |`);
  });
  const med = names.map((v, j) => ({ v, m: quantile(sorted(pct[j]), 0.5) })).sort((a, b) => b.m - a.m);
  const over = med.filter((x) => x.m >= 90);
  L.push('', over.length
    ? `${over.length} variant(s) reach 90% of the peak loop alone: ${over.map((x) => `${x.v} (${x.m.toFixed(1)}%)`).join(', ')}.`
    : `No variant reaches 90% of the peak loop alone; the fastest is ${med[0].v} at ${med[0].m.toFixed(1)}%, then ${med[1].v} at ${med[1].m.toFixed(1)}%. ` +
      'A GEMM adds packing and edge tiles to its micro-kernel, so none of them can reach 90% as a GEMM either.');
  const md = ['# GEMM micro-kernel variants (issue 18: what was tried)', '', ...L].join('\n') + '\n';
  if (out) writeFileSync(out, md);
  process.stdout.write(md);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
}
