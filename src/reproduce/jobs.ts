// Table 4 as a sharded sweep: the job file. `gaaf reproduce cnn --plan FILE` writes one job per
// line (JSON), each one training run of the CNN experiment, so that any batch engine (GNU
// parallel, a Slurm array, a Kubernetes Indexed Job) can run line N as
// `gaaf reproduce cnn --job FILE:N --out DIR`. Two stages:
//  1. the learning-rate check: every variant × every candidate rate, first seed only;
//  2. the other seeds of every variant, at the rate its check chose on validation accuracy
//     (src/reproduce/lr-select.ts). A stage-2 job reads the check's results from DIR and
//     refuses to start while any of them is missing.
// The first seed's check run at the chosen rate is that seed's result: it is not trained twice.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CNN_VARIANTS, type CnnModelName, type CnnReproduceOptions, type CnnVariant } from './cnn.js';

export const JOB_SCHEMA = 'gaaf-cnn-job/1';

/** The options every job of a plan shares (the experiment's options, minus what varies per job). */
export type JobOptions = Omit<CnnReproduceOptions, 'log' | 'variants' | 'seeds' | 'seedStart' | 'lr'>;

export interface JobSpec {
  schema: typeof JOB_SCHEMA;
  /** Unique within the plan, safe as a file name: e.g. "check-base-lr0.001" or "seed-bn-s2". */
  id: string;
  stage: 'lr-check' | 'seed';
  variant: CnnVariant;
  seed: number;
  /** The rate of an lr-check job; null for a seed job (its variant's check chooses it). */
  lr: number | null;
  /** The candidate rates of the check, in every job (a seed job needs them all). */
  lrGrid: number[];
  /** The plan's name (for the reports) and its seeds. */
  plan: { name: string; seeds: number[] };
  options: JobOptions;
}

export interface PlanInput {
  name: string;
  seeds: number[];
  lrGrid: number[];
  variants: readonly CnnVariant[];
  options: JobOptions;
}

const lrTag = (lr: number): string => `lr${String(lr).replace(/[^0-9a-z.-]/gi, '_')}`;

/** The plan's jobs, stage 1 first: every variant × rate at the first seed, then every variant × later seed. */
export function planJobs(p: PlanInput): JobSpec[] {
  if (p.seeds.length === 0) throw new RangeError('gaaf: reproduce cnn --plan: no seeds');
  if (p.lrGrid.length === 0) throw new RangeError('gaaf: reproduce cnn --plan: no learning rates to check');
  const [first, ...rest] = p.seeds;
  const base = { schema: JOB_SCHEMA, lrGrid: [...p.lrGrid], plan: { name: p.name, seeds: [...p.seeds] }, options: p.options } satisfies Partial<JobSpec>;
  const jobs: JobSpec[] = [];
  for (const v of p.variants) for (const lr of p.lrGrid) jobs.push({ ...base, id: `check-${v}-${lrTag(lr)}`, stage: 'lr-check', variant: v, seed: first, lr });
  for (const seed of rest) for (const v of p.variants) jobs.push({ ...base, id: `seed-${v}-s${seed}`, stage: 'seed', variant: v, seed, lr: null });
  return jobs;
}

