/**
 * Area under the ROC curve as the Mann–Whitney statistic (ties count one half), and the
 * empirical ROC curve. Convention throughout: a subject is called positive when its score is
 * ≥ the threshold, and higher scores mean "more likely positive" (pROC's `direction = "<"`).
 */
import { forEachLevel, requireBoth, sortedGroups, type SortedGroups } from './sorted-scores';

/** AUROC of already-sorted groups; exact pair counting, halves for ties. */
export function aurocOfGroups(g: SortedGroups): number {
  requireBoth(g, 1, 'AUROC');
  let concordant = 0;
  forEachLevel(g, (_v, _cb, casesAt, controlsBelow, controlsAt) => {
    if (casesAt > 0) concordant += casesAt * (controlsBelow + 0.5 * controlsAt);
  });
  return concordant / g.cases.length / g.controls.length;
}

/**
 * AUROC of `scores` against binary `truth` (1 = positive): the probability that a random
 * positive scores higher than a random negative, ties counting ½ (Mann–Whitney U / (m·n)).
 *
 * @throws MetricsError INVALID_INPUT on mismatched lengths, NaN scores or truths other than 0/1;
 *   INSUFFICIENT_DATA without at least one positive and one negative.
 */
export function auroc(scores: ArrayLike<number>, truth: ArrayLike<number>): number {
  return aurocOfGroups(sortedGroups(scores, truth));
}

/** Points of an empirical ROC curve, from (0, 0) at threshold +∞ to (1, 1) at the lowest score. */
export interface RocCurve {
  /** Thresholds, descending: +Infinity, then every distinct score (positive iff score ≥ threshold). */
  readonly thresholds: Float64Array;
  /** True positive rate (sensitivity) at each threshold. */
  readonly tpr: Float64Array;
  /** False positive rate (1 − specificity) at each threshold. */
  readonly fpr: Float64Array;
  /** Number of positive subjects. */
  readonly positives: number;
  /** Number of negative subjects. */
  readonly negatives: number;
}

/** ROC curve of already-sorted groups. */
export function rocCurveOfGroups(g: SortedGroups): RocCurve {
  requireBoth(g, 1, 'ROC curve');
  const m = g.cases.length;
  const n = g.controls.length;
  const values: number[] = [];
  const casesAtOrAbove: number[] = [];
  const controlsAtOrAbove: number[] = [];
  forEachLevel(g, (v, casesBelow, _ca, controlsBelow) => {
    values.push(v);
    casesAtOrAbove.push(m - casesBelow);
    controlsAtOrAbove.push(n - controlsBelow);
  });
  const k = values.length;
  const thresholds = new Float64Array(k + 1);
  const tpr = new Float64Array(k + 1);
  const fpr = new Float64Array(k + 1);
  thresholds[0] = Infinity;
  for (let i = 0; i < k; i++) {
    const src = k - 1 - i;
    thresholds[i + 1] = values[src] as number;
    tpr[i + 1] = (casesAtOrAbove[src] as number) / m;
    fpr[i + 1] = (controlsAtOrAbove[src] as number) / n;
  }
  return { thresholds, tpr, fpr, positives: m, negatives: n };
}

/**
 * The empirical ROC curve: one point per distinct score plus the origin.
 *
 * @throws MetricsError as {@link auroc}.
 */
export function rocCurve(scores: ArrayLike<number>, truth: ArrayLike<number>): RocCurve {
  return rocCurveOfGroups(sortedGroups(scores, truth));
}
