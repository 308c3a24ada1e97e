/// <reference types="node" />
/**
 * The decision procedure: every override message, the exam rule, the quick-start phantom, and a
 * property test whose consistency checker is consistency.ts `check` (the RSNA rules on
 * probabilities at 0.5), which `decide` does not use.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@embolus/testkit';
import {
  DEFAULT_THRESHOLDS,
  IMAGE_LABEL,
  InvalidPredictionError,
  STUDY_LABELS,
  check,
  decide,
  thresholdMargin,
  type DecisionInput,
  type Label,
  type StudyLabel,
} from '../src/index';

const logit = (p: number): number => Math.log(p / (1 - p));

/** A clearly PE-positive exam at the paper's thresholds: central + left, RV/LV < 1, acute. */
function positive(study: Partial<Record<StudyLabel, number>> = {}, windows = [0.02, 0.9, 0.4]): DecisionInput {
  return {
    study: {
      negative_exam_for_pe: 0.01,
      indeterminate: 0.01,
      chronic_pe: 0.01,
      acute_and_chronic_pe: 0.01,
      central_pe: 0.9,
      leftsided_pe: 0.6,
      rightsided_pe: 0.05,
      rv_lv_ratio_gte_1: 0.05,
      rv_lv_ratio_lt_1: 0.7,
      ...study,
    },
    windows,
    thresholds: DEFAULT_THRESHOLDS,
  };
}

/** A clearly PE-negative exam. */
function negative(study: Partial<Record<StudyLabel, number>> = {}, windows = [0.01, 0.05]): DecisionInput {
  const base = Object.fromEntries(STUDY_LABELS.map((l) => [l, 0.001])) as Record<StudyLabel, number>;
  return { study: { ...base, negative_exam_for_pe: 0.99, ...study }, windows, thresholds: DEFAULT_THRESHOLDS };
}

const reported = (d: ReturnType<typeof decide>): StudyLabel[] => STUDY_LABELS.filter((l) => d.labels[l]);

describe('thresholdMargin', () => {
  it('is logit(p) − logit(threshold): positive above, negative below, finite at 0 and 1', () => {
    expect(thresholdMargin(0.3, 0.15)).toBeCloseTo(logit(0.3) - logit(0.15), 12);
    expect(thresholdMargin(0.1, 0.15)).toBeLessThan(0);
    expect(thresholdMargin(0.15, 0.15)).toBe(0);
    expect(Number.isFinite(thresholdMargin(0, 0.05))).toBe(true);
    expect(Number.isFinite(thresholdMargin(1, 0.05))).toBe(true);
    // Relative to its threshold, 0.12 at 0.05 beats 0.3 at 0.15 (odds ×2.59 vs ×2.43).
    expect(thresholdMargin(0.12, 0.05)).toBeGreaterThan(thresholdMargin(0.3, 0.15));
  });
});

