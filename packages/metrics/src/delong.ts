/**
 * DeLong's nonparametric variance of the AUROC, its normal-theory confidence interval and the
 * test for two correlated AUROCs, computed with the fast algorithm of Sun & Xu (IEEE Signal
 * Processing Letters 2014): placements come from midranks, i.e. one sort per group and one
 * merge, O(n log n) overall. Results match R's pROC (`var`, `ci.auc`, `roc.test(paired = TRUE)`).
 */
import { normalCdf, normalQuantile } from './normal-distribution';
import { forEachLevel, lowerBound, requireBoth, sortedGroups, upperBound, type SortedGroups } from './sorted-scores';
import { assertLevel, assertSameLength } from './validate';

/** AUROC with its DeLong variance. */
export interface DelongEstimate {
  /** Mann–Whitney AUROC. */
  readonly auroc: number;
  /** DeLong variance of the AUROC: S10/m + S01/n. */
  readonly variance: number;
  /** Number of positive subjects (m). */
  readonly positives: number;
  /** Number of negative subjects (n). */
  readonly negatives: number;
}

/** An AUROC with a two-sided confidence interval. */
export interface AurocWithCi {
  readonly auroc: number;
  /** [lower, upper], clipped to [0, 1]. */
  readonly ci: readonly [number, number];
  /** Confidence level, e.g. 0.95. */
  readonly level: number;
  readonly method: 'delong' | 'bootstrap';
  /** DeLong variance, or the variance of the bootstrap replicates. */
  readonly variance: number;
  readonly positives: number;
  readonly negatives: number;
}

/** DeLong estimate of already-sorted groups (needs ≥ 2 positives and ≥ 2 negatives). */
export function delongOfGroups(g: SortedGroups): DelongEstimate {
  requireBoth(g, 2, 'DeLong variance');
  const m = g.cases.length;
  const n = g.controls.length;
  let concordant = 0;
  forEachLevel(g, (_v, _cb, casesAt, controlsBelow, controlsAt) => {
    if (casesAt > 0) concordant += casesAt * (controlsBelow + 0.5 * controlsAt);
  });
  const theta = concordant / m / n;
  let s10 = 0;
  let s01 = 0;
  forEachLevel(g, (_v, casesBelow, casesAt, controlsBelow, controlsAt) => {
    if (casesAt > 0) {
      const d = (controlsBelow + 0.5 * controlsAt) / n - theta;
      s10 += casesAt * d * d;
    }
    if (controlsAt > 0) {
      const d = (m - casesBelow - 0.5 * casesAt) / m - theta;
      s01 += controlsAt * d * d;
    }
  });
  return { auroc: theta, variance: s10 / (m - 1) / m + s01 / (n - 1) / n, positives: m, negatives: n };
}

/**
 * AUROC and its DeLong variance.
 *
 * @throws MetricsError INVALID_INPUT on bad arrays; INSUFFICIENT_DATA with fewer than two
 *   positives or two negatives (the variance is undefined).
 */
export function delongVariance(scores: ArrayLike<number>, truth: ArrayLike<number>): DelongEstimate {
  return delongOfGroups(sortedGroups(scores, truth));
}

/** Normal-theory interval of already-sorted groups: AUROC ± z·√var, clipped to [0, 1], as pROC does. */
export function delongCiOfGroups(g: SortedGroups, level = 0.95): AurocWithCi {
  assertLevel(level);
  const e = delongOfGroups(g);
  const sd = Math.sqrt(e.variance);
  const lo = e.auroc + sd * normalQuantile((1 - level) / 2);
  const hi = e.auroc + sd * normalQuantile(1 - (1 - level) / 2);
  return {
    auroc: e.auroc,
    ci: [Math.min(1, Math.max(0, lo)), Math.min(1, Math.max(0, hi))],
    level,
    method: 'delong',
    variance: e.variance,
    positives: e.positives,
    negatives: e.negatives,
  };
}

/**
 * AUROC with DeLong's confidence interval (pROC `ci.auc(method = "delong")`).
 *
 * @param level - confidence level, default 0.95.
 * @throws MetricsError as {@link delongVariance}.
 */
