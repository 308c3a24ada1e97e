import { describe, it, expect } from 'vitest';
import { mulberry32 } from '@embolus/testkit';
import {
  CONSISTENCY_RULES,
  IMAGE_LABEL_WEIGHT,
  InvalidPredictionError,
  PE_LABELS,
  REPAIR_EPS,
  STUDY_LABELS,
  STUDY_LABEL_WEIGHTS,
  check,
  isStudyPositive,
  repair,
  type Prediction,
  type StudyLabel,
} from '../src/index';

const UP = 0.5 + REPAIR_EPS;

/** Independent hand formula for binary KL(p‖q), with 0·ln 0 = 0. */
function kl(p: number, q: number): number {
  const a = p === 0 ? 0 : p * Math.log(p / q);
  const b = p === 1 ? 0 : (1 - p) * Math.log((1 - p) / (1 - q));
  return a + b;
}
const w = (label: StudyLabel): number => STUDY_LABEL_WEIGHTS[label];

/** A consistent positive study: central + left, RV/LV < 1. */
function positive(study: Partial<Record<StudyLabel, number>> = {}, images = [0.9, 0.1]): Prediction {
  return {
    study: {
      negative_exam_for_pe: 0.1,
      indeterminate: 0.1,
      chronic_pe: 0.1,
      acute_and_chronic_pe: 0.1,
      central_pe: 0.7,
      leftsided_pe: 0.6,
      rightsided_pe: 0.2,
      rv_lv_ratio_gte_1: 0.2,
      rv_lv_ratio_lt_1: 0.8,
      ...study,
    },
    images,
  };
}

/** A consistent negative study. */
function negative(study: Partial<Record<StudyLabel, number>> = {}, images = [0.1, 0.2]): Prediction {
  const base = Object.fromEntries(STUDY_LABELS.map((l) => [l, 0.1])) as Record<StudyLabel, number>;
  return { study: { ...base, negative_exam_for_pe: 0.9, ...study }, images };
}

const rules = (p: Prediction): string[] => check(p).map((v) => v.rule);

