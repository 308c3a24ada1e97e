/**
 * CAM upsampling against a direct trilinear reference (8 taps per voxel, in doubles).
 */
import { describe, expect, it } from 'vitest';
import { camToVolume } from '../src/cam';

function reference(cam: Float32Array, [d, h, w]: [number, number, number], windows: number, slices: number, size: number): number[] {
  const coord = (i: number, nIn: number, nOut: number) => {
    const u = Math.min(Math.max(((i + 0.5) * nIn) / nOut - 0.5, 0), nIn - 1);
    const i0 = Math.floor(u);
    return [i0, Math.min(i0 + 1, nIn - 1), u - i0] as const;
  };
  let max = 0;
  for (const v of cam) max = Math.max(max, v);
  const out: number[] = [];
  for (let win = 0; win < windows; win++)
    for (let z = 0; z < slices; z++)
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
          const [z0, z1, wz] = coord(z, d, slices),
            [y0, y1, wy] = coord(y, h, size),
            [x0, x1, wx] = coord(x, w, size);
          const at = (zz: number, yy: number, xx: number) => cam[win * d * h * w + (zz * h + yy) * w + xx]!;
          const lerp2 = (zz: number) => {
            const a = at(zz, y0, x0) + (at(zz, y0, x1) - at(zz, y0, x0)) * wx;
            const b = at(zz, y1, x0) + (at(zz, y1, x1) - at(zz, y1, x0)) * wx;
            return a + (b - a) * wy;
          };
          const v = lerp2(z0) + (lerp2(z1) - lerp2(z0)) * wz;
          out.push(Math.round((v * 255) / max));
        }
  return out;
}

describe('camToVolume', () => {
  it('upsamples each window trilinearly to [W·slices, size, size], scaled to 0..255 by the study maximum', () => {
    const shape: [number, number, number] = [2, 6, 5];
    const windows = 3;
    let seed = 7;
    const cam = Float32Array.from({ length: windows * 60 }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 3);
    const v = camToVolume(cam, shape, windows, 10, 24);
    expect(v.shape).toEqual([30, 24, 24]);
    expect(v.max).toBeCloseTo(Math.max(...cam), 6);
    const ref = reference(cam, shape, windows, 10, 24);
    let worst = 0;
    let differ = 0;
    for (let i = 0; i < ref.length; i++) {
      const dlt = Math.abs(v.data[i]! - ref[i]!);
      worst = Math.max(worst, dlt);
      if (dlt) differ++;
    }
    // Same interpolation, other summation order: only values on a .5 rounding boundary may move.
    expect(worst).toBeLessThanOrEqual(1);
    expect(differ / ref.length).toBeLessThan(0.01);
    expect(Math.max(...v.data)).toBe(Math.max(...ref));
    expect(Math.max(...ref)).toBeGreaterThan(200);
  });

  it('gives an all-zero volume when the CAM is zero everywhere', () => {
    const v = camToVolume(new Float32Array(2 * 2 * 3 * 3), [2, 3, 3], 2, 10, 8);
    expect(v.max).toBe(0);
    expect(v.data.every((x) => x === 0)).toBe(true);
  });
});
