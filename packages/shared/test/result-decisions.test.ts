/** `decisionsOf`: what every surface reads as a result's decisions, non-diagnostic results included. */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_THRESHOLDS,
  STUDY_LABELS,
  contrastCheck,
  decide,
  decisionsOf,
  summarizeQuality,
  type AnalysisResult,
  type StudyLabel,
} from '../src/index';

/** A PE-positive result as `analyzePreprocessed` writes it (central PE, RV/LV ≥ 1). */
function positiveResult(): AnalysisResult {
  const study = Object.fromEntries(STUDY_LABELS.map((l) => [l, 0.02])) as Record<StudyLabel, number>;
  Object.assign(study, { negative_exam_for_pe: 0.01, central_pe: 0.9, rv_lv_ratio_gte_1: 0.9, acute_and_chronic_pe: 0.01 });
  const windows = [0.05, 0.95];
  const d = decide({ study, windows, thresholds: DEFAULT_THRESHOLDS });
  return {
    schemaVersion: 1,
    labels: Object.fromEntries(
      STUDY_LABELS.map((l) => [l, { probability: study[l], threshold: DEFAULT_THRESHOLDS[l], decision: d.labels[l] }]),
    ) as AnalysisResult['labels'],
    windows: windows.map((probability, index) => ({ index, probability, decision: d.windows[index]!, slices: [] })),
    attention: Object.fromEntries(STUDY_LABELS.map((l) => [l, [0.5, 0.5]])) as AnalysisResult['attention'],
    exam: { decision: d.exam, reason: d.examReason, windowThreshold: DEFAULT_THRESHOLDS.pe_present_on_image, overrides: d.overrides },
    consistency: { violations: [], repaired: false, changed: [] },
    model: { version: 't', sha256: 'ab'.repeat(32), trainedOn: 'synthetic phantoms', notForClinicalUse: true },
    timings: {},
    warnings: [],
  };
}

describe('decisionsOf', () => {
  it('reads the stored decisions of a diagnostic result', () => {
    const d = decisionsOf(positiveResult());
    expect(d).toMatchObject({ exam: 'positive', stored: true });
    expect(d.labels.central_pe && d.labels.rv_lv_ratio_gte_1).toBe(true);
    expect(d.windows).toEqual([false, true]);
  });

  it('decides nothing for a non-diagnostic result, even one whose stored decisions say PE', () => {
    const r = positiveResult();
    r.quality = summarizeQuality([contrastCheck(44, 250)]);
    const d = decisionsOf(r);
    expect(d.exam).toBe('withheld');
    expect(d.reason).toMatch(/^Non-diagnostic: /);
    expect(Object.values(d.labels).some(Boolean)).toBe(false);
    expect(d.windows).toEqual([false, false]);
    expect(d.overrides).toEqual([]);
  });
});