describe('decide: the exam-level rule', () => {
  it('is PE-positive when negative exam is below its threshold and a window reaches the window threshold', () => {
    const d = decide(positive());
    expect(d.exam).toBe('positive');
    expect(d.examReason).toBe('negative exam 0.010 < 0.8 and window #1 0.900 ≥ 0.15');
    expect(reported(d)).toEqual(['central_pe', 'leftsided_pe', 'rv_lv_ratio_lt_1']);
    expect(d.windows).toEqual([false, true, true]);
    expect(d.overrides).toEqual([]);
  });

  it('is PE-negative when negative exam reaches its threshold, whatever the windows say; the windows are not reported', () => {
    const d = decide(negative({ central_pe: 0.3 }, [0.1, 0.6, 0.2]));
    expect(d.exam).toBe('negative');
    expect(d.examReason).toBe('negative exam 0.990 ≥ 0.8');
    expect(d.windows).toEqual([false, false, false]);
    expect(d.overrides).toEqual([
      {
        label: 'central_pe',
        rule: 'negative_no_pe_labels',
        thresholdDecision: true,
        decision: false,
        message: 'Central PE not reported (0.300 ≥ 0.05): the exam is PE-negative (negative exam 0.990 ≥ 0.8).',
      },
      {
        label: IMAGE_LABEL,
        windows: [1, 2],
        rule: 'negative_no_pe_windows',
        thresholdDecision: true,
        decision: false,
        message: 'Windows #1, #2 not reported as PE-positive (≥ 0.15): the exam is PE-negative (negative exam 0.990 ≥ 0.8).',
      },
    ]);
  });

  it('is PE-negative when no window reaches the window threshold, and with no windows at all', () => {
    const d = decide(positive({}, [0.1, 0.14]));
    expect(d.exam).not.toBe('positive');
    expect(d.examReason).toBe('no window reached 0.15 (highest 0.140)');
    expect(d.overrides.find((o) => o.label === 'central_pe')?.message).toBe(
      'Central PE not reported (0.900 ≥ 0.05): the exam is PE-negative (no window reached 0.15 (highest 0.140)).',
    );
    expect(decide(positive({}, [])).examReason).toBe('no windows');
    expect(decide(positive({}, [])).exam).not.toBe('positive');
  });

  it('uses the window threshold it is given', () => {
    expect(decide({ ...positive({}, [0.1, 0.3]), thresholds: { ...DEFAULT_THRESHOLDS, pe_present_on_image: 0.5 } }).exam).not.toBe(
      'positive',
    );
    expect(decide({ ...positive({}, [0.1, 0.3]), thresholds: { ...DEFAULT_THRESHOLDS, pe_present_on_image: 0.25 } }).windows).toEqual([
      false,
      true,
    ]);
  });
});

