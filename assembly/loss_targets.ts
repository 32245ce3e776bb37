// Losses against float targets, each fused with its gradient: mean squared error, mean absolute
// error, Huber, binary cross-entropy from logits (one output or several independent labels)
// and categorical cross-entropy from logits with one-hot or soft targets and label smoothing.
//
// Shapes: pred or logits (B, K), target (B, K), weight (B) per-sample weights or 0 for all 1,
// grad (B, K) out or 0 to skip. As Keras defines them, each row's loss is the mean over its K
// values (the sum over the C classes for categorical cross-entropy); the kernels return
// Σ_b w_b·loss_b (f64) and write grad = scale·w_b·∂loss_b/∂pred (scale = 1/B for the mean loss).
// Elementwise kernels run over the B·K values as one flat array (a row's weight is looked up
// per lane where K > 1), so one output per row (K = 1) vectorises as well as many; the last
// B·K % 4 values go through the same vector code in one partial vector. Loss sums are
// accumulated in f32 lanes and folded into f64 every 256 values. A NaN input makes the loss NaN.
//
// Each SIMD kernel has a scalar `_ref` beside it (libm Mathf functions, sequential f64 sums);
// the gradients of mse/mae/huber match their references bit for bit, the others to a few ulp
// (test/assembly/loss_targets.spec.ts).
import { load_partial, store_partial, v_exp } from "./mathx";
import { hsum64, lanes_below, v_log1p_unit, weight_of, weight_vec } from "./loss_math";

// @ts-ignore: decorator
@inline const FOLD: i32 = 64; // vectors summed in f32 before the sum is added into f64

// ---- mean squared error -------------------------------------------------------------------
// loss_b = (1/K) Σ_k (p − t)²;  ∂/∂p = 2(p − t)/K.

/** Mean squared error. pred (B,K), target (B,K), weight (B) or 0, grad (B,K) or 0. */
export function mse_loss(pred: usize, target: usize, weight: usize, grad: usize, B: i32, K: i32, scale: f32): f64 {
  const n = B * K;
  const vc = f32x4.splat(scale * (<f32>2.0 / <f32>K));
  let total: f64 = 0;
  let acc = f32x4.splat(0);
  let i = 0, blk = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const w = weight_vec(weight, i, K, 4);
    const d = f32x4.sub(v128.load(pred + o), v128.load(target + o));
    acc = f32x4.add(acc, f32x4.mul(f32x4.mul(d, d), w));
    if (grad != 0) v128.store(grad + o, f32x4.mul(f32x4.mul(d, vc), w));
    if (++blk == FOLD) { total += hsum64(acc); acc = f32x4.splat(0); blk = 0; }
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    const w = weight_vec(weight, i, K, r);
    const d = f32x4.sub(load_partial(pred + o, r), load_partial(target + o, r)); // 0 in lanes >= r
    acc = f32x4.add(acc, f32x4.mul(f32x4.mul(d, d), w));
    if (grad != 0) store_partial(grad + o, f32x4.mul(f32x4.mul(d, vc), w), r);
  }
  return (total + hsum64(acc)) / <f64>K;
}

/** Scalar reference of mse_loss. */
export function mse_loss_ref(pred: usize, target: usize, weight: usize, grad: usize, B: i32, K: i32, scale: f32): f64 {
  const c: f32 = scale * (<f32>2.0 / <f32>K);
  let total: f64 = 0;
  for (let b = 0; b < B; b++) {
    const w = weight_of(weight, b);
    for (let k = 0; k < K; k++) {
      const o = <usize>(b * K + k) << 2;
      const d = load<f32>(pred + o) - load<f32>(target + o);
      total += <f64>(d * d * w);
      if (grad != 0) store<f32>(grad + o, d * c * w);
    }
  }
  return total / <f64>K;
}

// ---- mean absolute error ------------------------------------------------------------------
// loss_b = (1/K) Σ_k |p − t|;  ∂/∂p = sign(p − t)/K (0 where p = t).

