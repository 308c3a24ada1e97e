/**
 * Choosing a decision threshold on validation data by a named rule. Candidates are the distinct
 * validation scores (positive iff score ≥ threshold).
 */
import { MetricsError } from './errors';
import { thresholdCurve } from './threshold-metrics';

/** Differences below this count as ties (sums of fractions are not exact in floating point). */
const EPS = 1e-12;

/**
 * How to pick the threshold:
 * - `'max-min-sens-spec'`: maximise min(sensitivity, specificity), as Ma et al. did;
 * - `'youden'`: maximise sensitivity + specificity − 1;
 * - `{ targetSensitivity }`: the highest threshold whose sensitivity is ≥ the target, which
 *   gives the best specificity reaching that sensitivity.
 *
 * Ties: the larger sensitivity + specificity wins (for max-min), then the higher threshold.
 */
export type ThresholdRule = 'max-min-sens-spec' | 'youden' | { readonly targetSensitivity: number };

/** The threshold a rule picked and what it achieves on the data it was picked on. */
export interface SelectedThreshold {
  readonly rule: ThresholdRule;
  readonly threshold: number;
  readonly sensitivity: number;
  readonly specificity: number;
}

/**
 * Picks a threshold on (validation) scores by `rule`.
 *
 * @throws MetricsError INVALID_INPUT on bad arrays or a target outside (0, 1];
 *   INSUFFICIENT_DATA without at least one positive and one negative.
 */
export function selectThreshold(scores: ArrayLike<number>, truth: ArrayLike<number>, rule: ThresholdRule): SelectedThreshold {
  if (typeof rule === 'object' && !(rule.targetSensitivity > 0 && rule.targetSensitivity <= 1)) {
    throw new MetricsError('INVALID_INPUT', `target sensitivity must be in (0, 1], got ${rule.targetSensitivity}`);
  }
  if (typeof rule === 'string' && rule !== 'max-min-sens-spec' && rule !== 'youden') {
    throw new MetricsError('INVALID_INPUT', `unknown threshold rule '${String(rule)}'`);
  }
  const curve = thresholdCurve(scores, truth);
  let best = -1;
  let bestPrimary = -Infinity;
  let bestSecondary = -Infinity;
  // Scan from the highest threshold down so that, on ties, the higher threshold is kept.
  for (let i = curve.thresholds.length - 1; i >= 0; i--) {
    const se = curve.sensitivity[i] as number;
    const sp = curve.specificity[i] as number;
    if (typeof rule === 'object') {
      if (se >= rule.targetSensitivity) {
        best = i;
        break;
      }
      continue;
    }
    const primary = rule === 'youden' ? se + sp - 1 : Math.min(se, sp);
    const secondary = rule === 'youden' ? 0 : se + sp;
    const tie = Math.abs(primary - bestPrimary) <= EPS;
    if ((!tie && primary > bestPrimary) || (tie && secondary > bestSecondary + EPS)) {
      best = i;
      bestPrimary = primary;
      bestSecondary = secondary;
    }
  }
  // With at least one positive, sensitivity is 1 at the lowest threshold, so `best` is set.
  return {
    rule,
    threshold: curve.thresholds[best] as number,
    sensitivity: curve.sensitivity[best] as number,
    specificity: curve.specificity[best] as number,
  };
}
