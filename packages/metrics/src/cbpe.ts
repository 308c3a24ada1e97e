/**
 * Confidence-based performance estimation (CBPE, as in NannyML): with calibrated probabilities
 * p_i and no labels, each subject counts p_i as an expected positive and 1 − p_i as an expected
 * negative. Expected sensitivity/specificity are ratios of expected confusion counts; the
 * expected AUROC is the area under the expected ROC curve (cumulative Σp and Σ(1 − p) in score
 * order, from (0, 0), ties grouped).
 */
import { MetricsError } from './errors';
import { operatingPoint, type OperatingPoint } from './threshold-metrics';
import { assertSameLength, probabilityAt } from './validate';

/** Options of {@link cbpe}. */
export interface CbpeOptions {
  /** Decision threshold: predicted positive iff probability (or score) ≥ threshold. */
  readonly threshold: number;
  /**
   * Scores that rank subjects and are compared with `threshold`, e.g. the model's uncalibrated
   * output when `probability` is its calibrated version. Default: `probability`.
   */
  readonly scores?: ArrayLike<number>;
}

/** Performance expected from calibrated probabilities alone. */
export interface CbpeEstimate {
  readonly n: number;
  /** Σ p_i: the expected number of positives. */
  readonly expectedPositives: number;
  /** Area under the expected ROC curve. */
  readonly expectedAuroc: number;
  /** Expected confusion counts (fractional) and the rates derived from them at the threshold. */
  readonly atThreshold: OperatingPoint;
}

/**
 * Estimates AUROC, sensitivity, specificity, PPV and NPV from calibrated probabilities.
 *
 * @throws MetricsError INVALID_INPUT on probabilities outside [0, 1], NaN scores or mismatched
 *   lengths; INSUFFICIENT_DATA when Σp or Σ(1 − p) is 0 (no expected positives or negatives).
 */
export function cbpe(probability: ArrayLike<number>, options: CbpeOptions): CbpeEstimate {
  const scores = options.scores ?? probability;
  assertSameLength(probability, scores, 'CBPE');
  const n = probability.length;
  let sumP = 0;
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < n; i++) {
    const p = probabilityAt(probability, i, 'CBPE');
    const s = scores[i] as number;
    if (s !== s) throw new MetricsError('INVALID_INPUT', `CBPE: score[${i}] is NaN`, { details: { index: i } });
    sumP += p;
    if (s >= options.threshold) {
      tp += p;
      fp += 1 - p;
    }
  }
  const sumQ = n - sumP;
  if (!(sumP > 0) || !(sumQ > 0)) {
    throw new MetricsError('INSUFFICIENT_DATA', 'CBPE needs some expected positives and negatives (Σp and Σ(1 − p) > 0)');
  }
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  // Trapezoids of the expected ROC curve, walking distinct scores from the highest down.
  let area = 0;
  let tpr = 0;
  let fpr = 0;
  let cumP = 0;
  let cumQ = 0;
  for (let k = 0; k < n; ) {
    const s = scores[order[k] as number] as number;
    while (k < n && scores[order[k] as number] === s) {
      const p = probability[order[k] as number] as number;
      cumP += p;
      cumQ += 1 - p;
      k++;
    }
    const tpr2 = cumP / sumP;
    const fpr2 = cumQ / sumQ;
    area += ((fpr2 - fpr) * (tpr + tpr2)) / 2;
    tpr = tpr2;
    fpr = fpr2;
  }
  return {
    n,
    expectedPositives: sumP,
    expectedAuroc: area,
    atThreshold: operatingPoint(options.threshold, tp, fp, sumQ - fp, sumP - tp),
  };
}
