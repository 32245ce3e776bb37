// Two single-threaded Wasm builds of the kernels in one process, interleaved: GEMM in its three
// transposes and sum_rows, the same operands in each build's memory, timed round after round
// (A then B, B then A on alternate rounds, so neither always runs first), and the outputs
// compared bit for bit. For a change meant to keep the machine code's speed (the generated
// micro-kernel, for one), build the old module to another file and run
//
//   node --import tsx scripts/compare-builds.ts OLD.wasm build/gaaf.wasm [--rounds 21] [--only TEXT]
//
// It prints, per case, the median GFLOP/s (GB/s for sum_rows) of each build and the median of
// the per-round ratios B ÷ A. A shared machine is noisy: read the ratio, not the absolutes.
import { readFileSync } from 'node:fs';

interface Build { name: string; ex: Record<string, (...a: number[]) => number>; mem: WebAssembly.Memory; heap: number }

async function load(file: string): Promise<Build> {
  const { instance } = await WebAssembly.instantiate(readFileSync(file), { env: { abort: () => { throw new Error(`${file}: abort`); } } });
  const ex = instance.exports as unknown as Build['ex'] & { memory: WebAssembly.Memory };
  return { name: file, ex, mem: ex.memory as unknown as WebAssembly.Memory, heap: Math.ceil(ex.heap_base() / 64) * 64 };
}

/** Allocates `floats` in b's memory (a bump pointer; nothing is freed) and returns the byte address. */
function alloc(b: Build, floats: number): number {
  const p = b.heap;
  b.heap += Math.ceil((floats * 4) / 64) * 64;
  const need = b.heap - b.mem.buffer.byteLength;
  if (need > 0) b.mem.grow(Math.ceil(need / 65536));
  return p;
}

function fill(b: Build, p: number, n: number, seed: number): void {
  const f = new Float32Array(b.mem.buffer, p, n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    f[i] = (s >>> 8) / 8388608 - 1;
  }
}

interface Case { name: string; work: number; unit: string; setup: (b: Build) => { run: () => void; out: () => Uint32Array } }

function gemmCase(name: string, tA: number, tB: number, N: number): Case {
  return {
    name: `gemm ${name} ${N}`, work: 2 * N ** 3, unit: 'GFLOP/s',
    setup: (b) => {
      const A = alloc(b, N * N), B = alloc(b, N * N), C = alloc(b, N * N);
      const work = alloc(b, Math.ceil(b.ex.gemm_workspace_bytes() / 4));
      fill(b, A, N * N, 1);
      fill(b, B, N * N, 2);
      return {
        run: () => b.ex.gemm(tA, tB, N, N, N, 1, A, N, B, N, 0, C, N, 0, work),
        out: () => new Uint32Array(b.mem.buffer, C, N * N).slice(),
      };
    },
  };
}

function sumRowsCase(rows: number, cols: number): Case {
  return {
    name: `sum_rows ${rows}×${cols}`, work: 4 * rows * cols, unit: 'GB/s',
    setup: (b) => {
      const x = alloc(b, rows * cols), out = alloc(b, cols);
      fill(b, x, rows * cols, 3);
      return { run: () => b.ex.sum_rows(x, rows, cols, cols, out, 0), out: () => new Uint32Array(b.mem.buffer, out, cols).slice() };
    },
  };
}

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const rounds = Number(option('--rounds') ?? 21);
  const only = option('--only');
  if (args.length !== 2 || !(rounds >= 1)) throw new Error('usage: node --import tsx scripts/compare-builds.ts A.wasm B.wasm [--rounds N] [--only TEXT]');
  const builds = await Promise.all(args.map(load));
  const cases: Case[] = [
    ...[128, 256, 512].flatMap((N) => [gemmCase('A·B', 0, 0, N), gemmCase('A·Bᵀ', 0, 1, N), gemmCase('Aᵀ·B', 1, 0, N)]),
    sumRowsCase(128, 512), sumRowsCase(1024, 256),
  ];
  console.log(`A = ${builds[0].name}, B = ${builds[1].name}; ${rounds} interleaved rounds of ~30 ms per build and case`);
  console.log(['case', 'A median', 'B median', 'B ÷ A (median of rounds)', 'same bits'].join(' | '));
  for (const c of cases.filter((x) => !only || x.name.includes(only))) {
    const s = builds.map((b) => c.setup(b));
    s.forEach((x) => x.run());
    const same = s[0].out().every((v, i, a) => v === s[1].out()[i] && a.length === s[1].out().length);
    // calls per sample: about 30 ms of work for build A
    let reps = 1;
    for (let t0 = performance.now(); performance.now() - t0 < 30; reps++) s[0].run();
    const rates: number[][] = [[], []];
    const ratios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? [1, 0] : [0, 1];
      const got: number[] = [0, 0];
      for (const k of order) {
        const t0 = performance.now();
        for (let i = 0; i < reps; i++) s[k].run();
        got[k] = (c.work * reps) / ((performance.now() - t0) * 1e6);
        rates[k].push(got[k]);
      }
      ratios.push(got[1] / got[0]);
    }
    console.log([c.name, `${median(rates[0]).toFixed(2)} ${c.unit}`, `${median(rates[1]).toFixed(2)} ${c.unit}`, median(ratios).toFixed(3), same ? 'yes' : 'NO'].join(' | '));
  }
}

await main();
