// act_forward's tanh loop (activations.ts dispatches to it), in a file of its own: four
// independent vectors per step, the same v_tanh (so the same bits).
//
// With one vector per step each iteration is one dependency chain (v_tanh computes both of
// its branches: the odd polynomial and exp's reduction, polynomial and division) and V8
// re-materializes the vector constants every iteration, so the core had little independent
// work in flight; act_sigmoid.ts found the same for sigmoid. Four chains per step: 1.4-1.6×
// the one-vector loop's speed at 128K elements (measured interleaved against the previous
// build in one process, outputs compared bit for bit). The GAAF loops, whose vectors each
// run two exps, were tried the same way (two and four vectors per step) and gained 0-13%, so
// they stay as they are.
//
// x (n), y (n).

import { v_tanh, load_partial, store_partial } from "./mathx";

export function tanh_forward_f32x4(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    const a = v128.load(x + o), b = v128.load(x + o, 16), c = v128.load(x + o, 32), d = v128.load(x + o, 48);
    v128.store(y + o, v_tanh(a));
    v128.store(y + o, v_tanh(b), 16);
    v128.store(y + o, v_tanh(c), 32);
    v128.store(y + o, v_tanh(d), 48);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, v_tanh(v128.load(x + o)));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    store_partial(y + o, v_tanh(load_partial(x + o, r)), r);
  }
}
