/**
 * Internal: scores split by truth into sorted typed arrays, and a single merge walk over the
 * distinct score levels. Every rank-based metric (AUROC, DeLong, ROC and threshold curves) is
 * built on this one O(n log n) sort plus an O(n) merge.
 */
import { MetricsError } from './errors';
import { assertSameLength, binaryAt } from './validate';

/** Scores of the positive (`cases`) and negative (`controls`) subjects, each sorted ascending. */
export interface SortedGroups {
  readonly cases: Float64Array;
  readonly controls: Float64Array;
}

/**
 * Splits `scores` by `truth` (0/1) and sorts both groups ascending. NaN scores are rejected;
 * −0 is normalised to +0 so that it ties with 0.
 */
export function sortedGroups(scores: ArrayLike<number>, truth: ArrayLike<number>, what = 'scores'): SortedGroups {
  assertSameLength(scores, truth, what);
  const n = scores.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += binaryAt(truth, i, what);
  const cases = new Float64Array(m);
  const controls = new Float64Array(n - m);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    const s = (scores[i] as number) + 0;
    if (s !== s) {
      throw new MetricsError('INVALID_INPUT', `${what}: score[${i}] is NaN`, { details: { index: i } });
    }
    if (truth[i] === 1) cases[a++] = s;
    else controls[b++] = s;
  }
  cases.sort();
  controls.sort();
  return { cases, controls };
}

/** Throws INSUFFICIENT_DATA unless there are at least `min` cases and `min` controls. */
export function requireBoth(g: SortedGroups, min: number, what: string): void {
  if (g.cases.length < min || g.controls.length < min) {
    throw new MetricsError(
      'INSUFFICIENT_DATA',
      `${what} needs at least ${min} positive and ${min} negative subjects (got ${g.cases.length} and ${g.controls.length})`,
      { details: { positives: g.cases.length, negatives: g.controls.length } },
    );
  }
}

/**
 * Called once per distinct score, ascending. `casesBelow`/`controlsBelow` count subjects with a
 * strictly lower score; `casesAt`/`controlsAt` those tied at `value`.
 */
export type LevelVisitor = (value: number, casesBelow: number, casesAt: number, controlsBelow: number, controlsAt: number) => void;

/** Walks the distinct score levels of both sorted groups in ascending order. */
export function forEachLevel(g: SortedGroups, visit: LevelVisitor): void {
  const { cases, controls } = g;
  const m = cases.length;
  const n = controls.length;
  let i = 0;
  let j = 0;
  while (i < m || j < n) {
    let v: number;
    if (j >= n) v = cases[i] as number;
    else if (i >= m) v = controls[j] as number;
    else {
      const c = cases[i] as number;
      const d = controls[j] as number;
      v = c <= d ? c : d;
    }
    let i2 = i;
    while (i2 < m && cases[i2] === v) i2++;
    let j2 = j;
    while (j2 < n && controls[j2] === v) j2++;
    visit(v, i, i2 - i, j, j2 - j);
    i = i2;
    j = j2;
  }
}

/** Index of the first element of sorted `a` that is ≥ `x`. */
export function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element of sorted `a` that is > `x`. */
export function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
