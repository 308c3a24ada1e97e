/**
 * Each step on small synthetic volumes with known answers.
 */
import { describe, expect, it } from 'vitest';
import {
  compose,
  cropToLungBox,
  fillPadding,
  lungMask,
  makeWindows,
  orderBottomToTop,
  resampleIsotropic,
  windowValue,
  PAPER_CHANNELS,
  type Step,
} from '../src/index';
import { chest, volume } from './synthetic';

describe('resampleIsotropic', () => {
  it('reproduces a linear ramp exactly, along irregularly spaced slices', () => {
    // Slices at irregular positions; value = 3·z + 2·x (mm): trilinear interpolation is exact for it.
    const pos = [0, 1.25, 2.5, 5, 6.25, 10];
    const v = volume([6, 4, 8], [1.25, 0.5, 0.5], (z, _y, x) => 3 * z + 2 * x, pos);
    const r = resampleIsotropic(1).apply(v).volume;
    expect(r.shape).toEqual([11, 2, 4]);
    for (let z = 0; z < 11; z++) for (let x = 0; x < 4; x++) expect(r.data[(z * 2 + 1) * 4 + x]).toBeCloseTo(3 * z + 2 * x, 4);
    expect(r.zPositions).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('keeps a sphere’s volume when going from anisotropic to 1 mm voxels', () => {
    const r0 = 20;
    const sphere = (z: number, y: number, x: number) => ((z - 40) ** 2 + (y - 30) ** 2 + (x - 30) ** 2 < r0 * r0 ? 1000 : -1000);
    const v = volume([33, 86, 86], [2.5, 0.7, 0.7], sphere);
    const r = resampleIsotropic(1).apply(v).volume;
    let inside = 0;
    for (const x of r.data) if (x > 0) inside++;
    const expected = (4 / 3) * Math.PI * r0 ** 3;
    expect(Math.abs(inside - expected) / expected).toBeLessThan(0.02);
  });

  it('removes gantry-tilt shear: a tube straight in patient space stays straight', () => {
    // Each slice's first voxel is shifted 0.5 mm in y per mm of z (sheared acquisition).
    const shear = 0.5;
    const v = volume([20, 40, 40], [1, 1, 1], (z, y, x) => ((x - 20) ** 2 + (y + shear * z - 20) ** 2 < 16 ? 500 : -500));
    v.sliceOffsets = v.zPositions.map((z) => [0, shear * z]);
    const r = resampleIsotropic(1).apply(v).volume;
    const centroidY = (z: number) => {
      let s = 0;
      let n = 0;
      for (let y = 0; y < r.shape[1]; y++)
        for (let x = 0; x < r.shape[2]; x++) if (r.data[(z * r.shape[1] + y) * r.shape[2] + x]! > 0) (s += y), n++;
      return s / n;
    };
    for (const z of [0, 9, 19]) expect(centroidY(z)).toBeCloseTo(20, 0);
  });

  it('tracks which source slices each output slice comes from', () => {
    const v = volume([3, 2, 2], [2, 1, 1], () => 0);
    const r = resampleIsotropic(1).apply(v).volume;
    expect(r.zSources[1]).toEqual([
      { source: 0, weight: 0.5 },
      { source: 1, weight: 0.5 },
    ]);
    expect(r.zSources[4]).toEqual([{ source: 2, weight: 1 }]);
  });
});

describe('orderBottomToTop and fillPadding', () => {
  it('flips a volume whose z axis points to the feet', () => {
    const v = volume([3, 1, 1], [1, 1, 1], (z) => z);
    const down = {
      ...v,
      direction: { ...v.direction, z: [0, 0, -1] as [number, number, number] },
      origin: [0, 0, 50] as [number, number, number],
    };
    const r = orderBottomToTop().apply(down).volume;
    expect(Array.from(r.data)).toEqual([2, 1, 0]);
    expect(r.direction.z).toEqual([-0, -0, 1]);
    expect(r.origin[2]).toBe(48);
    expect(r.zSources.map((s) => s[0]!.source)).toEqual([2, 1, 0]);
  });

  it('turns NaN padding into air', () => {
    const v = volume([1, 1, 3], [1, 1, 1], (_z, _y, x) => (x === 1 ? NaN : 5));
    const r = fillPadding(-1024).apply(v);
    expect(Array.from(r.volume.data)).toEqual([5, -1024, 5]);
    expect(r.record).toMatchObject({ filled: 1 });
  });
});

describe('lungMask and cropToLungBox', () => {
  const c = chest();
  const v = volume([200, 230, 220], [1, 1, 1], c.hu);

  it('segments synthetic lungs (vessels included) with Dice ≥ 0.95 and a plausible volume', () => {
    const out = lungMask().apply(v);
    const mask = out.volume.lungMask!;
    let inter = 0;
    let a = 0;
    let b = 0;
    for (let z = 0, i = 0; z < 200; z++)
      for (let y = 0; y < 230; y++)
        for (let x = 0; x < 220; x++, i++) {
          const t = c.inLung(z, y, x) ? 1 : 0;
          inter += t & mask[i]!;
          a += t;
          b += mask[i]!;
        }
    expect((2 * inter) / (a + b)).toBeGreaterThanOrEqual(0.95);
    expect(out.record!.lungLitres).toBeGreaterThan(0.5);
    expect(out.record!.boxSource).toBe('lungs');
  });

  it('crops to the lung box plus margin, and records it in voxels and millimetres', () => {
    const r = compose([lungMask(), cropToLungBox(5)])(v);
    const rec = r.record.find((s) => s.step === 'cropToLungBox')!;
    const box = rec.box as { start: number[]; end: number[] };
    // Lungs span x 32..188, y 55..165, z 30..170 (mm = voxels here); margin 5.
    expect(box.start[2]).toBeGreaterThanOrEqual(24);
    expect(box.start[2]).toBeLessThanOrEqual(29);
    expect(box.end[0]).toBeGreaterThanOrEqual(171);
    expect(box.end[0]).toBeLessThanOrEqual(177);
    expect(r.shape).toEqual([box.end[0]! - box.start[0]!, box.end[1]! - box.start[1]!, box.end[2]! - box.start[2]!]);
    expect(r.origin).toEqual([box.start[2], box.start[1], box.start[0]]);
  });

  it('falls back to the body box with a warning when no lungs are found', () => {
    const solid = volume([40, 60, 60], [1, 1, 1], (_z, y, x) => ((x - 30) ** 2 + (y - 30) ** 2 < 400 ? 40 : -1000));
    const r = compose([lungMask(), cropToLungBox(0)])(solid);
    expect(r.warnings.some((w) => w.startsWith('LUNG_MASK_IMPLAUSIBLE'))).toBe(true);
    expect(r.shape[1]).toBeLessThan(60);
    expect(r.shape[1]).toBeGreaterThan(36);
  });
});

describe('windows', () => {
  it('clips at level ± width/2 and scales to [0, 1]', () => {
    for (const [level, width] of PAPER_CHANNELS) {
      expect(windowValue(level - width / 2, level, width)).toBe(0);
      expect(windowValue(level + width / 2, level, width)).toBe(1);
      expect(windowValue(level, level, width)).toBe(0.5);
      expect(windowValue(level - width, level, width)).toBe(0);
      expect(windowValue(level + width, level, width)).toBe(1);
    }
  });

  it('builds [W,3,10,S,S] with exact channel values and a zero-padded last window', () => {
    const v = volume([13, 8, 8], [1, 1, 1], () => 100);
    const t = makeWindows(v, { size: 4, windowSlices: 10, channels: PAPER_CHANNELS });
    expect(t.shape).toEqual([2, 3, 10, 4, 4]);
    const at = (w: number, c: number, d: number) => t.data[((w * 3 + c) * 10 + d) * 4 * 4]!;
    expect(at(0, 0, 0)).toBeCloseTo((100 + 1350) / 1500, 6);
    expect(at(0, 1, 0)).toBeCloseTo(0.5, 6);
    expect(at(0, 2, 0)).toBeCloseTo((100 - -160) / 400, 6);
    expect(at(1, 1, 2)).toBeCloseTo(0.5, 6);
    expect(at(1, 1, 3)).toBe(0);
    expect(t.windows[1]).toMatchObject({ zStart: 10, zEnd: 13 });
  });
});

describe('compose', () => {
  it('rethrows a failing step naming it and the input shape', () => {
    const boom: Step = {
      name: 'boom',
      apply: () => {
        throw new Error('bad things');
      },
    };
    const v = volume([2, 3, 4], [1, 1, 1], () => 0);
    expect(() => compose([boom])(v)).toThrow(/step 'boom' failed on a volume of shape \[2, 3, 4\]: bad things/);
  });
});
