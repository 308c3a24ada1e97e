/**
 * The CAM placed by patient coordinates: a synthetic CAM with one hot voxel at a known patient
 * position, described by the result's `camGeometry`, must light up the source pixel at that
 * position in the key image (the old code stretched the crop-space map over the whole slice).
 * Without `camGeometry` the old stretch stays, and the key image and the SR say so.
 */
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDicomBytes, readDicomInfo } from '@embolus/dicom';
import { writeDataset } from '@embolus/phantom';
import { AnalysisResultSchema, STUDY_LABELS, type AnalysisResult, type CamGeometry } from '@embolus/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dicomFiles } from '@embolus/testkit/files';
import { buildResultObjects, STRETCHED_NOTE, type SourceInstance } from '../src';
import { encodeNpyFloat32 } from './helpers';

const tmp = mkdtempSync(path.join(tmpdir(), 'embolus-cam-placement-'));
let files: string[];
let instances: SourceInstance[];
let result: AnalysisResult;

beforeAll(async () => {
  const ds = await writeDataset({ out: path.join(tmp, 'ph'), studies: 1, seed: 7, positiveRate: 1, study: { preset: 'demo' } });
  const study = ds.studies[0]!;
  files = dicomFiles(path.join(ds.out, study.studyInstanceUid)).sort();
  const seriesUid = path.basename(path.dirname(files[0]!));
  instances = files.map((f) => ({
    sopInstanceUid: path.basename(f, '.dcm'),
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    seriesInstanceUid: seriesUid,
  }));
  const windows: AnalysisResult['windows'] = [];
  for (let i = 0; i * 10 < files.length; i++) {
    // Window 3 shows instance 33 (the largest fraction); the others share the rest.
    const slices = instances
      .slice(i * 10, i * 10 + 10)
      .map((s) => ({ sopInstanceUid: s.sopInstanceUid, fraction: s === instances[33] ? 0.2 : 0.05 }));
    windows.push({ index: i, probability: i === 3 ? 0.9 : 0.1, decision: i === 3, slices });
  }
  result = AnalysisResultSchema.parse({
    schemaVersion: 1,
    seriesInstanceUid: seriesUid,
    labels: Object.fromEntries(STUDY_LABELS.map((l) => [l, { probability: 0.5, threshold: 0.5, decision: false }])),
    windows,
    attention: Object.fromEntries(STUDY_LABELS.map((l) => [l, windows.map(() => 1 / windows.length)])),
    consistency: { violations: [], repaired: false, changed: [] },
    model: { version: 'demo-1.0.0', sha256: 'a'.repeat(64), trainedOn: 'synthetic phantoms', notForClinicalUse: true },
    timings: {},
    warnings: [],
  });
}, 60_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const N = 24;
const HOT = { frame: 33, row: 7, col: 15 };

/** A CAM of zeros with one hot voxel, and an affine that puts that voxel at `target` (mm). */
function hotCam(target: number[], normal: number[]) {
  const frames = result.windows.length * 10;
  const data = new Float32Array(frames * N * N);
  data[(HOT.frame * N + HOT.row) * N + HOT.col] = 1;
  // 9 mm voxels in-plane, columns running right-to-left (a flipped axis), frames 1 mm along the slice normal.
  const A = [
    [-9, 0, normal[0]!],
    [0, 9, normal[1]!],
    [0, 0, normal[2]!],
  ];
  const t = [0, 1, 2].map((a) => target[a]! - (A[a]![0]! * HOT.col + A[a]![1]! * HOT.row + A[a]![2]! * HOT.frame));
  const affine = [0, 1, 2].flatMap((a) => [...A[a]!, t[a]!]);
  const geometry: CamGeometry = { shape: [frames, N, N], validFrames: frames, affine };
  return { npy: encodeNpyFloat32(data, [frames, N, N]), geometry };
}

/** The RGB pixels, size and comments of a key image. */
function readKeyImage(bytes: Uint8Array) {
  const ds = parseDicomBytes(bytes, 'key image').dataSet;
  const el = ds.elements['x7fe00010']!;
  return {
    rows: ds.uint16('x00280010')!,
    cols: ds.uint16('x00280011')!,
    rgb: bytes.subarray(el.dataOffset, el.dataOffset + el.length),
    comments: ds.string('x00204000') ?? '',
    source: ds.elements['x00082112']!.items![0]!.dataSet!.string('x00081155'),
  };
}

/** Centroid (row, col) of the coloured (non-grey) pixels, away from the burned-in text bands. */
function overlayCentroid({ rgb, rows, cols }: { rgb: Uint8Array; rows: number; cols: number }) {
  let n = 0,
    sr = 0,
    sc = 0;
  for (let r = 20; r < rows - 20; r++)
    for (let c = 0; c < cols; c++) {
      const i = (r * cols + c) * 3;
      if (Math.abs(rgb[i]! - rgb[i + 1]!) > 2 || Math.abs(rgb[i + 1]! - rgb[i + 2]!) > 2) n++, (sr += r), (sc += c);
    }
  return { n, row: sr / n, col: sc / n };
}

async function build(r: AnalysisResult, cam: Uint8Array) {
  return buildResultObjects({
    result: r,
    instances,
    loadInstance: async (uid) => new Uint8Array(readFileSync(files[instances.findIndex((i) => i.sopInstanceUid === uid)]!)),
    cam,
    maxKeyImages: 1,
    now: new Date('2026-12-04T12:00:00Z'),
  });
}

describe('CAM placement by patient coordinates', () => {
  it('maps a hot CAM voxel at a known patient position to that source pixel (±1.5 px)', async () => {
    const plane = readDicomInfo(new Uint8Array(readFileSync(files[33]!))).info.planes[0]!;
    const ipp = plane.imagePositionPatient!,
      iop = plane.imageOrientationPatient!,
      [rs, cs] = plane.pixelSpacing!;
    const normal = [iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5], iop[0] * iop[4] - iop[1] * iop[3]];
    // An off-centre, asymmetric pixel, so that a stretch or swapped axes land elsewhere.
    const want = { row: 70, col: 150 };
    const target = [0, 1, 2].map((a) => ipp[a]! + want.col * cs * iop[a]! + want.row * rs * iop[3 + a]!);
    const { npy, geometry } = hotCam(target, normal);
    const objects = await build({ ...result, camGeometry: geometry }, npy);
    const key = readKeyImage(objects.find((o) => o.kind === 'key-image')!.bytes);
    expect(key.source).toBe(instances[33]!.sopInstanceUid);
    expect(key.comments).not.toContain(STRETCHED_NOTE);
    const c = overlayCentroid(key);
    expect(c.n).toBeGreaterThan(10);
    expect(Math.abs(c.row - want.row)).toBeLessThan(1.5);
    expect(Math.abs(c.col - want.col)).toBeLessThan(1.5);
    const sr = Buffer.from(objects.find((o) => o.kind === 'sr')!.bytes).toString('latin1');
    expect(sr).not.toContain('Overlay placement approximate');
  }, 60_000);

  it('draws nothing where the CAM volume does not reach (a hot voxel off this slice)', async () => {
    const plane = readDicomInfo(new Uint8Array(readFileSync(files[33]!))).info.planes[0]!;
    const ipp = plane.imagePositionPatient!,
      iop = plane.imageOrientationPatient!;
    const normal = [iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5], iop[0] * iop[4] - iop[1] * iop[3]];
    // The hot voxel 5 mm off the slice plane: its trilinear support (1 mm frames) misses the slice.
    const target = [0, 1, 2].map((a) => ipp[a]! + 5 * normal[a]!);
    const { npy, geometry } = hotCam(target, normal);
    const objects = await build({ ...result, camGeometry: geometry }, npy);
    expect(overlayCentroid(readKeyImage(objects.find((o) => o.kind === 'key-image')!.bytes)).n).toBe(0);
  }, 60_000);

  it('refuses a CAM artifact whose shape is not the camGeometry shape', async () => {
    const { npy, geometry } = hotCam([0, 0, 0], [0, 0, 1]);
    await expect(build({ ...result, camGeometry: { ...geometry, shape: [geometry.shape[0], N, N + 1] } }, npy)).rejects.toMatchObject({
      code: 'CAM_MISMATCH',
    });
  }, 60_000);

  it('falls back to stretching without camGeometry, and says so in the key image and the SR', async () => {
    const { npy } = hotCam([0, 0, 0], [0, 0, 1]);
    const objects = await build(result, npy);
    const key = readKeyImage(objects.find((o) => o.kind === 'key-image')!.bytes);
    expect(key.comments).toContain(STRETCHED_NOTE);
    // The stretched map: the voxel's centre at (row + 0.5)/N, (col + 0.5)/N of the slice.
    const c = overlayCentroid(key);
    expect(Math.abs(c.row - ((HOT.row + 0.5) / N) * key.rows)).toBeLessThan(2);
    expect(Math.abs(c.col - ((HOT.col + 0.5) / N) * key.cols)).toBeLessThan(2);
    expect(Buffer.from(objects.find((o) => o.kind === 'sr')!.bytes).toString('latin1')).toContain(STRETCHED_NOTE);
  }, 60_000);
});
