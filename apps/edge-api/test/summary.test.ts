/**
 * What the worklist, webhooks and quality metrics read from a result.
 */
import { describe, expect, it } from 'vitest';
import { summarize } from '../src/summary';
import { analysisResult } from './helpers/result';

describe('summarize', () => {
  it('ranks central PE with RV/LV ≥ 1 first and takes PE probability from the negative-exam label', () => {
    expect(summarize(analysisResult({ central: true, rvlv: true, pNegative: 0.1 }))).toMatchObject({ urgency: 0, decision: 'positive', peProbability: 0.9 });
    expect(summarize(analysisResult({ pNegative: 0.9 }))).toMatchObject({ urgency: 1, decision: 'negative' });
  });

  it('keeps the raw (pre-repair) probabilities for metrics, and the repaired ones for decisions', () => {
    const r = analysisResult({ pNegative: 0.49 });
    // Repair moved negative_exam_for_pe from the model's 0.93 to just under 0.5.
    r.labels.negative_exam_for_pe = { probability: 0.49, rawProbability: 0.93, threshold: 0.8, decision: false };
    const s = summarize(r);
    expect(s.probabilities.negative_exam_for_pe).toBe(0.93);
    expect(s.probabilities.central_pe).toBe(0.01); // no raw value: the stored one
    expect(s.decision).toBe('positive');
    expect(s.peProbability).toBeCloseTo(0.51, 10);
  });
});
