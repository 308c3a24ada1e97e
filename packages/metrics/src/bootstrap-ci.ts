/**
 * Percentile bootstrap confidence interval of the AUROC, stratified (cases and controls are
 * resampled separately, as pROC does by default) and reproducible through a seeded generator.
 * Scores are sorted once; each replicate only draws multiplicities and does an O(n) merge.
 */
import type { AurocWithCi } from './delong';
import { seededRandom } from './seeded-random';
import { requireBoth, type SortedGroups } from './sorted-scores';
import { assertInteger, assertLevel } from './validate';

/** Options of {@link bootstrapCiOfGroups}. */
export interface BootstrapOptions {
  /** Confidence level, default 0.95. */
  readonly level?: number;
  /** Number of bootstrap replicates, default 2000. */
  readonly replicates?: number;
  /** Seed of the generator, default 1. */
  readonly seed?: number;
}

/** Distinct values of a sorted array and, for each element, the index of its value. */
function distinct(sorted: Float64Array): { values: Float64Array; groupOf: Uint32Array } {
  const groupOf = new Uint32Array(sorted.length);
  const values: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i] as number;
    if (values.length === 0 || values[values.length - 1] !== v) values.push(v);
    groupOf[i] = values.length - 1;
  }
  return { values: Float64Array.from(values), groupOf };
}

/** AUROC of weighted distinct case and control values (weights = multiplicities). */
function weightedAuroc(cv: Float64Array, cw: Uint32Array, dv: Float64Array, dw: Uint32Array, m: number, n: number): number {
  let j = 0;
  let below = 0;
  let concordant = 0;
  for (let i = 0; i < cv.length; i++) {
    const w = cw[i] as number;
    const v = cv[i] as number;
    while (j < dv.length && (dv[j] as number) < v) below += dw[j++] as number;
    if (w === 0) continue;
    const tied = j < dv.length && dv[j] === v ? (dw[j] as number) : 0;
    concordant += w * (below + 0.5 * tied);
  }
  return concordant / m / n;
}

/** Type-7 (R default) sample quantile of sorted values. */
export function sortedQuantile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (h - lo) * (b - a);
}

/** Bootstrap CI of already-sorted groups. */
export function bootstrapCiOfGroups(g: SortedGroups, auroc: number, options: BootstrapOptions = {}): AurocWithCi {
  const level = options.level ?? 0.95;
  const replicates = options.replicates ?? 2000;
  assertLevel(level);
  assertInteger(replicates, 2, 'bootstrap replicates');
  requireBoth(g, 1, 'bootstrap CI');
  const rng = seededRandom(options.seed ?? 1);
  const m = g.cases.length;
  const n = g.controls.length;
  const c = distinct(g.cases);
  const d = distinct(g.controls);
  const cw = new Uint32Array(c.values.length);
  const dw = new Uint32Array(d.values.length);
  const aucs = new Float64Array(replicates);
  for (let r = 0; r < replicates; r++) {
    cw.fill(0);
    dw.fill(0);
    for (let i = 0; i < m; i++) {
      const k = c.groupOf[rng.int(m)] as number;
      cw[k] = (cw[k] as number) + 1;
    }
    for (let i = 0; i < n; i++) {
      const k = d.groupOf[rng.int(n)] as number;
      dw[k] = (dw[k] as number) + 1;
    }
    aucs[r] = weightedAuroc(c.values, cw, d.values, dw, m, n);
  }
  let mean = 0;
  for (const a of aucs) mean += a;
  mean /= replicates;
  let ss = 0;
  for (const a of aucs) ss += (a - mean) * (a - mean);
  aucs.sort();
  return {
    auroc,
    ci: [sortedQuantile(aucs, (1 - level) / 2), sortedQuantile(aucs, 1 - (1 - level) / 2)],
    level,
    method: 'bootstrap',
    variance: ss / (replicates - 1),
    positives: m,
    negatives: n,
  };
}
