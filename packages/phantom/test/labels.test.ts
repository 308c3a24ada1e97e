/**
 * RSNA-STR label semantics over many seeds: every study passes the competition's consistency
 * rules, and each kind carries the labels the issue specifies.
 */
import { describe, expect, it } from 'vitest';
import { PE_LABELS, STUDY_LABELS, check } from '@embolus/shared';
import { generateStudy, resolveKind, type PhantomStudy, type StudyKind } from '../src/index';

const TINY = { preset: 'demo' as const, matrix: 64, slices: 24, sliceThicknessMm: 5 };
const SEEDS = Array.from({ length: 75 }, (_, i) => 1000 + i);
const KINDS: StudyKind[] = ['negative', 'positive', 'indeterminate'];

const studies: PhantomStudy[] = SEEDS.map((seed, i) => generateStudy({ ...TINY, seed, kind: KINDS[i % 3]! }));

function prediction(s: PhantomStudy) {
  return {
    study: Object.fromEntries(STUDY_LABELS.map((l) => [l, s.labels[l]])) as Record<(typeof STUDY_LABELS)[number], number>,
    images: s.sliceLabels.map((l) => l.pe_present_on_image),
  };
}

describe('study labels', () => {
  it('satisfy every consistency rule for 75 seeds', () => {
    for (const s of studies) expect(check(prediction(s)), `seed study ${s.patientId}`).toEqual([]);
  });

  it('negative: negative_exam_for_pe only', () => {
    for (const s of studies.filter((x) => x.kind === 'negative')) {
      const { negative_exam_for_pe, ...rest } = s.labels;
      expect(negative_exam_for_pe).toBe(1);
      expect(Object.values(rest).every((v) => v === 0)).toBe(true);
      expect(s.sliceLabels.every((l) => l.pe_present_on_image === 0)).toBe(true);
    }
  });

  it('indeterminate: indeterminate plus qa_motion and/or qa_contrast, no PE', () => {
    for (const s of studies.filter((x) => x.kind === 'indeterminate')) {
      expect(s.labels.indeterminate).toBe(1);
      expect(s.labels.negative_exam_for_pe).toBe(0);
      expect(s.labels.qa_motion + s.labels.qa_contrast).toBeGreaterThan(0);
      for (const l of PE_LABELS) expect(s.labels[l]).toBe(0);
      expect(s.truth.emboli).toEqual([]);
      if (s.labels.qa_contrast) expect(s.truth.hu.pulmonaryArtery).toBeLessThan(150);
      expect(s.truth.motionSlices.length > 0).toBe(s.labels.qa_motion === 1);
    }
  });

  it('positive: locations, chronicity and RV/LV come from the truth', () => {
    const positives = studies.filter((x) => x.kind === 'positive');
    for (const s of positives) {
      const { labels, truth } = s;
      expect(labels.negative_exam_for_pe + labels.indeterminate + labels.flow_artifact + labels.true_filling_defect_not_pe).toBe(0);
      expect(labels.rv_lv_ratio_gte_1 + labels.rv_lv_ratio_lt_1).toBe(1);
      expect(labels.rv_lv_ratio_gte_1).toBe(truth.rvDiameterMm / truth.lvDiameterMm >= 1 ? 1 : 0);
      expect(labels.central_pe + labels.leftsided_pe + labels.rightsided_pe).toBeGreaterThan(0);
      for (const [label, loc] of [
        ['central_pe', 'central'],
        ['leftsided_pe', 'left'],
        ['rightsided_pe', 'right'],
      ] as const) {
        expect(labels[label]).toBe(truth.emboli.some((e) => e.location === loc) ? 1 : 0);
      }
      expect(labels.chronic_pe + labels.acute_and_chronic_pe).toBeLessThanOrEqual(1);
      const chronic = truth.emboli.some((e) => e.chronic),
        acute = truth.emboli.some((e) => !e.chronic);
      expect(labels.chronic_pe).toBe(chronic && !acute ? 1 : 0);
      expect(labels.acute_and_chronic_pe).toBe(chronic && acute ? 1 : 0);
    }
    // The mix over 25 positive studies covers every label value.
    for (const l of [
      'central_pe',
      'leftsided_pe',
      'rightsided_pe',
      'chronic_pe',
      'acute_and_chronic_pe',
      'rv_lv_ratio_gte_1',
      'rv_lv_ratio_lt_1',
    ] as const) {
      expect(
        positives.some((s) => s.labels[l] === 1),
        l,
      ).toBe(true);
    }
  });

  it('draws the kind from the rates when it is not forced', () => {
    const kinds = Array.from({ length: 2000 }, (_, seed) => resolveKind({ seed, positiveRate: 0.3, indeterminateRate: 0.05 }));
    const share = (k: StudyKind) => kinds.filter((x) => x === k).length / kinds.length;
    expect(share('positive')).toBeCloseTo(0.3, 1);
    expect(share('indeterminate')).toBeGreaterThan(0.03);
    expect(share('indeterminate')).toBeLessThan(0.07);
    expect(resolveKind({ seed: 1, kind: 'indeterminate' })).toBe('indeterminate');
  });
});
