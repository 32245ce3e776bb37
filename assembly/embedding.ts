// Embedding lookup: y[i] = table[idx[i]] for each of `count` indices (the inputs are f32, as
// every model input is; an index must be an integer in [0, vocab)).
//   idx (count) f32, table (vocab, dim), y (count, dim).
// Forward copies rows (4 floats at a time, scalar tail); it checks every index first and, for the
// first bad one, writes nothing and returns its position (−1 when all are good), so the binding
// can name it. Backward: dtable = 0, then dtable[idx[i]] += dy[i] in index order (both kernels
// add in that order: bit-identical); bad indices (not possible after a good forward) are counted.

// @ts-ignore: decorator
@inline function bad_index(v: f32, vocab: i32): bool {
  return !(v >= 0 && v < <f32>vocab && v == Mathf.floor(v)); // NaN fails every comparison
}

// @ts-ignore: decorator
@inline function first_bad(idx: usize, count: i32, vocab: i32): i32 {
  for (let i = 0; i < count; i++) if (bad_index(load<f32>(idx + (<usize>i << 2)), vocab)) return i;
  return -1;
}

/** y (count, dim) = rows idx of table (vocab, dim); returns the first bad index's position, or −1 (then y is written). */
export function embedding_forward(idx: usize, table: usize, y: usize, count: i32, vocab: i32, dim: i32): i32 {
  const bad = first_bad(idx, count, vocab);
  if (bad >= 0) return bad;
  const d4 = dim & ~3;
  for (let i = 0; i < count; i++) {
    const src = table + (<usize>(<i32>load<f32>(idx + (<usize>i << 2))) * <usize>dim << 2);
    const dst = y + (<usize>i * <usize>dim << 2);
    for (let j = 0; j < d4; j += 4) v128.store(dst + (<usize>j << 2), v128.load(src + (<usize>j << 2)));
    for (let j = d4; j < dim; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
  }
  return -1;
}

/** Reference of embedding_forward. */
export function embedding_forward_ref(idx: usize, table: usize, y: usize, count: i32, vocab: i32, dim: i32): i32 {
  const bad = first_bad(idx, count, vocab);
  if (bad >= 0) return bad;
  for (let i = 0; i < count; i++) {
    const r = <i32>load<f32>(idx + (<usize>i << 2));
    for (let j = 0; j < dim; j++) store<f32>(y + (<usize>(i * dim + j) << 2), load<f32>(table + (<usize>(r * dim + j) << 2)));
  }
  return -1;
}

/** dtable (vocab, dim) = 0, then dtable[idx[i]] += dy[i] in order. Returns the number of bad indices (skipped). */
export function embedding_backward(idx: usize, dy: usize, dtable: usize, count: i32, vocab: i32, dim: i32): i32 {
  memory.fill(dtable, 0, <usize>vocab * <usize>dim << 2);
  const d4 = dim & ~3;
  let bad = 0;
  for (let i = 0; i < count; i++) {
    const v = load<f32>(idx + (<usize>i << 2));
    if (bad_index(v, vocab)) { bad++; continue; }
    const dst = dtable + (<usize>(<i32>v) * <usize>dim << 2);
    const src = dy + (<usize>i * <usize>dim << 2);
    for (let j = 0; j < d4; j += 4) {
      const p = dst + (<usize>j << 2);
      v128.store(p, f32x4.add(v128.load(p), v128.load(src + (<usize>j << 2))));
    }
    for (let j = d4; j < dim; j++) {
      const p = dst + (<usize>j << 2);
      store<f32>(p, load<f32>(p) + load<f32>(src + (<usize>j << 2)));
    }
  }
  return bad;
}

/** Reference of embedding_backward. */
export function embedding_backward_ref(idx: usize, dy: usize, dtable: usize, count: i32, vocab: i32, dim: i32): i32 {
  for (let i = 0; i < vocab * dim; i++) store<f32>(dtable + (<usize>i << 2), 0);
  let bad = 0;
  for (let i = 0; i < count; i++) {
    const v = load<f32>(idx + (<usize>i << 2));
    if (bad_index(v, vocab)) { bad++; continue; }
    const r = <i32>v;
    for (let j = 0; j < dim; j++) {
      const p = dtable + (<usize>(r * dim + j) << 2);
      store<f32>(p, load<f32>(p) + load<f32>(dy + (<usize>(i * dim + j) << 2)));
    }
  }
  return bad;
}