describe('check', () => {
  it('exports the six rule ids', () => {
    expect(CONSISTENCY_RULES).toHaveLength(6);
  });

  it('accepts consistent positive and negative studies', () => {
    expect(check(positive())).toEqual([]);
    expect(check(negative())).toEqual([]);
    expect(check(negative({}, []))).toEqual([]);
  });

  it('treats an image of exactly 0.5 as not positive', () => {
    expect(isStudyPositive([0.5, 0.2])).toBe(false);
    expect(isStudyPositive([0.5, 0.500001])).toBe(true);
    expect(isStudyPositive([])).toBe(false);
    expect(check(negative({}, [0.5]))).toEqual([]);
  });

  describe('positive_rv_lv_exactly_one', () => {
    it('flags both RV/LV labels > 0.5', () => {
      const v = check(positive({ rv_lv_ratio_gte_1: 0.7 }));
      expect(v.map((x) => x.rule)).toEqual(['positive_rv_lv_exactly_one']);
      expect(v[0]?.labels).toEqual(['rv_lv_ratio_gte_1', 'rv_lv_ratio_lt_1']);
      expect(v[0]?.message).toMatch(/RV\/LV/);
    });
    it('flags neither RV/LV label > 0.5', () => {
      expect(rules(positive({ rv_lv_ratio_lt_1: 0.3 }))).toEqual(['positive_rv_lv_exactly_one']);
    });
    it('flags both exactly 0.5 (neither counts as positive)', () => {
      expect(rules(positive({ rv_lv_ratio_gte_1: 0.5, rv_lv_ratio_lt_1: 0.5 }))).toEqual(['positive_rv_lv_exactly_one']);
    });
    it('accepts 0.5 next to a value just above 0.5', () => {
      expect(check(positive({ rv_lv_ratio_gte_1: 0.5, rv_lv_ratio_lt_1: 0.51 }))).toEqual([]);
    });
  });

  describe('positive_needs_location', () => {
    it('flags a positive study with no location', () => {
      const v = check(positive({ central_pe: 0.2, leftsided_pe: 0.3 }));
      expect(v.map((x) => x.rule)).toEqual(['positive_needs_location']);
      expect(v[0]?.labels).toEqual(['central_pe', 'leftsided_pe', 'rightsided_pe']);
    });
    it('treats a location of exactly 0.5 as absent', () => {
      expect(rules(positive({ central_pe: 0.5, leftsided_pe: 0.5, rightsided_pe: 0.5 }))).toEqual(['positive_needs_location']);
    });
    it('accepts any single location', () => {
      for (const l of ['central_pe', 'leftsided_pe', 'rightsided_pe'] as const) {
        const p = positive({ central_pe: 0.1, leftsided_pe: 0.1, rightsided_pe: 0.1, [l]: 0.9 });
        expect(check(p)).toEqual([]);
      }
    });
  });

  describe('positive_chronic_exclusive', () => {
    it('flags chronic and acute-and-chronic both > 0.5', () => {
      const v = check(positive({ chronic_pe: 0.6, acute_and_chronic_pe: 0.7 }));
      expect(v.map((x) => x.rule)).toEqual(['positive_chronic_exclusive']);
      expect(v[0]?.labels).toEqual(['chronic_pe', 'acute_and_chronic_pe']);
    });
    it('accepts one of them exactly 0.5', () => {
      expect(check(positive({ chronic_pe: 0.5, acute_and_chronic_pe: 0.7 }))).toEqual([]);
      expect(check(positive({ chronic_pe: 0.9 }))).toEqual([]);
    });
  });

  describe('positive_not_negative_or_indeterminate', () => {
    it('flags negative exam > 0.5 on a positive study', () => {
      const v = check(positive({ negative_exam_for_pe: 0.6 }));
      expect(v.map((x) => x.rule)).toEqual(['positive_not_negative_or_indeterminate']);
      expect(v[0]?.message).toContain('negative_exam_for_pe');
    });
    it('flags indeterminate > 0.5 on a positive study', () => {
      expect(rules(positive({ indeterminate: 0.51 }))).toEqual(['positive_not_negative_or_indeterminate']);
    });
    it('accepts both exactly 0.5', () => {
      expect(check(positive({ negative_exam_for_pe: 0.5, indeterminate: 0.5 }))).toEqual([]);
    });
  });

  describe('negative_exactly_one_of_negative_indeterminate', () => {
    it('flags neither > 0.5', () => {
      expect(rules(negative({ negative_exam_for_pe: 0.2 }))).toEqual(['negative_exactly_one_of_negative_indeterminate']);
    });
    it('flags both > 0.5', () => {
      expect(rules(negative({ indeterminate: 0.8 }))).toEqual(['negative_exactly_one_of_negative_indeterminate']);
    });
    it('flags negative exam of exactly 0.5', () => {
      expect(rules(negative({ negative_exam_for_pe: 0.5 }))).toEqual(['negative_exactly_one_of_negative_indeterminate']);
    });
    it('accepts indeterminate alone', () => {
      expect(check(negative({ negative_exam_for_pe: 0.1, indeterminate: 0.9 }))).toEqual([]);
    });
  });

  describe('negative_no_pe_labels', () => {
    it.each(PE_LABELS)('flags %s > 0.5 on a negative study', (label) => {
      const v = check(negative({ [label]: 0.6 }));
      expect(v.map((x) => x.rule)).toEqual(['negative_no_pe_labels']);
      expect(v[0]?.labels).toEqual([label]);
    });
    it('accepts every PE label at exactly 0.5', () => {
      const all = Object.fromEntries(PE_LABELS.map((l) => [l, 0.5]));
      expect(check(negative(all))).toEqual([]);
    });
  });

  it('reports several broken rules in rule order', () => {
    const p = positive({
      rv_lv_ratio_gte_1: 0.9,
      central_pe: 0.1,
      leftsided_pe: 0.1,
      chronic_pe: 0.9,
      acute_and_chronic_pe: 0.9,
      indeterminate: 0.9,
    });
    expect(rules(p)).toEqual([
      'positive_rv_lv_exactly_one',
      'positive_needs_location',
      'positive_chronic_exclusive',
      'positive_not_negative_or_indeterminate',
    ]);
    expect(rules(negative({ negative_exam_for_pe: 0.1, central_pe: 0.9 }))).toEqual([
      'negative_exactly_one_of_negative_indeterminate',
      'negative_no_pe_labels',
    ]);
  });

  it('rejects values outside [0, 1], NaN and missing labels', () => {
    expect(() => check(positive({ central_pe: 1.2 }))).toThrow(InvalidPredictionError);
    expect(() => check(positive({}, [Number.NaN]))).toThrow(InvalidPredictionError);
    const missing = positive();
    delete (missing.study as Partial<Record<StudyLabel, number>>).indeterminate;
    expect(() => check(missing)).toThrow(/indeterminate/);
  });
});

