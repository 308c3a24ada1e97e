import { describe, expect, it } from 'vitest';
import { localProcessor, scanFiles, type DicomProcessor } from '../src/index';
import { editFile, phantomFiles } from '@embolus/local-stack/identified-files';

const asFile = (b: Uint8Array, name: string) => new File([b], name);

describe('scanFiles and the plan', () => {
  it('groups by study and series and summarises series, slices, modality and slice thickness', async () => {
    const a = phantomFiles({ seed: 21, slices: 8 });
    const b0 = phantomFiles({ seed: 22, slices: 8 });
    // Another patient: same made-up name, another PatientID.
    const b = {
      ...b0,
      files: b0.bytes.map((x, i) =>
        asFile(
          editFile(x, (d) => void (d['00100020'] = { vr: 'LO', Value: ['MRN-OTHER-7'] })),
          `b-${i}.dcm`,
        ),
      ),
    };
    // Study A gets a second series of 3 slices at 5 mm.
    const extra = a.bytes.slice(0, 3).map((x, i) =>
      asFile(
        editFile(x, (d) => {
          d['0020000E'] = { vr: 'UI', Value: ['2.25.999000111'] };
          d['00080018'] = { vr: 'UI', Value: [`2.25.999000111.${i}`] };
          d['00200011'] = { vr: 'IS', Value: [3] };
          d['00180050'] = { vr: 'DS', Value: [5] };
        }),
        `thick-${i}.dcm`,
      ),
    );
    const junk = asFile(new TextEncoder().encode('not dicom at all '.repeat(20)), 'readme.txt');
    const plan = await scanFiles([...a.files, junk, ...b.files, ...extra], localProcessor());
    expect(plan.files).toBe(20);
    expect(plan.studies).toHaveLength(2);
    expect(plan.patients).toBe(2);
    const sa = plan.studies.find((s) => s.studyInstanceUid === a.study.studyInstanceUid)!;
    expect(sa.series.map((s) => [s.seriesNumber, s.modality, s.slices, s.sliceThickness])).toEqual([
      [2, 'CT', 8, a.study.protocol.sliceThicknessMm],
      [3, 'CT', 3, 5],
    ]);
    expect(sa.instances).toBe(11);
    expect(plan.refused).toEqual([expect.objectContaining({ index: 8, name: 'readme.txt', code: 'NOT_DICOM' })]);
    // What will be removed, by tag, with how many files hold it.
    expect(plan.removed.find((r) => r.keyword === 'PatientName')).toMatchObject({ tag: '(0010,0010)', files: 19 });
    expect(plan.removed.find((r) => r.keyword === 'PrivateAttribute' && r.tag === '(0009,1001)')).toMatchObject({ files: 19 });
  });

  it('refuses a study whose files name different patients, and says so per file', async () => {
    const a = phantomFiles({ seed: 23, slices: 8 });
    const other = asFile(
      editFile(a.bytes[0]!, (d) => void (d['00100020'] = { vr: 'LO', Value: ['SOMEONE-ELSE-01'] })),
      'other.dcm',
    );
    const plan = await scanFiles([...a.files.slice(1), other], localProcessor());
    expect(plan.studies).toHaveLength(0);
    expect(plan.refused).toHaveLength(8);
    expect(new Set(plan.refused.map((r) => r.code))).toEqual(new Set(['MIXED_PATIENTS']));
    expect(plan.refused[0]!.message).not.toContain('SOMEONE-ELSE');
  });

  it('scans 10,000 files with a bounded number in flight, each refusal with its own reason', async () => {
    const { bytes } = phantomFiles({ seed: 24, slices: 8 });
    const local = localProcessor();
    let inFlight = 0;
    let most = 0;
    const counting: DicomProcessor = {
      ...local,
      async scan(file, options) {
        most = Math.max(most, ++inFlight);
        try {
          return await local.scan(file, options);
        } finally {
          inFlight--;
        }
      },
    };
    const junk = Array.from({ length: 9992 }, (_, i) => asFile(new Uint8Array(200 + (i % 7)), `junk-${i}.bin`));
    const files = [...junk.slice(0, 5000), ...bytes.map((b, i) => asFile(b, `ct-${i}.dcm`)), ...junk.slice(5000)];
    const plan = await scanFiles(files, counting, { parallel: 8 });
    expect(most).toBeLessThanOrEqual(8);
    expect(plan.files).toBe(10_000);
    expect(plan.studies[0]!.instances).toBe(8);
    expect(plan.refused).toHaveLength(9992);
    expect(plan.refused[0]).toMatchObject({ name: 'junk-0.bin', code: 'NOT_DICOM' });
    expect(plan.refused[0]!.message).toContain('junk-0.bin');
  }, 60_000);
});
