/**
 * Previewing a site threshold (issue 18): the threshold a rule picks on the tenant's labelled
 * studies, its sensitivity and specificity with Wilson CIs beside those of the threshold in
 * force, and how many analysed studies (labelled or not) would change decision.
 */
import { MetricsError } from './errors';
import { rateOf, type Rate } from './label-report';
import { selectThreshold, type ThresholdRule } from './threshold-selection';
import { assertLevel } from './validate';

/** A rule of {@link selectThreshold}, or a threshold given by hand. */
export type SiteThresholdRule = ThresholdRule | { readonly threshold: number };

/** What changing one label's threshold would do. */
export interface ThresholdPreview {
  readonly rule: SiteThresholdRule;
  readonly threshold: number;
  readonly current: number;
  readonly labelled: number;
  readonly positives: number;
  readonly negatives: number;
  readonly sensitivity: Rate;
  readonly specificity: Rate;
  readonly currentSensitivity: Rate;
  readonly currentSpecificity: Rate;
  /** Analysed studies whose decision for the label (probability ≥ threshold) would flip. */
  readonly changed: { readonly studies: number; readonly toPositive: number; readonly toNegative: number; readonly of: number };
}

function confusion(p: ArrayLike<number>, y: ArrayLike<number>, th: number) {
  let tp = 0,
    fn = 0,
    tn = 0,
    fp = 0;
  for (let i = 0; i < p.length; i++) {
    const pos = (p[i] as number) >= th;
    if (y[i] === 1) pos ? tp++ : fn++;
    else pos ? fp++ : tn++;
  }
  return { tp, fn, tn, fp };
}

/**
 * Picks a threshold for one label by `rule` on its labelled studies and previews the change from
 * `current`. `probability` and `truth` are aligned; NaN truth means unlabelled, NaN probability
 * not analysed for the label. Rates below `minCount` subjects are insufficient data.
 *
 * @throws MetricsError INSUFFICIENT_DATA without a labelled positive and negative (rules other
 *   than a hand-given threshold); INVALID_INPUT on bad values.
 */
export function previewThreshold(
  probability: ArrayLike<number>,
  truth: ArrayLike<number>,
  rule: SiteThresholdRule,
  current: number,
  options: { level?: number; minCount?: number } = {},
): ThresholdPreview {
  const level = options.level ?? 0.95;
  assertLevel(level);
  const min = options.minCount ?? 1;
  if (probability.length !== truth.length)
    throw new MetricsError('INVALID_INPUT', 'threshold preview: probability and truth differ in length');
  if (!(current >= 0 && current <= 1)) throw new MetricsError('INVALID_INPUT', 'current threshold must be in [0, 1]');
  const lp: number[] = [];
  const ly: number[] = [];
  for (let i = 0; i < probability.length; i++) {
    const p = probability[i] as number;
    const y = truth[i] as number;
    if (p !== p || y !== y) continue;
    if (y !== 0 && y !== 1)
      throw new MetricsError('INVALID_INPUT', `threshold preview: truth[${i}] must be 0, 1 or NaN`, { details: { index: i } });
    lp.push(p);
    ly.push(y);
  }
  let threshold: number;
  if (typeof rule === 'object' && 'threshold' in rule) {
    if (!(rule.threshold >= 0 && rule.threshold <= 1)) throw new MetricsError('INVALID_INPUT', 'threshold must be in [0, 1]');
    threshold = rule.threshold;
  } else {
    threshold = selectThreshold(lp, ly, rule).threshold;
  }
  const now = confusion(lp, ly, current);
  const next = confusion(lp, ly, threshold);
  let toPositive = 0,
    toNegative = 0,
    of = 0;
  for (let i = 0; i < probability.length; i++) {
    const p = probability[i] as number;
    if (p !== p) continue;
    of++;
    const before = p >= current;
    const after = p >= threshold;
    if (after && !before) toPositive++;
    else if (before && !after) toNegative++;
  }
  const positives = now.tp + now.fn;
  const negatives = now.tn + now.fp;
  return {
    rule,
    threshold,
    current,
    labelled: lp.length,
    positives,
    negatives,
    sensitivity: rateOf(next.tp, positives, min, level),
    specificity: rateOf(next.tn, negatives, min, level),
    currentSensitivity: rateOf(now.tp, positives, min, level),
    currentSpecificity: rateOf(now.tn, negatives, min, level),
    changed: { studies: toPositive + toNegative, toPositive, toNegative, of },
  };
}