describe('decide: a PE-positive exam', () => {
  it('reports one RV/LV label when both pass: the one more probable relative to its threshold', () => {
    const d = decide(positive({ rv_lv_ratio_gte_1: 0.5, rv_lv_ratio_lt_1: 0.4 }));
    expect(d.labels.rv_lv_ratio_gte_1).toBe(true);
    expect(d.labels.rv_lv_ratio_lt_1).toBe(false);
    const m = (p: number) => (logit(p) - logit(0.15)).toFixed(2);
    expect(d.overrides).toEqual([
      {
        label: 'rv_lv_ratio_lt_1',
        rule: 'positive_rv_lv_exactly_one',
        thresholdDecision: true,
        decision: false,
        message:
          'RV/LV ratio < 1 not reported: RV/LV ratio ≥ 1 is more probable relative to its threshold ' +
          `(logit margin +${m(0.5)} vs +${m(0.4)}); ` +
          'a PE-positive exam has exactly one RV/LV label.',
      },
    ]);
  });

  it('compares relative to each threshold, not raw probabilities', () => {
    const d = decide({
      ...positive({ rv_lv_ratio_gte_1: 0.5, rv_lv_ratio_lt_1: 0.4 }),
      thresholds: { ...DEFAULT_THRESHOLDS, rv_lv_ratio_gte_1: 0.45, rv_lv_ratio_lt_1: 0.1 },
    });
    expect(d.labels.rv_lv_ratio_lt_1).toBe(true);
    expect(d.labels.rv_lv_ratio_gte_1).toBe(false);
  });

  it('reports an RV/LV label below its threshold when neither passes, and says so', () => {
    const d = decide(positive({ rv_lv_ratio_gte_1: 0.1, rv_lv_ratio_lt_1: 0.05 }));
    expect(d.labels.rv_lv_ratio_gte_1).toBe(true);
    expect(d.overrides).toHaveLength(1);
    expect(d.overrides[0]).toMatchObject({
      label: 'rv_lv_ratio_gte_1',
      rule: 'positive_rv_lv_exactly_one',
      thresholdDecision: false,
      decision: true,
    });
    expect(d.overrides[0]!.message).toBe(
      'RV/LV ratio ≥ 1 reported although below its threshold (0.100 < 0.15): a PE-positive exam has exactly one RV/LV label, ' +
        'and RV/LV ratio ≥ 1 is the most probable relative to its threshold (logit margin −0.46 vs −1.21).',
    );
  });

  it('reports the most probable location when none passes', () => {
    const d = decide(positive({ central_pe: 0.01, leftsided_pe: 0.1, rightsided_pe: 0.12 }));
    expect(reported(d)).toEqual(['rightsided_pe', 'rv_lv_ratio_lt_1']);
    expect(d.overrides).toHaveLength(1);
    expect(d.overrides[0]).toMatchObject({
      label: 'rightsided_pe',
      rule: 'positive_needs_location',
      thresholdDecision: false,
      decision: true,
    });
    const start =
      'Right-sided PE reported although below its threshold (0.120 < 0.15): ' +
      'a PE-positive exam has at least one location (central, left or right), and Right-sided PE is the most probable';
    expect(d.overrides[0]!.message.slice(0, start.length)).toBe(start);
  });

  it('keeps every location that passes (more than one is allowed)', () => {
    expect(decide(positive({ rightsided_pe: 0.5 })).labels).toMatchObject({ central_pe: true, leftsided_pe: true, rightsided_pe: true });
  });

  it('reports at most one of chronic and acute-and-chronic, and neither when neither passes', () => {
    const d = decide(positive({ chronic_pe: 0.2, acute_and_chronic_pe: 0.08 }));
    expect(d.labels).toMatchObject({ chronic_pe: true, acute_and_chronic_pe: false });
    expect(d.overrides).toHaveLength(1);
    expect(d.overrides[0]).toMatchObject({
      label: 'acute_and_chronic_pe',
      rule: 'positive_chronic_exclusive',
      thresholdDecision: true,
      decision: false,
    });
    expect(d.overrides[0]!.message).toBe(
      'Acute and chronic PE not reported: Chronic PE is more probable relative to its threshold (logit margin +1.56 vs +0.50); ' +
        'chronic and acute-and-chronic PE exclude each other.',
    );
    expect(decide(positive()).labels).toMatchObject({ chronic_pe: false, acute_and_chronic_pe: false });
  });

  it('does not report indeterminate, and says why', () => {
    const d = decide(positive({ indeterminate: 0.07 }));
    expect(d.labels.indeterminate).toBe(false);
    expect(d.overrides).toEqual([
      {
        label: 'indeterminate',
        rule: 'positive_not_negative_or_indeterminate',
        thresholdDecision: true,
        decision: false,
        message:
          'Indeterminate not reported (0.070 ≥ 0.05): the exam is PE-positive (negative exam 0.010 < 0.8 and window #1 0.900 ≥ 0.15).',
      },
    ]);
  });

  it('breaks exact ties toward the label that keeps a person looking', () => {
    expect(decide(positive({ rv_lv_ratio_gte_1: 0.3, rv_lv_ratio_lt_1: 0.3 })).labels.rv_lv_ratio_gte_1).toBe(true);
    const t = { ...DEFAULT_THRESHOLDS, leftsided_pe: 0.05, rightsided_pe: 0.05 };
    expect(decide({ ...positive({ central_pe: 0.01, leftsided_pe: 0.01, rightsided_pe: 0.01 }), thresholds: t }).labels.central_pe).toBe(
      true,
    );
    expect(decide(positive({ chronic_pe: 0.2, acute_and_chronic_pe: 0.2 })).labels.acute_and_chronic_pe).toBe(true);
  });
});

