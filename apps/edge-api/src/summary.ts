/**
 * What the worklist and webhooks need from an analysis result: urgency, PE probability and the
 * study-level decision (or that the study is non-diagnostic, and why).
 */
import type { StudySummary } from '@embolus/db';
import type { AnalysisResult } from '@embolus/shared';

/**
 * Urgency 0 for central PE with RV/LV ≥ 1 (both decided positive), otherwise 1. The PE
 * probability is 1 − P(negative exam); the decision is indeterminate, negative or positive, in
 * that order of precedence. `probabilities` (what cohort AUROC, drift and model comparison read)
 * are the model's raw outputs where the result has them: consistency repair moves violating labels
 * to just across 0.5, which ties studies and flattens AUROC.
 */
export function summarize(r: AnalysisResult): StudySummary & { reason?: string } {
  const probabilities: Record<string, number> = {};
  for (const [label, v] of Object.entries(r.labels)) if (v) probabilities[label] = v.rawProbability ?? v.probability;
  const negative = r.labels.negative_exam_for_pe;
  // A study that failed a quality gate is its own state, never negative or positive.
  if (r.quality?.diagnostic === false) {
    return { urgency: 1, peProbability: Math.min(1, Math.max(0, negative ? 1 - negative.probability : 0)), decision: 'non_diagnostic', probabilities, reason: nonDiagnosticReason(r) };
  }
  const windowMax = r.windows.reduce((m, w) => Math.max(m, w.probability), 0);
  const peProbability = negative ? 1 - negative.probability : windowMax;
  const anyPe = Object.entries(r.labels).some(([l, v]) => l !== 'negative_exam_for_pe' && l !== 'indeterminate' && l !== 'rv_lv_ratio_lt_1' && v?.decision);
  const decision = r.labels.indeterminate?.decision ? 'indeterminate' : negative ? (negative.decision ? 'negative' : 'positive') : anyPe ? 'positive' : 'negative';
  const urgent = Boolean(r.labels.central_pe?.decision && r.labels.rv_lv_ratio_gte_1?.decision);
  return { urgency: urgent ? 0 : 1, peProbability: Math.min(1, Math.max(0, peProbability)), decision, probabilities };
}

/** "Non-diagnostic: <reason>" for a result that failed a quality gate, otherwise undefined. */
export function nonDiagnosticReason(r: AnalysisResult): string | undefined {
  if (r.quality?.diagnostic !== false) return undefined;
  return r.quality.reason ?? 'Non-diagnostic';
}