/** Mean absolute error. pred (B,K), target (B,K), weight (B) or 0, grad (B,K) or 0. */
export function mae_loss(pred: usize, target: usize, weight: usize, grad: usize, B: i32, K: i32, scale: f32): f64 {
  const n = B * K;
  const vc = f32x4.splat(scale * (<f32>1.0 / <f32>K));
  const one = f32x4.splat(1.0), zero = f32x4.splat(0);
  let total: f64 = 0;
  let acc = f32x4.splat(0);
  let i = 0, blk = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const w = weight_vec(weight, i, K, 4);
    const d = f32x4.sub(v128.load(pred + o), v128.load(target + o));
    acc = f32x4.add(acc, f32x4.mul(f32x4.abs(d), w));
    if (grad != 0) {
      const s = f32x4.sub(v128.and(f32x4.gt(d, zero), one), v128.and(f32x4.lt(d, zero), one));
      v128.store(grad + o, f32x4.mul(f32x4.mul(s, vc), w));
    }
    if (++blk == FOLD) { total += hsum64(acc); acc = f32x4.splat(0); blk = 0; }
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    const w = weight_vec(weight, i, K, r);
    const d = f32x4.sub(load_partial(pred + o, r), load_partial(target + o, r));
    acc = f32x4.add(acc, f32x4.mul(f32x4.abs(d), w));
    if (grad != 0) {
      const s = f32x4.sub(v128.and(f32x4.gt(d, zero), one), v128.and(f32x4.lt(d, zero), one));
      store_partial(grad + o, f32x4.mul(f32x4.mul(s, vc), w), r);
    }
  }
  return (total + hsum64(acc)) / <f64>K;
}

/** Scalar reference of mae_loss. */
export function mae_loss_ref(pred: usize, target: usize, weight: usize, grad: usize, B: i32, K: i32, scale: f32): f64 {
  const c: f32 = scale * (<f32>1.0 / <f32>K);
  let total: f64 = 0;
  for (let b = 0; b < B; b++) {
    const w = weight_of(weight, b);
    for (let k = 0; k < K; k++) {
      const o = <usize>(b * K + k) << 2;
      const d = load<f32>(pred + o) - load<f32>(target + o);
      total += <f64>(Mathf.abs(d) * w);
      const s: f32 = d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0;
      if (grad != 0) store<f32>(grad + o, s * c * w);
    }
  }
  return total / <f64>K;
}

// ---- Huber --------------------------------------------------------------------------------
// Huber (1964); the form of tf.keras.losses.Huber: with e = p − t, q = min(|e|, δ),
//   ℓ = ½q² + δ(|e| − q)   (½e² for |e| ≤ δ, δ|e| − ½δ² beyond),
// ∂ℓ/∂p = clamp(e, −δ, δ). loss_b = (1/K) Σ_k ℓ.

/** Huber loss with threshold delta > 0. pred (B,K), target (B,K), weight (B) or 0, grad (B,K) or 0. */
export function huber_loss(pred: usize, target: usize, weight: usize, grad: usize, B: i32, K: i32, scale: f32, delta: f32): f64 {
  const n = B * K;
  const vc = f32x4.splat(scale * (<f32>1.0 / <f32>K));
  const vd = f32x4.splat(delta), vnd = f32x4.splat(-delta), half = f32x4.splat(0.5);
  let total: f64 = 0;
  let acc = f32x4.splat(0);
  let i = 0, blk = 0;
  for (; i <= n; i += 4) {
    const r = min(n - i, 4);
    if (r == 0) break;
    const o = <usize>i << 2;
    const w = weight_vec(weight, i, K, r);
    const d = r == 4 ? f32x4.sub(v128.load(pred + o), v128.load(target + o))
      : f32x4.sub(load_partial(pred + o, r), load_partial(target + o, r));
    const a = f32x4.abs(d);
    const q = f32x4.min(a, vd);
    const l = f32x4.add(f32x4.mul(f32x4.mul(half, q), q), f32x4.mul(vd, f32x4.sub(a, q)));
    acc = f32x4.add(acc, f32x4.mul(l, w));
    if (grad != 0) {
      const g = f32x4.mul(f32x4.mul(f32x4.max(f32x4.min(d, vd), vnd), vc), w);
      if (r == 4) v128.store(grad + o, g);
      else store_partial(grad + o, g, r);
    }
    if (++blk == FOLD) { total += hsum64(acc); acc = f32x4.splat(0); blk = 0; }
  }
  return (total + hsum64(acc)) / <f64>K;
}

/** Scalar reference of huber_loss. */
export function huber_loss_ref(pred: usize, target: usize, weight: usize, grad: usize, B: i32, K: i32, scale: f32, delta: f32): f64 {
  const c: f32 = scale * (<f32>1.0 / <f32>K);
  let total: f64 = 0;
  for (let b = 0; b < B; b++) {
    const w = weight_of(weight, b);
    for (let k = 0; k < K; k++) {
      const o = <usize>(b * K + k) << 2;
      const d = load<f32>(pred + o) - load<f32>(target + o);
      const a = Mathf.abs(d);
      const q = Mathf.min(a, delta);
      total += <f64>((<f32>0.5 * q * q + delta * (a - q)) * w);
      if (grad != 0) store<f32>(grad + o, Mathf.max(Mathf.min(d, delta), -delta) * c * w);
    }
  }
  return total / <f64>K;
}

