import { describe, expect, it } from 'vitest';
import { brierScore, expectedCalibrationError, reliabilityBins } from '../src/index';

// Hand-worked: two uniform bins.
//   bin [0, 0.5): p 0.05 0.15 0.12, y 0 0 1 → mean p 0.32/3, observed 1/3
//   bin [0.5, 1]: p 0.55 0.95 0.85, y 1 1 0 → mean p 2.35/3, observed 2/3
const p = [0.05, 0.15, 0.12, 0.55, 0.95, 0.85];
const y = [0, 0, 1, 1, 1, 0];

describe('calibration', () => {
  it('bins uniformly', () => {
    const bins = reliabilityBins(p, y, { bins: 2 });
    expect(bins).toHaveLength(2);
    expect(bins[0]).toMatchObject({ lower: 0, upper: 0.5, count: 3 });
    expect(bins[0]?.meanProbability).toBeCloseTo(0.32 / 3, 15);
    expect(bins[0]?.observedRate).toBeCloseTo(1 / 3, 15);
    expect(bins[1]?.meanProbability).toBeCloseTo(2.35 / 3, 15);
    expect(bins[1]?.observedRate).toBeCloseTo(2 / 3, 15);
  });

  it('puts p = 1 in the last bin and reports empty bins with null means', () => {
    const bins = reliabilityBins([1, 0.05], [1, 0], { bins: 4 });
    expect(bins.map((b) => b.count)).toEqual([1, 0, 0, 1]);
    expect(bins[1]).toMatchObject({ meanProbability: null, observedRate: null });
  });

  it('computes ECE by hand', () => {
    // 0.5·|1/3 − 0.32/3| + 0.5·|2/3 − 2.35/3| = (0.34 + 0.175) / 3
    expect(expectedCalibrationError(p, y, { bins: 2 })).toBeCloseTo(0.515 / 3, 15);
  });

  it('computes the Brier score by hand', () => {
    // (0.0025 + 0.0225 + 0.7744 + 0.2025 + 0.0025 + 0.7225) / 6
    expect(brierScore(p, y)).toBeCloseTo(1.7269 / 6, 15);
    expect(brierScore([1, 0], [1, 0])).toBe(0);
  });

  it('makes equal-count quantile bins without splitting ties', () => {
    const bins = reliabilityBins([0.1, 0.2, 0.2, 0.2, 0.3, 0.9], [0, 0, 1, 0, 1, 1], { bins: 3, strategy: 'quantile' });
    // Ranks 0–1 go to bin 0, 2–3 to bin 1, 4–5 to bin 2; the tied 0.2s stay with the first of
    // them in bin 0, which leaves bin 1 empty (empty quantile bins are dropped).
    expect(bins.map((b) => b.count)).toEqual([4, 2]);
    expect(bins[0]).toMatchObject({ lower: 0.1, upper: 0.2, observedRate: 0.25 });
    expect(bins[1]).toMatchObject({ lower: 0.3, upper: 0.9, observedRate: 1 });
  });

  it('rejects probabilities outside [0, 1] and empty input', () => {
    expect(() => brierScore([1.5], [1])).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => reliabilityBins([], [])).toThrow(expect.objectContaining({ code: 'INSUFFICIENT_DATA' }));
    expect(() => reliabilityBins([0.2], [1], { bins: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
