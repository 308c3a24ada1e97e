import { describe, expect, it } from 'vitest';
import { aurocCi, delongCi, normalCdf, normalQuantile, normalSurvival, seededRandom } from '../src/index';

describe('normal distribution', () => {
  it('has R-precision quantiles and tails (values printed by R with 17 digits)', () => {
    expect(normalQuantile(0.975)).toBe(1.9599639845400536);
    expect(normalQuantile(0.025)).toBe(-1.9599639845400538); // R: qnorm(0.025)
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalCdf(1.9599639845400536)).toBeCloseTo(0.975, 15);
    expect(normalSurvival(10) / 7.6198530241605269e-24 - 1).toBeLessThan(1e-15);
    expect(normalCdf(-40)).toBe(0);
    expect(normalQuantile(1e-300)).toBeCloseTo(-37.047096299361201, 12);
    expect(normalQuantile(2)).toBeNaN();
  });
});

describe('seeded random', () => {
  it('is reproducible and uniform-looking', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 10000 }, () => a.next());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.next()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(seededRandom(43).next()).not.toBe(seededRandom(42).next());
  });
});

describe('bootstrap CI', () => {
  const rng = seededRandom(3);
  const n = 600;
  const truth = Array.from({ length: n }, (_, i) => (i < 250 ? 1 : 0));
  const scores = truth.map(
    (y) => Math.round((y * 0.8 + Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next())) * 20) / 20,
  );

  it('is reproducible with a seed and close to DeLong on a large sample', () => {
    const a = aurocCi(scores, truth, { method: 'bootstrap', replicates: 1000, seed: 11 });
    const b = aurocCi(scores, truth, { method: 'bootstrap', replicates: 1000, seed: 11 });
    const c = aurocCi(scores, truth, { method: 'bootstrap', replicates: 1000, seed: 12 });
    expect(a).toEqual(b);
    expect(a.ci).not.toEqual(c.ci);
    const d = delongCi(scores, truth);
    expect(a.auroc).toBe(d.auroc);
    expect(a.method).toBe('bootstrap');
    expect(Math.abs(a.ci[0] - d.ci[0])).toBeLessThan(0.01);
    expect(Math.abs(a.ci[1] - d.ci[1])).toBeLessThan(0.01);
    expect(Math.abs(Math.sqrt(a.variance) / Math.sqrt(d.variance) - 1)).toBeLessThan(0.1);
  });

  it('collapses to the point for perfect separation', () => {
    const r = aurocCi([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0], { method: 'bootstrap', replicates: 50 });
    expect(r.ci).toEqual([1, 1]);
  });

  it('rejects bad options', () => {
    expect(() => aurocCi(scores, truth, { method: 'bootstrap', replicates: 1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(() => aurocCi(scores, truth, { level: 1 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
