/**
 * One label's discrimination on a labelled cohort: the one scoring rule used by the trainer's
 * held-out evaluation, the runner's validation and evaluation jobs, and `embolus eval`.
 */
import { auroc } from './auroc';
import { delongCi } from './delong';
import { selectThreshold, type ThresholdRule } from './threshold-selection';

/** A label's AUROC with its DeLong 95% CI, and optionally a threshold chosen on the same cohort. */
export interface LabelScore {
  n: number;
  positives: number;
  /** Null when the cohort cannot rank (see {@link scoreLabel}). */
  auroc: number | null;
  /** DeLong 95% CI; null with fewer than two positives or two negatives. */
  ci: [number, number] | null;
  /** Chosen by `thresholdRule` (only when asked for and two of each class occur). */
  threshold?: { value: number; sensitivity: number; specificity: number; rule: string };
}

/** Options of {@link scoreLabel}. */
export interface ScoreLabelOptions {
  /** Also choose a threshold on these scores (validation cohorts). */
  thresholdRule?: ThresholdRule;
  /**
   * Report the AUROC (without CI) when only one positive or one negative occurs. Off by default:
   * with one of a class the AUROC is a single rank and training reports treat it as unknown.
   */
  aurocFromOneEach?: boolean;
}

/**
 * Scores one label: n, positives, AUROC and DeLong CI when two of each class occur; with
 * `aurocFromOneEach`, the bare AUROC when one of each does; otherwise null.
 */
export function scoreLabel(scores: ArrayLike<number>, truth: ArrayLike<number>, opts: ScoreLabelOptions = {}): LabelScore {
  let positives = 0;
  for (let i = 0; i < truth.length; i++) positives += truth[i] as number;
  const n = truth.length;
  const negatives = n - positives;
  if (positives >= 2 && negatives >= 2) {
    const r = delongCi(scores, truth);
    const out: LabelScore = { n, positives, auroc: r.auroc, ci: [r.ci[0], r.ci[1]] };
    const rule = opts.thresholdRule;
    if (rule) {
      const t = selectThreshold(scores, truth, rule);
      out.threshold = {
        value: t.threshold,
        sensitivity: t.sensitivity,
        specificity: t.specificity,
        rule: typeof rule === 'string' ? rule : `sensitivity>=${rule.targetSensitivity}`,
      };
    }
    return out;
  }
  if (opts.aurocFromOneEach && positives >= 1 && negatives >= 1) return { n, positives, auroc: auroc(scores, truth), ci: null };
  return { n, positives, auroc: null, ci: null };
}
