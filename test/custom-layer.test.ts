// A layer written in TypeScript on Float32Arrays (the README's "Custom layers" example): its
// parameters with makeParam, forward and backward on Buf views, registered so checkpoints and
// layerFromConfig rebuild it; its gradients match central differences and it round-trips.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Buf, Dense, Layer, Model, type Param, type StepContext, init, input, layerFromConfig, makeParam, memoryHandler, registerLayer } from '../src/index.js';
import { checkGradients, randomArray, randomLabels } from './helpers.js';

await init();

/** y = x·w, one learned scale per feature. x (n, f), w (f), y (n, f). */
class Scale extends Layer {
  readonly className = 'Scale';
  private w: Param | null = null;
  private x: Buf | null = null;
  private y: Buf | null = null;
  computeOutputShape(s: readonly number[]): readonly number[] {
    return s;
  }
  override build(s: readonly number[], rng: Parameters<Layer['build']>[1]): void {
    super.build(s, rng);
    this.w = makeParam(this.name, 'scale', [this.inputSize], 1);
  }
  protected allocateOwn(batch: number): void {
    this.y = new Buf(batch * this.inputSize, 'f32', `${this.name}/y`);
  }
  protected releaseOwn(): void {
    this.y?.free();
    this.y = null;
  }
  forward(x: Buf, ctx: StepContext): Buf {
    this.x = x;
    const f = this.inputSize, xv = x.view(), w = this.w!.value.view(), y = this.y!.view();
    for (let i = 0; i < ctx.n * f; i++) y[i] = xv[i] * w[i % f];
    return this.y!;
  }
  backward(dy: Buf, ctx: StepContext): Buf | null {
    const f = this.inputSize, d = dy.view(), xv = this.x!.view(), w = this.w!.value.view(), g = this.w!.grad.view();
    g.fill(0);
    for (let i = 0; i < ctx.n * f; i++) g[i % f] += d[i] * xv[i];
    if (!this.dx) return null;
    const dx = this.dx.view();
    for (let i = 0; i < ctx.n * f; i++) dx[i] = d[i] * w[i % f];
    return this.dx;
  }
  output(): Buf | null {
    return this.y;
  }
  override params(): Param[] {
    return this.w ? [this.w] : [];
  }
  override countParamsFor(s: readonly number[]): number {
    return s.reduce((a, b) => a * b, 1);
  }
  config(): Record<string, unknown> {
    return {};
  }
}
registerLayer('Scale', () => new Scale());

test('a custom layer: gradients, a shared call, and a checkpoint round trip', async () => {
  const x = input({ shape: [6] });
  const s = new Scale();
  const out = new Dense(3).apply(s.apply(new Dense(6).apply(s.apply(x))));
  const m = new Model({ inputs: x, outputs: out }).build(undefined, { seed: 2 });
  const xs = randomArray(5 * 6, 3);
  checkGradients('custom', m, xs, randomLabels(5, 3, 1), false, 1e-2, 5e-4, 3e-2);
  assert.equal(layerFromConfig('Scale', {}).className, 'Scale');
  const store = memoryHandler();
  await m.save(store);
  const back = await Model.load(store);
  assert.deepEqual(back.predict(xs), m.predict(xs));
  m.dispose();
  back.dispose();
});
