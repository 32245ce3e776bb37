import { add_forward, add_forward_ref, mul_forward, mul_forward_ref, copy_rows, copy_rows_ref } from "../../assembly/merge";
import { nextU32, ptr, seedRandom, uniform } from "./random";
import { expectClean, fail } from "./failures";

// The merge kernels (Add, Multiply, Concatenate's block copy): SIMD against the scalar
// references, bit for bit, on awkward sizes (below, at and above the 4-lane vector and its
// tail), with specials (±0, subnormals, ±inf, NaN), in place, and writing nothing past the end.

seedRandom(0x3e263e26);

const SIZES: i32[] = [0, 1, 2, 3, 4, 5, 7, 8, 17, 63, 64, 65, 255, 256, 1000];
const SPECIALS: f32[] = [0.0, -0.0, 1e-40, -1e-40, 1e30, -1e30, 3.4e38, -3.4e38, Infinity, -Infinity, NaN];
const PAD: i32 = 8;

function input(n: i32): StaticArray<f32> {
  const a = new StaticArray<f32>(n + PAD);
  for (let i = 0; i < n + PAD; i++) a[i] = i % 7 == 3 ? SPECIALS[<i32>(nextU32() % <u32>SPECIALS.length)] : uniform(-4, 4);
  return a;
}

function sentinel(n: i32): StaticArray<f32> {
  const a = new StaticArray<f32>(n + PAD);
  for (let i = 0; i < n + PAD; i++) a[i] = -12345.5;
  return a;
}

function sameBits(a: f32, b: f32): bool {
  return reinterpret<u32>(a) == reinterpret<u32>(b);
}

describe("add_forward and mul_forward", () => {
  it("match their references bit for bit and write nothing past n", () => {
    for (let s = 0; s < SIZES.length; s++) {
      const n = SIZES[s];
      const a = input(n), b = input(n);
      const y = sentinel(n), r = sentinel(n), y2 = sentinel(n), r2 = sentinel(n);
      add_forward(ptr(a), ptr(b), ptr(y), n);
      add_forward_ref(ptr(a), ptr(b), ptr(r), n);
      mul_forward(ptr(a), ptr(b), ptr(y2), n);
      mul_forward_ref(ptr(a), ptr(b), ptr(r2), n);
      for (let i = 0; i < n + PAD; i++) {
        if (!sameBits(y[i], r[i])) fail("add n=" + n.toString() + " i=" + i.toString());
        if (!sameBits(y2[i], r2[i])) fail("mul n=" + n.toString() + " i=" + i.toString());
      }
    }
    expectClean();
  });

  it("are a + b and a·b", () => {
    const a = new StaticArray<f32>(5), b = new StaticArray<f32>(5), y = new StaticArray<f32>(5);
    a[0] = 1.5; a[1] = -2; a[2] = Infinity; a[3] = 0; a[4] = 3;
    b[0] = 2; b[1] = 0.5; b[2] = -Infinity; b[3] = -0.0; b[4] = 1e-40;
    add_forward(ptr(a), ptr(b), ptr(y), 5);
    expect(y[0]).toBe(3.5);
    expect(y[1]).toBe(-1.5);
    expect(isNaN(y[2])).toBe(true);
    expect(reinterpret<u32>(y[3])).toBe(0);
    mul_forward(ptr(a), ptr(b), ptr(y), 5);
    expect(y[0]).toBe(3);
    expect(y[1]).toBe(-1);
    expect(y[2]).toBe(-Infinity);
    expect(reinterpret<u32>(y[3])).toBe(0x80000000);
  });

  it("work in place over either input", () => {
    const n = 67;
    const a = input(n), b = input(n), r = sentinel(n);
    add_forward_ref(ptr(a), ptr(b), ptr(r), n);
    const a2 = new StaticArray<f32>(n + PAD), b2 = new StaticArray<f32>(n + PAD);
    memory.copy(ptr(a2), ptr(a), <usize>(n + PAD) << 2);
    memory.copy(ptr(b2), ptr(b), <usize>(n + PAD) << 2);
    add_forward(ptr(a2), ptr(b), ptr(a2), n);
    add_forward(ptr(a), ptr(b2), ptr(b2), n);
    for (let i = 0; i < n; i++) {
      if (!sameBits(a2[i], r[i])) fail("over a at " + i.toString());
      if (!sameBits(b2[i], r[i])) fail("over b at " + i.toString());
    }
    expectClean();
  });
});

describe("copy_rows", () => {
  it("matches copy_rows_ref on awkward blocks, offsets and strides, touching nothing else", () => {
    const COLS: i32[] = [1, 3, 4, 5, 17, 63, 64];
    const ROWS: i32[] = [1, 2, 3, 7];
    for (let ci = 0; ci < COLS.length; ci++) {
      for (let ri = 0; ri < ROWS.length; ri++) {
        const cols = COLS[ci], rows = ROWS[ri];
        const lds = cols + 3, ldd = cols + 5, so = 2, dof = 1;
        const src = input(so + rows * lds);
        const len = dof + rows * ldd;
        const d = sentinel(len), r = sentinel(len);
        copy_rows(ptr(src), so, lds, ptr(d), dof, ldd, rows, cols);
        copy_rows_ref(ptr(src), so, lds, ptr(r), dof, ldd, rows, cols);
        for (let i = 0; i < len + PAD; i++) {
          if (!sameBits(d[i], r[i])) fail("rows=" + rows.toString() + " cols=" + cols.toString() + " i=" + i.toString());
        }
        for (let q = 0; q < rows; q++) {
          for (let c = 0; c < cols; c++) {
            if (!sameBits(d[dof + q * ldd + c], src[so + q * lds + c])) fail("value at " + q.toString() + "," + c.toString());
          }
          for (let c = cols; c < ldd && dof + q * ldd + c < len; c++) if (d[dof + q * ldd + c] != -12345.5) fail("gap written");
        }
      }
    }
    expectClean();
  });
});
