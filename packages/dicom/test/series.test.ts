/**
 * Series assembly on the real chest CT, the real tilted head CT, and synthetic headers with
 * exactly one problem each.
 */
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assembleVolume, chooseSeries, planSeries, readDicomInfo, type InstanceInfo } from '../src/index';
import { listFiles, loadStudyVolume, readBytes, scanFolder } from '../src/node';
import { assembleVolumeParallel } from '../src/node/parallel-volume';
import { CHEST_CT, CORPUS } from './corpus-paths';
import { ctImage, part10 } from '@embolus/testkit';

/** Header facts of a synthetic slice at `z` (mm). */
function slice(
  z: number,
  o: { series?: string; instance?: number; rows?: number; orientation?: number[]; x?: number; y?: number } = {},
): InstanceInfo {
  const rows = o.rows ?? 2;
  const bytes = part10(
    ctImage({
      rows,
      cols: 2,
      pixels: new Uint16Array(rows * 2).fill(z + 1000),
      position: [o.x ?? 0, o.y ?? 0, z],
      orientation: o.orientation,
      series: o.series ?? '1.2.3',
      sop: `1.2.3.${o.instance ?? z + 1000}`,
      instance: o.instance ?? Math.round(z),
    }),
  );
  return readDicomInfo(bytes, { source: `slice-${z}` }).info;
}
const codes = (p: { warnings: { code: string }[] }) => p.warnings.map((w) => w.code).sort();

describe('planSeries', () => {
  it('sorts by position along the normal, not by file order or InstanceNumber', () => {
    const plan = planSeries([slice(10, { instance: 1 }), slice(0, { instance: 3 }), slice(5, { instance: 2 })]);
    expect(plan.slices.map((s) => s.position)).toEqual([0, 5, 10]);
    expect(plan.sliceSpacing).toBe(5);
    expect(codes(plan)).toEqual([]);
  });

  it('sorts along the normal for an orientation whose normal points down', () => {
    // Row (1,0,0) × column (0,−1,0) = (0,0,−1): positions along the normal are −z.
    const plan = planSeries([0, 2, 4].map((z) => slice(z, { orientation: [1, 0, 0, 0, -1, 0] })));
    expect(plan.slices.map((s) => s.position + 0)).toEqual([-4, -2, 0]);
    expect(plan.slices.map((s) => s.info.planes[0]!.imagePositionPatient![2])).toEqual([4, 2, 0]);
    expect(plan.axial).toBe(true);
  });

  it('falls back to InstanceNumber without geometry', () => {
    const noGeo = [3, 1, 2].map((n) => {
      const i = slice(n, { instance: n });
      return { ...i, planes: [{}] };
    });
    const plan = planSeries(noGeo);
    expect(plan.slices.map((s) => s.info.instanceNumber)).toEqual([1, 2, 3]);
    expect(codes(plan)).toContain('NO_GEOMETRY');
  });

  it('reports and drops duplicates', () => {
    const plan = planSeries([slice(0), slice(1), slice(1, { instance: 99 }), slice(2)]);
    expect(plan.slices).toHaveLength(3);
    expect(codes(plan)).toEqual(['DUPLICATE_SLICES']);
  });

  it('reports missing slices and irregular spacing', () => {
    const plan = planSeries([0, 1, 2, 5, 6, 7].map((z) => slice(z)));
    expect(codes(plan)).toEqual(['IRREGULAR_SPACING', 'MISSING_SLICES']);
    expect(plan.warnings.find((w) => w.code === 'MISSING_SLICES')!.details).toMatchObject({ estimated: 2 });
  });

  it('reports gantry tilt when slices advance off the normal', () => {
    // Each slice moves 1 mm in z and 0.5 mm in y: a shear of atan(0.5) ≈ 26.6°.
    const plan = planSeries([0, 1, 2, 3].map((z) => slice(z, { y: z * 0.5 })));
    expect(codes(plan)).toContain('GANTRY_TILT');
    expect(plan.tiltDeg).toBeCloseTo((Math.atan(0.5) * 180) / Math.PI, 3);
  });

  it('reports mixed image sizes and non-axial reformats', () => {
    expect(codes(planSeries([slice(0), slice(1, { rows: 4 })]))).toContain('MIXED_IMAGE_SIZES');
    const coronal = planSeries([0, 1].map((y) => slice(0, { orientation: [1, 0, 0, 0, 0, -1], y, instance: y + 1 })));
    expect(coronal.axial).toBe(false);
    expect(codes(coronal)).toContain('NON_AXIAL');
  });
});

