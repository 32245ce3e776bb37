// The fast suite's training rows: a training step of the paper's MLP (mlp-base, batch 128, the
// train suite's step) and of the SVHN CNN (svhnCnn on 28×28×1, batch 32, an epoch of 8 batches
// per call, the cnn-train suite's call) in the fast (relaxed-SIMD) build against the
// deterministic build. init() loads one build per process, so each build trains in its own
// child process (started with --experimental-wasm-relaxed-simd), both alive for the whole case;
// the parent asks them in turn (fast, deterministic; then deterministic, fast; ...) to time a
// few calls, and each round's ratio compares two samples taken moments apart. Each child times
// its own calls (no IPC inside a sample) and reports the CPU time it got per wall time.
//
//   node --import tsx bench/precision-train.ts --child   (what the parent spawns; reads commands on stdin)
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { spread, timingOf } from '../src/bench/pairs.js';
import { type BenchRecord, type CaseKey, errorRecord, makeRecord } from '../src/bench/record.js';
import type { BenchMode } from '../src/bench/runner.js';

type Model = 'mlp' | 'cnn';
const MODELS: Readonly<Record<Model, { name: string; batch: number; samplesPerCall: number }>> = {
  mlp: { name: 'train mlp-base step', batch: 128, samplesPerCall: 128 },
  cnn: { name: 'train svhn-cnn epoch of 8 batches', batch: 32, samplesPerCall: 256 },
};
const ROUNDS: Readonly<Record<BenchMode, { rounds: number; sampleMs: number }>> = {
  full: { rounds: 15, sampleMs: 400 }, quick: { rounds: 7, sampleMs: 200 }, smoke: { rounds: 2, sampleMs: 1 },
};

interface Sample { ms: number; cpuPerWall: number }

