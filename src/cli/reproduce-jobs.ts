// `gaaf reproduce cnn --plan FILE`, `gaaf reproduce cnn --job FILE:LINE --out DIR` and
// `gaaf reproduce merge DIR... --out OUT`: Table 4 as a sharded sweep (src/reproduce/jobs.ts,
// cnn-job.ts, table4-merge.ts), for GNU parallel, Slurm arrays or Kubernetes Indexed Jobs.
import { InvalidArgumentError } from 'commander';
import { CNN_VARIANT_LABELS, DEFAULT_LR_GRID, buildVariant, loadCnnSplits, mergeTable4, planJobs, planText, runJob, stageLines } from '../reproduce/index.js';
import { writeText } from '../reproduce/run-files.js'; // not from index.js: its types reach vega-lite's, an optional peer
import { type ReproduceCliOpts, cnnOptions } from './reproduce.js';
import { VERSION, flag, pct, shellQuote } from './args.js';

/** `reproduce cnn --plan FILE`: the job file of the sweep, with the experiment's flags. */
export function planCli(o: ReproduceCliOpts, given: (k: string) => boolean, log: (s: string) => void): void {
  const file = o.plan!;
  if (o.planName !== undefined && o.planName.trim() === '') throw new InvalidArgumentError('--plan-name must not be empty: the reports name the plan by it.');
  const bad = ['lr', 'out', 'force', 'job'].filter(given);
  if (bad.length) {
    throw new InvalidArgumentError(`${bad.map(flag).join(', ')} cannot go with --plan: the plan checks the rates of --lr-grid` +
      ' (one rate: --lr-grid R), and each job gets its --out when it runs.');
  }
  const opts = cnnOptions(o, given, log);
  // a data or shape error (e.g. vgg on 28×28 images, a wrong number of widths) stops here, not in every job
  const splits = loadCnnSplits(opts);
  buildVariant(opts, 'base', [...splits.train.sampleShape], Math.max(splits.train.numClasses, splits.test.numClasses));
  const lrGrid = o.lrGrid ?? DEFAULT_LR_GRID[opts.optimizer];
  const seeds = Array.from({ length: opts.seeds }, (_, i) => opts.seedStart + i);
  const { log: _log, variants, seeds: _n, seedStart: _s, lr: _lr, lrGrid: _g, ...options } = opts; // what varies per job, or is the plan's own
  const jobs = planJobs({ name: o.planName ?? (opts.data ? opts.data : 'bundled digits'), seeds, lrGrid, variants, options });
  writeText(file, planText(jobs));
  const st = stageLines(jobs);
  log(`wrote ${jobs.length} jobs to ${file}: ${variants.map((v) => CNN_VARIANT_LABELS[v]).join(', ')}; seeds ${seeds.join(', ')}; ` +
    `${opts.optimizer} lr ∈ {${lrGrid.join(', ')}} checked on seed ${seeds[0]}`);
  log(`stage 1, the learning-rate check: lines ${st.check[0]}-${st.check[1]}`);
  if (st.seeds) log(`stage 2, seeds ${seeds.slice(1).join(', ')} at the chosen rates (after stage 1): lines ${st.seeds[0]}-${st.seeds[1]}`);
  const q = shellQuote(file);
  log(`run:   parallel -j2 gaaf reproduce cnn --job ${q}:{} --out DIR --threads 1 ::: $(seq ${st.check[0]} ${st.check[1]})` +
    (st.seeds ? ` && parallel -j2 gaaf reproduce cnn --job ${q}:{} --out DIR --threads 1 ::: $(seq ${st.seeds[0]} ${st.seeds[1]})` : ''));
  log('then:  gaaf reproduce merge DIR --out DIR');
}

/** `reproduce cnn --job FILE:LINE --out DIR`: one run of the sweep. */
export async function jobCli(o: ReproduceCliOpts, given: (k: string) => boolean, log: (s: string) => void, command: string): Promise<void> {
  const allowed = new Set(['job', 'out', 'threads', 'force', 'quiet']);
  const bad = Object.keys(o).filter((k) => given(k) && !allowed.has(k));
  if (bad.length) throw new InvalidArgumentError(`${bad.map(flag).join(', ')} cannot go with --job: the job file fixes every option of the run (only --out, --threads, --force and --quiet apply).`);
  if (!given('out')) throw new InvalidArgumentError('--job needs --out DIR: the directory that collects the sweep\'s job results.');
  const { result, file, skipped } = await runJob(o.job!, o.out, { command, version: VERSION, force: o.force, log });
  const r = result.run;
  const what = `${skipped ? 'already done (--force runs it again)' : 'done'}: ${file}: ${CNN_VARIANT_LABELS[result.job.variant]} seed ${result.job.seed} lr ${result.lr}`;
  if (!r) log(`${what}: diverged (${result.diverged}); recorded, so the check leaves this rate out`);
  else log(`${what}: best epoch ${r.bestEpoch} of ${r.epochsRun}, validation ${pct(r.bestValAccuracy)}, test ${pct(r.testAccuracy)}, ${r.seconds.toFixed(0)} s`);
}

/** `reproduce merge DIR... --out OUT`: Table 4 from whatever jobs the directories hold. */
export async function mergeCli(dirs: string[], o: ReproduceCliOpts, given: (k: string) => boolean, log: (s: string) => void, command: string): Promise<void> {
  if (dirs.length === 0) throw new InvalidArgumentError('reproduce merge needs one or more job directories (the --out of the sweep\'s jobs).');
  const allowed = new Set(['out', 'quiet', 'threads']);
  const bad = Object.keys(o).filter((k) => given(k) && !allowed.has(k));
  if (bad.length) throw new InvalidArgumentError(`${bad.map(flag).join(', ')} cannot go with reproduce merge: it only reads the jobs' results (--out says where the report goes).`);
  if (!given('out')) throw new InvalidArgumentError('reproduce merge needs --out DIR for the report.');
  const m = await mergeTable4(dirs, o.out, { command, version: VERSION });
  for (const d of m.datasets) log(`${d.dir}: ${d.done} of ${d.planned} jobs${d.missing.length ? ` (missing: ${d.missing.map((x) => x.line).join(', ')})` : ''}`);
  log(`wrote ${m.files.length} files to ${o.out}`);
}
