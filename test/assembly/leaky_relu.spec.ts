import {
  leaky_relu_forward, leaky_relu_forward_ref, leaky_relu_backward, leaky_relu_backward_ref,
} from "../../assembly/activations";
import { nextU32, ptr, seedRandom, uniform } from "./random";
import { expectClean, fail } from "./failures";

// LeakyReLU, y = x > 0 ? x : alpha·x and dx = dy·(x > 0 ? 1 : alpha): the SIMD kernels against
// their scalar references, bit for bit, on awkward sizes (below, at and above the 4-lane vector
// and its tail), slopes below 0, in [0, 1] and above 1, and inputs with zeros, ±inf and NaN.

seedRandom(0x1eaf1eaf);

const SIZES: i32[] = [0, 1, 2, 3, 4, 5, 7, 8, 17, 63, 64, 65, 255, 256, 1000];
const ALPHAS: f32[] = [0.01, 0.2, 0.3, 0, 1, -0.5, 2.5];
const SPECIALS: f32[] = [0.0, -0.0, 1e-40, -1e-40, 1e30, -1e30, 3.4e38, -3.4e38, Infinity, -Infinity, NaN];
const PAD: i32 = 8; // sentinel floats after each output

function input(n: i32): StaticArray<f32> {
  const a = new StaticArray<f32>(n + PAD);
  for (let i = 0; i < n; i++) a[i] = i % 7 == 3 ? SPECIALS[<i32>(nextU32() % <u32>SPECIALS.length)] : uniform(-4, 4);
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

describe("leaky_relu_forward", () => {
  it("matches leaky_relu_forward_ref bit for bit and writes nothing past n", () => {
    for (let s = 0; s < SIZES.length; s++) {
      for (let a = 0; a < ALPHAS.length; a++) {
        const n = SIZES[s], alpha = ALPHAS[a];
        const x = input(n), y = sentinel(n), r = sentinel(n);
        leaky_relu_forward(ptr(x), ptr(y), n, alpha);
        leaky_relu_forward_ref(ptr(x), ptr(r), n, alpha);
        for (let i = 0; i < n + PAD; i++) {
          if (!sameBits(y[i], r[i])) fail("n=" + n.toString() + " alpha=" + alpha.toString() + " i=" + i.toString() + ": " + y[i].toString() + " vs ref " + r[i].toString());
        }
      }
    }
    expectClean();
  });

  it("is x above 0 and alpha·x at and below it, NaN staying NaN", () => {
    const x = new StaticArray<f32>(8);
    const y = new StaticArray<f32>(8);
    x[0] = 2.5; x[1] = -2.0; x[2] = 0.0; x[3] = -0.0; x[4] = Infinity; x[5] = -Infinity; x[6] = NaN; x[7] = 1e-40;
    leaky_relu_forward(ptr(x), ptr(y), 8, 0.25);
    expect(y[0]).toBe(2.5);
    expect(y[1]).toBe(-0.5);
    expect(reinterpret<u32>(y[2])).toBe(0);           // 0.25·0 = +0
    expect(reinterpret<u32>(y[3])).toBe(0x80000000);  // 0.25·−0 = −0
    expect(y[4]).toBe(Infinity);
    expect(y[5]).toBe(-Infinity);
    expect(isNaN(y[6])).toBe(true);
    expect(y[7]).toBe(<f32>1e-40);                      // a positive subnormal passes unchanged
  });

  it("works in place", () => {
    const n = 67;
    const x = input(n), r = sentinel(n);
    leaky_relu_forward_ref(ptr(x), ptr(r), n, 0.2);
    leaky_relu_forward(ptr(x), ptr(x), n, 0.2);
    for (let i = 0; i < n; i++) if (!sameBits(x[i], r[i])) fail("in place at " + i.toString());
    expectClean();
  });
});

describe("leaky_relu_backward", () => {
  it("matches leaky_relu_backward_ref bit for bit and writes nothing past n", () => {
    for (let s = 0; s < SIZES.length; s++) {
      for (let a = 0; a < ALPHAS.length; a++) {
        const n = SIZES[s], alpha = ALPHAS[a];
        const x = input(n), dy = input(n), dx = sentinel(n), r = sentinel(n);
        leaky_relu_backward(ptr(x), ptr(dy), ptr(dx), n, alpha);
        leaky_relu_backward_ref(ptr(x), ptr(dy), ptr(r), n, alpha);
        for (let i = 0; i < n + PAD; i++) {
          if (!sameBits(dx[i], r[i])) fail("n=" + n.toString() + " alpha=" + alpha.toString() + " i=" + i.toString() + ": " + dx[i].toString() + " vs ref " + r[i].toString());
        }
      }
    }
    expectClean();
  });

  it("is dy above 0 and alpha·dy at and below it (the left derivative at 0)", () => {
    const x = new StaticArray<f32>(5);
    const dy = new StaticArray<f32>(5);
    const dx = new StaticArray<f32>(5);
    x[0] = 3.0; x[1] = -3.0; x[2] = 0.0; x[3] = NaN; x[4] = 1e-40;
    for (let i = 0; i < 5; i++) dy[i] = 2.0;
    leaky_relu_backward(ptr(x), ptr(dy), ptr(dx), 5, 0.1);
    expect(dx[0]).toBe(2.0);
    expect(dx[1]).toBe(<f32>0.2);
    expect(dx[2]).toBe(<f32>0.2);
    expect(dx[3]).toBe(<f32>0.2); // NaN > 0 is false
    expect(dx[4]).toBe(2.0);
  });

  it("works in place over dy and over x", () => {
    const n = 67;
    const x = input(n), dy = input(n), r = sentinel(n);
    leaky_relu_backward_ref(ptr(x), ptr(dy), ptr(r), n, 0.3);
    const dy2 = new StaticArray<f32>(n + PAD), x2 = new StaticArray<f32>(n + PAD);
    memory.copy(ptr(dy2), ptr(dy), <usize>(n + PAD) << 2);
    memory.copy(ptr(x2), ptr(x), <usize>(n + PAD) << 2);
    leaky_relu_backward(ptr(x), ptr(dy2), ptr(dy2), n, 0.3);
    leaky_relu_backward(ptr(x2), ptr(dy), ptr(x2), n, 0.3);
    for (let i = 0; i < n; i++) {
      if (!sameBits(dy2[i], r[i])) fail("over dy at " + i.toString());
      if (!sameBits(x2[i], r[i])) fail("over x at " + i.toString());
    }
    expectClean();
  });
});
