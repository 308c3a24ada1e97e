/**
 * The files are real CT DICOM: @embolus/dicom parses, plans and decodes them, and the decoded
 * HU at places computed from the truth are the intended tissue values.
 */
import { describe, expect, it } from 'vitest';
import { assembleVolume, planSeries, readDicomInfo } from '@embolus/dicom';
import { SYNTHETIC_DESCRIPTION, TISSUE, generateStudy, type PhantomStudy, type Vec3 } from '../src/index';
import { SMALL, decodeStudy, huAt, median } from './helpers';

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

function midpoint(study: PhantomStudy, artery: string): Vec3 {
  const tubes = study.truth.arteries.find((a) => a.name === artery)?.tubes;
  const t = tubes?.[Math.floor(tubes.length / 2)];
  if (!t) throw new Error(`no ${artery}`);
  return [(t.a[0] + t.b[0]) / 2, (t.a[1] + t.b[1]) / 2, (t.a[2] + t.b[2]) / 2];
}

describe.each(['signed', 'unsigned'] as const)('DICOM output, %s storage', (storage) => {
  const study = generateStudy({ ...SMALL, matrix: 160, seed: 21, kind: 'positive', storage, noiseHu: 0 });

  it('has the CT Image Storage header the issue asks for', () => {
    const { parsed, info } = readDicomInfo(study.files[0]!.bytes);
    expect(info.sopClassUid).toBe(CT_IMAGE_STORAGE);
    expect(info.modality).toBe('CT');
    expect(info.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(info.studyInstanceUid).toBe(study.studyInstanceUid);
    expect(info.seriesInstanceUid).toBe(study.seriesInstanceUid);
    expect(info.sopInstanceUid).toBe(study.files[0]!.sopInstanceUid);
    expect(info.seriesDescription).toBe(SYNTHETIC_DESCRIPTION);
    expect(info.pixel).toMatchObject({
      rows: 160,
      cols: 160,
      bitsAllocated: 16,
      photometric: 'MONOCHROME2',
      samplesPerPixel: 1,
      pixelRepresentation: storage === 'signed' ? 1 : 0,
    });
    expect(info.modalityLut[0]).toMatchObject({ kind: 'rescale', slope: 1, intercept: storage === 'signed' ? 0 : -1024 });
    const plane = info.planes[0]!;
    expect(plane.imageOrientationPatient).toEqual([1, 0, 0, 0, 1, 0]);
    expect(plane.pixelSpacing).toEqual([study.truth.spacing[1], study.truth.spacing[2]]);
    expect(plane.sliceThickness).toBe(2.5);
    expect(plane.imagePositionPatient).toEqual(study.truth.origin);
    const ds = parsed.dataSet;
    // Anonymized as written: PatientName, PatientID and StudyID present but empty.
    for (const tag of ['x00100010', 'x00100020', 'x00200010']) {
      expect(ds.elements[tag], tag).toBeDefined();
      expect(ds.elements[tag]!.length, tag).toBe(0);
    }
    expect(ds.string('x00120062')).toBe('YES');
  });

  it('writes the pseudonym and a StudyID only in the identified variant; pixels and UIDs are the same', () => {
    const identified = generateStudy({ ...SMALL, matrix: 160, seed: 21, kind: 'positive', storage, noiseHu: 0, identified: true });
    const ds = readDicomInfo(identified.files[0]!.bytes).parsed.dataSet;
    expect(ds.string('x00100010')).toBe(study.patientId);
    expect(ds.string('x00100020')).toMatch(/^PHANTOM-\d+$/);
    expect(ds.string('x00200010')).toBe('1');
    expect(identified.files.map((f) => f.sopInstanceUid)).toEqual(study.files.map((f) => f.sopInstanceUid));
    const pixels = (bytes: Uint8Array) => {
      const p = readDicomInfo(bytes).parsed.dataSet.elements['x7fe00010']!;
      return Buffer.from(bytes.subarray(p.dataOffset, p.dataOffset + p.length));
    };
    expect(pixels(identified.files[3]!.bytes).equals(pixels(study.files[3]!.bytes))).toBe(true);
  });

  it('plans as one axial series ordered like files, sliceLabels and truth', async () => {
    const infos = study.files.map((f, k) => readDicomInfo(f.bytes, { source: `f${k}` }).info);
    // Shuffle: the plan must restore ascending z from the geometry alone.
    const plan = planSeries([...infos].reverse());
    expect(plan.axial).toBe(true);
    expect(plan.warnings).toEqual([]);
    expect(plan.slices.map((s) => s.sopInstanceUid)).toEqual(study.files.map((f) => f.sopInstanceUid));
    expect(plan.slices.map((s) => s.sopInstanceUid)).toEqual(study.sliceLabels.map((s) => s.sopInstanceUid));
    expect(plan.sliceSpacing).toBeCloseTo(study.truth.spacing[0], 6);
    const bytes = new Map(study.files.map((f, k) => [`f${k}`, f.bytes]));
    const vol = await assembleVolume(plan, async (src) => bytes.get(src)!);
    expect(vol.shape).toEqual(study.truth.shape);
    expect(vol.origin).toEqual(study.truth.origin);
    expect(vol.slicePositions).toEqual(study.truth.sliceZ);
  });

  it('decodes to contrast in the trunk, clot in the emboli, air-filled lungs and dense bone', async () => {
    const vol = await decodeStudy(study);
    const { truth } = study;
    const pa = truth.hu.pulmonaryArtery;
    expect(pa).toBeGreaterThanOrEqual(250);
    expect(pa).toBeLessThanOrEqual(420);
    const trunk = midpoint(study, 'pulmonary trunk');
    if (!truth.emboli.some((e) => e.artery === 'pulmonary trunk')) expect(Math.abs(huAt(study, vol, trunk) - pa)).toBeLessThan(2);
    for (const e of truth.emboli) {
      const hu = huAt(study, vol, e.centre);
      expect(hu).toBeLessThan(pa - 100);
      if (e.morphology === 'central' || e.morphology === 'occlusive') {
        expect(hu).toBeGreaterThanOrEqual(20);
        expect(hu).toBeLessThanOrEqual(70);
      }
    }
    const lung = truth.lungMask();
    const lungHu = vol.filter((_, v) => lung[v] === 1);
    expect(lungHu.length).toBeGreaterThan(vol.length * 0.05);
    expect(median(lungHu)).toBeGreaterThan(-900);
    expect(median(lungHu)).toBeLessThan(-800);
    // Bone: the vertebral body, wherever the slice is not an intervertebral disc.
    const [n, rows, cols] = truth.shape;
    let boneChecked = 0;
    for (let k = 0; k < n; k += 6) {
      const sp = truth.anatomy.spine;
      const [, i, j] = truth.voxelOf([sp.cx, sp.cy, truth.sliceZ[k]!]);
      if (truth.tissueSlice(k)[i * cols + j] !== TISSUE.BONE) continue;
      expect(vol[(k * rows + i) * cols + j]).toBeGreaterThanOrEqual(700);
      boneChecked++;
    }
    expect(boneChecked).toBeGreaterThan(2);
  });
});

describe('noise', () => {
  it('adds about the requested standard deviation in a uniform region', async () => {
    const study = generateStudy({ ...SMALL, matrix: 128, seed: 8, kind: 'negative', noiseHu: 20 });
    const vol = await decodeStudy(study);
    const [, rows, cols] = study.truth.shape;
    const k = 10;
    const cls = study.truth.tissueSlice(k);
    // Air outside the body, away from the couch and the edges.
    const air: number[] = [];
    for (let i = 2; i < 20; i++)
      for (let j = 2; j < cols - 2; j++) if (cls[i * cols + j] === TISSUE.AIR) air.push(vol[(k * rows + i) * cols + j]!);
    const mean = air.reduce((s, v) => s + v, 0) / air.length;
    const sd = Math.sqrt(air.reduce((s, v) => s + (v - mean) ** 2, 0) / air.length);
    expect(mean).toBeCloseTo(-1000, -1);
    expect(sd).toBeGreaterThan(15);
    expect(sd).toBeLessThan(25);
  });
});
