import { cpus } from 'node:os';
import path from 'node:path';
import { ALL_LABELS } from '@embolus/shared';
import { writeBenchResult } from '@embolus/local-stack/stats';
import { cohortSummary, delongCi, seededRandom } from '@embolus/metrics';

const RUNS = 7;

function gaussian(rng: ReturnType<typeof seededRandom>): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

function time(fn: () => unknown): { median: number; runs: number[] } {
  fn(); // warm-up (JIT)
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    fn();
    runs.push(performance.now() - t0);
  }
  const sorted = [...runs].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)] as number, runs };
}

// 1. One million scores, 30% positives, probabilities rounded to 1e-6 (realistic ties).
const rng = seededRandom(2022);
const N = 1_000_000;
const truth = new Uint8Array(N);
const scores = new Float64Array(N);
for (let i = 0; i < N; i++) {
  const y = rng.next() < 0.3 ? 1 : 0;
  truth[i] = y;
  scores[i] = Math.round(1e6 / (1 + Math.exp(-(gaussian(rng) + 1.6 * y - 1)))) / 1e6;
}
let lastCi = delongCi(scores, truth);
const auroc = time(() => (lastCi = delongCi(scores, truth)));

// 2. 100,000 studies over the 12 months of 2024, 10 labels each (10% missing per label).
const STUDIES = 100_000;
const start = Date.UTC(2024, 0, 1);
const span = Date.UTC(2025, 0, 1) - start;
const times = new Float64Array(STUDIES);
for (let i = 0; i < STUDIES; i++) times[i] = start + Math.floor(rng.next() * span);
const labels: Record<string, { truth: Float64Array; probability: Float64Array }> = {};
for (const [k, label] of ALL_LABELS.entries()) {
  const t = new Float64Array(STUDIES);
  const p = new Float64Array(STUDIES);
  const prevalence = 0.05 + 0.03 * k;
  for (let i = 0; i < STUDIES; i++) {
    const y = rng.next() < prevalence ? 1 : 0;
    t[i] = rng.next() < 0.1 ? NaN : y;
    p[i] = 1 / (1 + Math.exp(-(gaussian(rng) + 2 * y - 2)));
  }
  labels[label] = { truth: t, probability: p };
}
let windows = 0;
let weeks = 0;
const cohort = time(() => (windows = cohortSummary({ time: times, labels }, { window: 'month' }).length));
const weekly = time(() => (weeks = cohortSummary({ time: times, labels }, { window: 'week' }).length));

const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  runs: RUNS,
  auroc_delong_1m: {
    scores: N,
    median_ms: auroc.median,
    runs_ms: auroc.runs,
    target_ms: 1000,
    auroc: lastCi.auroc,
    ci: lastCi.ci,
  },
  cohort_monthly_100k_x10: {
    studies: STUDIES,
    labels: ALL_LABELS.length,
    windows,
    median_ms: cohort.median,
    runs_ms: cohort.runs,
    target_ms: 2000,
  },
  cohort_weekly_100k_x10: { studies: STUDIES, labels: ALL_LABELS.length, windows: weeks, median_ms: weekly.median, runs_ms: weekly.runs },
};

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
console.log(`node ${results.node} on ${results.cpu}; median of ${RUNS} runs after a warm-up`);
console.log(`AUROC + DeLong CI, 1,000,000 scores:            ${fmt(auroc.median).padStart(9)}  (target ≤ 1000 ms)`);
console.log(`  AUROC ${lastCi.auroc.toFixed(4)}, 95% CI [${lastCi.ci[0].toFixed(4)}, ${lastCi.ci[1].toFixed(4)}]`);
console.log(
  `cohort summary, 100,000 studies × 10 labels, by month (${windows} windows): ${fmt(cohort.median).padStart(9)}  (target ≤ 2000 ms)`,
);
console.log(`cohort summary, same data by ISO week (${weeks} windows):                ${fmt(weekly.median).padStart(9)}`);

const out = writeBenchResult('metrics', results);
console.log(`wrote ${path.relative(process.cwd(), out)}`);
