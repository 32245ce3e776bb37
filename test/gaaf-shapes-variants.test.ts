// GAAF shape variants (src/gaaf.ts, assembly/gaaf_shapes.ts): the ring and the bell at any
// height for tanh and sigmoid, the left bump and the shifted sigmoid at any height for relu,
// and the surrogate (forward φ exactly, backward φ′ + s). g is a sawtooth of period 1/K, so a
// central difference over a step wider than 1/K sees only φ′ (see gaaf.test.ts): each layer's
// backward is checked against central differences of the plain layer plus s·dy (s by its
// formula), and against float64 φ′ + s, on both kernel implementations; the surrogate's own
// forward is differenced, since it is φ. Then the ring's derivative check, the defaults, the
// errors, and the options through config and a checkpoint.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  init, Activation, Sequential, type GaafOptions, layerFromConfig, memoryHandler, ops, resolveGaaf, setKernelImpl,
} from '../src/node.js';
import { assertClose, randomArray, randomLabels } from './helpers.js';

await init();

const sig = (v: number): number => 1 / (1 + Math.exp(-v));
type Kind = 'tanh' | 'sigmoid' | 'relu' | 'leakyRelu';
const phi: Record<Kind, (x: number) => number> = { tanh: Math.tanh, sigmoid: sig, relu: (x) => Math.max(0, x), leakyRelu: (x) => (x > 0 ? x : 0.3 * x) };
const dphi: Record<Kind, (x: number) => number> = {
  tanh: (x) => 1 - Math.tanh(x) ** 2, sigmoid: (x) => sig(x) * (1 - sig(x)), relu: (x) => (x > 0 ? 1 : 0), leakyRelu: (x) => (x > 0 ? 1 : 0.3),
};
/** The shapes as src/gaaf.ts documents them. */
function s(kind: Kind, g: GaafOptions, x: number): number {
  const h = g.height ?? 1;
  if (kind === 'leakyRelu') return 0.7 * sig(3.3 * (x + 0.6));
  if (g.shape === 'ring') { const u = x * x / (g.c ?? (kind === 'tanh' ? 2 : 8)); return h * u * Math.exp(1 - u); }
  if (g.shape === 'leftBump') return x <= 0 ? h * Math.exp(-x * x / (g.c ?? 0.75)) : 0;
  if (kind === 'relu') return h * sig((g.a ?? 3.3) * (x - (g.b ?? -0.6)));
  return h * Math.exp(-x * x / (g.c ?? (kind === 'tanh' ? 3 : 12)));
}

const CASES: Array<[Kind, GaafOptions]> = [
  ['tanh', { shape: 'ring' }], ['tanh', { shape: 'ring', c: 0.7, height: 2 }], ['tanh', { height: 0.5 }],
  ['sigmoid', { height: 0.25 }], ['sigmoid', { shape: 'ring' }],
  ['relu', { shape: 'leftBump' }], ['relu', { shape: 'leftBump', c: 2, height: 0.5 }], ['relu', { height: 0.5, a: 2 }],
  ['tanh', { surrogate: true }], ['tanh', { surrogate: true, shape: 'ring', K: 100 }], ['sigmoid', { surrogate: true, height: 0.25 }],
  ['relu', { surrogate: true, shape: 'leftBump' }], ['relu', { surrogate: true }], ['leakyRelu', { surrogate: true }],
];

