// The optimizer updates (assembly/optim.ts): their table entries. Elementwise, split into ranges
// across threads; the weights and the slots are updated in place, so each must be its own buffer.
import { dim, finite } from './checks.js';
import { defineKernel } from './kernel.js';
import type { Buf } from './memory.js';
import { elementwise } from './parallel.js';


/** SGD with momentum: v = μ·v + (g + wd·w); w −= lr·v. */
export const sgdUpdate = defineKernel({
  name: 'sgdUpdate', simd: 'sgd_update', ref: 'sgd_update_ref',
  params: ['w', 'g', 'v', 'n', 'lr', 'momentum', 'weightDecay'],
  scalars: { n: dim, lr: finite, momentum: finite, weightDecay: finite },
  operands: { w: { role: 'inout', len: 'n' }, g: { role: 'in', len: 'n' }, v: { role: 'inout', len: 'n' } },
  split: elementwise,
}) as (w: Buf, g: Buf, v: Buf, n: number, lr: number, momentum: number, weightDecay: number) => void;

/** Adam (Kingma & Ba 2015, Alg. 1); bc1 = 1−β1^t and bc2 = 1−β2^t. */
export const adamUpdate = defineKernel({
  name: 'adamUpdate', simd: 'adam_update', ref: 'adam_update_ref',
  params: ['w', 'g', 'm', 'v', 'n', 'lr', 'beta1', 'beta2', 'eps', 'bc1', 'bc2', 'weightDecay'],
  scalars: { n: dim, lr: finite, beta1: finite, beta2: finite, eps: finite, bc1: finite, bc2: finite, weightDecay: finite },
  operands: { w: { role: 'inout', len: 'n' }, g: { role: 'in', len: 'n' }, m: { role: 'inout', len: 'n' }, v: { role: 'inout', len: 'n' } },
  split: elementwise,
}) as (w: Buf, g: Buf, m: Buf, v: Buf, n: number, lr: number, beta1: number, beta2: number,
  eps: number, bc1: number, bc2: number, weightDecay: number) => void;
