/**
 * A valid AnalysisResult for tests, with the knobs the worklist sorts on. Its decisions come from
 * the decision procedure, as `analyzePreprocessed` writes them.
 */
import { DEFAULT_THRESHOLDS, STUDY_LABELS, decide, type AnalysisResult, type Label, type StudyLabel } from '@embolus/shared';

export function analysisResult(
  opts: {
    pNegative?: number;
    central?: boolean;
    rvlv?: boolean;
    studyInstanceUid?: string;
    artifacts?: Record<string, string>;
    nonDiagnostic?: string;
  } = {},
): AnalysisResult {
  const pNeg = opts.pNegative ?? 0.2;
  const study = Object.fromEntries(STUDY_LABELS.map((l) => [l, 0.1])) as Record<StudyLabel, number>;
  const thresholds = {
    ...(Object.fromEntries(STUDY_LABELS.map((l) => [l, 0.5])) as Record<StudyLabel, number>),
    pe_present_on_image: DEFAULT_THRESHOLDS.pe_present_on_image,
  } as Record<Label, number>;
  // Left-sided PE passes its threshold, so a PE-positive exam without central PE has its location.
  Object.assign(study, {
    negative_exam_for_pe: pNeg,
    leftsided_pe: 0.7,
    central_pe: opts.central ? 0.9 : 0.01,
    rv_lv_ratio_gte_1: opts.rvlv ? 0.8 : 0.02,
    rv_lv_ratio_lt_1: opts.rvlv ? 0.02 : 0.8,
  });
  Object.assign(thresholds, { negative_exam_for_pe: 0.8, central_pe: 0.05, rv_lv_ratio_gte_1: 0.15, rv_lv_ratio_lt_1: 0.15 });
  const windowProbabilities = [0.3, 1 - pNeg];
  const d = decide({ study, windows: windowProbabilities, thresholds });
  const labels = Object.fromEntries(
    STUDY_LABELS.map((l) => [l, { probability: study[l], threshold: thresholds[l], decision: d.labels[l] }]),
  ) as AnalysisResult['labels'];
  const attention = Object.fromEntries(STUDY_LABELS.map((l) => [l, [0.5, 0.5]])) as AnalysisResult['attention'];
  return {
    schemaVersion: 1,
    ...(opts.studyInstanceUid ? { studyInstanceUid: opts.studyInstanceUid } : {}),
    // A non-diagnostic result: a failed contrast check, every decision withheld.
    ...(opts.nonDiagnostic
      ? {
          quality: {
            diagnostic: false,
            reason: `Non-diagnostic: ${opts.nonDiagnostic}`,
            checks: [{ code: 'contrast_opacification', passed: false, measured: 44, limit: 250, message: opts.nonDiagnostic }],
          },
        }
      : {}),
    labels: opts.nonDiagnostic
      ? (Object.fromEntries(Object.entries(labels).map(([l, v]) => [l, { ...v, decision: false }])) as AnalysisResult['labels'])
      : labels,
    windows: windowProbabilities.map((probability, index) => ({
      index,
      probability,
      decision: !opts.nonDiagnostic && d.windows[index]!,
      slices: [{ sopInstanceUid: `1.2.${3 + index}`, fraction: 1 }],
    })),
    attention,
    exam: opts.nonDiagnostic
      ? {
          decision: 'withheld',
          reason: `Non-diagnostic: ${opts.nonDiagnostic}`,
          windowThreshold: thresholds.pe_present_on_image,
          overrides: [],
        }
      : { decision: d.exam, reason: d.examReason, windowThreshold: thresholds.pe_present_on_image, overrides: d.overrides },
    consistency: { violations: [], repaired: false, changed: [] },
    model: { version: 'test-1', sha256: 'ab'.repeat(32), trainedOn: 'synthetic phantoms', notForClinicalUse: true },
    timings: { total: 12 },
    warnings: [],
    ...(opts.artifacts ? { artifacts: opts.artifacts } : {}),
  };
}
