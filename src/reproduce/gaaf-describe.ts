// What the reproduction reports say of a GAAF activation (tanh, sigmoid or relu): the record
// results.json keeps (K, the shape by name and formula, its parameters, height, surrogate),
// the shape function s(x) itself for the sentences that read it at a point, and φ′(x) + s(x),
// the slope the backward pass uses (the formulas of src/gaaf.ts and assembly/gaaf_shapes.ts).
import type { GaafShape } from '../binding.js';
import { type GaafOptions, resolveGaaf } from '../gaaf.js';

export type CoreKind = 'tanh' | 'sigmoid' | 'relu';

export interface GaafRecord {
  K: number;
  /** The shape's formula, in the words the reports print. */
  shape: string;
  /** The shape's name (bell, ring, shiftedSigmoid, leftBump); absent in results written before the shape flags. */
  name?: GaafShape;
  /** Width of the bell, the ring or the left bump. */
  c?: number;
  /** Slope and centre of the shifted sigmoid. */
  a?: number;
  b?: number;
  /** s multiplied by this (absent: 1). */
  height?: number;
  /** Forward φ exactly, backward φ′ + s (absent: false). */
  surrogate?: boolean;
}

const FORMULA: Readonly<Record<GaafShape, string>> = {
  bell: 'exp(-x^2/c)',
  ring: 'u·exp(1 - u), u = x^2/c',
  shiftedSigmoid: 'shifted sigmoid s(x) = 1/(1 + exp(-a(x - b)))',
  leftBump: 'exp(-x^2/c) for x ≤ 0, 0 for x > 0',
};

/** The record of `kind`'s GAAF with these options (checked by resolveGaaf; the defaults filled in). */
export function gaafRecord(kind: CoreKind, opts: GaafOptions): GaafRecord {
  const p = resolveGaaf(kind, opts);
  const rec: GaafRecord = { K: p.K, shape: FORMULA[p.shape], name: p.shape };
  if (p.shape === 'shiftedSigmoid') Object.assign(rec, { a: p.p1, b: p.p2 });
  else rec.c = p.p1;
  return { ...rec, height: p.height, surrogate: p.surrogate };
}

/** The shape's name of a record (a record from before the shape flags: the default of `kind`). */
export const shapeName = (kind: CoreKind, g: GaafRecord): GaafShape => g.name ?? (kind === 'relu' ? 'shiftedSigmoid' : 'bell');

/** s(x) of the record, its height included. */
export function shapeAt(kind: CoreKind, g: GaafRecord, x: number): number {
  const h = g.height ?? 1;
  const name = shapeName(kind, g);
  if (name === 'shiftedSigmoid') return h / (1 + Math.exp(-g.a! * (x - g.b!)));
  if (name === 'leftBump') return x <= 0 ? h * Math.exp(-x * x / g.c!) : 0;
  const u = x * x / g.c!;
  return h * (name === 'ring' ? u * Math.exp(1 - u) : Math.exp(-u));
}

/** φ′(x) + s(x) (s = 0 without GAAF): the slope the backward pass uses. leakyRelu's slope below 0 is `alpha`. */
export function slopeAt(kind: CoreKind | 'leakyRelu', g: GaafRecord | false, x: number, alpha = 0.3): number {
  const th = Math.tanh(x);
  const sg = 1 / (1 + Math.exp(-x));
  const dphi = kind === 'tanh' ? 1 - th * th : kind === 'sigmoid' ? sg * (1 - sg) : x > 0 ? 1 : kind === 'leakyRelu' ? alpha : 0;
  return g && kind !== 'leakyRelu' ? dphi + shapeAt(kind, g, x) : dphi;
}

const num = (x: number): string => String(Number(x.toPrecision(6)));

/** The shape in words with its parameters: "s(x) = exp(−x²/3)", "the ring …, c = 2, height 0.25, as a surrogate gradient". */
export function gaafText(kind: CoreKind, g: GaafRecord): string {
  const name = shapeName(kind, g);
  const h = g.height ?? 1;
  const s = name === 'bell' ? `s(x) = exp(−x²/${num(g.c!)})`
    : name === 'ring' ? `the ring s(x) = u·exp(1 − u), u = x²/${num(g.c!)} (0 at x = 0, its peak 1 at |x| = ${num(Math.sqrt(g.c!))})`
      : name === 'leftBump' ? `the left bump s(x) = exp(−x²/${num(g.c!)}) for x ≤ 0, 0 for x > 0`
        : `the shifted sigmoid s(x) = 1/(1 + exp(−a(x − b))) with a = ${num(g.a!)}, b = ${num(g.b!)}`;
  return `${s}${h === 1 ? '' : `, times a height of ${num(h)}`}${g.surrogate ? ', as a surrogate gradient (the forward pass is φ exactly, the backward φ′ + s)' : ''}`;
}
