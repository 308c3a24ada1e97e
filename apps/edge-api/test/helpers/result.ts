/**
 * A valid AnalysisResult for tests, with the knobs the worklist sorts on.
 */
import { STUDY_LABELS, type AnalysisResult } from '@embolus/shared';

export function analysisResult(opts: { pNegative?: number; central?: boolean; rvlv?: boolean; studyInstanceUid?: string; artifacts?: Record<string, string>; nonDiagnostic?: string } = {}): AnalysisResult {
  const pNeg = opts.pNegative ?? 0.2;
  const labels = Object.fromEntries(STUDY_LABELS.map((l) => [l, { probability: 0.1, threshold: 0.5, decision: false }])) as AnalysisResult['labels'];
  labels.negative_exam_for_pe = { probability: pNeg, threshold: 0.8, decision: pNeg >= 0.8 };
  labels.central_pe = { probability: opts.central ? 0.9 : 0.01, threshold: 0.05, decision: Boolean(opts.central) };
  labels.rv_lv_ratio_gte_1 = { probability: opts.rvlv ? 0.8 : 0.02, threshold: 0.15, decision: Boolean(opts.rvlv) };
  const attention = Object.fromEntries(STUDY_LABELS.map((l) => [l, [0.5, 0.5]])) as AnalysisResult['attention'];
  return {
    schemaVersion: 1,
    ...(opts.studyInstanceUid ? { studyInstanceUid: opts.studyInstanceUid } : {}),
    // A non-diagnostic result: a failed contrast check, every decision withheld.
    ...(opts.nonDiagnostic
      ? { quality: { diagnostic: false, reason: `Non-diagnostic: ${opts.nonDiagnostic}`, checks: [{ code: 'contrast_opacification', passed: false, measured: 44, limit: 250, message: opts.nonDiagnostic }] } }
      : {}),
    labels: opts.nonDiagnostic ? (Object.fromEntries(Object.entries(labels).map(([l, v]) => [l, { ...v, decision: false }])) as AnalysisResult['labels']) : labels,
    windows: [
      { index: 0, probability: 0.3, slices: [{ sopInstanceUid: '1.2.3', fraction: 1 }] },
      { index: 1, probability: 1 - pNeg, slices: [{ sopInstanceUid: '1.2.4', fraction: 1 }] },
    ],
    attention,
    consistency: { violations: [], repaired: false, changed: [] },
    model: { version: 'test-1', sha256: 'ab'.repeat(32), trainedOn: 'synthetic phantoms', notForClinicalUse: true },
    timings: { total: 12 },
    warnings: [],
    ...(opts.artifacts ? { artifacts: opts.artifacts } : {}),
  };
}
