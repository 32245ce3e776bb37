// OUT/REPORT.md of `gaaf reproduce merge`: the sweep's datasets side by side (Table 4 with
// the paper's columns), GAAF's effect with paired statistics, the learning-rate checks, and
// the jobs held and still missing. Every sentence is computed from the merged jobs.
import { CNN_VARIANT_LABELS, CNN_VARIANTS, type CnnRunResult, type CnnVariant } from './cnn.js';
import { fix, table } from './format.js';
import { PAPER_TABLE4 } from './paper.js';
import { compareAccuracy, pValue, signed } from './compare.js';
import type { MergedDataset } from './table4-merge.js';

/** The paired comparison of two variants on the seeds both have run (compare.ts), as a table row. */
export function gaafEffect(runs: readonly CnnRunResult[], withG: CnnVariant, without: CnnVariant): string[] | null {
  const a = runs.filter((r) => r.variant === withG);
  const b = runs.filter((r) => r.variant === without);
  if (!a.some((x) => b.some((y) => y.seed === x.seed))) return null;
  const c = compareAccuracy(a, b);
  const n = c.seeds.length;
  return [
    `${CNN_VARIANT_LABELS[withG]} vs ${CNN_VARIANT_LABELS[without]}`,
    `${signed(100 * c.t.mean)} (${n} seed${n > 1 ? 's' : ''})`,
    c.t.lo === null ? 'none (one seed)' : `[${signed(100 * c.t.lo)}, ${signed(100 * c.t.hi!)}] (${c.t.df} df)`,
    c.mcnemar.map((m) => `s${m.seed}: ${m.b}/${m.c}, p ${pValue(m.p)}`).join('; '),
    `[${signed(100 * c.bootstrap.lo!)}, ${signed(100 * c.bootstrap.hi!)}]`,
    signed(PAPER_TABLE4[withG].SVHN - PAPER_TABLE4[without].SVHN),
    c.verdict,
  ];
}