export function delongCi(scores: ArrayLike<number>, truth: ArrayLike<number>, level = 0.95): AurocWithCi {
  return delongCiOfGroups(sortedGroups(scores, truth), level);
}

/** Result of DeLong's test comparing two AUROCs measured on the same subjects. */
export interface DelongTestResult {
  readonly aurocA: number;
  readonly aurocB: number;
  /** aurocA − aurocB. */
  readonly difference: number;
  /** Standard error of the difference. */
  readonly standardError: number;
  /** z statistic: difference / standardError (0 when both are 0). */
  readonly z: number;
  /** Two-sided p-value, 2·Φ(−|z|). */
  readonly pValue: number;
  /** Confidence interval of the difference (not clipped). */
  readonly ci: readonly [number, number];
  readonly level: number;
  readonly positives: number;
  readonly negatives: number;
}

/** Placements of each case and control in original order (midrank-based, ties ½). */
function placements(scores: ArrayLike<number>, truth: ArrayLike<number>, what: string) {
  const g = sortedGroups(scores, truth, what);
  requireBoth(g, 2, 'DeLong test');
  const m = g.cases.length;
  const n = g.controls.length;
  const x = new Float64Array(m);
  const y = new Float64Array(n);
  let a = 0;
  let b = 0;
  for (let i = 0; i < truth.length; i++) {
    const s = (scores[i] as number) + 0;
    if (truth[i] === 1) {
      const lb = lowerBound(g.controls, s);
      x[a++] = (lb + 0.5 * (upperBound(g.controls, s) - lb)) / n;
    } else {
      const ub = upperBound(g.cases, s);
      y[b++] = (m - ub + 0.5 * (ub - lowerBound(g.cases, s))) / m;
    }
  }
  const mean = (v: Float64Array) => v.reduce((s, t) => s + t, 0) / v.length;
  return { x, y, theta: mean(x), m, n };
}

function covariance(a: Float64Array, ma: number, b: Float64Array, mb: number): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - ma) * ((b[i] as number) - mb);
  return s / (a.length - 1);
}

/**
 * DeLong's test for two correlated AUROCs: two models scored on the same subjects with the same
 * truth (pROC `roc.test(method = "delong", paired = TRUE)`), two-sided.
 *
 * @param scoresA - scores of model A, aligned with `truth`.
 * @param scoresB - scores of model B on the same subjects.
 * @param level - confidence level of the interval of the difference, default 0.95.
 * @throws MetricsError INVALID_INPUT when the arrays differ in length; INSUFFICIENT_DATA with
 *   fewer than two positives or two negatives.
 */
export function delongTest(
  scoresA: ArrayLike<number>,
  scoresB: ArrayLike<number>,
  truth: ArrayLike<number>,
  level = 0.95,
): DelongTestResult {
  assertLevel(level);
  assertSameLength(scoresA, scoresB, 'DeLong test scores');
  const A = placements(scoresA, truth, 'scoresA');
  const B = placements(scoresB, truth, 'scoresB');
  const { m, n } = A;
  const sx = covariance(A.x, A.theta, A.x, A.theta) + covariance(B.x, B.theta, B.x, B.theta) - 2 * covariance(A.x, A.theta, B.x, B.theta);
  const sy = covariance(A.y, A.theta, A.y, A.theta) + covariance(B.y, B.theta, B.y, B.theta) - 2 * covariance(A.y, A.theta, B.y, B.theta);
  const variance = sx / m + sy / n;
  const se = Math.sqrt(Math.max(0, variance));
  const d = A.theta - B.theta;
  let z = d / se;
  if (Number.isNaN(z) && d === 0 && se === 0) z = 0;
  const crit = normalQuantile(1 - (1 - level) / 2);
  return {
    aurocA: A.theta,
    aurocB: B.theta,
    difference: d,
    standardError: se,
    z,
    pValue: 2 * normalCdf(-Math.abs(z)),
    ci: [d - crit * se, d + crit * se],
    level,
    positives: m,
    negatives: n,
  };
}
