// One job of the Table 4 sweep (jobs.ts): `gaaf reproduce cnn --job FILE:LINE --out DIR` trains
// one (variant, seed, rate) run and writes DIR/jobs/<id>.json (atomically: a killed job leaves
// no half-written file), with the run's per-sample test predictions. DIR also gets a copy of the
// job file (DIR/plan.jsonl) so that `reproduce merge` knows which jobs are still missing.
// While it runs, the job saves a checkpoint at every epoch end in DIR/checkpoints/<id>; a job
// killed mid-run (a session or a batch slot that ends) continues from there when it is run again,
// with the same bits as a run that was never stopped.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../checkpoint/fs.js';
import { TrainingDivergedError } from '../fit.js';
import { type CnnRunResult, type CnnSetup, CNN_VARIANT_LABELS, type CnnReproduceOptions, cnnSetup } from './cnn.js';
import { loadCnnSplits, runCnnOne } from './cnn-run.js';
import { type JobSpec, type Plan, jobAt, readPlan } from './jobs.js';
import { type LrChoice, chooseLr } from './lr-select.js';
import { type Machine, runMachine } from './protocol.js';

export const JOB_RESULT_SCHEMA = 'gaaf-cnn-job-result/1';

export interface JobResult {
  schema: typeof JOB_RESULT_SCHEMA;
  /** The job as its line says, and where it was. */
  job: JobSpec;
  line: number;
  planSha256: string;
  gaafVersion: string;
  command: string;
  /** When this job's last attempt started (an attempt that resumed from a checkpoint: see `resumedFromEpoch`). */
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  /** The data and protocol (the optimizer at this job's rate). */
  setup: CnnSetup;
  lr: number;
  /** A seed job: how its variant's check chose the rate (the trials come from the check's job files). */
  lrChoice: LrChoice | null;
  /** The run; null when its loss diverged (an lr-check job: that rate is then out of the choice). */
  run: CnnRunResult | null;
  /** Why the run stopped when it diverged (TrainingDivergedError's message), else null. */
  diverged: string | null;
  /** The epoch the last attempt continued from, when a killed attempt had left a checkpoint; else null (absent in older results). */
  resumedFromEpoch?: number | null;
}

/** A job result whose run finished (did not diverge). */
export type FinishedJob = JobResult & { run: CnnRunResult };
export const finished = (r: JobResult): r is FinishedJob => r.run !== null;

export const PLAN_COPY = 'plan.jsonl';
export const resultFile = (dir: string, id: string): string => join(dir, 'jobs', `${id}.json`);
/** Where a running job saves a checkpoint at every epoch end; removed once its result is written. */
export const checkpointDir = (dir: string, id: string): string => join(dir, 'checkpoints', id);

/** Reads one job result and checks that it belongs to `plan` and is the job it says. */
export function readResult(file: string, plan: Plan): JobResult {
  let r: JobResult;
  try {
    r = JSON.parse(readFileSync(file, 'utf8')) as JobResult;
  } catch (e) {
    throw new RangeError(`gaaf: cannot read the job result ${file}: ${(e as Error).message}`);
  }
  if (r?.schema !== JOB_RESULT_SCHEMA) throw new RangeError(`gaaf: ${file}: schema '${String(r?.schema)}', expected '${JOB_RESULT_SCHEMA}'`);
  if (r.planSha256 !== plan.sha256) throw new RangeError(`gaaf: ${file} was written for another job file (plan sha256 ${r.planSha256.slice(0, 12)}…, ${plan.file} has ${plan.sha256.slice(0, 12)}…)`);
  const j = plan.jobs[r.line - 1];
  if (!j || j.id !== r.job.id) throw new RangeError(`gaaf: ${file}: job '${r.job.id}' at line ${r.line}, but ${plan.file}:${r.line} is '${j?.id ?? 'no job'}'`);
  if (r.run === null) {
    if (typeof r.diverged !== 'string') throw new RangeError(`gaaf: ${file}: no run and no divergence message`);
    return r;
  }
  r.diverged ??= null; // results written before divergence was recorded
  const p = r.run.predictions;
  if (!p || p.count !== r.setup.data.testCount) throw new RangeError(`gaaf: ${file}: per-sample test predictions for ${p?.count ?? 0} samples, expected ${r.setup.data.testCount}`);
  return r;
}

/** The plan DIR holds (its copy of the job file) and every job result in DIR/jobs, by job id. */
export function readDir(dir: string): { plan: Plan; results: Map<string, JobResult> } {
  const copy = join(dir, PLAN_COPY);
  if (!existsSync(copy)) throw new RangeError(`gaaf: ${dir} holds no ${PLAN_COPY}: it is not the --out of any 'reproduce cnn --job' run`);
  const plan = readPlan(copy);
  const results = new Map<string, JobResult>();
  const jobsDir = join(dir, 'jobs');
  const files = existsSync(jobsDir) ? readdirSync(jobsDir).filter((f) => f.endsWith('.json')).sort() : [];
  for (const f of files) {
    const r = readResult(join(jobsDir, f), plan);
    if (`${r.job.id}.json` !== f) throw new RangeError(`gaaf: ${join(jobsDir, f)} holds job '${r.job.id}'`);
    results.set(r.job.id, r);
  }
  return { plan, results };
}

