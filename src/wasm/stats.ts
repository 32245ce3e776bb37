// Reductions (assembly/stats.ts): their table entries.
import { dim, dimOrLengthOf, finite, raw } from './checks.js';
import { defineKernel } from './kernel.js';
import { Buf, views } from './memory.js';
import { columns } from './parallel.js';


/** mean |x| over the first n elements (f64 accumulation). */
export const meanAbs = defineKernel({
  name: 'meanAbs', simd: 'mean_abs', ref: 'mean_abs_ref',
  params: ['x', 'n'],
  scalars: { n: dimOrLengthOf('x') },
  operands: { x: { role: 'in', len: 'n' } },
}) as (x: Buf, n?: number) => number;

let f64Scratch: Buf | null = null; // 16 bytes = two f64: mean_var's result

/** Mean and population variance of the first n elements (two-pass, f64). */
export const meanVar = defineKernel({
  name: 'meanVar', simd: 'mean_var', ref: 'mean_var_ref',
  params: ['x', 'n'], args: ['x', 'n', 'out'],
  scalars: { n: dimOrLengthOf('x') },
  operands: { x: { role: 'in', len: 'n' }, out: { role: 'out', scratch: () => (f64Scratch ??= new Buf(4, 'f32', 'f64 scratch')) } },
  result: (_r, get) => {
    const p = get('out') >>> 3;
    const f64 = views().f64;
    return { mean: f64[p], variance: f64[p + 1] };
  },
}) as (x: Buf, n?: number) => { mean: number; variance: number };

/** out (cols) = beta·out + Σ_rows x[r·ld + j]: the bias gradient. Split over blocks of columns. */
export const sumRows = defineKernel({
  name: 'sumRows', simd: 'sum_rows', ref: 'sum_rows_ref',
  params: ['x', 'rows', 'cols', 'ld', 'out', 'beta'],
  scalars: { rows: dim, cols: dim, ld: raw, beta: finite },
  operands: { x: { role: 'in', mat: { rows: 'rows', cols: 'cols', ld: 'ld' } }, out: { role: 'inout', len: 'cols' } },
  split: columns,
}) as (x: Buf, rows: number, cols: number, ld: number, out: Buf, beta: number) => void;

/** Per-column mean and population variance of x (rows, cols) over its rows. */
export const colMeanVar = defineKernel({
  name: 'colMeanVar', simd: 'col_mean_var', ref: 'col_mean_var_ref',
  params: ['x', 'rows', 'cols', 'mean', 'variance'],
  scalars: { rows: dim, cols: dim },
  operands: { x: { role: 'in', len: ['rows', 'cols'] }, mean: { role: 'out', len: 'cols' }, variance: { role: 'out', len: 'cols' } },
}) as (x: Buf, rows: number, cols: number, mean: Buf, variance: Buf) => void;

/** Number of NaN or ±Inf among the first n elements. */
export const countNonFinite = defineKernel({
  name: 'countNonFinite', simd: 'count_nonfinite', ref: 'count_nonfinite_ref',
  params: ['x', 'n'],
  scalars: { n: dimOrLengthOf('x') },
  operands: { x: { role: 'in', len: 'n' } },
}) as (x: Buf, n?: number) => number;
