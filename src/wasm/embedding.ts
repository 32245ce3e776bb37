// Embedding lookup (assembly/embedding.ts): the table entries. The forward kernel returns the
// position of the first index that is not an integer in [0, vocab) (−1: none); the layer names it.
import { dim, pos } from './checks.js';
import { defineKernel } from './kernel.js';
import type { Buf } from './memory.js';

const sizes = { count: dim, vocab: pos, dim: pos };

/** y (count, dim) = rows idx (count, f32 integers) of table (vocab, dim). Returns −1, or the position of the first bad index (nothing written). */
export const embeddingForward = defineKernel({
  name: 'embeddingForward', simd: 'embedding_forward', ref: 'embedding_forward_ref',
  params: ['idx', 'table', 'y', 'count', 'vocab', 'dim'], scalars: sizes,
  operands: { idx: { role: 'in', len: 'count' }, table: { role: 'in', len: ['vocab', 'dim'] }, y: { role: 'out', len: ['count', 'dim'] } },
  result: (r) => r,
}) as (idx: Buf, table: Buf, y: Buf, count: number, vocab: number, dim: number) => number;

/** dtable (vocab, dim) = 0, then dtable[idx[i]] += dy[i] in order. Overwrites dtable; a bad index is an error. */
export const embeddingBackward = defineKernel({
  name: 'embeddingBackward', simd: 'embedding_backward', ref: 'embedding_backward_ref',
  params: ['idx', 'dy', 'dtable', 'count', 'vocab', 'dim'], scalars: sizes,
  operands: { idx: { role: 'in', len: 'count' }, dy: { role: 'in', len: ['count', 'dim'] }, dtable: { role: 'out', len: ['vocab', 'dim'] } },
  result: (bad, get) => {
    if (bad !== 0) throw new RangeError(`gaaf.embeddingBackward: ${bad} of ${get('count')} indices are not integers in [0, ${get('vocab')})`);
  },
}) as (idx: Buf, dy: Buf, dtable: Buf, count: number, vocab: number, dim: number) => void;
