import {
  mean_abs, mean_abs_ref, mean_var, mean_var_ref, sum_rows, sum_rows_ref,
  col_mean_var, col_mean_var_ref, count_nonfinite, count_nonfinite_ref,
} from "../../assembly/stats";

import { nextU32, ptr, seedRandom, uniform } from "./random";

seedRandom(0xA5A5A5);
function rand(n: i32, lo: f64, hi: f64): StaticArray<f32> {
  const a = new StaticArray<f32>(n);
  for (let i = 0; i < n; i++) a[i] = uniform(lo, hi);
  return a;
}
function bitsEq(a: f32, b: f32): bool { return reinterpret<u32>(a) == reinterpret<u32>(b); }

const SIZES: i32[] = [0, 1, 3, 4, 5, 17, 63, 255, 1000];
const DIMS: i32[] = [1, 3, 4, 17, 63];

describe("mean_abs", () => {
  it("matches", () => {
    const a = new StaticArray<f32>(17);
    for (let i = 0; i < 17; i++) a[i] = <f32>(i - 8);
    expect(mean_abs(changetype<usize>(a), 17)).toBeCloseTo(72.0 / 17.0);
  });
  it("matches mean_abs_ref", () => {
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      const x = rand(n, -5, 3);
      const a = mean_abs(ptr(x), n), r = mean_abs_ref(ptr(x), n);
      expect<f64>(Math.abs(a - r)).toBeLessThanOrEqual(1e-14 * Math.abs(r), "n=" + n.toString());
      if (n == 0) expect<f64>(a).toBe(0.0);
    }
  });
});

describe("mean_var", () => {
  it("matches mean_var_ref and is two-pass accurate", () => {
    const out = new StaticArray<f64>(2), outr = new StaticArray<f64>(2);
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      // large offset, small spread: a one-pass E[x²] − E[x]² formula in f32 would lose it all
      const x = rand(n, 1000.0, 1001.0);
      mean_var(ptr(x), n, ptr(out));
      mean_var_ref(ptr(x), n, ptr(outr));
      const tag = "n=" + n.toString();
      expect<f64>(Math.abs(out[0] - outr[0])).toBeLessThanOrEqual(1e-14 * Math.abs(outr[0]), tag);
      expect<f64>(Math.abs(out[1] - outr[1])).toBeLessThanOrEqual(1e-10 * Math.abs(outr[1]) + 1e-300, tag);
      if (n >= 255) expect<f64>(Math.abs(out[1] - 1.0 / 12.0)).toBeLessThan(0.03, tag); // uniform width 1
      if (n == 0) { expect<f64>(out[0]).toBe(0.0); expect<f64>(out[1]).toBe(0.0); }
      if (n == 1) expect<f64>(out[1]).toBe(0.0);
    }
    const y = new StaticArray<f32>(4);
    y[0] = 1; y[1] = 2; y[2] = 3; y[3] = 4;
    mean_var(ptr(y), 4, ptr(out));
    expect<f64>(out[0]).toBe(2.5);
    expect<f64>(out[1]).toBe(1.25);
  });
});