/** The lines of a variant's check jobs that have no result yet. */
export function missingChecks(plan: Plan, results: Map<string, JobResult>, variant: JobSpec['variant']): Array<{ j: JobSpec; line: number }> {
  return plan.jobs.map((j, i) => ({ j, line: i + 1 })).filter(({ j }) => j.stage === 'lr-check' && j.variant === variant && !results.has(j.id));
}

/** The check jobs of a variant: every candidate rate's result, or an error naming the missing lines. */
export function checkResults(plan: Plan, results: Map<string, JobResult>, variant: JobSpec['variant']): JobResult[] {
  const missing = missingChecks(plan, results, variant);
  if (missing.length) {
    throw new RangeError(`gaaf: the learning-rate check of ${CNN_VARIANT_LABELS[variant]} is not finished: missing ${missing.map(({ j, line }) => `${j.id} (line ${line})`).join(', ')}`);
  }
  return plan.jobs.filter((j) => j.stage === 'lr-check' && j.variant === variant).map((j) => results.get(j.id)!);
}

/** The rate the check chose for a variant, on validation accuracy (then validation loss at the best epoch); a rate that diverged is out. */
export function choiceOf(checks: readonly JobResult[]): LrChoice {
  const ok = checks.filter(finished);
  if (ok.length === 0) throw new RangeError(`gaaf: the learning-rate check of ${CNN_VARIANT_LABELS[checks[0].job.variant]} diverged at every rate (${checks.map((c) => c.lr).join(', ')}); plan smaller rates`);
  return chooseLr(ok.map((c) => ({ lr: c.lr, valAccuracy: c.run.bestValAccuracy, valLoss: c.run.curve.find((e) => e.epoch === c.run.bestEpoch)?.valLoss ?? Infinity })));
}

function ensurePlanCopy(plan: Plan, out: string): void {
  const copy = join(out, PLAN_COPY);
  if (existsSync(copy)) {
    const had = readPlan(copy);
    if (had.sha256 !== plan.sha256) throw new RangeError(`gaaf: ${out} holds the results of another job file (${copy} differs from ${plan.file}); give each plan its own --out`);
    return;
  }
  writeFileAtomic(copy, new TextEncoder().encode(plan.text), out);
}

/** Removes a job's checkpoints, and DIR/checkpoints when no other job has any there. */
function removeCheckpoints(out: string, ckpt: string): void {
  rmSync(ckpt, { recursive: true, force: true });
  try {
    rmdirSync(join(out, 'checkpoints'));
  } catch {
    // other jobs' checkpoints are there (or it never existed)
  }
}

export interface JobRun {
  result: JobResult;
  file: string;
  /** true when the result existed already and the job was not run again. */
  skipped: boolean;
}

/** Runs job FILE:LINE into `out` (see the file comment); an existing result is kept unless `force`. */
export async function runJob(ref: string, out: string, meta: { command: string; version: string; force?: boolean; log?: (s: string) => void }): Promise<JobRun> {
  const { plan, line, job } = jobAt(ref);
  mkdirSync(join(out, 'jobs'), { recursive: true });
  ensurePlanCopy(plan, out);
  const file = resultFile(out, job.id);
  const ckpt = checkpointDir(out, job.id);
  if (existsSync(file) && !meta.force) {
    removeCheckpoints(out, ckpt); // left by an attempt killed after its result was written
    return { result: readResult(file, plan), file, skipped: true };
  }
  if (meta.force) rmSync(ckpt, { recursive: true, force: true }); // --force runs the job from its start
  let lr = job.lr;
  let lrChoice: LrChoice | null = null;
  if (lr === null) {
    lrChoice = choiceOf(checkResults(plan, readDir(out).results, job.variant));
    lr = lrChoice.lr;
  }
  const started = new Date();
  const o: CnnReproduceOptions = { ...job.options, variants: [job.variant], seeds: 1, seedStart: job.seed, lr, log: meta.log };
  const splits = loadCnnSplits(o);
  const setup = cnnSetup(o, splits, [job.seed]);
  meta.log?.(`job ${line} of ${plan.jobs.length} (${job.id}): ${CNN_VARIANT_LABELS[job.variant]}, seed ${job.seed}, ${o.optimizer} lr ${lr}` +
    `${lrChoice ? ' (chosen by the check on validation accuracy)' : ' (learning-rate check)'}; ${splits.train.count} training samples`);
  let run: CnnRunResult | null = null;
  let diverged: string | null = null;
  let resumedFromEpoch: number | null = null;
  const onResume = (epoch: number): void => {
    resumedFromEpoch = epoch;
    meta.log?.(`  resuming from the checkpoint in ${ckpt}, at epoch ${epoch} of at most ${o.maxEpochs}`);
  };
  try {
    run = await runCnnOne(job.variant, job.seed, splits, o, { dir: ckpt, onResume });
  } catch (e) {
    // a diverged check run is a result (its rate is out); a diverged seed run is one too, reported as such
    if (!(e instanceof TrainingDivergedError)) throw e;
    diverged = e.message;
  }
  const result: JobResult = {
    schema: JOB_RESULT_SCHEMA, job, line, planSha256: plan.sha256, gaafVersion: meta.version, command: meta.command,
    startedAt: started.toISOString(), finishedAt: new Date().toISOString(), machine: await runMachine(), setup, lr, lrChoice, run, diverged, resumedFromEpoch,
  };
  writeFileAtomic(file, new TextEncoder().encode(JSON.stringify(result) + '\n'), join(out, 'jobs'));
  removeCheckpoints(out, ckpt);
  return { result, file, skipped: false };
}
