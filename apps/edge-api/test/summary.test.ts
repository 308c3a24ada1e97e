/**
 * What the worklist, webhooks and quality metrics read from a result.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, STUDY_LABELS, decide, summarize, type AnalysisResult, type StudyLabel } from '@embolus/shared';
import { analysisResult } from './helpers/result';

describe('summarize', () => {
  it('ranks central PE with RV/LV ≥ 1 first and takes PE probability from the negative-exam label', () => {
    expect(summarize(analysisResult({ central: true, rvlv: true, pNegative: 0.1 }))).toMatchObject({
      urgency: 0,
      decision: 'positive',
      peProbability: 0.9,
    });
    expect(summarize(analysisResult({ pNegative: 0.9 }))).toMatchObject({ urgency: 1, decision: 'negative' });
  });

  it('keeps the raw (pre-repair) probabilities for metrics and decides on them, as analyze does', () => {
    // An older result (no exam section), so that the summary decides it itself.
    const { exam: _exam, ...r } = analysisResult({ pNegative: 0.49 });
    // Repair moved negative_exam_for_pe from the model's 0.93 to just under 0.5.
    r.labels.negative_exam_for_pe = { probability: 0.49, rawProbability: 0.93, threshold: 0.8, decision: false };
    const s = summarize(r);
    expect(s.probabilities.negative_exam_for_pe).toBe(0.93);
    expect(s.probabilities.central_pe).toBe(0.01); // no raw value: the stored one
    // The thresholds were chosen on raw values: 0.93 ≥ 0.8 is a negative exam.
    expect(s.decision).toBe('negative');
    // A result with an exam section is taken as it is.
    expect(summarize(analysisResult({ pNegative: 0.49 })).decision).toBe('positive');
    expect(s.peProbability).toBeCloseTo(0.51, 10);
  });

  /** A result as analyze writes it (with its exam section), from raw probabilities. */
  function decided(study: Partial<Record<StudyLabel, number>>, windows: number[]): AnalysisResult {
    const r = analysisResult();
    const raw = { ...(Object.fromEntries(STUDY_LABELS.map((l) => [l, 0.01])) as Record<StudyLabel, number>), ...study };
    const d = decide({ study: raw, windows, thresholds: DEFAULT_THRESHOLDS });
    for (const l of STUDY_LABELS)
      r.labels[l] = { probability: raw[l], rawProbability: raw[l], threshold: DEFAULT_THRESHOLDS[l], decision: d.labels[l] };
    r.windows = windows.map((p, i) => ({
      index: i,
      probability: p,
      rawProbability: p,
      decision: d.windows[i]!,
      slices: [{ sopInstanceUid: `1.2.${i}`, fraction: 1 }],
    }));
    r.exam = { decision: d.exam, reason: d.examReason, windowThreshold: DEFAULT_THRESHOLDS.pe_present_on_image, overrides: d.overrides };
    return r;
  }

  it('takes the decision from the decision procedure, not from one label at a time', () => {
    // Indeterminate passes its 0.05 threshold, but the exam is PE-positive: positive, not indeterminate.
    expect(summarize(decided({ indeterminate: 0.07, central_pe: 0.9, rv_lv_ratio_lt_1: 0.6 }, [0.9]))).toMatchObject({
      decision: 'positive',
    });
    // The exam section is what counts when the result has one.
    const r = decided({ negative_exam_for_pe: 0.3, indeterminate: 0.2 }, [0.05]);
    expect(r.exam!.decision).toBe('indeterminate');
    expect(summarize(r).decision).toBe('indeterminate');
  });

  it('decides a result stored before the exam section with the same procedure, not label by label', () => {
    // Stored by an older runner: no exam section, each label's decision its threshold's alone.
    const old = (study: Partial<Record<StudyLabel, number>>, windows: number[]): AnalysisResult => {
      const { exam: _exam, ...r } = decided(study, windows);
      for (const l of STUDY_LABELS) r.labels[l]!.decision = r.labels[l]!.rawProbability! >= r.labels[l]!.threshold;
      r.windows = r.windows.map(({ decision: _d, ...w }) => w);
      return r;
    };
    expect(summarize(old({ indeterminate: 0.07, central_pe: 0.9, rv_lv_ratio_lt_1: 0.6 }, [0.9]))).toMatchObject({ decision: 'positive' });
    expect(summarize(old({ central_pe: 0.9, rv_lv_ratio_gte_1: 0.3, rv_lv_ratio_lt_1: 0.8 }, [0.9]))).toMatchObject({
      decision: 'positive',
      urgency: 1,
    });
    expect(summarize(old({ negative_exam_for_pe: 0.95, central_pe: 0.9, rv_lv_ratio_gte_1: 0.8 }, [0.9]))).toMatchObject({
      decision: 'negative',
      urgency: 1,
    });
  });

  it('flags urgency only for central PE with RV/LV ≥ 1 as reported, never from an overridden label', () => {
    // Both RV/LV labels pass their thresholds; RV/LV < 1 is more probable relative to its threshold.
    expect(summarize(decided({ central_pe: 0.9, rv_lv_ratio_gte_1: 0.3, rv_lv_ratio_lt_1: 0.8 }, [0.9]))).toMatchObject({
      decision: 'positive',
      urgency: 1,
    });
    expect(summarize(decided({ central_pe: 0.9, rv_lv_ratio_gte_1: 0.8, rv_lv_ratio_lt_1: 0.3 }, [0.9]))).toMatchObject({
      decision: 'positive',
      urgency: 0,
    });
    // A negative exam is never urgent, whatever the PE labels' thresholds said.
    expect(summarize(decided({ negative_exam_for_pe: 0.95, central_pe: 0.9, rv_lv_ratio_gte_1: 0.8 }, [0.9]))).toMatchObject({
      decision: 'negative',
      urgency: 1,
    });
  });
});