describe('decide: a PE-negative exam', () => {
  it('reports the more probable of negative and indeterminate when both pass', () => {
    const d = decide(negative({ indeterminate: 0.7 }));
    expect(d.exam).toBe('indeterminate');
    expect(d.overrides).toHaveLength(1);
    expect(d.overrides[0]).toMatchObject({
      label: 'negative_exam_for_pe',
      rule: 'negative_exactly_one_of_negative_indeterminate',
      thresholdDecision: true,
      decision: false,
    });
    expect(d.overrides[0]!.message).toBe(
      'Negative exam for PE not reported: Indeterminate is more probable relative to its threshold (logit margin +3.79 vs +3.21); ' +
        'a PE-negative exam is either negative or indeterminate.',
    );
    // 0.5 at 0.05 is less probable relative to its threshold than 0.99 at 0.8.
    expect(decide(negative({ indeterminate: 0.5 })).exam).toBe('negative');
  });

  it('reports one of negative and indeterminate when neither passes', () => {
    // Not a negative exam by its head (0.6 < 0.8), but no window shows PE.
    const d = decide(negative({ negative_exam_for_pe: 0.6, indeterminate: 0.01 }, [0.05]));
    expect(d.exam).toBe('negative');
    expect(d.overrides).toHaveLength(1);
    expect(d.overrides[0]).toMatchObject({
      label: 'negative_exam_for_pe',
      rule: 'negative_exactly_one_of_negative_indeterminate',
      thresholdDecision: false,
      decision: true,
    });
    const start =
      'Negative exam for PE reported although below its threshold (0.600 < 0.8): ' +
      'a PE-negative exam is either negative or indeterminate, and Negative exam for PE is the most probable relative to its threshold';
    expect(d.overrides[0]!.message.slice(0, start.length)).toBe(start);
    expect(decide(negative({ negative_exam_for_pe: 0.3, indeterminate: 0.04 }, [0.05])).exam).toBe('indeterminate');
  });

  it('keeps a clearly negative exam as it is', () => {
    const d = decide(negative());
    expect(d.exam).toBe('negative');
    expect(reported(d)).toEqual(['negative_exam_for_pe']);
    expect(d.overrides).toEqual([]);
  });
});

describe('decide: the quick-start phantom', () => {
  // The demo model's raw output on `npm run quickstart`'s phantom (seed 3, demo preset), measured
  // on this branch; thresholds alone report both RV/LV labels and both chronic labels (issue 15).
  const input: DecisionInput = {
    study: {
      negative_exam_for_pe: 0.000096,
      indeterminate: 0.010573,
      chronic_pe: 0.093006,
      acute_and_chronic_pe: 0.124783,
      central_pe: 0.985086,
      leftsided_pe: 0.753154,
      rightsided_pe: 0.734979,
      rv_lv_ratio_gte_1: 0.492648,
      rv_lv_ratio_lt_1: 0.546991,
    },
    windows: [0.0197, 0.0174, 0.0602, 0.4854, 0.9876, 0.9999, 0.951, 0.7782, 0.9999, 1, 1, 0.1068, 0.9859, 0.9999, 0.9749, 0.0059],
    thresholds: DEFAULT_THRESHOLDS,
  };

  it('reports one RV/LV label and one chronic label, and says which rule removed the others', () => {
    const byThreshold = STUDY_LABELS.filter((l) => input.study[l] >= DEFAULT_THRESHOLDS[l]);
    expect(byThreshold).toEqual(expect.arrayContaining(['rv_lv_ratio_gte_1', 'rv_lv_ratio_lt_1', 'chronic_pe', 'acute_and_chronic_pe']));
    const d = decide(input);
    expect(d.exam).toBe('positive');
    expect(reported(d)).toEqual(['acute_and_chronic_pe', 'central_pe', 'leftsided_pe', 'rightsided_pe', 'rv_lv_ratio_lt_1']);
    expect(d.overrides.map((o) => [o.label, o.rule])).toEqual([
      ['rv_lv_ratio_gte_1', 'positive_rv_lv_exactly_one'],
      ['chronic_pe', 'positive_chronic_exclusive'],
    ]);
    expect(d.overrides[0]!.message).toMatch(
      /^RV\/LV ratio ≥ 1 not reported: RV\/LV ratio < 1 is more probable relative to its threshold \(logit margin \+1\.92 vs \+1\.71\)/,
    );
    expect(d.windows.filter(Boolean)).toHaveLength(11);
  });
});

