import { describe, expect, it } from 'vitest';
import { operatingPointAt, selectThreshold, thresholdCurve } from '../src/index';

// Hand-worked example: 4 positives, 4 negatives.
//   score 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8
//   truth  0   0   1   0   1   0   1   1
// threshold (≥): sens / spec
//   0.1: 4/4 0/4   0.2: 4/4 1/4   0.3: 4/4 2/4   0.4: 3/4 2/4
//   0.5: 3/4 3/4   0.6: 2/4 3/4   0.7: 2/4 4/4   0.8: 1/4 4/4
const scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
const truth = [0, 0, 1, 0, 1, 0, 1, 1];

describe('operating point', () => {
  it('counts a score equal to the threshold as positive', () => {
    const p = operatingPointAt(scores, truth, 0.5);
    expect(p).toMatchObject({ tp: 3, fp: 1, tn: 3, fn: 1, sensitivity: 0.75, specificity: 0.75, ppv: 0.75, npv: 0.75 });
  });

  it('computes PPV and NPV by hand', () => {
    const p = operatingPointAt(scores, truth, 0.65);
    expect(p).toMatchObject({ tp: 2, fp: 0, tn: 4, fn: 2, sensitivity: 0.5, specificity: 1, ppv: 1 });
    expect(p.npv).toBeCloseTo(4 / 6, 15);
  });

  it('returns NaN for a rate with a zero denominator', () => {
    const p = operatingPointAt(scores, truth, 0.95);
    expect(p.tp + p.fp).toBe(0);
    expect(p.ppv).toBeNaN();
    expect(p.specificity).toBe(1);
  });
});

describe('threshold curve', () => {
  it('lists every distinct score ascending with sensitivity and specificity', () => {
    const c = thresholdCurve([...scores, 0.5], [...truth, 0]);
    expect(Array.from(c.thresholds)).toEqual(scores);
    expect(Array.from(c.sensitivity)).toEqual([1, 1, 1, 0.75, 0.75, 0.5, 0.5, 0.25]);
    expect(Array.from(c.specificity)).toEqual([0, 0.2, 0.4, 0.4, 0.6, 0.8, 1, 1]);
  });
});

describe('threshold selection', () => {
  it('max min(sens, spec) picks 0.5 (0.75 / 0.75)', () => {
    expect(selectThreshold(scores, truth, 'max-min-sens-spec')).toEqual({
      rule: 'max-min-sens-spec',
      threshold: 0.5,
      sensitivity: 0.75,
      specificity: 0.75,
    });
  });

  it('Youden ties (J = 0.5 at 0.3, 0.5, 0.7) go to the highest threshold', () => {
    expect(selectThreshold(scores, truth, 'youden')).toMatchObject({ threshold: 0.7, sensitivity: 0.5, specificity: 1 });
  });

  it('target sensitivity picks the highest threshold reaching it', () => {
    expect(selectThreshold(scores, truth, { targetSensitivity: 0.75 })).toMatchObject({ threshold: 0.5, specificity: 0.75 });
    expect(selectThreshold(scores, truth, { targetSensitivity: 0.9 })).toMatchObject({ threshold: 0.3, sensitivity: 1, specificity: 0.5 });
    expect(selectThreshold(scores, truth, { targetSensitivity: 1 })).toMatchObject({ threshold: 0.3 });
  });

  it('breaks max-min ties by sensitivity + specificity', () => {
    // 0.3: 1/0.5 (sum 1.5); 0.4: 0.5/0.5 (sum 1) → both min 0.5, 0.3 wins.
    const s = [0.1, 0.2, 0.3, 0.4];
    const y = [0, 1, 1, 0];
    expect(selectThreshold(s, y, 'max-min-sens-spec')).toMatchObject({ threshold: 0.2, sensitivity: 1, specificity: 0.5 });
  });

  it('rejects bad rules and one-class data', () => {
    expect(() => selectThreshold(scores, truth, { targetSensitivity: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => selectThreshold([0.2, 0.4], [1, 1], 'youden')).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_DATA' }));
  });
});
