import { softmax_xent, softmax_xent_ref, argmax_rows, argmax_rows_ref } from "../../assembly/loss";

import { nextU32, ptr, seedRandom, uniform } from "./random";

seedRandom(0xBADC0DE);

const BS: i32[] = [1, 3, 17, 63];
const CS: i32[] = [1, 3, 4, 5, 10, 17, 63];

function randLogits(B: i32, C: i32, spread: f64): StaticArray<f32> {
  const a = new StaticArray<f32>(B * C);
  for (let i = 0; i < B * C; i++) a[i] = uniform(-spread, spread);
  return a;
}
function randLabels(B: i32, C: i32): StaticArray<i32> {
  const l = new StaticArray<i32>(B);
  for (let b = 0; b < B; b++) l[b] = <i32>(nextU32() % <u32>C);
  return l;
}

// Σ_rows −log softmax(z)[label] in f64 from scratch
function lossF64(z: StaticArray<f32>, lab: StaticArray<i32>, B: i32, C: i32): f64 {
  let loss = 0.0;
  for (let b = 0; b < B; b++) {
    let m = -Infinity;
    for (let j = 0; j < C; j++) m = Math.max(m, <f64>z[b * C + j]);
    let s = 0.0;
    for (let j = 0; j < C; j++) s += Math.exp(<f64>z[b * C + j] - m);
    loss += Math.log(s) + m - <f64>z[b * C + lab[b]];
  }
  return loss;
}

function near(a: f64, b: f64, rtol: f64, atol: f64): bool {
  return Math.abs(a - b) <= rtol * Math.abs(b) + atol;
}

describe("softmax_xent", () => {
  it("matches softmax_xent_ref and the f64 loss", () => {
    const spreads: f64[] = [1.0, 20.0, 100.0];
    for (let bi = 0; bi < BS.length; bi++) {
      for (let ci = 0; ci < CS.length; ci++) {
        for (let si = 0; si < spreads.length; si++) {
          const B = BS[bi], C = CS[ci];
          const z = randLogits(B, C, spreads[si]);
          const lab = randLabels(B, C);
          const scale: f32 = <f32>1.0 / <f32>B;
          const p = new StaticArray<f32>(B * C + 1), d = new StaticArray<f32>(B * C + 1);
          const pr = new StaticArray<f32>(B * C), dr = new StaticArray<f32>(B * C);
          p[B * C] = 8.0; d[B * C] = 8.0;
          const L = softmax_xent(ptr(z), ptr(lab), ptr(p), ptr(d), B, C, scale);
          const Lr = softmax_xent_ref(ptr(z), ptr(lab), ptr(pr), ptr(dr), B, C, scale);
          const L64 = lossF64(z, lab, B, C);
          const tag = "B=" + B.toString() + " C=" + C.toString() + " spread=" + spreads[si].toString();
          expect<bool>(near(L, Lr, 1e-6, 1e-6 * <f64>B)).toBe(true, tag + " loss " + L.toString() + " ref " + Lr.toString());
          expect<bool>(near(L, L64, 1e-6, 1e-6 * <f64>B)).toBe(true, tag + " loss " + L.toString() + " f64 " + L64.toString());
          expect<f32>(p[B * C]).toBe(8.0, "probs written past the end");
          expect<f32>(d[B * C]).toBe(8.0, "dlogits written past the end");
          let bad = -1;
          for (let i = 0; i < B * C; i++) {
            // probs: exp within 1 ulp of libm, e/sum vs e·(1/sum), sums in another order
            if (!near(<f64>p[i], <f64>pr[i], 1e-6, 1e-38)) { bad = i; break; }
            // dlogits: (p − 1)·scale cancels near p = 1, so absolute in units of scale
            if (!near(<f64>d[i], <f64>dr[i], 1e-6, 2e-7 * <f64>scale)) { bad = i; break; }
          }
          const msg = bad < 0 ? "" : tag + " i=" + bad.toString() + " p=" + p[bad].toString() + " ref=" +
            pr[bad].toString() + " d=" + d[bad].toString() + " ref=" + dr[bad].toString();
          expect<i32>(bad).toBe(-1, msg);
          // rows of probs sum to 1, rows of dlogits to 0
          for (let b = 0; b < B; b++) {
            let sp = 0.0, sd = 0.0;
            for (let j = 0; j < C; j++) { sp += <f64>p[b * C + j]; sd += <f64>d[b * C + j]; }
            expect<f64>(Math.abs(sp - 1.0)).toBeLessThan(1e-5);
            expect<f64>(Math.abs(sd)).toBeLessThan(1e-5 * <f64>scale);
          }
        }
      }
    }
  });
  it("skips dlogits when the pointer is 0 and gives the same probs", () => {
    const B = 5, C = 17;
    const z = randLogits(B, C, 10);
    const lab = randLabels(B, C);
    const p = new StaticArray<f32>(B * C), q = new StaticArray<f32>(B * C), d = new StaticArray<f32>(B * C);
    const L1 = softmax_xent(ptr(z), ptr(lab), ptr(p), 0, B, C, 1.0);
    const L2 = softmax_xent(ptr(z), ptr(lab), ptr(q), ptr(d), B, C, 1.0);
    expect<f64>(L1).toBe(L2);
    for (let i = 0; i < B * C; i++) expect<u32>(reinterpret<u32>(p[i])).toBe(reinterpret<u32>(q[i]));
  });
  it("is stable for huge logits and exact for known cases", () => {
    // C = 1: probability 1, loss 0, gradient 0
    const z1 = new StaticArray<f32>(1), l1 = new StaticArray<i32>(1), p1 = new StaticArray<f32>(1), d1 = new StaticArray<f32>(1);
    z1[0] = 123.0;
    expect<f64>(softmax_xent(ptr(z1), ptr(l1), ptr(p1), ptr(d1), 1, 1, 1.0)).toBe(0.0);
    expect<f32>(p1[0]).toBe(1.0);
    expect<f32>(d1[0]).toBe(0.0);
    // equal logits: loss log C, probs 1/C
    const C = 10;
    const z = new StaticArray<f32>(C), l = new StaticArray<i32>(1), p = new StaticArray<f32>(C), d = new StaticArray<f32>(C);
    for (let j = 0; j < C; j++) z[j] = 5.0;
    l[0] = 3;
    expect<f64>(Math.abs(softmax_xent(ptr(z), ptr(l), ptr(p), ptr(d), 1, C, 0.5) - Math.log(10))).toBeLessThan(1e-6);
    expect<f32>(d[3]).toBe(<f32>((<f32>0.1 - <f32>1.0) * <f32>0.5));
    // spread 1e30: finite loss (the label's probability underflows to 0 but the loss is exact)
    z[0] = 1e30; z[1] = -1e30; z[2] = 3e38; l[0] = 1;
    const L = softmax_xent(ptr(z), ptr(l), ptr(p), ptr(d), 1, C, 1.0);
    expect<bool>(isFinite(L)).toBe(true);
    expect<f64>(L).toBe(<f64>z[2] - <f64>z[1]); // log 1 + max − z_label
    expect<f32>(p[2]).toBe(1.0);
    expect<f32>(p[1]).toBe(0.0);
    // NaN logits are not hidden
    z[4] = NaN;
    expect<bool>(isNaN(softmax_xent(ptr(z), ptr(l), ptr(p), ptr(d), 1, C, 1.0))).toBe(true);
  });
});

