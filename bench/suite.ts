// The suite interface of `npm run bench`: a suite is a list of Cases of the shared harness
// (src/bench/runner.ts, the one `gaaf bench` runs) with the TF.js peers beside ours, run by
// runSuiteCases. Records are src/bench/record.ts's.
import type { BenchRecord } from '../src/bench/record.js';
import { type BenchMode, type Case, runCases } from '../src/bench/runner.js';

export interface SuiteOptions {
  quick: boolean;
  /** 'full', 'quick' or 'smoke'; when absent, from `quick`. */
  mode?: BenchMode;
  /** Called with each record as it is made (null when a task did not complete). */
  progress?: (r: BenchRecord | null) => void;
  /** Training data directory (IDX files) for the train suite; default: the bundled digits. */
  data?: string;
}

/** A suite: given the options, measures and returns its records. Register it in bench/suites.ts. */
export type Suite = (o: SuiteOptions) => Promise<BenchRecord[]>;

export const modeOf = (o: SuiteOptions): BenchMode => o.mode ?? (o.quick ? 'quick' : 'full');

const ENGINE_ORDER = ['simd', 'relaxed', 'scalar', 'tfjs-wasm', 'tfjs-cpu'];

/**
 * Runs our cases and the peers' together, each size and kernel with all its engines one after
 * another, so the ratios compare measurements taken moments apart.
 */
export function runSuiteCases(cases: Case[], o: SuiteOptions): Promise<BenchRecord[]> {
  const group = (c: Case): string => `${c.size}\u0000${c.name}`;
  const firstSeen = new Map<string, number>();
  cases.forEach((c, i) => firstSeen.has(group(c)) || firstSeen.set(group(c), i));
  const rank = (e: string): number => (ENGINE_ORDER.includes(e) ? ENGINE_ORDER.indexOf(e) : ENGINE_ORDER.length);
  const sorted = [...cases].sort((a, b) => a.size - b.size || firstSeen.get(group(a))! - firstSeen.get(group(b))! || rank(a.engine) - rank(b.engine));
  return runCases(sorted, { mode: modeOf(o), onRecord: (r) => o.progress?.(r) });
}