for (const [kind, g] of CASES) {
  const name = `${kind} ${JSON.stringify(g)}`;
  for (const impl of ['simd', 'scalar'] as const) {
    test(`GAAF ${name} (${impl}): backward = central differences + s·dy, and float64 φ′ + s; forward within 0.5/K of φ`, () => {
      setKernelImpl(impl);
      try {
        const n = 40, batch = 2;
        // x away from relu's kink at 0 (a difference across it would see both slopes)
        const x = Float32Array.from(randomArray(batch * n, 91, 4), (v) => (Math.abs(v) < 0.02 ? v + 0.05 : v));
        const y = randomLabels(batch, n, 92);
        const accel = new Sequential([new Activation(kind, { gaaf: g })], { inputShape: [n] }).build(undefined, { seed: 1 });
        const plain = new Sequential([new Activation(kind)], { inputShape: [n] }).build(undefined, { seed: 1 });
        const dx = accel.lossAndGradients(x, y, { inputGrad: true }).inputGrad!;
        const dy = new Float64Array(x.length);
        for (let r = 0; r < batch; r++) {
          const h = Array.from(x.subarray(r * n, r * n + n), (v) => phi[kind](v));
          const m = Math.max(...h), e = h.map((v) => Math.exp(v - m)), t = e.reduce((p, v) => p + v);
          e.forEach((v, j) => { dy[r * n + j] = (v / t - (j === y[r] ? 1 : 0)) / batch; });
        }
        // a surrogate's forward is φ: its own central differences give φ′, to which s is added
        const differenced = g.surrogate ? accel : plain;
        const EPS = 1e-2, numeric = new Float64Array(x.length), ref = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) {
          const x0 = x[i];
          x[i] = x0 + EPS; const lp = differenced.lossAndGradients(x, y).loss;
          x[i] = x0 - EPS; const lm = differenced.lossAndGradients(x, y).loss;
          x[i] = x0;
          numeric[i] = (lp - lm) / (Math.fround(x0 + EPS) - Math.fround(x0 - EPS)) + s(kind, g, x0) * dy[i];
          ref[i] = dy[i] * (dphi[kind](x0) + s(kind, g, x0));
        }
        assertClose(`${name} backward vs differences + s`, dx, numeric, 2e-2, 2e-5);
        assertClose(`${name} backward vs float64 φ′ + s`, dx, ref, 2e-3, 1e-7);
        accel.predict(x);
        plain.predict(x);
        const out = (accel.layers[0] as Activation).output()!.read(x.length);
        const base = (plain.layers[0] as Activation).output()!.read(x.length);
        if (g.surrogate) {
          assert.deepEqual(new Uint32Array(out.buffer), new Uint32Array(base.buffer), `${name}: the surrogate's forward is not φ's bits`);
        } else {
          const K = g.K ?? 1e4;
          let moved = 0;
          for (let i = 0; i < x.length; i++) {
            const d = Math.abs(out[i] - phi[kind](x[i]));
            assert.ok(d <= (0.5 / K) * (g.height ?? 1) * 1.01 + 3e-7 * Math.max(1, Math.abs(out[i])), `${name} at ${x[i]}: |φ_new − φ| = ${d}`);
            moved = Math.max(moved, d);
          }
          assert.ok(moved > 1e-6, `${name}: GAAF moved the forward by ${moved} at most`);
        }
        accel.dispose(); plain.dispose();
      } finally {
        setKernelImpl('simd');
      }
    });
  }
}

