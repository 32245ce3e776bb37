// Comparisons of a kernel's output with its reference in the kernel specs: the index of the
// first element that differs, or −1.

/** The first of n elements whose bits differ (a NaN matches only the same NaN's bits), or −1. */
export function firstDiff(a: StaticArray<f32>, b: StaticArray<f32>, n: i32): i32 {
  for (let i = 0; i < n; i++) if (reinterpret<u32>(a[i]) != reinterpret<u32>(b[i])) return i;
  return -1;
}

/** The first of n elements of a farther than 1e-5·(1 + T)·max(1, |b|) from b (a sum of T terms in another order), or −1; NaN fails. */
export function firstBad(a: StaticArray<f32>, b: StaticArray<f32>, n: i32, T: i32): i32 {
  for (let i = 0; i < n; i++) {
    const tol = <f32>1e-5 * <f32>(T + 1) * max<f32>(1, Mathf.abs(b[i]));
    if (!(Mathf.abs(a[i] - b[i]) <= tol)) return i;
  }
  return -1;
}
