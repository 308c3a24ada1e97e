import { describe, expect, it } from 'vitest';
import { categoricalStabilityIndex, driftReport, kolmogorovSurvival, ksTwoSample, populationStabilityIndex } from '../src/index';
import fixture from './fixtures/r-ks.json';

describe('population stability index', () => {
  it('numeric: matches a hand computation with reference-median bins', () => {
    // Reference 1..10 → median edge 5.5 → shares 0.5 / 0.5; current → 3/8 below, 5/8 above.
    const r = populationStabilityIndex([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 2, 3, 7, 8, 9, 10, 11], { bins: 2 });
    expect(r.bins).toEqual(['≤ 5.5', '> 5.5']);
    expect(r.referenceShares).toEqual([0.5, 0.5]);
    expect(r.currentShares).toEqual([0.375, 0.625]);
    expect(r.psi).toBeCloseTo((0.375 - 0.5) * Math.log(0.375 / 0.5) + (0.625 - 0.5) * Math.log(0.625 / 0.5), 15);
  });

  it('numeric: is 0 for the same sample, ignores missing values and floors empty bins', () => {
    const ref = [0.625, 1, 1.25, 2.5, 2.5, 5];
    expect(populationStabilityIndex(ref, [...ref, null, NaN]).psi).toBe(0);
    // Edges (deciles of 1..10 merged) put every current value above the last edge.
    const r = populationStabilityIndex([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [20, 30], { bins: 2, epsilon: 1e-4 });
    expect(r.psi).toBeCloseTo((1e-4 - 0.5) * Math.log(1e-4 / 0.5) + (1 - 0.5) * Math.log(1 / 0.5), 15);
  });

  it('categorical: matches a hand computation over the union of categories', () => {
    const r = categoricalStabilityIndex(['GE', 'GE', 'SIEMENS', 'TOSHIBA'], ['GE', 'SIEMENS', 'SIEMENS', 'PHILIPS']);
    expect(r.bins).toEqual(['GE', 'SIEMENS', 'TOSHIBA', 'PHILIPS']);
    const e = 1e-4;
    const expected =
      (0.25 - 0.5) * Math.log(0.25 / 0.5) +
      (0.5 - 0.25) * Math.log(0.5 / 0.25) +
      (e - 0.25) * Math.log(e / 0.25) +
      (0.25 - e) * Math.log(0.25 / e);
    expect(r.psi).toBeCloseTo(expected, 14);
  });
});

describe('two-sample Kolmogorov–Smirnov', () => {
  it('matches a hand computation', () => {
    // F_x − F_y at 1..4: 0.25, 0.5, 0.75 − 0.2, 1 − 0.4 → D = 0.6
    const r = ksTwoSample([1, 2, 3, 4], [3, 4, 5, 6, 7]);
    expect(r.statistic).toBeCloseTo(0.6, 15);
    expect(r.pValue).toBeCloseTo(kolmogorovSurvival(Math.sqrt(20 / 9) * 0.6), 15);
  });

  it('Kolmogorov survival function has the known values', () => {
    expect(kolmogorovSurvival(0)).toBe(1);
    expect(kolmogorovSurvival(1.3580986393225505)).toBeCloseTo(0.05, 12);
    expect(kolmogorovSurvival(1.2238478702170825)).toBeCloseTo(0.1, 12);
    // Both series agree where they meet.
    expect(Math.abs(kolmogorovSurvival(1 - 1e-12) - kolmogorovSurvival(1))).toBeLessThan(1e-11);
  });

  it('sums the series fully (R same-distribution case, checked with both series to 40 terms)', () => {
    expect(kolmogorovSurvival(Math.sqrt((150 * 180) / 330) * 0.10444444444444444)).toBeCloseTo(0.33399220011835407, 14);
  });

  for (const c of fixture.ks) {
    it(`matches R ks.test(exact = FALSE): ${c.name}`, () => {
      const r = ksTwoSample(c.x, c.y);
      expect(Math.abs(r.statistic - c.statistic)).toBeLessThan(1e-12);
      // R truncates the limiting series (tol = 1e-6, two terms below x = 1): it is off by up to
      // ~1e-5 there, while ours agrees with the fully summed series to 1e-15.
      expect(Math.abs(r.pValue - c.p_value)).toBeLessThan(2e-5);
    });
  }
});

describe('drift report', () => {
  it('reports probabilities and numeric and categorical descriptors', () => {
    const out = driftReport(
      { probability: [0.1, 0.2, 0.3, 0.9], descriptors: { sliceThickness: [1, 1, 2.5, 5], manufacturer: ['GE', 'GE', null, 'SIEMENS'] } },
      {
        probability: [0.1, 0.25, 0.3, 0.8],
        descriptors: { sliceThickness: [0.625, 1, 1, 1], manufacturer: ['GE', 'SIEMENS', 'SIEMENS', 'SIEMENS'] },
      },
      { bins: 4 },
    );
    expect(Object.keys(out)).toEqual(['probability', 'sliceThickness', 'manufacturer']);
    expect(out['probability']?.kind).toBe('numeric');
    const st = out['sliceThickness'];
    expect(st?.kind === 'numeric' && st.ks.statistic).toBeCloseTo(0.5, 15);
    expect(out['manufacturer']).toMatchObject({ kind: 'categorical', bins: ['GE', '(missing)', 'SIEMENS'] });
  });

  it('rejects a descriptor whose type changes between periods', () => {
    expect(() => driftReport({ descriptors: { x: [1, 2] } }, { descriptors: { x: ['a', 'b'] } })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });
});
