/**
 * What the worklist and webhooks need from an analysis result: urgency, PE probability and the
 * study-level decision (or that the study is non-diagnostic, and why). A domain rule, kept here
 * so the API's routes only store what it returns.
 */
import type { ExamDecision } from './decision';
import type { AnalysisResult } from './result';
import { decisionsOf } from './result-decisions';

/** The study-level decision a worklist shows: an exam decision, or non-diagnostic. */
export type StudyDecision = ExamDecision | 'non_diagnostic';

/** What a study row keeps of its result (ranked, filtered and scored from these). */
export interface ResultSummary {
  /** 0 = most urgent (central PE with RV/LV ≥ 1), 1 otherwise. */
  urgency: number;
  peProbability: number;
  decision: StudyDecision;
  /** Raw per-label probabilities (cohort AUROC, drift, model comparison). */
  probabilities: Record<string, number>;
  /** "Non-diagnostic: …" reason for a study that failed a quality gate. */
  reason?: string;
}

/**
 * The decision is the result's exam decision (positive, negative or indeterminate) from the
 * decision procedure (`decide` in @embolus/shared, which obeys the RSNA label rules); a result
 * stored before it carried one is decided again by the same procedure. Urgency 0 for central PE
 * with RV/LV ≥ 1 (both reported, so only in a PE-positive exam), otherwise 1. The PE probability
 * is 1 − P(negative exam). `probabilities` (what cohort AUROC, drift and model comparison read)
 * are the model's raw outputs where the result has them: consistency repair moves violating labels
 * to just across 0.5, which ties studies and flattens AUROC.
 */
export function summarize(r: AnalysisResult): ResultSummary {
  const probabilities: Record<string, number> = {};
  for (const [label, v] of Object.entries(r.labels)) if (v) probabilities[label] = v.rawProbability ?? v.probability;
  const negative = r.labels.negative_exam_for_pe;
  // A study that failed a quality gate is its own state, never negative or positive.
  if (r.quality?.diagnostic === false) {
    return {
      urgency: 1,
      peProbability: Math.min(1, Math.max(0, negative ? 1 - negative.probability : 0)),
      decision: 'non_diagnostic',
      probabilities,
      reason: nonDiagnosticReason(r),
    };
  }
  const windowMax = r.windows.reduce((m, w) => Math.max(m, w.probability), 0);
  const peProbability = negative ? 1 - negative.probability : windowMax;
  const d = decisionsOf(r);
  const urgent = d.labels.central_pe && d.labels.rv_lv_ratio_gte_1;
  return {
    urgency: urgent ? 0 : 1,
    peProbability: Math.min(1, Math.max(0, peProbability)),
    decision: d.exam === 'withheld' ? 'non_diagnostic' : d.exam,
    probabilities,
  };
}

/** "Non-diagnostic: <reason>" for a result that failed a quality gate, otherwise undefined. */
export function nonDiagnosticReason(r: AnalysisResult): string | undefined {
  if (r.quality?.diagnostic !== false) return undefined;
  return r.quality.reason ?? 'Non-diagnostic';
}