describe('repair', () => {
  it('returns a consistent input unchanged with zero cost', () => {
    const p = positive();
    const r = repair(p);
    expect(r).toEqual({ prediction: p, changed: [], imagesChanged: false, changedImages: [], violationsBefore: [], cost: 0 });
    expect(r.prediction).not.toBe(p);
  });

  it('lowers the cheaper of two positive RV/LV labels', () => {
    // gte: 0.2347 × KL(0.6‖0.5) ≈ 0.0047; lt: 0.0782 × KL(0.55‖0.5) ≈ 0.0004.
    const p = positive({ rv_lv_ratio_gte_1: 0.6, rv_lv_ratio_lt_1: 0.55 });
    const r = repair(p);
    expect(r.changed).toEqual(['rv_lv_ratio_lt_1']);
    expect(r.prediction.study.rv_lv_ratio_lt_1).toBe(0.5);
    expect(r.cost).toBeCloseTo(w('rv_lv_ratio_lt_1') * kl(0.55, 0.5), 12);
    expect(r.violationsBefore.map((v) => v.rule)).toEqual(['positive_rv_lv_exactly_one']);
    expect(check(r.prediction)).toEqual([]);
  });

  it('raises the cheaper RV/LV label when both are exactly 0.5', () => {
    const r = repair(positive({ rv_lv_ratio_gte_1: 0.5, rv_lv_ratio_lt_1: 0.5 }));
    expect(r.changed).toEqual(['rv_lv_ratio_lt_1']);
    expect(r.prediction.study.rv_lv_ratio_lt_1).toBe(UP);
    expect(r.cost).toBeCloseTo(w('rv_lv_ratio_lt_1') * kl(0.5, UP), 15);
    expect(check(r.prediction)).toEqual([]);
  });

  it('raises the cheapest location and breaks equal-cost ties deterministically', () => {
    // central (w 0.188) costs more than left/right (w 0.063 each); left and right tie exactly.
    const p = positive({ central_pe: 0.3, leftsided_pe: 0.3, rightsided_pe: 0.3 });
    const r = repair(p);
    expect(r.changed).toEqual(['leftsided_pe']);
    expect(r.prediction.study.leftsided_pe).toBe(UP);
    expect(r.cost).toBeCloseTo(w('leftsided_pe') * kl(0.3, UP), 12);
    expect(repair(p)).toEqual(r);
  });

  it('prefers a chronic fix on the weaker label', () => {
    const r = repair(positive({ chronic_pe: 0.9, acute_and_chronic_pe: 0.6 }));
    expect(r.changed).toEqual(['acute_and_chronic_pe']);
    expect(r.cost).toBeCloseTo(w('acute_and_chronic_pe') * kl(0.6, 0.5), 12);
  });

  it('raises negative exam of exactly 0.5 on a negative study', () => {
    // negative: 0.0736 × KL(0.5‖0.5+ε) ≈ 1e-13; indeterminate: 0.092 × KL(0.1‖0.5+ε) ≈ 0.048.
    const r = repair(negative({ negative_exam_for_pe: 0.5 }));
    expect(r.changed).toEqual(['negative_exam_for_pe']);
    expect(r.prediction.study.negative_exam_for_pe).toBe(UP);
    expect(r.cost).toBeCloseTo(w('negative_exam_for_pe') * kl(0.5, UP), 15);
  });

  it('makes a barely positive study negative when the study labels say negative', () => {
    // Clamp 0.52 → 0.5 with q = 1/2 (one of two images moved); staying positive would need an
    // RV/LV label, a location and negative exam lowered from 0.9, all far costlier.
    const p = negative({}, [0.52, 0.1]);
    const r = repair(p);
    expect(r.changed).toEqual([]);
    expect(r.imagesChanged).toBe(true);
    expect(r.changedImages).toEqual([0]);
    expect(r.prediction.images).toEqual([0.5, 0.1]);
    expect(r.cost).toBeCloseTo(IMAGE_LABEL_WEIGHT * (1 / 2) * kl(0.52, 0.5), 12);
    expect(check(r.prediction)).toEqual([]);
  });

  it('clamps every positive image, weighted by their share', () => {
    const r = repair(negative({}, [0.55, 0.1, 0.6, 0.3]));
    expect(r.prediction.images).toEqual([0.5, 0.1, 0.5, 0.3]);
    expect(r.changedImages).toEqual([0, 2]);
    expect(r.cost).toBeCloseTo(IMAGE_LABEL_WEIGHT * (2 / 4) * (kl(0.55, 0.5) + kl(0.6, 0.5)), 12);
  });

  it('makes a negative study positive by raising the single highest image', () => {
    // Staying negative means lowering central and RV/LV ≥ 1 from 0.9 and raising a negative label.
    const p: Prediction = {
      study: { ...negative().study, negative_exam_for_pe: 0.1, central_pe: 0.9, rv_lv_ratio_gte_1: 0.9 },
      images: [0.45, 0.2, 0.49],
    };
    const r = repair(p);
    expect(r.changed).toEqual([]);
    expect(r.changedImages).toEqual([2]);
    expect(r.prediction.images).toEqual([0.45, 0.2, UP]);
    expect(r.cost).toBeCloseTo(IMAGE_LABEL_WEIGHT * (1 / 3) * kl(0.49, UP), 12);
    expect(check(r.prediction)).toEqual([]);
  });

  it('fixes study labels when that is cheaper than flipping positivity', () => {
    // Raising image 0.1 to 0.5+ε costs 0.0736 × KL(0.1‖0.5) ≈ 0.029 plus RV/LV; lowering
    // central from 0.51 costs 0.188 × KL(0.51‖0.5) ≈ 3.8e-5.
    const r = repair(negative({ central_pe: 0.51 }, [0.1]));
    expect(r.changed).toEqual(['central_pe']);
    expect(r.imagesChanged).toBe(false);
    expect(r.cost).toBeCloseTo(w('central_pe') * kl(0.51, 0.5), 12);
  });

  it('keeps a study without images negative', () => {
    const r = repair({ study: positive().study, images: [] });
    expect(r.imagesChanged).toBe(false);
    expect(r.changed).toEqual(['negative_exam_for_pe', 'central_pe', 'leftsided_pe', 'rv_lv_ratio_lt_1']);
    const expected =
      w('negative_exam_for_pe') * kl(0.1, UP) +
      w('central_pe') * kl(0.7, 0.5) +
      w('leftsided_pe') * kl(0.6, 0.5) +
      w('rv_lv_ratio_lt_1') * kl(0.8, 0.5);
    expect(r.cost).toBeCloseTo(expected, 12);
    expect(check(r.prediction)).toEqual([]);
  });

  it('does not mutate its input', () => {
    const p = positive({ rv_lv_ratio_gte_1: 0.9 }, [0.9]);
    const snapshot = JSON.parse(JSON.stringify(p)) as Prediction;
    repair(p);
    expect(p).toEqual(snapshot);
  });
});

