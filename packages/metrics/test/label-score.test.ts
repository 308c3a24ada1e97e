import { describe, expect, it } from 'vitest';
import { auroc, delongCi, scoreLabel, selectThreshold } from '../src/index';

describe('scoreLabel', () => {
  const scores = [0.1, 0.4, 0.35, 0.8, 0.7, 0.2];
  const truth = [0, 0, 1, 1, 1, 0];

  it('gives the DeLong AUROC and CI with two of each class', () => {
    const r = delongCi(scores, truth);
    expect(scoreLabel(scores, truth)).toEqual({ n: 6, positives: 3, auroc: r.auroc, ci: [r.ci[0], r.ci[1]] });
  });

  it('chooses a threshold only when asked', () => {
    const t = selectThreshold(scores, truth, 'youden');
    expect(scoreLabel(scores, truth, { thresholdRule: 'youden' }).threshold).toEqual({
      value: t.threshold,
      sensitivity: t.sensitivity,
      specificity: t.specificity,
      rule: 'youden',
    });
    expect(scoreLabel(scores, truth, { thresholdRule: { targetSensitivity: 0.9 } }).threshold?.rule).toBe('sensitivity>=0.9');
  });

  it('with one positive: null, or the bare AUROC when asked', () => {
    const one = [0, 0, 1, 0];
    const s = [0.1, 0.3, 0.2, 0.4];
    expect(scoreLabel(s, one)).toEqual({ n: 4, positives: 1, auroc: null, ci: null });
    expect(scoreLabel(s, one, { aurocFromOneEach: true })).toEqual({ n: 4, positives: 1, auroc: auroc(s, one), ci: null });
    expect(scoreLabel([0.1, 0.2], [1, 1], { aurocFromOneEach: true })).toEqual({ n: 2, positives: 2, auroc: null, ci: null });
  });
});
