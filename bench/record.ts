// One benchmark measurement, as written to bench/results/*.json.
import type { Task } from 'tinybench';

export interface BenchRecord {
  suite: string;
  name: string;
  engine: string;
  size: number;
  gflops: number;
  medianMs: number;
  madMs: number;
  samples: number;
}

export interface SuiteOptions {
  quick: boolean;
  progress?: (r: BenchRecord | null) => void;
}

/** A record from a finished tinybench task (median latency), or null if it did not complete. */
export function recordFrom(suite: string, name: string, engine: string, size: number, t: Task, flop: number): BenchRecord | null {
  const res = t.result;
  if (res.state !== 'completed') {
    process.stderr.write(`bench: ${t.name} did not complete: ${res.state}${'error' in res ? `: ${String(res.error)}` : ''}\n`);
    return null;
  }
  const medianMs = res.latency.p50;
  return {
    suite,
    name,
    engine,
    size,
    gflops: flop / (medianMs * 1e6),
    medianMs,
    madMs: res.latency.mad,
    samples: res.latency.samplesCount,
  };
}
