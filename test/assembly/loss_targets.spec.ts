import {
  mse_loss, mse_loss_ref, mae_loss, mae_loss_ref, huber_loss, huber_loss_ref,
  bce_logits_loss, bce_logits_loss_ref, cce_logits_loss, cce_logits_loss_ref,
} from "../../assembly/loss_targets";
import { v_log1p_unit } from "../../assembly/loss_math";
import { nextU32, ptr, seedRandom, uniform } from "./random";
import { expectClean, fail } from "./failures";

// The losses against float targets: each SIMD kernel against its scalar reference on awkward
// sizes (B·K of 1, 3, 17, 63, 255 and other non-multiples of the 4-lane vector), with and
// without per-sample weights, with and without the gradient; the gradients of mse, mae and
// Huber bit for bit, those of BCE and CCE (vector exp against libm) to a few ulp; the loss to
// 1e-5 relative (another summation order); nothing written past the end. Plus known values and
// stability at huge logits, and the measured error of v_log1p_unit.

seedRandom(0x10557a6);

const BS: i32[] = [1, 3, 17, 63, 255];
const KS: i32[] = [1, 2, 3, 4, 5, 10];
const PAD: i32 = 5;

function rand(n: i32, lo: f64, hi: f64): StaticArray<f32> {
  const a = new StaticArray<f32>(n + PAD);
  for (let i = 0; i < n; i++) a[i] = uniform(lo, hi);
  return a;
}
function sentinel(n: i32): StaticArray<f32> {
  const a = new StaticArray<f32>(n + PAD);
  for (let i = 0; i < n + PAD; i++) a[i] = -777.25;
  return a;
}
function near(a: f64, b: f64, rtol: f64, atol: f64): bool {
  return Math.abs(a - b) <= rtol * Math.max(Math.abs(a), Math.abs(b)) + atol;
}
function ulps(a: f32, b: f32): i32 {
  const x = reinterpret<i32>(a), y = reinterpret<i32>(b);
  return abs<i32>(x - y);
}

// kind: 0 mse, 1 mae, 2 huber, 3 bce, 4 cce
function run(kind: i32, simd: bool, p: usize, t: usize, w: usize, pr: usize, g: usize, B: i32, K: i32, scale: f32, h: f32): f64 {
  if (kind == 0) return simd ? mse_loss(p, t, w, g, B, K, scale) : mse_loss_ref(p, t, w, g, B, K, scale);
  if (kind == 1) return simd ? mae_loss(p, t, w, g, B, K, scale) : mae_loss_ref(p, t, w, g, B, K, scale);
  if (kind == 2) return simd ? huber_loss(p, t, w, g, B, K, scale, h) : huber_loss_ref(p, t, w, g, B, K, scale, h);
  if (kind == 3) return simd ? bce_logits_loss(p, t, w, g, B, K, scale, h) : bce_logits_loss_ref(p, t, w, g, B, K, scale, h);
  return simd ? cce_logits_loss(p, t, w, pr, g, B, K, scale, h) : cce_logits_loss_ref(p, t, w, pr, g, B, K, scale, h);
}
const NAMES: string[] = ["mse", "mae", "huber", "bce", "cce"];