// ---- binary cross-entropy from logits -----------------------------------------------------
// With label smoothing ε as Keras applies it, t' = t(1 − ε) + ε/2, and the softplus form of
// tf.nn.sigmoid_cross_entropy_with_logits (its documentation derives it):
//   ℓ = max(z, 0) − z·t' + log(1 + e^(−|z|)),
// which never overflows and never takes the log of 0. ∂ℓ/∂z = σ(z) − t', with σ(z) from the
// same e = e^(−|z|): 1/(1 + e) for z ≥ 0, e/(1 + e) below. loss_b = (1/K) Σ_k ℓ.

/** Binary cross-entropy on logits. logits (B,K), target (B,K) in [0,1], weight (B) or 0, grad (B,K) or 0. */
export function bce_logits_loss(logits: usize, target: usize, weight: usize, grad: usize, B: i32, K: i32, scale: f32, smoothing: f32): f64 {
  const n = B * K;
  const vc = f32x4.splat(scale * (<f32>1.0 / <f32>K));
  const va = f32x4.splat(<f32>1.0 - smoothing), vb = f32x4.splat(<f32>0.5 * smoothing);
  const zero = f32x4.splat(0), one = f32x4.splat(1.0);
  let total: f64 = 0;
  let acc = f32x4.splat(0);
  let blk = 0;
  for (let i = 0; i < n; i += 4) {
    const r = min(n - i, 4);
    const o = <usize>i << 2;
    const w = weight_vec(weight, i, K, r);
    const z = r == 4 ? v128.load(logits + o) : load_partial(logits + o, r);
    const t = f32x4.add(f32x4.mul(r == 4 ? v128.load(target + o) : load_partial(target + o, r), va), vb);
    const e = v_exp(f32x4.neg(f32x4.abs(z)));
    let l = f32x4.add(f32x4.sub(f32x4.max(z, zero), f32x4.mul(z, t)), v_log1p_unit(e));
    if (r < 4) l = v128.and(l, lanes_below(r));
    acc = f32x4.add(acc, f32x4.mul(l, w));
    if (grad != 0) {
      const inv = f32x4.div(one, f32x4.add(one, e));
      const sig = v128.bitselect(inv, f32x4.mul(e, inv), f32x4.ge(z, zero));
      const g = f32x4.mul(f32x4.mul(f32x4.sub(sig, t), vc), w);
      if (r == 4) v128.store(grad + o, g);
      else store_partial(grad + o, g, r);
    }
    if (++blk == FOLD) { total += hsum64(acc); acc = f32x4.splat(0); blk = 0; }
  }
  return (total + hsum64(acc)) / <f64>K;
}

/** Scalar reference of bce_logits_loss. */
export function bce_logits_loss_ref(logits: usize, target: usize, weight: usize, grad: usize, B: i32, K: i32, scale: f32, smoothing: f32): f64 {
  const c: f32 = scale * (<f32>1.0 / <f32>K);
  const a: f32 = <f32>1.0 - smoothing, bb: f32 = <f32>0.5 * smoothing;
  let total: f64 = 0;
  for (let b = 0; b < B; b++) {
    const w = weight_of(weight, b);
    for (let k = 0; k < K; k++) {
      const o = <usize>(b * K + k) << 2;
      const z = load<f32>(logits + o);
      const t = load<f32>(target + o) * a + bb;
      const e = Mathf.exp(-Mathf.abs(z));
      total += <f64>((Mathf.max(z, 0) - z * t + Mathf.log1p(e)) * w);
      const inv: f32 = <f32>1.0 / (<f32>1.0 + e);
      const sig: f32 = z >= 0 ? inv : e * inv;
      if (grad != 0) store<f32>(grad + o, (sig - t) * c * w);
    }
  }
  return total / <f64>K;
}

// ---- categorical cross-entropy from logits ------------------------------------------------
// With label smoothing ε as Keras applies it, t' = t(1 − ε) + ε/C, and log-sum-exp shifted by
// the row's maximum m (as softmax_xent in assembly/loss.ts):
//   loss_b = Σ_j t'_j (log Σ_i e^(z_i − m) − (z_j − m)) = S·log Σ − Σ_j t'_j (z_j − m),  S = Σ_j t'_j,
// ∂/∂z_j = S·softmax(z)_j − t'_j (softmax − t' for targets that sum to 1). probs gets softmax(z).
// The sums S, Σ t'(z − m) and Σ e^(z − m) are accumulated in f32 lanes, the log and the row's
// loss in f64.

