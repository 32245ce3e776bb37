// Optimizer updates, elementwise over a parameter tensor. Plain f32 arithmetic with no fused
// multiply-add, in the same operation order in the SIMD kernels and the scalar references, so
// both give bit-identical results (asserted by the tests).

// One vector of sgd_update at the addresses w, g, v.
// @ts-ignore: decorator
@inline function sgd_vec(w: usize, g: usize, v: usize, vlr: v128, vmom: v128, vwd: v128): void {
  const wv = v128.load(w);
  const gv = f32x4.add(v128.load(g), f32x4.mul(vwd, wv));
  const vv = f32x4.add(f32x4.mul(vmom, v128.load(v)), gv);
  v128.store(v, vv);
  v128.store(w, f32x4.sub(wv, f32x4.mul(vlr, vv)));
}

/**
 * SGD with momentum and L2 weight decay (coupled, added to the gradient):
 *   g' = g + wd·w;  v = momentum·v + g';  w −= lr·v
 * w (n) in/out, g (n), v (n) in/out velocity. momentum = 0 is plain SGD (v is still written).
 */
export function sgd_update(w: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, weightDecay: f32): void {
  const vlr = f32x4.splat(lr), vmom = f32x4.splat(momentum), vwd = f32x4.splat(weightDecay);
  let i = 0;
  // four vectors per step: 1.19-1.23x the one-vector loop at n = 7850 to 10^6 (V8 on Zen5, a
  // probe interleaving the two, 2026-12-03); each element's arithmetic is unchanged
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    sgd_vec(w + o, g + o, v + o, vlr, vmom, vwd);
    sgd_vec(w + o + 16, g + o + 16, v + o + 16, vlr, vmom, vwd);
    sgd_vec(w + o + 32, g + o + 32, v + o + 32, vlr, vmom, vwd);
    sgd_vec(w + o + 48, g + o + 48, v + o + 48, vlr, vmom, vwd);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    sgd_vec(w + o, g + o, v + o, vlr, vmom, vwd);
  }
  // the n % 4 tail is the reference itself: the same operations in the same order
  const t = <usize>i << 2;
  sgd_update_ref(w + t, g + t, v + t, n - i, lr, momentum, weightDecay);
}

/** Scalar reference of sgd_update (bit-identical). w (n), g (n), v (n). */
export function sgd_update_ref(w: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, weightDecay: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const wv = load<f32>(w + o);
    const gv = load<f32>(g + o) + weightDecay * wv;
    const vv = momentum * load<f32>(v + o) + gv;
    store<f32>(v + o, vv);
    store<f32>(w + o, wv - lr * vv);
  }
}

/**
 * Adam (Kingma & Ba 2015, Algorithm 1) with coupled L2 weight decay:
 *   g' = g + wd·w
 *   m = b1·m + (1 − b1)·g'
 *   v = b2·v + (1 − b2)·(g'·g')
 *   w −= (lr·(m/bc1)) / (sqrt(v/bc2) + eps)
 * bc1 = 1 − b1^t and bc2 = 1 − b2^t are computed by the caller for step t (1-based).
 * w (n) in/out, g (n), m (n) in/out, v (n) in/out.
 */
export function adam_update(w: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32, eps: f32, bc1: f32, bc2: f32, weightDecay: f32): void {
  const c1: f32 = <f32>1.0 - beta1, c2: f32 = <f32>1.0 - beta2;
  const vlr = f32x4.splat(lr), vb1 = f32x4.splat(beta1), vb2 = f32x4.splat(beta2);
  const vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2), veps = f32x4.splat(eps);
  const vbc1 = f32x4.splat(bc1), vbc2 = f32x4.splat(bc2), vwd = f32x4.splat(weightDecay);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const wv = v128.load(w + o);
    const gv = f32x4.add(v128.load(g + o), f32x4.mul(vwd, wv));
    const mv = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vc1, gv));
    const vv = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vc2, f32x4.mul(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const num = f32x4.mul(vlr, f32x4.div(mv, vbc1));
    const den = f32x4.add(f32x4.sqrt(f32x4.div(vv, vbc2)), veps);
    v128.store(w + o, f32x4.sub(wv, f32x4.div(num, den)));
  }
  // the n % 4 tail is the reference itself: the same operations in the same order
  const t = <usize>i << 2;
  adam_update_ref(w + t, g + t, m + t, v + t, n - i, lr, beta1, beta2, eps, bc1, bc2, weightDecay);
}

/** Scalar reference of adam_update (bit-identical). w (n), g (n), m (n), v (n). */
export function adam_update_ref(w: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32, eps: f32, bc1: f32, bc2: f32, weightDecay: f32): void {
  const c1: f32 = <f32>1.0 - beta1, c2: f32 = <f32>1.0 - beta2;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const wv = load<f32>(w + o);
    const gv = load<f32>(g + o) + weightDecay * wv;
    const mv = beta1 * load<f32>(m + o) + c1 * gv;
    const vv = beta2 * load<f32>(v + o) + c2 * (gv * gv);
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    store<f32>(w + o, wv - (lr * (mv / bc1)) / (Mathf.sqrt(vv / bc2) + eps));
  }
}