export function renderTable4Report(ds: readonly MergedDataset[], command: string): string {
  const L: string[] = [];
  const done = ds.reduce((a, d) => a + d.done, 0);
  const planned = ds.reduce((a, d) => a + d.planned, 0);
  L.push("# The paper's Table 4 as a sharded sweep", '');
  L.push(`Merged by \`${command}\` (\`gaaf\` is \`node dist/cli.js\` in a checkout) from ${ds.length} job director${ds.length > 1 ? 'ies' : 'y'}. ` +
    `It holds **${done} of ${planned} jobs**${done < planned ? '; the missing ones are listed at the end, and every number below is from the jobs that exist' : ''}.`, '');
  L.push('Each job is one training run (`gaaf reproduce cnn --job FILE:LINE`); a variant counts once its learning-rate check (stage 1: every candidate rate on the first seed) is complete. ' +
    'Its rate is the candidate with the best validation accuracy; the test set plays no part in the choice. The first seed\'s result is the check run at the chosen rate; ' +
    'the later seeds (stage 2) run at that rate.', '');
  L.push('## Table 4: test accuracy', '');
  const head = ['Model', ...ds.map((d) => `${d.name}: test accuracy (%), mean (sd) [seeds]`), 'Paper SVHN', 'Paper CIFAR-10', 'Paper CIFAR-100'];
  const rows = CNN_VARIANTS.filter((v) => ds.some((d) => d.variants.includes(v))).map((v) => [CNN_VARIANT_LABELS[v], ...ds.map((d) => {
    if (!d.variants.includes(v)) return 'not in the plan';
    const s = d.results?.summary.find((x) => x.variant === v);
    if (!s) return 'check unfinished';
    return `${fix(100 * s.testAccuracy.mean, 2)}${s.testAccuracy.sd === null ? '' : ` (${fix(100 * s.testAccuracy.sd, 2)})`} [${s.testAccuracy.n}]`;
  }), fix(PAPER_TABLE4[v].SVHN, 2), fix(PAPER_TABLE4[v].CIFAR10, 2), fix(PAPER_TABLE4[v].CIFAR100, 2)]);
  L.push(table(head, rows), '');
  L.push('Training accuracy, best epochs and per-run figures are in each dataset\'s report: ' +
    ds.filter((d) => d.results).map((d) => `[${d.name}](${d.reportDir}/REPORT.md)`).join(', ') + '.', '');
  L.push("## GAAF's effect on test accuracy", '');
  L.push('Percentage points, GAAF variant minus its partner trained with the same seed. The t interval (95%) is over the per-seed differences at n − 1 degrees of freedom; ' +
    'McNemar\'s exact test compares the two models sample by sample on the shared test set, per seed (b/c: test images only the GAAF variant / only its partner gets right); ' +
    'the paired bootstrap (95%, 2,000 replicates) resamples seeds and test images together. "yes" needs the mean on the claimed side and both intervals clear of 0; ' +
    '"in direction only": the mean is, an interval is not; "within noise": the mean is on the other side but an interval reaches 0; "no": both intervals on the other side.', '');
  for (const d of ds) {
    const eff = d.results ? [gaafEffect(d.results.runs, 'gaaf', 'base'), gaafEffect(d.results.runs, 'bnGaaf', 'bn')].filter((x): x is string[] => x !== null) : [];
    L.push(`### ${d.name}`, '');
    if (!eff.length) {
      L.push('No pair of variants has a finished check yet.', '');
      continue;
    }
    L.push(table(['Comparison', 'Difference', 't interval', 'McNemar per seed', 'Bootstrap', 'Paper SVHN', 'Verdict: GAAF improves accuracy'], eff), '');
    const n = d.results!.data.testCount;
    L.push(`One point is ${fix(n / 100, 0)} of the ${n.toLocaleString('en-US')} test images.`, '');
  }
  L.push('## Learning-rate checks', '');
  for (const d of ds) {
    L.push(`### ${d.name}`, '');
    const checks = d.jobs.filter((j) => j.job.stage === 'lr-check');
    const grid = d.lrGrid;
    L.push(`${d.optimizer === 'adam' ? 'Adam' : 'SGD'}, candidate rates ${grid.join(', ')}, seed ${d.checkSeed}. Best-epoch validation accuracy (%) of each check run; the chosen rate in bold.`, '');
    L.push(table(['Model', ...grid.map((g) => `lr ${g}`), 'Chosen'], d.variants.map((v) => [CNN_VARIANT_LABELS[v], ...grid.map((g) => {
      const c = checks.find((j) => j.job.variant === v && j.lr === g);
      if (!c) return 'not run yet';
      if (!c.run) return `diverged (${c.diverged})`;
      const s = `${fix(100 * c.run.bestValAccuracy, 2)} (epoch ${c.run.bestEpoch} of ${c.run.epochsRun})`;
      return d.choices[v]?.lr === g ? `**${s}**` : s;
    }), d.choices[v] ? String(d.choices[v]!.lr) : '–'])), '');
  }
  L.push('## Jobs', '');
  L.push('Run times and samples/s are the wall-clock figures of each job, wherever and whenever the batch engine ran it and beside whatever else that machine ran; ' +
    'they are not speed measurements (the benchmarks are). The results do not depend on them: a job gives the same bits on any thread count.', '');
  for (const d of ds) {
    const threads = [...new Set(d.jobs.map((j) => j.machine.kernels))];
    const cpus = [...new Set(d.jobs.map((j) => `${j.machine.cpu} (${j.machine.cores} cores)`))];
    const hours = d.jobs.reduce((a, j) => a + (j.run?.seconds ?? 0), 0) / 3600;
    const data = d.jobs[0]?.setup.data;
    const n = (x: number): string => x.toLocaleString('en-US');
    L.push(`- **${d.name}** (${d.dir}, plan sha256 ${d.planSha256.slice(0, 12)}…)${data ? `, ${data.source}: ${n(data.trainCount)} training / ${n(data.valCount)} validation / ${n(data.testCount)} test images` : ''}: ` +
      `${d.done} of ${d.planned} jobs done, ${fix(hours, 1)} h of run time; ` +
      `${cpus.join(', ') || 'no machine yet'}; ${threads.join(', ') || '–'}.`);
    if (d.diverged.length) L.push(`  Diverged at the chosen rate (not in the means above): ${d.diverged.map((j) => `line ${j.line} (${j.job.id}: ${j.diverged})`).join(', ')}.`);
    if (d.missing.length) {
      L.push(`  Missing: ${d.missing.map((m) => `line ${m.line} (${m.id})`).join(', ')}.`);
    }
  }
  L.push('');
  return L.join('\n');
}
