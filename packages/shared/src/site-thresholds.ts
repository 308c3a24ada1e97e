/**
 * Site thresholds (issue 18): a tenant's quality team may set its own decision threshold per
 * label. A result is then decided again, at completion, by the same procedure (`decide`) on the
 * model's raw probabilities with the site's thresholds over the result's own, so the stored
 * result, the worklist and the webhook all carry the site's decisions. Results stored earlier are
 * never touched: they keep the decisions made when they were stored.
 */
import { decide } from './decision';
import { DEFAULT_THRESHOLDS, IMAGE_LABEL, STUDY_LABELS, type Label, type StudyLabel } from './labels';
import type { AnalysisResult } from './result';

/**
 * `r` decided again with `thresholds` (any subset of the study labels and the window label) over
 * the thresholds it carries. A non-diagnostic result decides nothing and is returned unchanged;
 * so is a result missing a study label (not decidable by `decide`).
 */
export function applySiteThresholds(r: AnalysisResult, thresholds: Readonly<Partial<Record<Label, number>>>): AnalysisResult {
  if (r.quality?.diagnostic === false) return r;
  if (STUDY_LABELS.some((l) => !r.labels[l])) return r;
  const merged = {} as Record<Label, number>;
  const study = {} as Record<StudyLabel, number>;
  for (const l of STUDY_LABELS) {
    const x = r.labels[l] as NonNullable<AnalysisResult['labels'][StudyLabel]>;
    merged[l] = thresholds[l] ?? x.threshold;
    study[l] = x.rawProbability ?? x.probability;
  }
  merged[IMAGE_LABEL] = thresholds[IMAGE_LABEL] ?? r.exam?.windowThreshold ?? DEFAULT_THRESHOLDS[IMAGE_LABEL];
  const d = decide({ study, windows: r.windows.map((w) => w.rawProbability ?? w.probability), thresholds: merged });
  const labels = Object.fromEntries(
    STUDY_LABELS.map((l) => [l, { ...r.labels[l], threshold: merged[l], decision: d.labels[l] }]),
  ) as AnalysisResult['labels'];
  return {
    ...r,
    labels,
    windows: r.windows.map((w, i) => ({ ...w, decision: d.windows[i] ?? false })),
    exam: { decision: d.exam, reason: d.examReason, windowThreshold: merged[IMAGE_LABEL], overrides: d.overrides },
  };
}