/** One build's child: `run K` answers the mean ms of K calls; the first line says which build it loaded. */
class Child {
  private lines: AsyncIterator<string>;
  constructor(private proc: ChildProcess) {
    this.lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  }
  static async start(precision: 'fast' | 'deterministic', model: Model, smoke: boolean): Promise<{ child: Child; used: string }> {
    const proc = spawn(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', precision, model, smoke ? 'smoke' : 'full'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const child = new Child(proc);
    try {
      const first = JSON.parse(await child.next()) as { used: string };
      return { child, used: first.used };
    } catch (e) {
      proc.kill();
      throw e;
    }
  }
  private async next(): Promise<string> {
    const r = await this.lines.next();
    if (r.done) throw new Error('the training child exited');
    return r.value;
  }
  async run(calls: number): Promise<Sample> {
    this.proc.stdin!.write(`run ${calls}\n`);
    return JSON.parse(await this.next()) as Sample;
  }
  stop(): void {
    this.proc.stdin!.end();
  }
}

/** The training rows of the fast suite: records for the fast build and the deterministic build (ratio fast ÷ deterministic). */
export async function precisionTrainPairs(mode: BenchMode, onRecord?: (r: BenchRecord) => void): Promise<BenchRecord[]> {
  const out: BenchRecord[] = [];
  for (const model of ['mlp', 'cnn'] as const) {
    const m = MODELS[model];
    const key = (engine: string, params: Record<string, number | string> = {}): CaseKey => ({ suite: 'fast', name: m.name, engine, size: m.batch, params: { batch: m.batch, ...params } });
    const work = { samples: m.samplesPerCall };
    let fast: Child | null = null, det: Child | null = null;
    try {
      const f = await Child.start('fast', model, mode === 'smoke');
      fast = f.child;
      if (f.used !== 'fast') throw new Error(`the child loaded the ${f.used} build: relaxed SIMD is unavailable here`);
      det = (await Child.start('deterministic', model, mode === 'smoke')).child;
      const { rounds, sampleMs } = ROUNDS[mode];
      const once = await fast.run(1); // warm-up, and the calls per sample
      await det.run(1);
      const calls = Math.max(1, Math.round(sampleMs / once.ms));
      const times: Sample[][] = [[], []];
      for (let r = 0; r < rounds; r++) {
        const order: Array<[Child, number]> = r % 2 ? [[det, 1], [fast, 0]] : [[fast, 0], [det, 1]];
        for (const [c, i] of order) times[i].push(await c.run(calls));
      }
      const timing = (ts: Sample[]) => timingOf(ts.map((t) => t.ms));
      const ratio = spread(times[0].map((t, i) => times[1][i].ms / t.ms));
      const state = (ts: Sample[]) => ({ rounds, callsPerSample: calls, cpuPerWall: Math.round(1000 * spread(ts.map((t) => t.cpuPerWall)).median) / 1000 });
      const r3 = (x: number) => Math.round(1000 * x) / 1000;
      const recs = [
        makeRecord({ ...key('relaxed', state(times[0])), impl: 'gaaf, fast build (init({ precision: \'fast\' })), its own process' }, work, timing(times[0]), 'samplesPerSec'),
        makeRecord({ ...key('simd', { ...state(times[1]), vs: 'relaxed', ratio: r3(ratio.median), ratioQ1: r3(ratio.q1), ratioQ3: r3(ratio.q3) }), impl: 'gaaf, deterministic build, its own process' }, work, timing(times[1]), 'samplesPerSec'),
      ];
      recs.forEach((r) => onRecord?.(r));
      out.push(...recs);
    } catch (e) {
      const r = errorRecord(key('relaxed'), `failed: ${(e as Error).message}`, 'samplesPerSec');
      onRecord?.(r);
      out.push(r);
    } finally {
      fast?.stop();
      det?.stop();
    }
  }
  return out;
}

/** The child: loads one build, prepares the model's call, then answers `run K` lines until stdin ends. */
async function child(precision: 'fast' | 'deterministic', model: Model, smoke: boolean): Promise<void> {
  const { init } = await import('../src/binding.js');
  const info = await init({ precision, threads: 1 });
  let fn: () => unknown;
  if (model === 'mlp') {
    const { oursStep, trainData } = await import('./train.js');
    fn = oursStep('mlp-base', 'simd', trainData(), smoke ? 4 : 128).fn;
  } else {
    const { makeDataset } = await import('../src/data/dataset.js');
    const { SGD } = await import('../src/optimizers.js');
    const { svhnCnn } = await import('../src/paper-models.js');
    const { CLASSES, LR, MOMENTUM, OUR_STEPS, randomImages } = await import('./cnn-train-common.js');
    const shape = smoke ? [8, 8, 1] : [28, 28, 1], batch = smoke ? 2 : 32;
    const { x, y } = randomImages(batch * OUR_STEPS, shape, 3);
    const data = makeDataset(x, y, shape, CLASSES, 'random images');
    const net = svhnCnn({ inputShape: shape, classes: CLASSES });
    fn = () => net.fit(data, { epochs: 1, batchSize: batch, optimizer: new SGD({ lr: LR, momentum: MOMENTUM }), seed: 1, yieldEveryMs: 1e9 });
  }
  process.stdout.write(JSON.stringify({ used: info.precision.used }) + '\n');
  for await (const line of createInterface({ input: process.stdin })) {
    const calls = Number(/^run (\d+)$/.exec(line)?.[1]);
    if (!(calls >= 1)) throw new Error(`precision-train child: bad command '${line}'`);
    const c0 = process.cpuUsage(), t0 = performance.now();
    for (let i = 0; i < calls; i++) await fn();
    const wall = performance.now() - t0, cpu = process.cpuUsage(c0);
    process.stdout.write(JSON.stringify({ ms: wall / calls, cpuPerWall: (cpu.user + cpu.system) / 1000 / wall }) + '\n');
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3] as 'fast' | 'deterministic', process.argv[4] as Model, process.argv[5] === 'smoke').catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
