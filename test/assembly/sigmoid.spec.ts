import { v_sigmoid, v_sigmoid_exp } from "../../assembly/mathx";
import { ACT_SIGMOID, act_forward } from "../../assembly/activations";

import { ptr } from "./random";

// v_sigmoid (mathx.ts) claims the very bits of its previous form 1/(1 + v_exp(−x)) for every
// float input (checked on all 2^32 when it was written; its error bound, measured in
// activations.spec.ts, therefore carries over). Here: a stride through all 2^32 bit patterns,
// every float near its clamp points (−x = −40: its lower clamp, where 1 + e must already round
// to 1; 88.7-89: e^(−x) overflowing, the 2^128 scale; 104: v_exp's own lower clamp) and the
// special values, compared bit for bit, NaN payloads included; and act_forward's sigmoid loop
// (32 per step, then 4, then the tail) against v_sigmoid lane by lane at awkward lengths.

// number of 4-lane vectors (lanes u, u+step, u+2·step, u+3·step) whose bits differ
function differing(u0: u64, u1: u64, step: u64): i32 {
  let bad = 0;
  for (let u = u0; u < u1; u += 4 * step) {
    const a = <u32>u, b = <u32>(u + step), c = <u32>(u + 2 * step), d = <u32>(u + 3 * step);
    const x = i32x4(a, b, c, d);
    if (!i32x4.all_true(i32x4.eq(v_sigmoid(x), v_sigmoid_exp(x)))) bad++;
  }
  return bad;
}

// every float of both signs with magnitude in [lo, hi]
function around(lo: f32, hi: f32): i32 {
  const a = <u64>reinterpret<u32>(lo), b = <u64>reinterpret<u32>(hi);
  return differing(a, b + 1, 1) + differing(a | 0x80000000, (b | 0x80000000) + 1, 1);
}

describe("v_sigmoid", () => {
  it("has the bits of 1/(1 + v_exp(−x)): a stride over all 2^32 floats", () => {
    expect<i32>(differing(0, 0x100000000, 4093)).toBe(0);
  });
  it("... and every float near the clamps (|x| in [38, 42], [86, 90], [103, 105])", () => {
    expect<i32>(around(38, 42)).toBe(0, "around 40");
    expect<i32>(around(86, 90)).toBe(0, "around 88.7 and 89");
    expect<i32>(around(103, 105)).toBe(0, "around 104");
  });
  it("... and on the special values", () => {
    const specials: f32[] = [0, -0, 1, -1, Infinity, -Infinity, NaN, -NaN, 1e-45, -1e-45, 1.1754944e-38, 3.4028235e38, -3.4028235e38,
      reinterpret<f32>(0x7f800001), reinterpret<f32>(0xffc01234), 16.635532, -16.635532, 88.72284, -88.72284];
    let bad = 0;
    for (let i = 0; i < specials.length; i++) {
      const x = f32x4.splat(specials[i]);
      if (!i32x4.all_true(i32x4.eq(v_sigmoid(x), v_sigmoid_exp(x)))) bad++;
    }
    expect<i32>(bad).toBe(0);
  });
});

describe("act_forward sigmoid", () => {
  it("is v_sigmoid lane by lane at every length and offset (1, 3, 17, 63, 255 ...)", () => {
    const N = 300;
    const x = new StaticArray<f32>(N + 8), y = new StaticArray<f32>(N + 8), z = new StaticArray<f32>(4);
    for (let i = 0; i < N + 8; i++) x[i] = <f32>(Math.sin(<f64>i * 1.7) * 30.0);
    const LENGTHS: i32[] = [1, 3, 4, 15, 16, 17, 31, 63, 64, 255, 300];
    let bad = 0;
    for (let t = 0; t < LENGTHS.length; t++) {
      for (let off = 0; off < 3; off++) {
        const n = LENGTHS[t];
        y[n] = 7.0; // guard
        act_forward(ACT_SIGMOID, ptr(x) + (<usize>off << 2), ptr(y), n);
        for (let i = 0; i < n; i++) {
          v128.store(ptr(z), v_sigmoid(f32x4.splat(x[off + i])));
          if (reinterpret<u32>(y[i]) != reinterpret<u32>(z[0])) bad++;
        }
        if (y[n] != 7.0) bad++;
      }
    }
    expect<i32>(bad).toBe(0);
  });
});
