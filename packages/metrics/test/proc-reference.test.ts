/**
 * AUROC, DeLong variance/CI, ROC points and the paired DeLong test against R's pROC 1.18.0.
 * Fixtures come from scripts/make-proc-fixtures.R (inputs stored alongside the outputs).
 */
import { describe, expect, it } from 'vitest';
import { auroc, aurocCi, delongCi, delongTest, delongVariance, rocCurve } from '../src/index';
import fixture from './fixtures/proc-auroc.json';

const TOL = 1e-9;
const num = (v: number | string | null): number =>
  typeof v === 'number' ? v : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : NaN;

describe('AUROC and DeLong against pROC', () => {
  it('has a fixture with every kind of case', () => {
    expect(fixture.pROC).toBe('1.18.0');
    expect(fixture.single.length).toBeGreaterThanOrEqual(15);
    expect(fixture.paired.length).toBeGreaterThanOrEqual(6);
  });

  for (const c of fixture.single) {
    describe(c.name, () => {
      it('AUROC (Mann–Whitney, ties ½)', () => {
        expect(Math.abs(auroc(c.predictor, c.response) - c.auc)).toBeLessThan(TOL);
      });

      it('DeLong variance', () => {
        const v = delongVariance(c.predictor, c.response);
        expect(Math.abs(v.variance - c.var)).toBeLessThan(TOL);
        expect(Math.abs(v.auroc - c.auc)).toBeLessThan(TOL);
      });

      it('DeLong 95% CI (clipped to [0, 1])', () => {
        const r = delongCi(c.predictor, c.response, 0.95);
        expect(Math.abs(r.ci[0] - (c.ci[0] as number))).toBeLessThan(TOL);
        expect(Math.abs(r.ci[1] - (c.ci[1] as number))).toBeLessThan(TOL);
        const viaOptions = aurocCi(c.predictor, c.response);
        expect(viaOptions.ci).toEqual(r.ci);
        expect(viaOptions.method).toBe('delong');
      });

      it('ROC points (sensitivity, specificity)', () => {
        const roc = rocCurve(c.predictor, c.response);
        const k = roc.tpr.length;
        expect(k).toBe(c.sensitivities.length);
        for (let i = 0; i < k; i++) {
          // pROC lists thresholds ascending; ours descend from +Infinity.
          expect(Math.abs((roc.tpr[k - 1 - i] as number) - (c.sensitivities[i] as number))).toBeLessThan(TOL);
          expect(Math.abs(1 - (roc.fpr[k - 1 - i] as number) - (c.specificities[i] as number))).toBeLessThan(TOL);
        }
        // Our thresholds are the distinct scores; pROC's are midpoints between them.
        const ts = c.thresholds.map(num);
        for (let i = 1; i < k; i++) {
          const ours = roc.thresholds[k - i] as number;
          expect(ours).toBeGreaterThan(ts[i - 1] as number);
          expect(ours).toBeLessThanOrEqual(ts[i] as number);
        }
      });
    });
  }

  for (const c of fixture.paired) {
    it(`paired DeLong test: ${c.name}`, () => {
      const t = delongTest(c.predictor1, c.predictor2, c.response);
      expect(Math.abs(t.aurocA - c.auc1)).toBeLessThan(TOL);
      expect(Math.abs(t.aurocB - c.auc2)).toBeLessThan(TOL);
      expect(Math.abs(t.z - c.statistic)).toBeLessThan(TOL);
      expect(Math.abs(t.pValue - c.p_value)).toBeLessThan(TOL);
      expect(Math.abs(t.ci[0] - (c.conf_int[0] as number))).toBeLessThan(TOL);
      expect(Math.abs(t.ci[1] - (c.conf_int[1] as number))).toBeLessThan(TOL);
    });
  }
});

describe('DeLong edge cases', () => {
  it('needs two positives and two negatives for a variance', () => {
    expect(() => delongVariance([0.9, 0.1, 0.2], [1, 0, 0])).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_DATA' }));
    expect(() => auroc([0.1, 0.2], [0, 0])).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_DATA' }));
    expect(auroc([0.9, 0.1], [1, 0])).toBe(1);
  });

  it('rejects NaN scores, non-binary truths and mismatched lengths', () => {
    expect(() => auroc([NaN, 0.1], [1, 0])).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => auroc([0.5, 0.1], [2, 0])).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => auroc([0.5, 0.1, 0.3], [1, 0])).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => delongTest([0.5, 0.1], [0.5], [1, 0])).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('treats −0 and +0 as a tie, accepts typed arrays and infinite scores', () => {
    expect(auroc(Float64Array.from([-0, 0, Infinity, -Infinity]), Uint8Array.from([1, 0, 1, 0]))).toBe(0.875);
  });

  it('gives z = 0 and p = 1 for identical models', () => {
    const s = [0.1, 0.4, 0.35, 0.8, 0.7, 0.2];
    const y = [0, 0, 1, 1, 1, 0];
    const t = delongTest(s, s, y);
    expect(t.z).toBe(0);
    expect(t.pValue).toBe(1);
  });
});