function randomPrediction(rand: () => number): Prediction {
  // Mix in the awkward values: exact 0.5, its neighbours, and the ends of [0, 1].
  const value = (): number => {
    const r = rand();
    if (r < 0.1) return 0.5;
    if (r < 0.15) return 0.5 + (rand() - 0.5) * 1e-4;
    if (r < 0.2) return rand() < 0.5 ? 0 : 1;
    return rand();
  };
  const study = Object.fromEntries(STUDY_LABELS.map((l) => [l, value()])) as Record<StudyLabel, number>;
  return { study, images: Array.from({ length: Math.floor(rand() * 6) }, value) };
}

/** Brute-force optimum built only from `check` and the hand KL formula. */
function bruteForceCost(p: Prediction): number {
  let best = Number.POSITIVE_INFINITY;
  const rawPos = isStudyPositive(p.images);
  for (const studyPositive of [false, true]) {
    let images = p.images;
    let imageCost = 0;
    if (studyPositive !== rawPos) {
      if (p.images.length === 0) continue;
      const n = p.images.length;
      if (rawPos) {
        const moved = p.images.filter((x) => x > 0.5);
        imageCost = moved.reduce((s, x) => s + IMAGE_LABEL_WEIGHT * (moved.length / n) * kl(x, 0.5), 0);
        images = p.images.map((x) => (x > 0.5 ? 0.5 : x));
      } else {
        const max = Math.max(...p.images);
        const i = p.images.indexOf(max);
        imageCost = IMAGE_LABEL_WEIGHT * (1 / n) * kl(max, UP);
        images = p.images.map((x, j) => (j === i ? UP : x));
      }
    }
    for (let mask = 0; mask < 1 << STUDY_LABELS.length; mask++) {
      let cost = imageCost;
      const study = { ...p.study };
      STUDY_LABELS.forEach((l, i) => {
        const want = ((mask >> i) & 1) === 1;
        const x = p.study[l];
        if (want && !(x > 0.5)) (study[l] = UP), (cost += w(l) * kl(x, UP));
        if (!want && x > 0.5) (study[l] = 0.5), (cost += w(l) * kl(x, 0.5));
      });
      if (cost < best && check({ study, images }).length === 0) best = cost;
    }
  }
  return best;
}

describe('repair property', () => {
  it('always yields a consistent prediction at the minimal cost, moving only what it reports', () => {
    const rand = mulberry32(20220915);
    for (let n = 0; n < 3000; n++) {
      const p = randomPrediction(rand);
      const r = repair(p);
      expect(check(r.prediction)).toEqual([]);
      expect(r.cost).toBeGreaterThanOrEqual(0);
      expect(r.violationsBefore).toEqual(check(p));
      if (r.violationsBefore.length === 0) {
        expect(r.prediction).toEqual(p);
        expect(r.cost).toBe(0);
      }
      for (const l of STUDY_LABELS) {
        const q = r.prediction.study[l];
        if (r.changed.includes(l)) expect([0.5, UP]).toContain(q);
        else expect(q).toBe(p.study[l]);
      }
      r.prediction.images.forEach((q, i) => {
        if (r.changedImages.includes(i)) expect([0.5, UP]).toContain(q);
        else expect(q).toBe(p.images[i]);
      });
      expect(r.imagesChanged).toBe(r.changedImages.length > 0);
      if (n < 300) expect(r.cost).toBeCloseTo(bruteForceCost(p), 12);
    }
  });
});