describe('decide: bad input', () => {
  it('throws a typed error naming the label, never a value', () => {
    expect(() => decide(positive({ central_pe: Number.NaN }))).toThrow(InvalidPredictionError);
    expect(() => decide(positive({ central_pe: 1.5 }))).toThrow(/central_pe/);
    expect(() => decide({ ...positive(), thresholds: { ...DEFAULT_THRESHOLDS, pe_present_on_image: -1 } })).toThrow(
      /threshold of pe_present_on_image/,
    );
    expect(() => decide(positive({}, [0.2, 2]))).toThrow(/window 1/);
  });
});

describe('decide: property', () => {
  it('yields 0 inconsistent decision sets over 100,000 random probability vectors under random thresholds', () => {
    const rand = mulberry32(15_2026);
    const thresholdValue = (): number => {
      const r = rand();
      if (r < 0.05) return r < 0.025 ? 0 : 1;
      if (r < 0.3) return [0.05, 0.15, 0.5, 0.8][Math.floor(rand() * 4)]!;
      return rand();
    };
    const N = 100_000;
    let inconsistent = 0;
    let overridden = 0;
    const t0 = performance.now();
    for (let n = 0; n < N; n++) {
      const thresholds = Object.fromEntries([IMAGE_LABEL, ...STUDY_LABELS].map((l) => [l, thresholdValue()])) as Record<Label, number>;
      // Probabilities: uniform, plus exact thresholds, 0 and 1 (the awkward values).
      const value = (l: Label): number => {
        const r = rand();
        if (r < 0.1) return thresholds[l];
        if (r < 0.15) return rand() < 0.5 ? 0 : 1;
        return rand();
      };
      const study = Object.fromEntries(STUDY_LABELS.map((l) => [l, value(l)])) as Record<StudyLabel, number>;
      const windows = Array.from({ length: Math.floor(rand() * 8) }, () => value(IMAGE_LABEL));
      const d = decide({ study, windows, thresholds });
      // The independent checker: the RSNA rules of consistency.ts on 0/1 "probabilities".
      const asPrediction = {
        study: Object.fromEntries(STUDY_LABELS.map((l) => [l, d.labels[l] ? 1 : 0])) as Record<StudyLabel, number>,
        images: d.windows.map((w) => (w ? 1 : 0)),
      };
      const examAgrees = d.exam === (d.windows.some(Boolean) ? 'positive' : d.labels.indeterminate ? 'indeterminate' : 'negative');
      // Every reported decision is its threshold's, unless an override says otherwise.
      const overriddenLabels = new Set(d.overrides.map((o) => o.label));
      const explained =
        STUDY_LABELS.every((l) => (d.labels[l] === study[l]! >= thresholds[l]) !== overriddenLabels.has(l)) &&
        d.windows.every((w, i) => w === windows[i]! >= thresholds[IMAGE_LABEL] || d.overrides.some((o) => o.windows?.includes(i)));
      if (check(asPrediction).length > 0 || !examAgrees || !explained) inconsistent += 1;
      if (d.overrides.length > 0) overridden += 1;
    }
    const ms = performance.now() - t0;
    console.log(`decide property: ${N} random vectors, ${inconsistent} inconsistent, ${overridden} with overrides, ${ms.toFixed(0)} ms`);
    expect(inconsistent).toBe(0);
    // The random sets exercise the rules: most need at least one override.
    expect(overridden).toBeGreaterThan(N / 2);
  }, 120_000); // about 3 s alone; much more on a loaded 2-core machine
});