/** Categorical cross-entropy on logits. logits (B,C), target (B,C), weight (B) or 0, probs (B,C) out, grad (B,C) or 0. */
export function cce_logits_loss(logits: usize, target: usize, weight: usize, probs: usize, grad: usize, B: i32, C: i32, scale: f32, smoothing: f32): f64 {
  let loss: f64 = 0;
  const rowBytes = <usize>C << 2;
  const va = f32x4.splat(<f32>1.0 - smoothing), vb = f32x4.splat(smoothing / <f32>C);
  for (let b = 0; b < B; b++) {
    const z = logits + <usize>b * rowBytes, t = target + <usize>b * rowBytes;
    const pr = probs + <usize>b * rowBytes, d = grad + <usize>b * rowBytes;
    // pass 1: the maximum
    let vm = f32x4.splat(-Infinity);
    for (let j = 0; j < C; j += 4) {
      const r = min(C - j, 4);
      const o = <usize>j << 2;
      const x = r == 4 ? v128.load(z + o) : v128.bitselect(load_partial(z + o, r), f32x4.splat(-Infinity), lanes_below(r));
      vm = f32x4.max(vm, x);
    }
    const m = Mathf.max(Mathf.max(f32x4.extract_lane(vm, 0), f32x4.extract_lane(vm, 1)),
      Mathf.max(f32x4.extract_lane(vm, 2), f32x4.extract_lane(vm, 3)));
    // pass 2: e^(z − m) into probs, Σ e, S and Σ t'(z − m)
    const vmax = f32x4.splat(m);
    let vs = f32x4.splat(0), vS = f32x4.splat(0), vT = f32x4.splat(0);
    for (let j = 0; j < C; j += 4) {
      const r = min(C - j, 4);
      const o = <usize>j << 2;
      const zm = f32x4.sub(r == 4 ? v128.load(z + o) : load_partial(z + o, r), vmax);
      let e = v_exp(zm);
      let tt = f32x4.add(f32x4.mul(r == 4 ? v128.load(t + o) : load_partial(t + o, r), va), vb);
      if (r == 4) v128.store(pr + o, e);
      else {
        store_partial(pr + o, e, r);
        const live = lanes_below(r);
        e = v128.and(e, live);
        tt = v128.and(tt, live);
      }
      vs = f32x4.add(vs, e);
      vS = f32x4.add(vS, tt);
      vT = f32x4.add(vT, v128.and(f32x4.mul(tt, zm), f32x4.ne(tt, f32x4.splat(0)))); // t' = 0 adds nothing, also where z − m = −inf
    }
    const sum = <f32>hsum64(vs), S = <f32>hsum64(vS);
    const w = weight_of(weight, b);
    // pass 3: normalise, and the gradient (S·p − t')·scale·w
    const vinv = f32x4.splat(<f32>1.0 / sum), vSS = f32x4.splat(S), vsw = f32x4.splat(scale * w);
    for (let j = 0; j < C; j += 4) {
      const r = min(C - j, 4);
      const o = <usize>j << 2;
      const p = f32x4.mul(r == 4 ? v128.load(pr + o) : load_partial(pr + o, r), vinv);
      if (r == 4) v128.store(pr + o, p);
      else store_partial(pr + o, p, r);
      if (grad != 0) {
        const tt = f32x4.add(f32x4.mul(r == 4 ? v128.load(t + o) : load_partial(t + o, r), va), vb);
        const g = f32x4.mul(f32x4.sub(f32x4.mul(p, vSS), tt), vsw);
        if (r == 4) v128.store(d + o, g);
        else store_partial(d + o, g, r);
      }
    }
    loss += <f64>w * (<f64>S * Math.log(<f64>sum) - hsum64(vT));
  }
  return loss;
}

/** Scalar reference of cce_logits_loss. */
export function cce_logits_loss_ref(logits: usize, target: usize, weight: usize, probs: usize, grad: usize, B: i32, C: i32, scale: f32, smoothing: f32): f64 {
  let loss: f64 = 0;
  const a: f32 = <f32>1.0 - smoothing, bb: f32 = smoothing / <f32>C;
  for (let b = 0; b < B; b++) {
    const row = <usize>b * (<usize>C << 2);
    let m: f32 = -Infinity;
    for (let j = 0; j < C; j++) m = Mathf.max(m, load<f32>(logits + row + (<usize>j << 2)));
    let sum: f32 = 0, S: f32 = 0;
    let T: f64 = 0;
    for (let j = 0; j < C; j++) {
      const o = row + (<usize>j << 2);
      const zm = load<f32>(logits + o) - m;
      const e = Mathf.exp(zm);
      store<f32>(probs + o, e);
      sum += e;
      const tt = load<f32>(target + o) * a + bb;
      S += tt;
      if (tt != 0) T += <f64>(tt * zm);
    }
    const w = weight_of(weight, b);
    const sw: f32 = scale * w;
    for (let j = 0; j < C; j++) {
      const o = row + (<usize>j << 2);
      const p = load<f32>(probs + o) * (<f32>1.0 / sum);
      store<f32>(probs + o, p);
      if (grad != 0) store<f32>(grad + o, (p * S - (load<f32>(target + o) * a + bb)) * sw);
    }
    loss += <f64>w * (<f64>S * Math.log(<f64>sum) - T);
  }
  return loss;
}