describe('chooseSeries', () => {
  it('prefers the original axial slices to an axial reformat with more slices', () => {
    const original = planSeries([0, 1, 2].map((z) => slice(z, { series: '1.2.10' })));
    const mpr = planSeries(
      [0, 0.5, 1, 1.5, 2].map((z) => ({
        ...slice(z, { series: '1.2.11', instance: 2000 + z * 2 }),
        imageType: ['DERIVED', 'SECONDARY', 'AXIAL', 'CSA MPR'],
      })),
    );
    expect(mpr.imageType).toEqual(['DERIVED', 'SECONDARY', 'AXIAL', 'CSA MPR']);
    expect(chooseSeries([mpr, original]).chosen.seriesInstanceUid).toBe('1.2.10');
    // Alone, the reformat is still chosen (and the quality gates refuse it).
    expect(chooseSeries([mpr]).chosen.seriesInstanceUid).toBe('1.2.11');
  });

  it('prefers axial CT, then most slices, then thinnest, and says why', () => {
    const a = planSeries([0, 1, 2].map((z) => slice(z, { series: 'A' })));
    const b = planSeries([0, 1, 2, 3].map((z) => slice(z, { series: 'B' })));
    const cor = planSeries([0, 1, 2, 3, 4, 5].map((y) => slice(0, { series: 'C', orientation: [1, 0, 0, 0, 0, -1], y, instance: y + 1 })));
    const choice = chooseSeries([a, cor, b]);
    expect(choice.chosen.seriesInstanceUid).toBe('B');
    expect(choice.reason).toMatch(/most slices \(4\)/);
    expect(choice.rejected).toEqual([{ seriesInstanceUid: 'C', reason: 'not axial' }]);
  });

  it('throws NO_CT_SERIES when nothing qualifies', () => {
    const cor = planSeries([0, 1].map((y) => slice(0, { orientation: [1, 0, 0, 0, 0, -1], y, instance: y + 1 })));
    expect(() => chooseSeries([cor])).toThrow(expect.objectContaining({ code: 'NO_CT_SERIES' }));
  });
});

describe('real series', () => {
  it('assembles the 30-slice chest CT into a volume ordered bottom to top', async () => {
    const { choice, volume } = await loadStudyVolume(CHEST_CT);
    expect(choice.chosen.slices).toHaveLength(30);
    expect(volume.shape).toEqual([30, 512, 512]);
    expect(volume.spacing).toEqual([8, 0.646484375, 0.646484375]);
    expect(volume.slicePositions[0]).toBe(80);
    expect(volume.slicePositions[29]).toBe(312);
    expect(new Set(volume.sopInstanceUids).size).toBe(30);
    expect(volume.warnings).toEqual([]);
    // Real anatomy: air outside the body, soft tissue and bone inside.
    let air = 0;
    let tissue = 0;
    for (const v of volume.data) {
      if (v < -900) air++;
      else if (v > -100 && v < 100) tissue++;
    }
    expect(air / volume.data.length).toBeGreaterThan(0.3);
    expect(tissue / volume.data.length).toBeGreaterThan(0.1);
  });

  it('decodes the same volume on worker threads as on one thread', async () => {
    const one = await loadStudyVolume(CHEST_CT, { workers: 1 });
    const two = await loadStudyVolume(CHEST_CT, { workers: 2 });
    expect(two.volume.shape).toEqual(one.volume.shape);
    expect(two.volume.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Buffer.compare(Buffer.from(two.volume.data.buffer), Buffer.from(one.volume.data.buffer))).toBe(0);
    expect(two.volume.sopInstanceUids).toEqual(one.volume.sopInstanceUids);
  });

  it('fails a parallel load with a typed error when one instance cannot be read, without hanging', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'embolus-parallel-'));
    try {
      for (const f of await readdir(CHEST_CT)) await copyFile(path.join(CHEST_CT, f), path.join(dir, f));
      const plan = chooseSeries((await scanFolder(dir)).plans).chosen;
      // Gone after planning: every thread (this one and two workers) may be the one that meets it.
      await rm(plan.slices[17]!.info.source);
      await expect(assembleVolumeParallel(plan, 3)).rejects.toMatchObject({ code: 'DECODE_FAILED' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports tilt, irregular spacing and gaps on the GE gantry-tilt head series', async () => {
    const scan = await scanFolder(path.join(CORPUS, 'dcm_qa_ct_GE_head_gantry_tilt_variable_spacing'));
    expect(scan.plans).toHaveLength(1);
    const plan = scan.plans[0]!;
    expect(plan.slices).toHaveLength(28);
    expect(codes(plan)).toEqual(expect.arrayContaining(['GANTRY_TILT', 'IRREGULAR_SPACING']));
    expect(plan.tiltDeg).toBeGreaterThan(5);
    const volume = await assembleVolume(plan, readBytes);
    expect(volume.slicePositions).toEqual([...volume.slicePositions].sort((x, y) => x - y));
  });

  it('lists unreadable files instead of failing the scan', async () => {
    const scan = await scanFolder(path.join(CORPUS, 'pydicom_test_files'));
    expect(scan.skipped.length).toBeGreaterThan(0);
    expect(scan.skipped.every((s) => typeof s.code === 'string')).toBe(true);
    expect(await listFiles(path.join(CORPUS, 'pydicom_test_files'))).toHaveLength(scan.infos.length + scan.skipped.length);
  });
});
