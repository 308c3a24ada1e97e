/**
 * Small statistics and result files for the benchmarks under bench/: medians, percentiles,
 * rounding, the machine line, and `writeBenchResult` (bench/results/<name>.json). No imports
 * beyond Node, so the lightest benches can use it without loading the API.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's bench/results folder (ignored by git). */
export const BENCH_RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bench/results');

const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

/** The median of `xs`; for an even count, the mean of the two middle values. */
export function median(xs: readonly number[]): number {
  const s = sorted(xs);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * The middle value of `xs` after sorting, the upper one of the two for an even count. Kept apart
 * from `median` because the server benches have always reported this one (it is always a value
 * that was measured), and their numbers stay comparable with earlier results.
 */
export function upperMedian(xs: readonly number[]): number {
  return sorted(xs)[Math.floor(xs.length / 2)] as number;
}

/** The `p`-th percentile (nearest rank) of `xs`. */
export function percentile(xs: readonly number[], p: number): number {
  const s = sorted(xs);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}

/** `x` rounded to `digits` decimals. */
export function round(x: number, digits = 1): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

/** The 1, 5 and 15 minute load averages, to two decimals. */
export function loadAverages(): number[] {
  return loadavg().map((x) => round(x, 2));
}

/** `{ cpus, node, loadAverageAtEnd }`: the machine as most result files record it. */
export function machineAtEnd(): { cpus: number; node: string; loadAverageAtEnd: number[] } {
  return { cpus: cpus().length, node: process.version, loadAverageAtEnd: loadAverages() };
}

/** The line the load benches print first: CPUs and load, because other work skews the numbers. */
export function machineLine(): string {
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  return `${cpus().length} CPUs, load average ${load} (other work on the machine skews these numbers)`;
}

/** Writes `result` as indented JSON to bench/results/<name>.json and returns the file's path. */
export function writeBenchResult(name: string, result: unknown): string {
  mkdirSync(BENCH_RESULTS, { recursive: true });
  const file = path.join(BENCH_RESULTS, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
