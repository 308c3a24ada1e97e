/** The pure part of the study-quality gates: measurements and acquisition facts into checks. */
import { describe, expect, it } from 'vitest';
import {
  AcquisitionRangeSchema,
  DEFAULT_ACQUISITION,
  acquisitionChecks,
  contrastCheck,
  coverageCheck,
  qualityChecks,
  summarizeQuality,
  type QualityCheck,
  type SeriesFacts,
} from '../src/index';

const ctpa: SeriesFacts = {
  sliceThicknessMm: 1,
  sliceSpacingMm: 1,
  slices: 300,
  imageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
  obliquityDeg: 0,
};
const byCode = (checks: QualityCheck[], code: string): QualityCheck => checks.find((c) => c.code === code)!;

describe('quality checks', () => {
  it('passes a diagnostic CTPA and says nothing is wrong', () => {
    const q = summarizeQuality(qualityChecks(ctpa, { pulmonaryArteryHu: 320, lungCut: { first: 0, last: 0.01 } }, DEFAULT_ACQUISITION));
    expect(q.diagnostic).toBe(true);
    expect(q.reason).toBeUndefined();
    expect(q.checks.map((c) => c.code).sort()).toEqual([
      'contrast_opacification',
      'lung_coverage',
      'orientation',
      'series_type',
      'slice_count',
      'slice_spacing',
      'slice_thickness',
    ]);
  });

  it('fails contrast below the limit, with the measured HU and the limit', () => {
    expect(contrastCheck(249.96, 250)).toMatchObject({ passed: false, measured: 250, limit: 250 });
    expect(contrastCheck(180, 250).message).toContain('180 HU < 250 HU');
    expect(contrastCheck(250, 250).passed).toBe(true);
    expect(contrastCheck(undefined, 250, 'no lungs found')).toMatchObject({ passed: false, measured: null });
  });

  it('refuses thick slices, wide spacing and too few slices, one check each', () => {
    const c = acquisitionChecks({ ...ctpa, sliceThicknessMm: 8, sliceSpacingMm: 8, slices: 30 }, DEFAULT_ACQUISITION);
    expect(byCode(c, 'slice_thickness')).toMatchObject({ passed: false, measured: 8 });
    expect(byCode(c, 'slice_spacing')).toMatchObject({ passed: false, measured: 8 });
    expect(byCode(c, 'slice_count')).toMatchObject({ passed: false, measured: 30, limit: 40 });
    expect(byCode(c, 'series_type').passed).toBe(true);
  });

  it('refuses localizers, reformats and non-axial series', () => {
    expect(
      byCode(acquisitionChecks({ ...ctpa, imageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] }, DEFAULT_ACQUISITION), 'series_type').message,
    ).toContain('localizer');
    expect(
      byCode(acquisitionChecks({ ...ctpa, imageType: ['DERIVED', 'SECONDARY', 'REFORMATTED'] }, DEFAULT_ACQUISITION), 'series_type')
        .message,
    ).toContain('reformatted');
    expect(
      byCode(acquisitionChecks({ ...ctpa, imageType: ['DERIVED', 'SECONDARY', 'AXIAL', 'CSA MPR'] }, DEFAULT_ACQUISITION), 'series_type')
        .passed,
    ).toBe(false);
    expect(byCode(acquisitionChecks({ ...ctpa, obliquityDeg: 90 }, DEFAULT_ACQUISITION), 'orientation')).toMatchObject({
      passed: false,
      measured: 90,
    });
    expect(byCode(acquisitionChecks({ ...ctpa, obliquityDeg: 12 }, DEFAULT_ACQUISITION), 'orientation').passed).toBe(true);
  });

  it('flags lungs cut by the scan range, unless the model does not require coverage', () => {
    expect(coverageCheck({ first: 0.4, last: 0 }, 0.1)).toMatchObject({ passed: false, measured: 0.4 });
    expect(coverageCheck({ first: 0.4, last: 0 }, 0.1).message).toContain('first (lowest)');
    expect(coverageCheck({ first: 0.02, last: 0.05 }, 0.1).passed).toBe(true);
    expect(coverageCheck({ first: 0.4, last: 0.9 }, null)).toMatchObject({ passed: true, measured: 0.9, limit: null });
  });

  it('a failed check makes the study non-diagnostic with every failed reason', () => {
    const q = summarizeQuality(
      qualityChecks({ ...ctpa, sliceThicknessMm: 5 }, { pulmonaryArteryHu: 90, lungCut: { first: 0, last: 0 } }, DEFAULT_ACQUISITION),
    );
    expect(q.diagnostic).toBe(false);
    expect(q.reason).toMatch(
      /^Non-diagnostic: poor contrast opacification of the pulmonary arteries \(90 HU < 250 HU\); slice thickness 5 mm/,
    );
  });

  it('reads the acquisition range from a manifest, with the literature contrast floor by default', () => {
    const a = AcquisitionRangeSchema.parse({
      trainedOn: { sliceThicknessMm: [2, 2.5], sliceSpacingMm: [2, 2.5] },
      sliceThicknessMm: { min: 0.5, max: 3 },
      sliceSpacingMm: { min: 0.5, max: 3 },
      minSlices: 40,
      maxLungCutFraction: null,
      maxObliquityDeg: 30,
    });
    expect(a.minPulmonaryArteryHu).toBe(250);
  });
});
