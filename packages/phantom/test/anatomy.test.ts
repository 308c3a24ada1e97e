/**
 * The rendered anatomy matches the truth: ventricle diameters (which set the RV/LV label), the
 * lung mask, motion blur and poor contrast in indeterminate studies.
 */
import { describe, expect, it } from 'vitest';
import { TISSUE, generateStudy, type PhantomStudy } from '../src/index';
import { SMALL, decodeStudy, median } from './helpers';

/** Length (mm) of the run of `cls` pixels crossed by the line through (x, y) along (dx, dy). */
function runLength(study: PhantomStudy, k: number, cls: number, x: number, y: number, dx: number, dy: number): number {
  const { truth } = study;
  const [, rows, cols] = truth.shape;
  const map = truth.tissueSlice(k);
  const ps = truth.spacing[1];
  let count = 0;
  for (let t = -120; t <= 120; t += ps / 4) {
    const j = Math.round((x + t * dx - truth.origin[0]) / ps),
      i = Math.round((y + t * dy - truth.origin[1]) / ps);
    if (i >= 0 && i < rows && j >= 0 && j < cols && map[i * cols + j] === cls) count++;
  }
  return (count * ps) / 4;
}

describe('heart', () => {
  it('draws RV and LV cavities with the truth diameters, across the septum', () => {
    for (const seed of [7, 12]) {
      const study = generateStudy({ seed, kind: 'positive', matrix: 256, zExtentMm: 200, sliceThicknessMm: 5, noiseHu: 0 });
      const { truth } = study;
      const h = truth.anatomy.heart;
      const k = truth.voxelOf([h.cx, h.cy, h.zc])[0];
      // v = (sin θ, cos θ) runs across the septum; the cavities' centres lie on that line.
      const [vx, vy] = [Math.sin(h.angle), Math.cos(h.angle)];
      const rv = runLength(study, k, TISSUE.RIGHT_HEART_BLOOD, h.cx, h.cy, vx, vy);
      const lv = runLength(study, k, TISSUE.LEFT_HEART_BLOOD, h.cx, h.cy, vx, vy);
      const tol = 2 * truth.spacing[1] + 1;
      expect(Math.abs(rv - truth.rvDiameterMm)).toBeLessThan(tol);
      expect(Math.abs(lv - truth.lvDiameterMm)).toBeLessThan(tol);
      expect(study.labels.rv_lv_ratio_gte_1).toBe(rv / lv >= 1 ? 1 : 0);
    }
  });
});

describe('lung mask', () => {
  it('is [slices, rows, cols] by ascending z and covers −850 HU tissue', async () => {
    const study = generateStudy({ ...SMALL, matrix: 192, seed: 9, kind: 'negative', noiseHu: 0 });
    const mask = study.truth.lungMask();
    const [n, rows, cols] = study.truth.shape;
    expect(mask).toHaveLength(n * rows * cols);
    const vol = await decodeStudy(study);
    const lungHu = vol.filter((_, v) => mask[v] === 1);
    // Vessels (~8% of lung volume) and blurred borders account for the rest.
    expect(lungHu.filter((hu) => hu < -700).length / lungHu.length).toBeGreaterThan(0.7);
    expect(median(lungHu)).toBeLessThan(-800);
    // Per slice: where the mask says lung, the HU says air-filled tissue.
    const lungClasses = new Set<number>([TISSUE.LUNG, TISSUE.LUNG_ARTERY, TISSUE.LUNG_VEIN]);
    let mismatches = 0;
    for (let k = 0; k < n; k += 8) {
      const slice = study.truth.tissueSlice(k);
      for (let p = 0; p < rows * cols; p++) if (mask[k * rows * cols + p] !== (lungClasses.has(slice[p]!) ? 1 : 0)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });
});

describe('indeterminate studies', () => {
  /** Generates seeds one at a time and stops at the first match: each study costs about half a second. */
  const firstStudy = (seeds: number[], extra: { noiseHu?: number }, want: (s: ReturnType<typeof generateStudy>) => boolean) => {
    for (const seed of seeds) {
      const s = generateStudy({ ...SMALL, seed, kind: 'indeterminate', ...extra });
      if (want(s)) return s;
    }
    return undefined;
  };
  /** 99th percentile of the horizontal HU steps: the steepest edges, which motion smears. */
  const edgeSteepness = (vol: Float32Array, k: number, rows: number, cols: number) => {
    const steps = new Float32Array(rows * cols - 1);
    for (let p = 0; p < steps.length; p++) steps[p] = Math.abs(vol[k * rows * cols + p + 1]! - vol[k * rows * cols + p]!);
    return steps.sort()[Math.floor(steps.length * 0.99)]!;
  };

  it('blur the slices hit by motion', async () => {
    const seeds = Array.from({ length: 12 }, (_, i) => 500 + i);
    const study = firstStudy(seeds, { noiseHu: 0 }, (s) => s.labels.qa_motion === 1);
    if (!study) throw new Error('no motion study among the seeds');
    const vol = await decodeStudy(study);
    const [n, rows, cols] = study.truth.shape;
    const moved = new Set(study.truth.motionSlices);
    const mean = (ks: number[]) => ks.reduce((s, k) => s + edgeSteepness(vol, k, rows, cols), 0) / ks.length;
    const still = Array.from({ length: n }, (_, k) => k).filter((k) => !moved.has(k));
    expect(mean([...moved])).toBeLessThan(0.7 * mean(still));
  });

  it('barely enhance the arteries when the bolus is mistimed', () => {
    const seeds = Array.from({ length: 12 }, (_, i) => 600 + i);
    const study = firstStudy(seeds, {}, (s) => s.labels.qa_contrast === 1);
    if (!study) throw new Error('no poor-contrast study among the seeds');
    expect(study.truth.hu.pulmonaryArtery).toBeLessThan(150);
    expect(study.truth.hu.pulmonaryArtery).toBeGreaterThan(60);
  });
});
