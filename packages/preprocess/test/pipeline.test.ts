/**
 * The whole pipeline on the real chest CT, and the window→slice map.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStudyVolume } from '@embolus/dicom/node';
import { SERVE_WINDOWS, TRAIN_WINDOWS, preprocess, sliceProbabilities, windowLabelsFromSlices, type PreprocessResult } from '../src/index';
import type { Volume } from '@embolus/dicom';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHEST = path.resolve(process.env.EMBOLUS_SHARED_DATA ?? path.join(here, '../../../../shared/data'), 'chest-ct');

let vol: Volume;
let r: PreprocessResult;
beforeAll(async () => {
  vol = (await loadStudyVolume(CHEST)).volume;
  r = preprocess(vol, { windows: [SERVE_WINDOWS, TRAIN_WINDOWS] });
}, 60_000);

describe('preprocess on real anatomy (chest CT, 30 × 8 mm)', () => {
  it('finds lungs of plausible volume and crops inside the body', () => {
    expect(r.lungLitres).toBeGreaterThan(1.5);
    expect(r.lungLitres).toBeLessThan(8);
    expect(r.warnings).toEqual([]);
    const crop = r.record.find((s) => s.step === 'cropToLungBox')!;
    const box = crop.box as { start: number[]; end: number[] };
    // The resampled volume is 331 mm wide; the body (and so the lungs) lies well inside it.
    const shape = r.record.find((s) => s.step === 'resampleIsotropic')!.shapeOut;
    expect(box.start[2]).toBeGreaterThan(10);
    expect(box.end[2]).toBeLessThan(shape[2] - 10);
    expect(box.start[1]).toBeGreaterThan(10);
    // Every voxel column at the crop's centre line passes through tissue: the crop is not air.
    let tissue = 0;
    const [nz, ny, nx] = r.volume.shape;
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) if (r.volume.data[(z * ny + y) * nx + (nx >> 1)]! > -500) tissue++;
    expect(tissue / (nz * ny)).toBeGreaterThan(0.2);
  });

  it('produces serve (192) and train (224) tensors from the same crop', () => {
    const [serve, train] = r.tensors;
    expect(serve!.shape).toEqual([Math.ceil(r.volume.shape[0] / 10), 3, 10, 192, 192]);
    expect(train!.shape).toEqual([serve!.shape[0], 3, 10, 224, 224]);
    let min = Infinity;
    let max = -Infinity;
    for (const x of serve!.data) (min = Math.min(min, x)), (max = Math.max(max, x));
    expect(min).toBe(0);
    expect(max).toBe(1);
  });

  it('records every step with timing, spacing and shape', () => {
    expect(r.record.map((s) => s.step)).toEqual(['orderBottomToTop', 'fillPadding', 'resampleIsotropic', 'lungMask', 'cropToLungBox']);
    const rs = r.record[2]!;
    expect(rs.spacingIn).toEqual([8, 0.646484375, 0.646484375]);
    expect(rs.spacingOut).toEqual([1, 1, 1]);
    for (const s of r.record) expect(s.ms).toBeGreaterThanOrEqual(0);
  });
});

describe('window → slice map', () => {
  it('covers each window with fractions that sum to its share of real slices', () => {
    const t = r.tensors[0]!;
    for (const w of t.windows) {
      const sum = w.slices.reduce((a, s) => a + s.fraction, 0);
      expect(sum).toBeCloseTo((w.zEnd - w.zStart) / 10, 4);
    }
  });

  it('round-trips: slices inside the crop map to windows and back', () => {
    const t = r.tensors[0]!;
    const covered = new Set(t.windows.flatMap((w) => w.slices.map((s) => s.sopInstanceUid)));
    // With 8 mm slices every source slice inside the crop's z range contributes somewhere.
    const zFirst = r.volume.zPositions[0]!;
    const zLast = r.volume.zPositions[r.volume.zPositions.length - 1]!;
    vol.sopInstanceUids.forEach((sop, i) => {
      const p = vol.slicePositions[i]!;
      if (p > zFirst + 4 && p < zLast - 4) expect(covered.has(sop)).toBe(true);
    });
    // A positive slice makes exactly the windows it falls in positive …
    const sop = t.windows[5]!.slices.find((s) => s.fraction > 0.3)!.sopInstanceUid;
    const labels = windowLabelsFromSlices(t.windows, new Set([sop]));
    expect(labels[5]).toBe(1);
    expect(labels.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(3);
    // … and window probabilities map back to that slice as the max of its windows.
    const probs = labels.map((l, i) => (l ? 0.9 : 0.1 + i * 0.001));
    expect(sliceProbabilities(t.windows, probs).get(sop)).toBe(0.9);
  });
});