function sweep(kind: i32, h: f32, maxUlp: i32): void {
  for (let bi = 0; bi < BS.length; bi++) {
    for (let ki = 0; ki < KS.length; ki++) {
      for (let wi = 0; wi < 2; wi++) {
        const B = BS[bi], K = KS[ki], n = B * K;
        const spread: f64 = kind >= 3 ? 30.0 : 3.0;
        const p = rand(n, -spread, spread);
        const t = kind >= 3 ? rand(n, 0, 1) : rand(n, -3, 3);
        if (kind == 3) for (let i = 0; i < n; i++) if (i % 3 == 0) t[i] = <f32>(nextU32() & 1); // hard 0/1 labels too
        if (kind == 2) for (let i = 0; i < n; i += 7) t[i] = p[i]; // e = 0 exactly
        const w = rand(B, 0, 2);
        const wp: usize = wi == 0 ? 0 : ptr(w);
        const scale: f32 = <f32>1.0 / <f32>B;
        const g = sentinel(n), gr = sentinel(n), q = sentinel(n), qr = sentinel(n);
        const L = run(kind, true, ptr(p), ptr(t), wp, ptr(q), ptr(g), B, K, scale, h);
        const Lr = run(kind, false, ptr(p), ptr(t), wp, ptr(qr), ptr(gr), B, K, scale, h);
        const tag = NAMES[kind] + " B=" + B.toString() + " K=" + K.toString() + (wi ? " weighted" : "");
        if (!near(L, Lr, 1e-5, 1e-6)) fail(tag + ": loss " + L.toString() + " vs ref " + Lr.toString());
        for (let i = 0; i < n + PAD; i++) {
          if (i >= n) {
            if (g[i] != -777.25 || (kind == 4 && q[i] != -777.25)) fail(tag + ": written past the end at " + i.toString());
            continue;
          }
          // gradients near 0 (σ(z) − t and S·p − t cancel): absolute in units of scale·w (for CCE with
          // random soft targets S = Σ t' is up to ~5 and its f32 sum differs in order: 1e-5), else ulps
          if (ulps(g[i], gr[i]) > maxUlp && !near(<f64>g[i], <f64>gr[i], 0, (kind == 4 ? 1e-5 : kind == 3 ? 1e-6 : 4e-7) * <f64>scale * (wi ? <f64>w[i / K] : 1.0))) {
            fail(tag + ": grad[" + i.toString() + "] " + g[i].toString() + " vs ref " + gr[i].toString());
          }
          if (kind == 4 && !near(<f64>q[i], <f64>qr[i], 1e-6, 1e-38)) fail(tag + ": probs[" + i.toString() + "]");
        }
        // without the gradient: the same loss, nothing written
        const g0 = sentinel(n);
        const L0 = run(kind, true, ptr(p), ptr(t), wp, ptr(q), 0, B, K, scale, h);
        if (L0 != L) fail(tag + ": loss without the gradient " + L0.toString() + " vs " + L.toString());
        if (g0[0] != -777.25) fail(tag + ": gradient written");
      }
    }
  }
  expectClean();
}

describe("losses against float targets: SIMD vs scalar reference", () => {
  it("mse_loss (gradient bit for bit)", () => { sweep(0, 0, 0); });
  it("mae_loss (gradient bit for bit)", () => { sweep(1, 0, 0); });
  it("huber_loss (gradient bit for bit), delta 1 and 0.3", () => { sweep(2, 1.0, 0); sweep(2, 0.3, 0); });
  it("bce_logits_loss, smoothing 0 and 0.1", () => { sweep(3, 0, 4); sweep(3, 0.1, 4); });
  it("cce_logits_loss, smoothing 0 and 0.2", () => { sweep(4, 0, 4); sweep(4, 0.2, 4); });
});

