/** Options: presets, sizes, validation and the typed errors. */
import { describe, expect, it } from 'vitest';
import { isEmbolusError } from '@embolus/shared';
import { PhantomError, generateStudy, planStudy, type StudyOptions } from '../src/index';

function errorOf(f: () => unknown): PhantomError {
  try {
    f();
  } catch (e) {
    if (e instanceof PhantomError) return e;
    throw e;
  }
  throw new Error('expected a PhantomError');
}

describe('presets and sizes', () => {
  it('full: 512² × 256 slices of 0.625–1.25 mm; demo: 192²/256², 2–2.5 mm, about 15 cm', () => {
    const thick = new Set<number>();
    const storage = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const full = planStudy({ seed }).protocol;
      expect(full).toMatchObject({ preset: 'full', matrix: 512, slices: 256 });
      expect(full.sliceThicknessMm).toBeGreaterThanOrEqual(0.625);
      expect(full.sliceThicknessMm).toBeLessThanOrEqual(1.25);
      thick.add(full.sliceThicknessMm);
      storage.add(full.storage);
      const demo = planStudy({ seed, preset: 'demo' }).protocol;
      expect([192, 256]).toContain(demo.matrix);
      expect([2, 2.5]).toContain(demo.sliceThicknessMm);
      expect(demo.slices * demo.sliceSpacingMm).toBeGreaterThan(130);
      expect(demo.slices * demo.sliceSpacingMm).toBeLessThan(180);
    }
    // Scanner variety: several thicknesses and both storage layouts.
    expect(thick.size).toBeGreaterThan(2);
    expect(storage).toEqual(new Set(['signed', 'unsigned']));
  });

  it('honours explicit sizes, z-extent and spacing', () => {
    const p = planStudy({ seed: 1, matrix: 200, zExtentMm: 100, sliceThicknessMm: 1.25, sliceSpacingMm: 1, fovMm: 420 }).protocol;
    expect(p).toMatchObject({ matrix: 200, slices: 100, sliceThicknessMm: 1.25, sliceSpacingMm: 1 });
    expect(p.fovMm).toBeCloseTo(420, 3);
    expect(p.pixelSpacingMm).toBeCloseTo(2.1, 6);
    const s = generateStudy({ seed: 1, matrix: 64, slices: 12, sliceThicknessMm: 5, kind: 'negative' });
    expect(s.files).toHaveLength(12);
    expect(s.truth.shape).toEqual([12, 64, 64]);
  });
});

describe('errors', () => {
  const bad: [string, Partial<StudyOptions>][] = [
    ['negative seed', { seed: -1 }],
    ['fractional seed', { seed: 1.5 }],
    ['matrix too large', { matrix: 1024 }],
    ['matrix not an integer', { matrix: 100.5 }],
    ['too few slices', { slices: 2 }],
    ['thin slices', { sliceThicknessMm: 0.1 }],
    ['rate above 1', { positiveRate: 2 }],
    ['unknown kind', { kind: 'maybe' as never }],
    ['slices and z-extent together', { slices: 20, zExtentMm: 100 }],
    ['a huge study', { matrix: 512, slices: 2048 }],
  ];
  it.each(bad)('rejects %s with INVALID_OPTIONS', (_, o) => {
    const e = errorOf(() => generateStudy({ seed: 1, ...o }));
    expect(e.code).toBe('INVALID_OPTIONS');
    expect(isEmbolusError(e)).toBe(true);
    expect(e.name).toBe('PhantomError');
  });

  it('reports PLACEMENT_FAILED when a positive scan is too short to hold an embolus', () => {
    const e = errorOf(() => generateStudy({ seed: 1, kind: 'positive', matrix: 64, slices: 8, sliceThicknessMm: 0.5 }));
    expect(e.code).toBe('PLACEMENT_FAILED');
  });
});
