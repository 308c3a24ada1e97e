/**
 * What the worklist and webhooks need from an analysis result: urgency, PE probability and the
 * study-level decision.
 */
import type { StudySummary } from '@embolus/db';
import { decisionsOf, type AnalysisResult } from '@embolus/shared';

/**
 * The decision is the result's exam decision (positive, negative or indeterminate) from the
 * decision procedure (`decide` in @embolus/shared, which obeys the RSNA label rules); a result
 * stored before it carried one is decided again by the same procedure. Urgency 0 for central PE
 * with RV/LV ≥ 1 (both reported, so only in a PE-positive exam), otherwise 1. The PE probability
 * is 1 − P(negative exam). `probabilities` (what cohort AUROC, drift and model comparison read)
 * are the model's raw outputs where the result has them: consistency repair moves violating labels
 * to just across 0.5, which ties studies and flattens AUROC.
 */
export function summarize(r: AnalysisResult): StudySummary {
  const probabilities: Record<string, number> = {};
  for (const [label, v] of Object.entries(r.labels)) if (v) probabilities[label] = v.rawProbability ?? v.probability;
  const negative = r.labels.negative_exam_for_pe;
  const windowMax = r.windows.reduce((m, w) => Math.max(m, w.probability), 0);
  const peProbability = negative ? 1 - negative.probability : windowMax;
  const d = decisionsOf(r);
  const urgent = d.labels.central_pe && d.labels.rv_lv_ratio_gte_1;
  return { urgency: urgent ? 0 : 1, peProbability: Math.min(1, Math.max(0, peProbability)), decision: d.exam, probabilities };
}
