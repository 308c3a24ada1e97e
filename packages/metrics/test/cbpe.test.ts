import { describe, expect, it } from 'vitest';
import { auroc, cbpe, operatingPointAt, seededRandom } from '../src/index';

describe('CBPE', () => {
  it('matches a hand computation', () => {
    // p = 0.2, 0.6, 0.9 at threshold 0.5: E[TP] = 1.5, E[FP] = 0.5, E[FN] = 0.2, E[TN] = 0.8.
    const r = cbpe([0.2, 0.6, 0.9], { threshold: 0.5 });
    expect(r.expectedPositives).toBeCloseTo(1.7, 15);
    expect(r.atThreshold.sensitivity).toBeCloseTo(1.5 / 1.7, 15);
    expect(r.atThreshold.specificity).toBeCloseTo(0.8 / 1.3, 15);
    expect(r.atThreshold.ppv).toBeCloseTo(1.5 / 2, 15);
    // Expected ROC area = [Σ_{s_i > s_j} p_i(1 − p_j) + ½ Σ_i p_i(1 − p_i)] / (Σp · Σ(1 − p))
    //   = (0.9·0.4 + 0.9·0.8 + 0.6·0.8 + ½(0.09 + 0.24 + 0.16)) / (1.7 · 1.3)
    expect(r.expectedAuroc).toBeCloseTo(1.805 / 2.21, 14);
  });

  it('ranks by separate scores when given', () => {
    const r = cbpe([0.2, 0.6, 0.9], { threshold: 0.5, scores: [0.9, 0.6, 0.2] });
    expect(r.expectedAuroc).toBeLessThan(0.5);
  });

  it('agrees with the mean realised performance of simulated labels', () => {
    const rng = seededRandom(7);
    const n = 4000;
    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
      p[i] = 1 / (1 + Math.exp(-(-1.5 + 1.8 * z)));
    }
    const est = cbpe(p, { threshold: 0.3 });
    const runs = 200;
    let aucSum = 0;
    let sensSum = 0;
    let specSum = 0;
    const y = new Uint8Array(n);
    for (let r = 0; r < runs; r++) {
      for (let i = 0; i < n; i++) y[i] = rng.next() < (p[i] as number) ? 1 : 0;
      aucSum += auroc(p, y);
      const op = operatingPointAt(p, y, 0.3);
      sensSum += op.sensitivity;
      specSum += op.specificity;
    }
    expect(Math.abs(aucSum / runs - est.expectedAuroc)).toBeLessThan(0.003);
    expect(Math.abs(sensSum / runs - est.atThreshold.sensitivity)).toBeLessThan(0.005);
    expect(Math.abs(specSum / runs - est.atThreshold.specificity)).toBeLessThan(0.005);
  });

  it('needs expected positives and negatives', () => {
    expect(() => cbpe([0, 0], { threshold: 0.5 })).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_DATA' }));
    expect(() => cbpe([0.5, 1.1], { threshold: 0.5 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
