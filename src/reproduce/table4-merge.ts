// `gaaf reproduce merge DIR... --out OUT`: Table 4 from whatever jobs of the sweep exist. Each
// DIR is the --out of one plan's jobs (one dataset); for each, the runs that count are, per
// variant, the check run at the rate the check chose (the first seed) and the seed jobs done
// since. Writes one report per dataset (OUT/<basename of DIR>/: REPORT.md, results.json and the
// charts, in the format of `reproduce cnn`) and OUT/REPORT.md with the datasets side by side,
// the jobs held and the jobs still missing.
import { mkdirSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { CNN_VARIANTS, type CnnReproduceResults, type CnnRunResult, type CnnVariant, summarizeCnn } from './cnn.js';
import { buildCnnCharts, renderCnnReport } from './cnn-report.js';
import { type JobResult, checkResults, choiceOf, finished, missingChecks, readDir } from './cnn-job.js';
import type { JobSpec } from './jobs.js';
import type { LrChoice } from './lr-select.js';
import { PAPER_TABLE4, PAPER_TABLE4_SOURCE, PAPER_TABLE4_TRAIN } from './paper.js';
import { writeRunFiles, writeText } from './run-files.js';
import { renderTable4Report } from './table4-report.js';

export interface MissingJob {
  line: number;
  id: string;
  stage: JobSpec['stage'];
}

export interface MergedDataset {
  dir: string;
  /** The plan's name and its job file's sha256. */
  name: string;
  planSha256: string;
  planned: number;
  done: number;
  missing: MissingJob[];
  /** The variants the plan runs, the rates its check tries, on which seed, with which optimizer. */
  variants: CnnVariant[];
  lrGrid: number[];
  checkSeed: number;
  optimizer: string;
  /** Every job result the directory holds, in plan order (diverged ones included). */
  jobs: JobResult[];
  /** The seed jobs at the chosen rate whose loss diverged: not in the means, listed in the report. */
  diverged: JobResult[];
  /** Per variant: the check's choice, or null while the check is unfinished. */
  choices: Partial<Record<CnnVariant, LrChoice>>;
  /** The results in `reproduce cnn`'s form: the runs that count (chosen rate), one report's worth. */
  results: CnnReproduceResults | null;
  /** Where its report went, relative to OUT. */
  reportDir: string;
}

/** The runs that count for one dataset, and what is missing. */
export function mergeDataset(dir: string, meta: { command: string; version: string }): Omit<MergedDataset, 'reportDir'> {
  const { plan, results } = readDir(dir);
  const jobs = plan.jobs.flatMap((j) => (results.has(j.id) ? [results.get(j.id)!] : []));
  const missing = plan.jobs.flatMap((j, i) => (results.has(j.id) ? [] : [{ line: i + 1, id: j.id, stage: j.stage }]));
  const variants = CNN_VARIANTS.filter((v) => plan.jobs.some((j) => j.variant === v));
  const choices: Partial<Record<CnnVariant, LrChoice>> = {};
  const runs: CnnRunResult[] = [];
  const diverged: JobResult[] = [];
  for (const v of variants) {
    if (missingChecks(plan, results, v).length) continue; // the check is unfinished: no chosen rate and no runs yet
    const checks = checkResults(plan, results, v);
    const choice = choiceOf(checks);
    choices[v] = choice;
    runs.push(checks.find((c) => c.lr === choice.lr)!.run!); // the chosen rate's check run finished (choiceOf skips diverged ones)
    for (const r of jobs.filter((x) => x.job.stage === 'seed' && x.job.variant === v)) {
      if (r.lr !== choice.lr) throw new RangeError(`gaaf: ${dir}: job ${r.job.id} ran at lr ${r.lr}, but the check chooses ${choice.lr} (were check results replaced after it ran?)`);
      if (finished(r)) runs.push(r.run);
      else diverged.push(r);
    }
  }
  const first = jobs[0];
  let results4: CnnReproduceResults | null = null;
  if (first && runs.length) {
    const seeds = [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b);
    const counted = jobs.filter(finished).filter((j) => runs.includes(j.run));
    results4 = {
      schema: 'gaaf-reproduce-cnn/1',
      gaafVersion: [...new Set(jobs.map((j) => j.gaafVersion))].join(', '),
      command: meta.command,
      startedAt: counted.map((j) => j.startedAt).sort()[0],
      finishedAt: counted.map((j) => j.finishedAt).sort().at(-1)!,
      // the runs' own time, summed (the jobs ran wherever and whenever the batch engine put them)
      wallSeconds: counted.reduce((a, j) => a + j.run.seconds, 0),
      machine: first.machine,
      data: first.setup.data,
      protocol: { ...first.setup.protocol, seeds, optimizer: { ...first.setup.protocol.optimizer, lr: null } }, // each variant has its rate (lrChoice)
      runs: [...runs].sort((a, b) => a.seed - b.seed || CNN_VARIANTS.indexOf(a.variant) - CNN_VARIANTS.indexOf(b.variant)),
      summary: summarizeCnn(runs, variants.filter((v) => choices[v])),
      paper: { source: PAPER_TABLE4_SOURCE, table4: PAPER_TABLE4, trainAccuracy: PAPER_TABLE4_TRAIN },
      charts: [],
      lrChoice: choices,
      sweep: {
        jobsDone: jobs.length,
        jobsSeconds: jobs.reduce((a, j) => a + (j.run?.seconds ?? 0), 0),
        resumed: counted.flatMap((j) => (j.resumedFromEpoch ? [{ id: j.job.id, fromEpoch: j.resumedFromEpoch }] : [])),
      },
    };
  }
  return {
    dir, name: plan.jobs[0].plan.name, variants, diverged, lrGrid: plan.jobs[0].lrGrid, checkSeed: plan.jobs[0].plan.seeds[0], optimizer: plan.jobs[0].options.optimizer, planSha256: plan.sha256, planned: plan.jobs.length, done: jobs.length, missing, jobs, choices, results: results4,
  };
}

export interface Table4Merge {
  datasets: MergedDataset[];
  files: string[];
}

/** Merges the directories and writes the reports into `out`. */
export async function mergeTable4(dirs: string[], out: string, meta: { command: string; version: string }): Promise<Table4Merge> {
  // a directory inside OUT (or OUT itself) gets its report in place; any other goes to OUT/<its name>
  const inside = (d: string): boolean => resolve(d) === resolve(out) || resolve(d).startsWith(resolve(out) + sep);
  const subs = dirs.map((d) => (inside(d) ? d : join(out, basename(resolve(d)))));
  const names = subs.map((d) => resolve(d));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new RangeError(`gaaf: reproduce merge: two datasets' reports would go to ${dup}; a directory outside OUT has its report in OUT/<its name>, so give them distinct names`);
  const merged = dirs.map((d) => mergeDataset(d, meta));
  const shas = merged.map((m) => m.planSha256);
  const twice = shas.find((s, i) => shas.indexOf(s) !== i);
  if (twice) throw new RangeError(`gaaf: reproduce merge: ${merged.filter((m) => m.planSha256 === twice).map((m) => m.dir).join(' and ')} hold the same plan; merge each plan once`);
  mkdirSync(out, { recursive: true });
  const files: string[] = [];
  const datasets: MergedDataset[] = [];
  for (const [i, m] of merged.entries()) {
    const sub = subs[i];
    const ds: MergedDataset = { ...m, reportDir: relative(out, sub) || '.' };
    datasets.push(ds);
    if (!m.results) continue;
    mkdirSync(sub, { recursive: true });
    const results = m.results;
    // the merge's finishedAt and wallSeconds are the jobs' (set by mergeDataset), so no t0
    files.push(...(await writeRunFiles(results, sub, buildCnnCharts(results), (written) => renderCnnReport(results, written), null)).files);
  }
  const top = join(out, 'REPORT.md');
  writeText(top, renderTable4Report(datasets, meta.command));
  files.push(top);
  return { datasets, files };
}