describe("argmax_rows", () => {
  it("matches argmax_rows_ref", () => {
    const sizes: i32[] = [1, 3, 4, 5, 8, 17, 63];
    for (let ri = 0; ri < sizes.length; ri++) {
      for (let ci = 0; ci < sizes.length; ci++) {
        const R = sizes[ri], C = sizes[ci];
        const x = new StaticArray<f32>(R * C);
        // few distinct values → many ties; some NaN, ±inf
        for (let i = 0; i < R * C; i++) {
          const u = nextU32() % 40;
          x[i] = u == 0 ? NaN : u == 1 ? -Infinity : u == 2 ? Infinity : <f32>(nextU32() % 5);
        }
        const o = new StaticArray<i32>(R + 1), orf = new StaticArray<i32>(R);
        o[R] = -7;
        argmax_rows(ptr(x), ptr(o), R, C);
        argmax_rows_ref(ptr(x), ptr(orf), R, C);
        for (let r = 0; r < R; r++) expect<i32>(o[r]).toBe(orf[r], "R=" + R.toString() + " C=" + C.toString() + " r=" + r.toString());
        expect<i32>(o[R]).toBe(-7);
      }
    }
  });
  it("picks the first maximum, skips NaN", () => {
    const x = new StaticArray<f32>(9);
    const o = new StaticArray<i32>(1);
    for (let i = 0; i < 9; i++) x[i] = 1.0;
    x[6] = 2.0; x[7] = 2.0;
    argmax_rows(ptr(x), ptr(o), 1, 9);
    expect<i32>(o[0]).toBe(6);
    x[2] = 2.0; // same SIMD lane as 6 (2 % 4 == 6 % 4), earlier
    argmax_rows(ptr(x), ptr(o), 1, 9);
    expect<i32>(o[0]).toBe(2);
    x[1] = 2.0; // another lane, even earlier: tests the lane merge
    argmax_rows(ptr(x), ptr(o), 1, 9);
    expect<i32>(o[0]).toBe(1);
    x[0] = NaN;
    argmax_rows(ptr(x), ptr(o), 1, 9);
    expect<i32>(o[0]).toBe(1);
    x[8] = 3.0; // in the scalar tail
    argmax_rows(ptr(x), ptr(o), 1, 9);
    expect<i32>(o[0]).toBe(8);
    for (let i = 0; i < 9; i++) x[i] = -Infinity;
    argmax_rows(ptr(x), ptr(o), 1, 9);
    expect<i32>(o[0]).toBe(0);
    x[5] = -3e38;
    argmax_rows(ptr(x), ptr(o), 1, 9);
    expect<i32>(o[0]).toBe(5);
  });
});
