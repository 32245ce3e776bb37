// act_forward's sigmoid loop (activations.ts dispatches to it), in a file of its own.

import { v_sigmoid, load_partial, store_partial } from "./mathx";

// sigmoid's own loop, eight independent vectors per step, the same v_sigmoid (so the same bits).
// One vector per step ran at 0.4× tfjs-wasm: v_sigmoid is one dependency chain of ~40
// instructions and ~85 cycles (exp's reduction and Horner polynomial, then the division), and
// V8 re-materialized its vector constants every iteration, so the out-of-order window held
// little independent work. Eight chains per step (measured call against call, 1M elements:
// 1.06× tfjs-wasm with four, 1.2-1.4× with eight) keep the core busy and load the constants
// once per 32 elements.
export function sigmoid_forward_f32x4(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 32 <= n; i += 32) {
    const o = <usize>i << 2;
    const a = v128.load(x + o), b = v128.load(x + o, 16), c = v128.load(x + o, 32), d = v128.load(x + o, 48);
    const e = v128.load(x + o, 64), f = v128.load(x + o, 80), g = v128.load(x + o, 96), h = v128.load(x + o, 112);
    v128.store(y + o, v_sigmoid(a));
    v128.store(y + o, v_sigmoid(b), 16);
    v128.store(y + o, v_sigmoid(c), 32);
    v128.store(y + o, v_sigmoid(d), 48);
    v128.store(y + o, v_sigmoid(e), 64);
    v128.store(y + o, v_sigmoid(f), 80);
    v128.store(y + o, v_sigmoid(g), 96);
    v128.store(y + o, v_sigmoid(h), 112);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, v_sigmoid(v128.load(x + o)));
  }
  const r = n - i;
  if (r > 0) {
    const o = <usize>i << 2;
    store_partial(y + o, v_sigmoid(load_partial(x + o, r)), r);
  }
}

