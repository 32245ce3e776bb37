import { embedding_forward, embedding_forward_ref, embedding_backward, embedding_backward_ref } from "../../assembly/embedding";
import { nextU32, ptr, seedRandom, uniform } from "./random";

// Embedding lookup and its gradient scatter: SIMD against the scalar references bit for bit on
// dims 1, 3, 4, 17, 63, 255, counts 1, 3, 17, repeated indices; bad indices (negative, ≥ vocab,
// fractional, NaN) give the first bad position and write nothing.

seedRandom(0xe3b);

const DIMS: i32[] = [1, 3, 4, 17, 63, 255];
const COUNTS: i32[] = [1, 3, 17];

function bits(a: StaticArray<f32>, b: StaticArray<f32>, n: i32): i32 {
  for (let i = 0; i < n; i++) if (reinterpret<u32>(a[i]) != reinterpret<u32>(b[i])) return i;
  return -1;
}

describe("embedding", () => {
  it("SIMD matches _ref bit for bit (forward rows, backward accumulation of repeated indices), guards hold", () => {
    for (let d = 0; d < DIMS.length; d++) for (let c = 0; c < COUNTS.length; c++) {
      const dim = DIMS[d], count = COUNTS[c], vocab = 5;
      const tag = "dim=" + dim.toString() + " count=" + count.toString();
      const idx = new StaticArray<f32>(count), table = new StaticArray<f32>(vocab * dim), dy = new StaticArray<f32>(count * dim);
      for (let i = 0; i < count; i++) idx[i] = <f32>(nextU32() % <u32>vocab);
      for (let i = 0; i < vocab * dim; i++) table[i] = uniform(-1, 1);
      for (let i = 0; i < count * dim; i++) dy[i] = uniform(-1, 1);
      const yS = new StaticArray<f32>(count * dim + 1), yR = new StaticArray<f32>(count * dim + 1);
      const gS = new StaticArray<f32>(vocab * dim + 1), gR = new StaticArray<f32>(vocab * dim + 1);
      yS[count * dim] = 7; gS[vocab * dim] = 7;
      expect<i32>(embedding_forward(ptr(idx), ptr(table), ptr(yS), count, vocab, dim)).toBe(-1, tag);
      expect<i32>(embedding_forward_ref(ptr(idx), ptr(table), ptr(yR), count, vocab, dim)).toBe(-1, tag);
      expect<i32>(embedding_backward(ptr(idx), ptr(dy), ptr(gS), count, vocab, dim)).toBe(0, tag);
      expect<i32>(embedding_backward_ref(ptr(idx), ptr(dy), ptr(gR), count, vocab, dim)).toBe(0, tag);
      expect<i32>(bits(yS, yR, count * dim)).toBe(-1, "y " + tag);
      expect<i32>(bits(gS, gR, vocab * dim)).toBe(-1, "dtable " + tag);
      expect<f32>(yS[count * dim]).toBe(7);
      expect<f32>(gS[vocab * dim]).toBe(7);
      let wrong = -1;
      for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) if (yR[i * dim + j] != table[<i32>idx[i] * dim + j]) wrong = i;
      expect<i32>(wrong).toBe(-1, "rows " + tag);
    }
  });

  it("the first bad index is returned and nothing is written", () => {
    const BAD: f32[] = [-1, 5, 2.5, NaN, Infinity, -0.5];
    for (let b = 0; b < BAD.length; b++) {
      const idx = new StaticArray<f32>(4), table = new StaticArray<f32>(5 * 3), y = new StaticArray<f32>(12);
      idx[0] = 1; idx[1] = 4; idx[2] = BAD[b]; idx[3] = BAD[b];
      for (let i = 0; i < 12; i++) y[i] = 9;
      expect<i32>(embedding_forward(ptr(idx), ptr(table), ptr(y), 4, 5, 3)).toBe(2);
      expect<i32>(embedding_forward_ref(ptr(idx), ptr(table), ptr(y), 4, 5, 3)).toBe(2);
      let touched = false;
      for (let i = 0; i < 12; i++) if (y[i] != 9) touched = true;
      expect<bool>(touched).toBe(false);
      const dy = new StaticArray<f32>(12), g = new StaticArray<f32>(15);
      expect<i32>(embedding_backward(ptr(idx), ptr(dy), ptr(g), 4, 5, 3)).toBe(2);
      expect<i32>(embedding_backward_ref(ptr(idx), ptr(dy), ptr(g), 4, 5, 3)).toBe(2);
    }
  });
});