test('the ring: 0 at x = 0, its maximum h at |x| = √c (s′ = 0 there), falling on either side; the left bump is 0 for x > 0', () => {
  const c = 2, h = 0.5;
  const xs = Float32Array.from({ length: 4001 }, (_, i) => -4 + i * 0.002);
  const ones = new Float32Array(xs.length).fill(1);
  const added = ops.activationBackward('tanh', xs, ones, { gaaf: { shape: 'ring', c, height: h } });
  const plain = ops.activationBackward('tanh', xs, ones);
  const ring = Array.from(xs, (_, i) => added[i] - plain[i]);
  let best = 0;
  for (let i = 2000; i < xs.length; i++) if (ring[i] > ring[best] || best < 2000) best = i;
  assert.ok(Math.abs(xs[best] - Math.sqrt(c)) < 0.003, `the ring peaks at ${xs[best]}, not √c = ${Math.sqrt(c)}`);
  assert.ok(Math.abs(ring[best] - h) < 1e-6, `the peak is ${ring[best]}, not h = ${h}`);
  assert.ok(Math.abs(ring[2000]) < 1e-7, `s(0) = ${ring[2000]}`);
  // s′ = h·(2x/c)·(1 − u)·e^(1 − u) by central differences of s: its sign flips at √c
  const ds = (i: number): number => (ring[i + 1] - ring[i - 1]) / (xs[i + 1] - xs[i - 1]);
  assert.ok(ds(best - 50) > 0 && ds(best + 50) < 0, 's′ does not change sign at the peak');
  const i1 = 2500; // x = 1
  const u = 1 / c;
  assert.ok(Math.abs(ds(i1) - h * (2 / c) * (1 - u) * Math.exp(1 - u)) < 1e-3, `s′(1) = ${ds(i1)}`);
  const bump = ops.activationBackward('relu', Float32Array.of(-1e-30, 1e-30, 3), Float32Array.of(1, 1, 1), { gaaf: { shape: 'leftBump' } });
  assert.deepEqual(Array.from(bump), [1, 1, 1]); // 0⁻: relu′ 0 + s 1; 0⁺ and 3: relu′ 1 + s 0
});

test('the shape defaults, and the paper\'s shapes at height 1 resolve as before', () => {
  const d = { K: 10000, p2: 0, height: 1, surrogate: false };
  assert.deepEqual(resolveGaaf('tanh', { shape: 'ring' }), { ...d, shape: 'ring', p1: 2 });
  assert.deepEqual(resolveGaaf('sigmoid', { shape: 'ring' }), { ...d, shape: 'ring', p1: 8 });
  assert.deepEqual(resolveGaaf('relu', { shape: 'leftBump' }), { ...d, shape: 'leftBump', p1: 0.75 });
  assert.deepEqual(resolveGaaf('sigmoid', { height: 0.25, surrogate: true }), { ...d, shape: 'bell', p1: 12, height: 0.25, surrogate: true });
  assert.deepEqual(resolveGaaf('elu', { surrogate: true }, 1), { K: 10000, shape: 'shiftedSigmoid', p1: 3.3, p2: -Math.LN2 - 0.6, height: 1, surrogate: true });
  // the bell's height ¼ for sigmoid: what "σ is tanh stretched by 2" gives, σ′(x) = ¼·tanh′(x/2)
  const x = Float32Array.of(-3, -1, 0, 2);
  const sg = ops.activationBackward('sigmoid', x, new Float32Array(4).fill(1));
  const th = ops.activationBackward('tanh', Float32Array.from(x, (v) => v / 2), new Float32Array(4).fill(1));
  for (let i = 0; i < 4; i++) assert.ok(Math.abs(sg[i] - th[i] / 4) < 1e-7, `σ′(${x[i]}) = ${sg[i]}, ¼·tanh′(x/2) = ${th[i] / 4}`);
});

