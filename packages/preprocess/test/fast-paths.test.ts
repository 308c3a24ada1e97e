/**
 * The speed-ups keep results identical: the coarse-grid helpers against per-voxel versions, the
 * lung mask's size and box against its full-resolution mask, and the consuming pipeline (padding
 * filled in place) against the copying one.
 */
import { describe, expect, it } from 'vitest';
import type { Volume } from '@embolus/dicom';
import { boxToFull, coveredVoxels, meanPool, upsampleMask, type Shape3 } from '../src/coarse-grid';
import { fillPadding, fromDicomVolume, lungMask, preprocess, resampleIsotropic } from '../src/index';
import { boundingBox } from '../src/morphology';
import { preprocessConsuming } from '../src/pipeline';
import { chest, volume } from './synthetic';

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('coarse grid', () => {
  // Odd sizes: every axis ends in a partial block.
  const shape: Shape3 = [7, 9, 11];
  const f: Shape3 = [2, 3, 2];
  const coarse: Shape3 = [4, 3, 6];
  const data = Float32Array.from({ length: 7 * 9 * 11 }, (_, i) => Math.sin(i * 0.37) * 1000 + 0.1 * i);

  it('mean-pools bit-identically to accumulating voxel by voxel', () => {
    const sum = new Float32Array(4 * 3 * 6);
    const cnt = new Uint16Array(sum.length);
    for (let z = 0, i = 0; z < 7; z++)
      for (let y = 0; y < 9; y++)
        for (let x = 0; x < 11; x++, i++) {
          const j = (Math.floor(z / 2) * 3 + Math.floor(y / 3)) * 6 + Math.floor(x / 2);
          sum[j] = sum[j]! + data[i]!;
          cnt[j]!++;
        }
    for (let j = 0; j < sum.length; j++) sum[j]! /= cnt[j]!;
    const got = meanPool(data, shape, f);
    expect(got.shape).toEqual(coarse);
    expect(bits(got.data).equals(bits(sum))).toBe(true);
  });

  it('upsamples, counts and boxes a coarse mask as the per-voxel mapping does', () => {
    const m = Uint8Array.from({ length: 4 * 3 * 6 }, (_, j) => ((j * 7) % 5 === 0 ? 1 : 0));
    m.fill(0, 0, 18); // first coarse plane empty: the box does not start at 0
    const want = new Uint8Array(7 * 9 * 11);
    for (let z = 0, i = 0; z < 7; z++)
      for (let y = 0; y < 9; y++)
        for (let x = 0; x < 11; x++, i++) want[i] = m[(Math.floor(z / 2) * 3 + Math.floor(y / 3)) * 6 + Math.floor(x / 2)]!;
    const up = upsampleMask(m, coarse, shape, f);
    expect(Buffer.from(up).equals(Buffer.from(want))).toBe(true);
    expect(coveredVoxels(m, coarse, shape, f)).toBe(want.reduce((a, b) => a + b, 0));
    expect(boxToFull(boundingBox(m, coarse)!, shape, f)).toEqual(boundingBox(want, shape));
  });
});

describe('lungMask', () => {
  it('reports the litres and box of the full-resolution mask it returns', () => {
    const c = chest();
    // 1 mm voxels segmented on a 2 mm grid, odd sizes so blocks are partial at the edges.
    const v = volume([201, 231, 221], [1, 1, 1], c.hu);
    const out = lungMask().apply(v);
    const mask = out.volume.lungMask!;
    const voxels = mask.reduce((a, b) => a + b, 0);
    expect(out.record!.lungLitres).toBe(Number((voxels / 1e6).toFixed(3)));
    expect(out.record!.maskBox).toEqual(boundingBox(mask, v.shape));
  });
});

/** A series volume as the decoder returns it: a synthetic chest with NaN padding outside a circle. */
function paddedVolume(): Volume {
  const c = chest();
  const v = volume([60, 230, 220], [2.5, 1, 1], c.hu);
  const [nz, ny, nx] = v.shape;
  let paddingCount = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        if ((y - 115) ** 2 + (x - 110) ** 2 > 110 ** 2) (v.data[(z * ny + y) * nx + x] = NaN), paddingCount++;
      }
  return {
    data: v.data,
    shape: v.shape,
    spacing: v.spacing,
    origin: v.origin,
    direction: v.direction,
    sopInstanceUids: v.sources,
    slicePositions: v.zPositions,
    sliceOrigins: v.zPositions.map((z) => [0, 0, z]),
    paddingCount,
    warnings: [],
  };
}

describe('preprocessConsuming', () => {
  it('gives exactly what preprocess gives, filling the padding of the volume it was handed in place', () => {
    const a = paddedVolume();
    const b = paddedVolume();
    const copying = preprocess(a);
    const consuming = preprocessConsuming(b);
    expect(bits(consuming.tensors[0]!.data).equals(bits(copying.tensors[0]!.data))).toBe(true);
    const strip = (r: typeof copying) => r.record.map(({ ms: _ms, ...rest }) => rest);
    expect(strip(consuming)).toEqual(strip(copying));
    expect(consuming.record[1]).toMatchObject({ step: 'fillPadding', filled: a.paddingCount });
    // preprocess leaves its caller's volume alone; the consuming form overwrote the padding.
    expect(a.data.some((x) => Number.isNaN(x))).toBe(true);
    expect(b.data.some((x) => Number.isNaN(x))).toBe(false);
  });

  it('never fills in place a volume wrapped by the public fromDicomVolume', () => {
    const a = paddedVolume();
    const v = fromDicomVolume(a);
    const out = fillPadding().apply(v).volume;
    expect(out.data).not.toBe(a.data);
    expect(a.data.some((x) => Number.isNaN(x))).toBe(true);
    // and the filled copy resamples to finite values
    expect(
      resampleIsotropic(1)
        .apply(out)
        .volume.data.every((x) => Number.isFinite(x)),
    ).toBe(true);
  });
});
