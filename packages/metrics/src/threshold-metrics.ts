/**
 * Operating-point metrics: the confusion matrix, sensitivity, specificity, PPV and NPV at a
 * threshold, and sensitivity/specificity as curves over every distinct threshold.
 * A subject is called positive when its score is ≥ the threshold.
 */
import { MetricsError } from './errors';
import { forEachLevel, requireBoth, sortedGroups, type SortedGroups } from './sorted-scores';
import { assertSameLength, binaryAt } from './validate';

/** Confusion matrix and derived rates at one threshold. Rates are NaN when their denominator is 0. */
export interface OperatingPoint {
  readonly threshold: number;
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
  /** tp / (tp + fn). */
  readonly sensitivity: number;
  /** tn / (tn + fp). */
  readonly specificity: number;
  /** Positive predictive value, tp / (tp + fp). */
  readonly ppv: number;
  /** Negative predictive value, tn / (tn + fn). */
  readonly npv: number;
}

/** Builds an {@link OperatingPoint} from confusion counts. */
export function operatingPoint(threshold: number, tp: number, fp: number, tn: number, fn: number): OperatingPoint {
  const ratio = (a: number, b: number) => (b === 0 ? NaN : a / b);
  return {
    threshold,
    tp,
    fp,
    tn,
    fn,
    sensitivity: ratio(tp, tp + fn),
    specificity: ratio(tn, tn + fp),
    ppv: ratio(tp, tp + fp),
    npv: ratio(tn, tn + fn),
  };
}

/**
 * Sensitivity, specificity, PPV and NPV when subjects with score ≥ `threshold` are called positive.
 *
 * @throws MetricsError INVALID_INPUT on mismatched lengths, NaN scores or truths other than 0/1.
 */
export function operatingPointAt(scores: ArrayLike<number>, truth: ArrayLike<number>, threshold: number): OperatingPoint {
  assertSameLength(scores, truth, 'operating point');
  if (Number.isNaN(threshold)) throw new MetricsError('INVALID_INPUT', 'threshold is NaN');
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i] as number;
    if (s !== s) throw new MetricsError('INVALID_INPUT', `operating point: score[${i}] is NaN`, { details: { index: i } });
    const positive = s >= threshold;
    if (binaryAt(truth, i, 'operating point') === 1) {
      if (positive) tp++;
      else fn++;
    } else if (positive) fp++;
    else tn++;
  }
  return operatingPoint(threshold, tp, fp, tn, fn);
}

/** Sensitivity and specificity at every distinct score used as threshold, ascending. */
export interface ThresholdCurve {
  /** Distinct scores, ascending; each is a threshold (positive iff score ≥ threshold). */
  readonly thresholds: Float64Array;
  readonly sensitivity: Float64Array;
  readonly specificity: Float64Array;
  readonly positives: number;
  readonly negatives: number;
}

/** Threshold curve of already-sorted groups. */
export function thresholdCurveOfGroups(g: SortedGroups): ThresholdCurve {
  requireBoth(g, 1, 'threshold curve');
  const m = g.cases.length;
  const n = g.controls.length;
  const t: number[] = [];
  const sens: number[] = [];
  const spec: number[] = [];
  forEachLevel(g, (v, casesBelow, _ca, controlsBelow) => {
    t.push(v);
    sens.push((m - casesBelow) / m);
    spec.push(controlsBelow / n);
  });
  return {
    thresholds: Float64Array.from(t),
    sensitivity: Float64Array.from(sens),
    specificity: Float64Array.from(spec),
    positives: m,
    negatives: n,
  };
}

/**
 * Sensitivity and specificity against threshold, one point per distinct score.
 *
 * @throws MetricsError INVALID_INPUT on bad arrays; INSUFFICIENT_DATA without both classes.
 */
export function thresholdCurve(scores: ArrayLike<number>, truth: ArrayLike<number>): ThresholdCurve {
  return thresholdCurveOfGroups(sortedGroups(scores, truth));
}
