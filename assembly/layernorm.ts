// Layer normalization over the last axis (Ba, Kiros, Hinton 2016), as Keras's LayerNormalization:
//   x (rows, cols) → xhat = (x − μ_row)/√(σ²_row + ε), y = γ·xhat + β, γ, β (cols);
//   μ, σ² (biased) per row, accumulated in f64 in column order by one scalar helper both
//   kernels share; the SIMD kernels vectorise the elementwise parts only, so they are
//   bit-identical to the references. xhat (rows, cols) and rstd (rows) = 1/√(σ² + ε) are kept
//   for the backward pass:
//   dγ = Σ_rows dy·xhat, dβ = Σ_rows dy (rows in order), and with g = dy·γ,
//   dx = rstd·(g − mean(g) − xhat·mean(g·xhat)) per row.

// @ts-ignore: decorator
@inline function row_mean(x: usize, cols: i32): f32 {
  let s: f64 = 0;
  for (let j = 0; j < cols; j++) s += <f64>load<f32>(x + (<usize>j << 2));
  return <f32>(s / <f64>cols); // the mean; the variance is row_rstd's
}

// @ts-ignore: decorator
@inline function row_rstd(x: usize, cols: i32, mean: f32, eps: f32): f32 {
  let v: f64 = 0;
  for (let j = 0; j < cols; j++) { const d = <f64>load<f32>(x + (<usize>j << 2)) - <f64>mean; v += d * d; }
  return <f32>(1.0 / Math.sqrt(v / <f64>cols + <f64>eps));
}

/** y, xhat (rows, cols), rstd (rows) from x (rows, cols), γ, β (cols). */
export function layernorm_forward(x: usize, gamma: usize, beta: usize, y: usize, xhat: usize, rstd: usize,
                                  rows: i32, cols: i32, eps: f32): void {
  const c4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>cols << 2;
    const mean = row_mean(x + off, cols), rs = row_rstd(x + off, cols, mean, eps);
    store<f32>(rstd + (<usize>r << 2), rs);
    const vm = f32x4.splat(mean), vr = f32x4.splat(rs);
    for (let j = 0; j < c4; j += 4) {
      const o = <usize>j << 2;
      const h = f32x4.mul(f32x4.sub(v128.load(x + off + o), vm), vr);
      v128.store(xhat + off + o, h);
      v128.store(y + off + o, f32x4.add(f32x4.mul(v128.load(gamma + o), h), v128.load(beta + o)));
    }
    for (let j = c4; j < cols; j++) {
      const o = <usize>j << 2;
      const h = (load<f32>(x + off + o) - mean) * rs;
      store<f32>(xhat + off + o, h);
      store<f32>(y + off + o, load<f32>(gamma + o) * h + load<f32>(beta + o));
    }
  }
}

/** Reference of layernorm_forward. */
export function layernorm_forward_ref(x: usize, gamma: usize, beta: usize, y: usize, xhat: usize, rstd: usize,
                                      rows: i32, cols: i32, eps: f32): void {
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>cols << 2;
    const mean = row_mean(x + off, cols), rs = row_rstd(x + off, cols, mean, eps);
    store<f32>(rstd + (<usize>r << 2), rs);
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2;
      const h = (load<f32>(x + off + o) - mean) * rs;
      store<f32>(xhat + off + o, h);
      store<f32>(y + off + o, load<f32>(gamma + o) * h + load<f32>(beta + o));
    }
  }
}

// the two row means of the backward pass, each summed in f64 in column order (shared by the
// SIMD kernel and its reference): mean(g) and mean(g·xhat), g = dy·γ. Two loops rather than a
// global for the second result: kernels keep no state (the threaded build has no mutable global).
// @ts-ignore: decorator
@inline function row_mean_g(dy: usize, gamma: usize, cols: i32): f32 {
  let a: f64 = 0;
  for (let j = 0; j < cols; j++) {
    const o = <usize>j << 2;
    a += <f64>(load<f32>(dy + o) * load<f32>(gamma + o));
  }
  return <f32>(a / <f64>cols);
}

// @ts-ignore: decorator
@inline function row_mean_gh(dy: usize, xhat: usize, gamma: usize, cols: i32): f32 {
  let b: f64 = 0;
  for (let j = 0; j < cols; j++) {
    const o = <usize>j << 2;
    b += <f64>(load<f32>(dy + o) * load<f32>(gamma + o)) * <f64>load<f32>(xhat + o);
  }
  return <f32>(b / <f64>cols);
}

/** dx (rows, cols), dγ, dβ (cols; overwritten) from dy, xhat, rstd, γ. */
export function layernorm_backward(dy: usize, xhat: usize, rstd: usize, gamma: usize, dx: usize, dgamma: usize, dbeta: usize,
                                   rows: i32, cols: i32): void {
  memory.fill(dgamma, 0, <usize>cols << 2);
  memory.fill(dbeta, 0, <usize>cols << 2);
  const c4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>cols << 2;
    const ma = row_mean_g(dy + off, gamma, cols), mb = row_mean_gh(dy + off, xhat + off, gamma, cols), rs = load<f32>(rstd + (<usize>r << 2));
    const va = f32x4.splat(ma), vb = f32x4.splat(mb), vr = f32x4.splat(rs);
    for (let j = 0; j < c4; j += 4) {
      const o = <usize>j << 2;
      const d = v128.load(dy + off + o), h = v128.load(xhat + off + o);
      v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), f32x4.mul(d, h)));
      v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), d));
      const g = f32x4.mul(d, v128.load(gamma + o));
      v128.store(dx + off + o, f32x4.mul(vr, f32x4.sub(f32x4.sub(g, va), f32x4.mul(h, vb))));
    }
    for (let j = c4; j < cols; j++) {
      const o = <usize>j << 2;
      const d = load<f32>(dy + off + o), h = load<f32>(xhat + off + o);
      store<f32>(dgamma + o, load<f32>(dgamma + o) + d * h);
      store<f32>(dbeta + o, load<f32>(dbeta + o) + d);
      store<f32>(dx + off + o, rs * ((d * load<f32>(gamma + o) - ma) - h * mb));
    }
  }
}

/** Reference of layernorm_backward. */
export function layernorm_backward_ref(dy: usize, xhat: usize, rstd: usize, gamma: usize, dx: usize, dgamma: usize, dbeta: usize,
                                       rows: i32, cols: i32): void {
  for (let j = 0; j < cols; j++) { store<f32>(dgamma + (<usize>j << 2), 0); store<f32>(dbeta + (<usize>j << 2), 0); }
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>cols << 2;
    const ma = row_mean_g(dy + off, gamma, cols), mb = row_mean_gh(dy + off, xhat + off, gamma, cols), rs = load<f32>(rstd + (<usize>r << 2));
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2;
      const d = load<f32>(dy + off + o), h = load<f32>(xhat + off + o);
      store<f32>(dgamma + o, load<f32>(dgamma + o) + d * h);
      store<f32>(dbeta + o, load<f32>(dbeta + o) + d);
      store<f32>(dx + off + o, rs * ((d * load<f32>(gamma + o) - ma) - h * mb));
    }
  }
}
