import { describe, expect, it } from 'vitest';
import { compareVersions, delongTest } from '../src/index';

describe('compareVersions', () => {
  it('pairs studies both versions analysed that have truth, and tests each label', () => {
    const truth = new Map<string, Record<string, number>>();
    const a = [];
    const b = [];
    const pa = [0.9, 0.8, 0.3, 0.2, 0.7, 0.1];
    const pb = [0.6, 0.9, 0.4, 0.5, 0.2, 0.3];
    const y = [1, 1, 0, 0, 1, 0];
    for (let i = 0; i < 6; i++) {
      truth.set(`s${i}`, { negative_exam_for_pe: y[i]! });
      a.push({ studyId: `s${i}`, probabilities: { negative_exam_for_pe: pa[i]! } });
      b.push({ studyId: `s${i}`, probabilities: { negative_exam_for_pe: pb[i]! } });
    }
    a.push({ studyId: 'only-a', probabilities: { negative_exam_for_pe: 0.5 } });
    const r = compareVersions(a, b, truth);
    expect(r.studies).toBe(6);
    const neg = r.labels.find((l) => l.label === 'negative_exam_for_pe')!;
    const t = delongTest(pa, pb, y);
    expect(neg).toMatchObject({ n: 6, positives: 3, test: { aurocA: t.aurocA, aurocB: t.aurocB, pValue: t.pValue } });
    // Labels without truth are an answer about the data, not a failure.
    const other = r.labels.find((l) => l.label === 'central_pe')!;
    expect(other).toMatchObject({ n: 0, test: null });
    expect(other.reason).toBeTypeOf('string');
  });
});
