/**
 * Emboli geometry: exact z-extents, slice labels taken from it, visible sizes, and the rendered
 * defects inside the contrast-filled lumen.
 */
import { describe, expect, it } from 'vitest';
import { TISSUE, embolusContains, generateStudy, type Embolus } from '../src/index';
import { SMALL } from './helpers';

const positives = Array.from({ length: 16 }, (_, i) => generateStudy({ ...SMALL, seed: 300 + i, kind: 'positive', noiseHu: 0 }));
const emboli = positives.flatMap((s) => s.truth.emboli);

/** Dense sampling of the embolus's bounding box: the z-range of the points found inside. */
function sampledZRange(e: Embolus): [number, number] {
  const r = e.radiusMm;
  const lo = [0, 1, 2].map((d) => Math.min(e.start[d]!, e.end[d]!) - r);
  const hi = [0, 1, 2].map((d) => Math.max(e.start[d]!, e.end[d]!) + r);
  let zMin = Infinity,
    zMax = -Infinity;
  const steps = 60;
  for (let a = 0; a <= steps; a++)
    for (let b = 0; b <= steps; b++)
      for (let c = 0; c <= steps; c++) {
        const x = lo[0]! + ((hi[0]! - lo[0]!) * a) / steps,
          y = lo[1]! + ((hi[1]! - lo[1]!) * b) / steps,
          z = lo[2]! + ((hi[2]! - lo[2]!) * c) / steps;
        if (embolusContains(e, x, y, z)) {
          zMin = Math.min(zMin, z);
          zMax = Math.max(zMax, z);
        }
      }
  return [zMin, zMax];
}

describe('emboli', () => {
  it('cover all four morphologies and three locations', () => {
    expect(new Set(emboli.map((e) => e.morphology))).toEqual(new Set(['central', 'occlusive', 'eccentric', 'web']));
    expect(new Set(emboli.map((e) => e.location))).toEqual(new Set(['central', 'left', 'right']));
  });

  it('have an exact z-range (dense sampling lands just inside it)', () => {
    for (const e of emboli.slice(0, 12)) {
      const [lo, hi] = sampledZRange(e);
      const step = (e.zRange[1] - e.zRange[0]) / 20;
      expect(lo).toBeGreaterThanOrEqual(e.zRange[0] - 1e-9);
      expect(hi).toBeLessThanOrEqual(e.zRange[1] + 1e-9);
      expect(lo - e.zRange[0]).toBeLessThan(step);
      expect(e.zRange[1] - hi).toBeLessThan(step);
    }
  });

  it('are big enough to survive 1 mm resampling and 192² slices, with 20–70 HU', () => {
    for (const e of emboli) {
      expect(Math.min(e.uMax - e.uMin, 2 * e.radiusMm)).toBeGreaterThanOrEqual(2.5);
      expect(e.lengthMm).toBeGreaterThanOrEqual(6);
      expect(e.hu).toBeGreaterThanOrEqual(20);
      expect(e.hu).toBeLessThanOrEqual(70);
      expect(embolusContains(e, ...e.centre)).toBe(true);
      expect(e.chronic).toBe(e.morphology === 'eccentric' || e.morphology === 'web');
    }
  });

  it('mark a slice positive exactly when an embolus reaches into its slab', () => {
    for (const s of positives) {
      const t = s.truth.sliceThicknessMm;
      s.sliceLabels.forEach((label, k) => {
        const z = s.truth.sliceZ[k]!;
        const touches = s.truth.emboli.some((e) => e.zRange[1] > z - t / 2 && e.zRange[0] < z + t / 2);
        expect(label.pe_present_on_image).toBe(touches ? 1 : 0);
        expect(label.sopInstanceUid).toBe(s.files[k]!.sopInstanceUid);
      });
      expect(s.sliceLabels.some((l) => l.pe_present_on_image === 1)).toBe(true);
    }
  });

  it('are painted inside the lumen, only on positive slices', () => {
    for (const s of positives.slice(0, 6)) {
      const mask = s.truth.embolusMask();
      const [n, rows, cols] = s.truth.shape;
      for (let k = 0; k < n; k++) {
        const hasVoxels = mask.subarray(k * rows * cols, (k + 1) * rows * cols).some((v) => v === 1);
        if (hasVoxels) expect(s.sliceLabels[k]!.pe_present_on_image).toBe(1);
      }
      // The centre of every embolus is rendered as embolus, surrounded by no contrast leak.
      for (const e of s.truth.emboli) {
        const [k, i, j] = s.truth.voxelOf(e.centre);
        const cls = s.truth.tissueSlice(k)[i * cols + j];
        expect([TISSUE.EMBOLUS, TISSUE.PULMONARY_ARTERY]).toContain(cls);
      }
    }
  });
});

describe('emboli styles', () => {
  it('draws the demo preset conspicuous: more, longer and thicker emboli than the full preset', () => {
    const stats = (preset: 'demo' | 'full') => {
      const es = Array.from({ length: 12 }, (_, i) =>
        generateStudy({ ...SMALL, preset, seed: 700 + i, kind: 'positive', noiseHu: 0 }),
      ).flatMap((s) => s.truth.emboli);
      const occlusive = es.filter((e) => e.morphology === 'occlusive').length / es.length;
      const bandShare = es
        .filter((e) => e.morphology === 'eccentric' || e.morphology === 'web')
        .map((e) => (e.uMax - e.uMin) / (2 * e.lumenRadiusMm));
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      return {
        count: es.length,
        length: mean(es.map((e) => e.lengthMm)),
        occlusive,
        band: mean(bandShare),
        thinnest: Math.min(...es.map((e) => e.radiusMm)),
      };
    };
    const demo = stats('demo'),
      full = stats('full');
    expect(demo.count).toBeGreaterThan(full.count);
    expect(demo.length).toBeGreaterThan(full.length);
    expect(demo.occlusive).toBeGreaterThan(full.occlusive);
    expect(demo.thinnest).toBeGreaterThanOrEqual(3.5); // only arteries of at least 7 mm lumen
    expect(full.thinnest).toBeGreaterThanOrEqual(2.5);
    if (demo.band > 0 && full.band > 0) expect(demo.band).toBeGreaterThan(full.band);
  });
});
