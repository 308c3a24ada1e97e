/**
 * The CAM affine against image content: the model-input tensor (which the CAM shares its grid
 * with), sampled through camGeometry at each pixel's patient position of a source slice, must
 * reproduce that slice in the same CT window. A wrong origin, flip, crop offset or resize scale
 * moves anatomy by millimetres and the difference jumps (checked with a deliberate 4-pixel shift).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeDicom } from '@embolus/dicom';
import { generateStudy, writeStudy } from '@embolus/phantom';
import { windowValue } from '@embolus/preprocess';
import { preprocessFolder } from '@embolus/preprocess/node';
import { afterAll, describe, expect, it } from 'vitest';
import { camGeometry } from '../src/cam';

let root: string | undefined;
afterAll(async () => root && (await rm(root, { recursive: true, force: true })));

describe('camGeometry', () => {
  it('maps the model-input grid onto a source slice so that the anatomy matches', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'embolus-camgeo-'));
    const dir = await writeStudy(root, generateStudy({ seed: 4, preset: 'demo', kind: 'positive', matrix: 128 }));
    const { result: pre } = await preprocessFolder(dir, { windows: [{ size: 192, windowSlices: 10, channels: [[100, 700]] }] });
    const t = pre.tensors[0]!;
    const [W, , D, S] = t.shape;
    const g = camGeometry(pre.volume, [W * D, S, S]);
    // A source slice from the middle of the crop, taken whole by its resampled slice.
    const z = Math.floor(pre.volume.shape[0] / 2);
    const src = pre.volume.zSources[z]!.reduce((a, b) => (b.weight > a.weight ? b : a));
    const decoded = await decodeDicom(new Uint8Array(await readFile(path.join(dir, `${pre.volume.sources[src.source]}.dcm`))));
    const { rows, cols } = decoded.pixel;
    const plane = decoded.info.planes[0]!;
    const ipp = plane.imagePositionPatient!,
      iop = plane.imageOrientationPatient!,
      [rs, cs] = plane.pixelSpacing!;
    // Inverse of the 3×3 part by Cramer's rule (independent of dicom-out's sampler).
    const m = [0, 1, 2].map((r) => [g.affine[r * 4]!, g.affine[r * 4 + 1]!, g.affine[r * 4 + 2]!]);
    const det = (a: number[][]) =>
      a[0]![0]! * (a[1]![1]! * a[2]![2]! - a[1]![2]! * a[2]![1]!) -
      a[0]![1]! * (a[1]![0]! * a[2]![2]! - a[1]![2]! * a[2]![0]!) +
      a[0]![2]! * (a[1]![0]! * a[2]![1]! - a[1]![1]! * a[2]![0]!);
    const d0 = det(m);
    const toIndex = (p: number[]) => {
      const b = [0, 1, 2].map((r) => p[r]! - g.affine[r * 4 + 3]!);
      return [0, 1, 2].map((k) => det(m.map((row, r) => row.map((v, c) => (c === k ? b[r]! : v)))) / d0);
    };
    const meanError = (shift: number) => {
      let sum = 0,
        n = 0;
      for (let r = 0; r < rows; r += 2)
        for (let c = 0; c < cols; c += 2) {
          const p = [0, 1, 2].map((a) => ipp[a]! + (c + shift) * cs * iop[a]! + r * rs * iop[3 + a]!);
          const [x, y, f] = toIndex(p).map(Math.round) as [number, number, number];
          if (x < 0 || y < 0 || x >= S || y >= S || f < 0 || f >= g.validFrames) continue;
          const w = Math.floor(f / D),
            k = f % D;
          const model = t.data[((w * D + k) * S + y) * S + x]!;
          sum += Math.abs(model - windowValue(decoded.hu[r * cols + c]!, 100, 700));
          n++;
        }
      return { error: sum / n, n };
    };
    const right = meanError(0);
    const shifted = meanError(4);
    expect(right.n).toBeGreaterThan(500);
    expect(right.error).toBeLessThan(0.03);
    expect(shifted.error).toBeGreaterThan(right.error * 1.5);
    console.log(
      `camGeometry image check: mean |Δ| ${right.error.toFixed(4)} aligned, ${shifted.error.toFixed(4)} shifted 4 px (n=${right.n})`,
    );
  }, 120_000);
});