describe("known values", () => {
  it("mse, mae and huber of one row", () => {
    const p = new StaticArray<f32>(3), t = new StaticArray<f32>(3), g = new StaticArray<f32>(3);
    p[0] = 1; p[1] = -2; p[2] = 0.5; t[0] = 0; t[1] = 1; t[2] = 0.5; // e = 1, −3, 0
    expect<f64>(mse_loss(ptr(p), ptr(t), 0, ptr(g), 1, 3, 1.0)).toBeCloseTo(10.0 / 3.0);
    expect<f32>(g[0]).toBe(<f32>(<f32>1.0 * (<f32>2.0 / <f32>3.0)));
    expect<f64>(mae_loss(ptr(p), ptr(t), 0, ptr(g), 1, 3, 1.0)).toBeCloseTo(4.0 / 3.0);
    expect<f32>(g[2]).toBe(0.0);
    // delta 2: ½·1 + (2·3 − ½·4) + 0 = 4.5, over 3
    expect<f64>(huber_loss(ptr(p), ptr(t), 0, ptr(g), 1, 3, 1.0, 2.0)).toBeCloseTo(1.5);
    expect<f32>(g[1]).toBe(<f32>(<f32>-2.0 * (<f32>1.0 / <f32>3.0)));
  });
  it("bce of logit 0 is log 2; huge logits stay finite and exact", () => {
    const z = new StaticArray<f32>(4), t = new StaticArray<f32>(4), g = new StaticArray<f32>(4);
    z[0] = 0; t[0] = 1;
    z[1] = 1e30; t[1] = 1; // right and certain: 0
    z[2] = -200; t[2] = 1; // wrong and certain: 200
    z[3] = 50; t[3] = 0; // 50
    const L = bce_logits_loss(ptr(z), ptr(t), 0, ptr(g), 1, 4, 1.0, 0);
    expect<bool>(near(L, (Math.log(2) + 0 + 200 + 50) / 4, 1e-6, 0)).toBe(true, L.toString());
    expect<f32>(g[0]).toBe(<f32>-0.125); // (0.5 − 1)/4
    expect<f32>(g[1]).toBe(0.0);
    expect<f32>(g[2]).toBe(<f32>-0.25);
    expect<f32>(g[3]).toBe(<f32>0.25);
    z[1] = NaN;
    expect<bool>(isNaN(bce_logits_loss(ptr(z), ptr(t), 0, ptr(g), 1, 4, 1.0, 0))).toBe(true);
  });
  it("cce with a one-hot target is sparse softmax cross-entropy; smoothing and soft targets", () => {
    const C = 5;
    const z = new StaticArray<f32>(C), t = new StaticArray<f32>(C), p = new StaticArray<f32>(C), g = new StaticArray<f32>(C);
    for (let j = 0; j < C; j++) z[j] = <f32>j * 0.5;
    t[2] = 1;
    let m = 2.0, s = 0.0;
    for (let j = 0; j < C; j++) s += Math.exp(<f64>z[j] - m);
    const lse = Math.log(s) + m;
    expect<bool>(near(cce_logits_loss(ptr(z), ptr(t), 0, ptr(p), ptr(g), 1, C, 1.0, 0), lse - 1.0, 1e-6, 0)).toBe(true);
    // smoothing 0.5: t' = 0.5·onehot + 0.1
    let want = 0.0;
    for (let j = 0; j < C; j++) want += (j == 2 ? 0.6 : 0.1) * (lse - <f64>z[j]);
    expect<bool>(near(cce_logits_loss(ptr(z), ptr(t), 0, ptr(p), ptr(g), 1, C, 1.0, 0.5), want, 1e-6, 0)).toBe(true);
    let sg = 0.0;
    for (let j = 0; j < C; j++) sg += <f64>g[j];
    expect<f64>(Math.abs(sg)).toBeLessThan(1e-6); // targets summing to 1: the gradient sums to 0
    // huge spread: finite
    z[0] = 1e30; z[4] = -1e30;
    expect<bool>(isFinite(cce_logits_loss(ptr(z), ptr(t), 0, ptr(p), ptr(g), 1, C, 1.0, 0))).toBe(true);
  });
  it("weights scale each row's loss and gradient", () => {
    const p = new StaticArray<f32>(2), t = new StaticArray<f32>(2), w = new StaticArray<f32>(2), g = new StaticArray<f32>(2);
    p[0] = 1; p[1] = 1; w[0] = 3; w[1] = 0;
    expect<f64>(mse_loss(ptr(p), ptr(t), ptr(w), ptr(g), 2, 1, 0.5)).toBe(3.0);
    expect<f32>(g[0]).toBe(3.0);
    expect<f32>(g[1]).toBe(0.0);
  });
});

describe("v_log1p_unit", () => {
  it("is within 2.4e-7 relative of f64 log1p on [0, 1]", () => {
    let worst = 0.0;
    for (let i = 0; i <= 200000; i++) {
      const e: f32 = i < 100000 ? <f32>(<f64>i / 100000.0) : <f32>Math.pow(2.0, -<f64>(i - 100000) / 4000.0);
      const v = v_log1p_unit(f32x4.splat(e));
      const got = <f64>f32x4.extract_lane(v, 0);
      const want = Math.log1p(<f64>e);
      if (want > 0) worst = Math.max(worst, Math.abs(got - want) / want);
      else if (got != 0) worst = 1;
    }
    log<string>("v_log1p_unit: worst relative error " + worst.toString());
    expect<f64>(worst).toBeLessThan(2.4e-7);
  });
});
