/** Issue 18: site thresholds re-decide a result by `decide`; the ground-truth CSV parser. */
import { describe, expect, it } from 'vitest';
import {
  AnalysisResultSchema,
  DEFAULT_THRESHOLDS,
  STUDY_LABELS,
  applySiteThresholds,
  contrastCheck,
  decide,
  parseLabelCsv,
  summarizeQuality,
  type AnalysisResult,
  type StudyLabel,
} from '../src/index';

/** A PE-positive result at the default thresholds (negative exam 0.3 < 0.8, window 0.9). */
function result(): AnalysisResult {
  const study = Object.fromEntries(STUDY_LABELS.map((l) => [l, 0.02])) as Record<StudyLabel, number>;
  Object.assign(study, { negative_exam_for_pe: 0.3, leftsided_pe: 0.7, rv_lv_ratio_lt_1: 0.8 });
  const windows = [0.1, 0.9];
  const d = decide({ study, windows, thresholds: DEFAULT_THRESHOLDS });
  return {
    schemaVersion: 1,
    labels: Object.fromEntries(
      STUDY_LABELS.map((l) => [
        l,
        { probability: study[l], rawProbability: study[l], threshold: DEFAULT_THRESHOLDS[l], decision: d.labels[l] },
      ]),
    ) as AnalysisResult['labels'],
    windows: windows.map((probability, index) => ({ index, probability, decision: d.windows[index]!, slices: [] })),
    attention: Object.fromEntries(STUDY_LABELS.map((l) => [l, [0.5, 0.5]])) as AnalysisResult['attention'],
    exam: { decision: d.exam, reason: d.examReason, windowThreshold: DEFAULT_THRESHOLDS.pe_present_on_image, overrides: d.overrides },
    consistency: { violations: [], repaired: false, changed: [] },
    model: { version: 't', sha256: 'ab'.repeat(32), trainedOn: 'synthetic', notForClinicalUse: true },
    timings: {},
    warnings: [],
  };
}

describe('applySiteThresholds', () => {
  it('decides again with the site thresholds over the result’s own, through decide', () => {
    const r = result();
    expect(r.exam?.decision).toBe('positive');
    const site = applySiteThresholds(r, { negative_exam_for_pe: 0.25 });
    // 0.3 ≥ 0.25: a negative exam now, and no window is PE-positive.
    expect(site.exam?.decision).toBe('negative');
    expect(site.labels.negative_exam_for_pe).toMatchObject({ threshold: 0.25, decision: true });
    expect(site.labels.central_pe?.threshold).toBe(DEFAULT_THRESHOLDS.central_pe);
    expect(site.windows.map((w) => w.decision)).toEqual([false, false]);
    expect(AnalysisResultSchema.parse(site)).toEqual(site);
    // The input is not changed.
    expect(r.exam?.decision).toBe('positive');
  });

  it('leaves a non-diagnostic result as it is', () => {
    const r = { ...result(), quality: summarizeQuality([contrastCheck(44, 250)]) };
    expect(applySiteThresholds(r, { negative_exam_for_pe: 0.25 })).toBe(r);
  });
});

describe('parseLabelCsv', () => {
  it('reads quoted fields, CRLF, a BOM and empty cells', () => {
    const csv = parseLabelCsv('\uFEFFstudyInstanceUid,central_pe,"chronic_pe"\r\n"1.2.3",1,\r\n1.2.4,,0\r\n\r\n');
    expect(csv.issues).toEqual([]);
    expect(csv.rows).toEqual([
      { line: 2, ref: '1.2.3', labels: { central_pe: 1 } },
      { line: 3, ref: '1.2.4', labels: { chronic_pe: 0 } },
    ]);
  });

  it('refuses a header without exactly one reference column, and counts rows past the limit', () => {
    expect(parseLabelCsv('central_pe,chronic_pe\n1,0').issues[0]?.code).toBe('BAD_HEADER');
    expect(parseLabelCsv('studyId,studyInstanceUid,central_pe\na,b,1').issues[0]?.code).toBe('BAD_HEADER');
    const many = parseLabelCsv(`studyId,central_pe\n${'a,1\n'.repeat(5)}`, 3);
    expect(many.issues.map((i) => i.code)).toContain('TOO_MANY_ROWS');
    expect(parseLabelCsv('studyId,central_pe\n"a,1').issues[0]?.code).toBe('WRONG_FIELD_COUNT');
  });
});