/** The job file's text: one JSON object per line, line N (1-based) is job N. */
export function planText(jobs: readonly JobSpec[]): string {
  return jobs.map((j) => JSON.stringify(j)).join('\n') + '\n';
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

export interface Plan {
  file: string;
  text: string;
  sha256: string;
  jobs: JobSpec[];
}

const KEYS: Record<keyof JobSpec, string> = {
  schema: 'string', id: 'string', stage: 'string', variant: 'string', seed: 'number', lr: 'number|null', lrGrid: 'object', plan: 'object', options: 'object',
};

/** Checks one parsed line of a job file; errors name the file and line. */
function checkJob(j: unknown, where: string): JobSpec {
  if (j === null || typeof j !== 'object' || Array.isArray(j)) throw new RangeError(`gaaf: ${where}: a job is a JSON object, got ${JSON.stringify(j)?.slice(0, 60)}`);
  const o = j as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(k in KEYS));
  if (unknown.length) throw new RangeError(`gaaf: ${where}: unknown key '${unknown.join("', '")}' (a job has ${Object.keys(KEYS).join(', ')})`);
  for (const [k, t] of Object.entries(KEYS)) {
    const ok = t.split('|').some((tt) => (tt === 'null' ? o[k] === null : typeof o[k] === tt && o[k] !== null));
    if (!ok) throw new RangeError(`gaaf: ${where}: '${k}' must be ${t.replace('|', ' or ')}, got ${JSON.stringify(o[k])}`);
  }
  if (o.schema !== JOB_SCHEMA) throw new RangeError(`gaaf: ${where}: schema '${String(o.schema)}', expected '${JOB_SCHEMA}'`);
  if (!(CNN_VARIANTS as readonly string[]).includes(o.variant as string)) throw new RangeError(`gaaf: ${where}: unknown variant '${String(o.variant)}' (${CNN_VARIANTS.join(', ')})`);
  if (o.stage !== 'lr-check' && o.stage !== 'seed') throw new RangeError(`gaaf: ${where}: stage '${String(o.stage)}', expected 'lr-check' or 'seed'`);
  if ((o.stage === 'lr-check') !== (typeof o.lr === 'number')) throw new RangeError(`gaaf: ${where}: an lr-check job has a number 'lr', a seed job has lr null`);
  if (!/^[\w.-]+$/.test(o.id as string)) throw new RangeError(`gaaf: ${where}: id '${String(o.id)}' is not a safe file name`);
  const grid = o.lrGrid as unknown[];
  if (!Array.isArray(grid) || grid.length === 0 || grid.some((x) => typeof x !== 'number' || !(x > 0))) throw new RangeError(`gaaf: ${where}: lrGrid must be a non-empty list of positive rates`);
  if (o.stage === 'lr-check' && !grid.includes(o.lr)) throw new RangeError(`gaaf: ${where}: lr ${String(o.lr)} is not in lrGrid [${grid.join(', ')}]`);
  const model = (o.options as { model?: CnnModelName }).model;
  if (model !== 'cnn' && model !== 'vgg') throw new RangeError(`gaaf: ${where}: options.model must be 'cnn' or 'vgg', got ${JSON.stringify(model)}`);
  return o as unknown as JobSpec;
}

/** Reads and checks a whole job file. */
export function readPlan(file: string): Plan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RangeError(`gaaf: cannot read the job file ${file}: ${(e as Error).message}`);
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new RangeError(`gaaf: the job file ${file} holds no jobs`);
  const jobs = lines.map((line, i) => {
    const where = `${file}:${i + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (e) {
      throw new RangeError(`gaaf: ${where}: not a JSON line (${(e as Error).message})`);
    }
    return checkJob(parsed, where);
  });
  const ids = new Set<string>();
  jobs.forEach((j, i) => {
    if (ids.has(j.id)) throw new RangeError(`gaaf: ${file}:${i + 1}: job id '${j.id}' appears twice`);
    ids.add(j.id);
  });
  return { file, text, sha256: sha256Hex(text), jobs };
}

/** Parses `FILE:LINE` (LINE 1-based) into the plan and the job. */
export function jobAt(ref: string): { plan: Plan; line: number; job: JobSpec } {
  const m = /^(.*):(\d+)$/.exec(ref);
  if (!m || m[1] === '') throw new RangeError(`gaaf: --job takes FILE:LINE (LINE from 1), got '${ref}'`);
  const plan = readPlan(m[1]);
  const line = Number(m[2]);
  if (line < 1 || line > plan.jobs.length) throw new RangeError(`gaaf: --job ${ref}: ${m[1]} has lines 1-${plan.jobs.length}, not ${line}`);
  return { plan, line, job: plan.jobs[line - 1] };
}

/** Line ranges of the two stages, for the batch engines. */
export function stageLines(jobs: readonly JobSpec[]): { check: [number, number]; seeds: [number, number] | null } {
  const nCheck = jobs.filter((j) => j.stage === 'lr-check').length;
  return { check: [1, nCheck], seeds: nCheck < jobs.length ? [nCheck + 1, jobs.length] : null };
}

/** The rates a variant's check tries when --lr-grid is not given: the default rate and a factor ~3 either side. */
export const DEFAULT_LR_GRID: Readonly<Record<'adam' | 'sgd', number[]>> = { adam: [0.0003, 0.001, 0.003], sgd: [0.003, 0.01, 0.03] };