describe("sum_rows", () => {
  it("matches sum_rows_ref bit for bit (ld > cols, beta 0 and not 0)", () => {
    const betas: f32[] = [0.0, 1.0, 0.5];
    for (let ri = 0; ri < DIMS.length; ri++) {
      for (let ci = 0; ci < DIMS.length; ci++) {
        for (let pad = 0; pad < 3; pad += 2) {
          for (let bi = 0; bi < betas.length; bi++) {
            const R = DIMS[ri], C = DIMS[ci], ld = C + pad;
            const x = rand(R * ld, -1, 1);
            const out = rand(C + 1, -1, 1), outr = new StaticArray<f32>(C + 1);
            for (let j = 0; j <= C; j++) outr[j] = out[j];
            if (betas[bi] == 0) out[0] = NaN; // not read when beta == 0
            const guard = out[C];
            sum_rows(ptr(x), R, C, ld, ptr(out), betas[bi]);
            sum_rows_ref(ptr(x), R, C, ld, ptr(outr), betas[bi]);
            let bad = -1;
            for (let j = 0; j < C; j++) if (!bitsEq(out[j], outr[j])) { bad = j; break; }
            expect<i32>(bad).toBe(-1, "R=" + R.toString() + " C=" + C.toString() + " ld=" + ld.toString() + " beta=" + betas[bi].toString());
            expect<f32>(out[C]).toBe(guard, "wrote past the end");
          }
        }
      }
    }
    // also a wide one (16-column blocks) and rows = 0
    const x = rand(5 * 100, -1, 1);
    const o = new StaticArray<f32>(97), orf = new StaticArray<f32>(97);
    sum_rows(ptr(x), 5, 97, 100, ptr(o), 0);
    sum_rows_ref(ptr(x), 5, 97, 100, ptr(orf), 0);
    for (let j = 0; j < 97; j++) expect<bool>(bitsEq(o[j], orf[j])).toBe(true);
    for (let j = 0; j < 97; j++) o[j] = 2.0;
    sum_rows(ptr(x), 0, 97, 100, ptr(o), 0.5);
    for (let j = 0; j < 97; j++) expect<f32>(o[j]).toBe(1.0);
  });
  it("sums the right elements", () => {
    const x = new StaticArray<f32>(3 * 7);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 7; j++) x[i * 7 + j] = <f32>(<f64>(10 * i + j));
    const o = new StaticArray<f32>(5);
    sum_rows(ptr(x), 3, 5, 7, ptr(o), 0);
    for (let j = 0; j < 5; j++) expect<f32>(o[j]).toBe(<f32>(<f64>(30 + 3 * j)));
  });
});

describe("col_mean_var", () => {
  it("matches col_mean_var_ref bit for bit and the f64 definition", () => {
    for (let ri = 0; ri < DIMS.length; ri++) {
      for (let ci = 0; ci < DIMS.length; ci++) {
        const R = DIMS[ri], C = DIMS[ci];
        const x = rand(R * C, -2, 5);
        const m = new StaticArray<f32>(C + 1), v = new StaticArray<f32>(C + 1);
        const mr = new StaticArray<f32>(C), vr = new StaticArray<f32>(C);
        m[C] = 6.0; v[C] = 6.0;
        col_mean_var(ptr(x), R, C, ptr(m), ptr(v));
        col_mean_var_ref(ptr(x), R, C, ptr(mr), ptr(vr));
        const tag = "R=" + R.toString() + " C=" + C.toString();
        for (let j = 0; j < C; j++) {
          expect<bool>(bitsEq(m[j], mr[j]) && bitsEq(v[j], vr[j])).toBe(true, tag + " j=" + j.toString());
          let s = 0.0;
          for (let i = 0; i < R; i++) s += <f64>x[i * C + j];
          const mu = s / <f64>R;
          let q = 0.0;
          for (let i = 0; i < R; i++) q += (<f64>x[i * C + j] - mu) * (<f64>x[i * C + j] - mu);
          expect<f32>(m[j]).toBe(<f32>mu, tag);
          expect<f32>(v[j]).toBe(<f32>(q / <f64>R), tag);
        }
        expect<f32>(m[C]).toBe(6.0);
        expect<f32>(v[C]).toBe(6.0);
      }
    }
  });
});

describe("count_nonfinite", () => {
  it("matches count_nonfinite_ref", () => {
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      const x = rand(n, -1, 1);
      let want = 0;
      for (let i = 0; i < n; i++) {
        const u = nextU32() % 10;
        if (u == 0) { x[i] = NaN; want++; }
        else if (u == 1) { x[i] = Infinity; want++; }
        else if (u == 2) { x[i] = -Infinity; want++; }
        else if (u == 3) x[i] = 3.4028234663852886e38; // max finite
        else if (u == 4) x[i] = 1e-45; // subnormal
      }
      expect<i32>(count_nonfinite(ptr(x), n)).toBe(want, "n=" + n.toString());
      expect<i32>(count_nonfinite_ref(ptr(x), n)).toBe(want, "n=" + n.toString());
    }
  });
});