test('shape options that do not apply are errors naming the option, the activation and the shape', () => {
  assert.throws(() => new Activation('tanh', { gaaf: { shape: 'leftBump' } }), /GAAF for tanh: unknown shape 'leftBump' \(tanh takes bell, ring\)/);
  assert.throws(() => new Activation('relu', { gaaf: { shape: 'ring' } }), /GAAF for relu: unknown shape 'ring' \(relu takes shiftedSigmoid, leftBump\)/);
  assert.throws(() => new Activation('gelu', { gaaf: { shape: 'bell' } }), /GAAF for gelu: unknown shape 'bell' \(gelu takes shiftedSigmoid\)/);
  assert.throws(() => new Activation('relu', { gaaf: { shape: 'leftBump', a: 2 } }), /GAAF for relu \(shape leftBump\) uses the left bump's width c, not the shifted sigmoid \(a, b\)/);
  assert.throws(() => new Activation('tanh', { gaaf: { shape: 'ring', b: 1 } }), /GAAF for tanh \(shape ring\) uses the ring's width c/);
  assert.throws(() => new Activation('relu', { gaaf: { c: 1 } }), /GAAF for relu uses the shifted sigmoid \(a, b\), not the bell width c/);
  assert.throws(() => new Activation('elu', { gaaf: { height: 0.5 } }), /GAAF for elu: height applies to tanh, sigmoid and relu, not elu/);
  assert.throws(() => new Activation('tanh', { gaaf: { height: 0 } }), /GAAF shape height must be a positive finite number, got 0/);
  assert.throws(() => new Activation('tanh', { gaaf: { shape: 'ring', c: -2 } }), /GAAF ring width c must be a positive finite number, got -2/);
  assert.throws(() => new Activation('tanh', { gaaf: { surrogate: 1 } as never }), /GAAF surrogate must be true or false, got 1/);
  assert.throws(() => new Activation('tanh', { gaaf: { width: 1 } as never }), /GAAF for tanh: unknown option 'width' \(expected K, c, shape, height, surrogate\)/);
  assert.throws(() => ops.activation('relu', new Float32Array(2), { gaaf: { shape: 'ring' } }), /unknown shape 'ring'/);
});

test('the variants survive config, the registry and a checkpoint (the same bits after loading)', async () => {
  const ls = [
    new Activation('tanh', { gaaf: { shape: 'ring', c: 1.5, height: 0.5 } }), new Activation('tanh', { gaaf: { surrogate: true, K: 100 } }),
    new Activation('relu', { gaaf: { shape: 'leftBump' } }), new Activation('sigmoid', { gaaf: { height: 0.25 } }),
  ];
  assert.deepEqual(ls[0].config(), { activation: 'tanh', gaaf: { K: 10000, shape: 'ring', c: 1.5, height: 0.5 } });
  assert.deepEqual(ls[1].config(), { activation: 'tanh', gaaf: { K: 100, c: 3, surrogate: true } });
  assert.deepEqual(ls[2].config(), { activation: 'relu', gaaf: { K: 10000, shape: 'leftBump', c: 0.75 } });
  assert.deepEqual(ls[3].config(), { activation: 'sigmoid', gaaf: { K: 10000, c: 12, height: 0.25 } });
  for (const l of ls) assert.deepEqual(layerFromConfig(l.className, l.config()).config(), l.config());
  const m = new Sequential(ls, { inputShape: [6] }).build(undefined, { seed: 3 });
  const x = randomArray(12, 4, 3);
  const before = m.predict(x);
  const h = memoryHandler('v');
  await m.save(h);
  const back = await Sequential.load(h);
  assert.deepEqual(back.layers.map((l) => l.config()), m.layers.map((l) => l.config()));
  assert.deepEqual(new Uint32Array(back.predict(x).buffer), new Uint32Array(before.buffer));
  m.dispose(); back.dispose();
});

test('ONNX export: a surrogate exports its forward, φ; the other variants are refused, naming the layer and the shape', () => {
  const ring = new Sequential([new Activation('tanh', { gaaf: { shape: 'ring' } })], { inputShape: [4] }).build(undefined, { seed: 1 });
  assert.throws(() => ring.toOnnx(), /toOnnx: .*GAAF shape 'ring' with height 1 has no ONNX form here/);
  const high = new Sequential([new Activation('sigmoid', { gaaf: { height: 0.25 } })], { inputShape: [4] }).build(undefined, { seed: 1 });
  assert.throws(() => high.toOnnx(), /GAAF shape 'bell' with height 0\.25 has no ONNX form here/);
  const sur = new Sequential([new Activation('tanh', { gaaf: { surrogate: true } })], { inputShape: [4] }).build(undefined, { seed: 1 });
  const plain = new Sequential([new Activation('tanh')], { inputShape: [4] }).build(undefined, { seed: 1 });
  assert.deepEqual(sur.toOnnx(), plain.toOnnx());
  for (const m of [ring, high, sur, plain]) m.dispose();
});
