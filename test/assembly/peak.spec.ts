import { simd_peak_loop, simd_peak_flops } from "../../assembly/peak";

describe("simd_peak_loop", () => {
  it("accumulates a_i·b_j with a0 and a1 alternating", () => {
    const buf = new StaticArray<f32>(64);
    const p = changetype<usize>(buf);
    // a0 = 1, a1 = 2 (all lanes); b_j = j + 1
    for (let l = 0; l < 4; l++) {
      buf[l] = 1; buf[4 + l] = 2;
      for (let j = 0; j < 4; j++) buf[8 + 4 * j + l] = <f32>(j + 1);
    }
    simd_peak_loop(5, p);
    // 5 iterations: row 0 sees a = 1,2,1,2,1 (sum 7), row 1 sees 2,1,2,1,2 (sum 8)
    for (let j = 0; j < 4; j++) {
      const row0: i32 = 7 * (j + 1), row1: i32 = 8 * (j + 1);
      for (let l = 0; l < 4; l++) {
        expect(buf[24 + 4 * j + l]).toBe(<f32>row0);
        expect(buf[40 + 4 * j + l]).toBe(<f32>row1);
      }
    }
    // after an odd number of swaps a0 holds 2 and a1 holds 1
    expect(buf[56]).toBe(2);
    expect(buf[60]).toBe(1);
    expect(simd_peak_flops(5)).toBe(320);
  });
});
