import dicomParser from 'dicom-parser';
import { inspectInstance } from '@embolus/edge-api';
import { CONFIDENTIALITY_PROFILE } from '@embolus/shared';
import { describe, expect, it } from 'vitest';
import { DeidError, deidentifyBuffer, deidentifyFile, resolveRules, scanFile } from '../src/index';
import { appendablePixels, readPart10, writePart10, writeWithDcmjs } from '../src/dicom-io';
import { editFile, IDENTITY, phantomFiles } from '@embolus/local-stack/identified-files';

const ab = (u8: Uint8Array): ArrayBuffer => u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength) as ArrayBuffer;
const latin1 = (b: ArrayBuffer | Uint8Array) => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('latin1');

function pixelBytes(bytes: Uint8Array): Uint8Array {
  const ds = dicomParser.parseDicom(bytes);
  const el = ds.elements['x7fe00010']!;
  return bytes.subarray(el.dataOffset, el.dataOffset + el.length);
}

describe('deidentifyBuffer', () => {
  const { bytes } = phantomFiles({ slices: 8, matrix: 64 });
  const original = bytes[3]!;

  it('the phantom really carries the identifying values it is made with', () => {
    const text = latin1(original);
    for (const v of Object.values(IDENTITY)) expect(text).toContain(v);
  });

  it('removes PatientName, PatientID, the private block and the nested PatientName, and says so by keyword and tag', () => {
    const out = deidentifyBuffer(ab(original));
    const text = latin1(out.bytes);
    for (const v of Object.values(IDENTITY)) expect(text).not.toContain(v);
    const tags = out.removed.map((r) => `${r.keyword} ${r.tag} ${r.treatment}`);
    expect(tags).toContain('PatientName (0010,0010) emptied');
    expect(tags).toContain('PatientID (0010,0020) emptied');
    expect(tags).toContain('PrivateAttribute (0009,0010) removed');
    expect(tags).toContain('PrivateAttribute (0009,1001) removed');
    // The report never holds a value.
    expect(JSON.stringify(out.removed)).not.toMatch(/DOEPHANTOM|MRN-4471|SECRET|HIDDENNAME/);
  });

  it('writes a file that re-parses, passes the API check, keeps UIDs and leaves PixelData byte for byte', () => {
    const out = deidentifyBuffer(ab(original));
    const u8 = new Uint8Array(out.bytes);
    const ds = dicomParser.parseDicom(u8);
    expect(ds.string('x00120062')).toBe('YES');
    expect(ds.string('x00120063')).toMatch(/Basic Profile/);
    expect(ds.elements['x00120064']?.items?.map((i) => i.dataSet!.string('x00080100'))).toEqual(['113100', '113110']);
    const before = dicomParser.parseDicom(original);
    for (const t of ['x0020000d', 'x0020000e', 'x00080018']) expect(ds.string(t)).toBe(before.string(t));
    expect(ds.elements['x00091001']).toBeUndefined();
    // The nested sequence is kept, its PatientName emptied.
    const inner = ds.elements['x00082218']!.items![0]!.dataSet!.elements['x00082220']!.items![0]!.dataSet!;
    expect(inner.elements['x00100010']?.length ?? 0).toBe(0);
    expect(Buffer.compare(pixelBytes(u8), pixelBytes(original))).toBe(0);
    const api = inspectInstance(u8, { pseudonym: null, maxInflatedBytes: 1 << 26, source: 'test' });
    expect(api.ok).toBe(true);
    // …whereas the API refuses the original: the check is real.
    expect(inspectInstance(original, { pseudonym: null, maxInflatedBytes: 1 << 26, source: 'test' }).ok).toBe(false);
  });

  it('has a removing rule for every attribute the API refuses, whatever the options', () => {
    const rules = resolveRules({ retainDates: true, retainPatientCharacteristics: true, retainDeviceIdentity: true });
    for (const a of CONFIDENTIALITY_PROFILE.filter((x) => x.refuse)) expect(rules.get(a.tag), a.keyword).toBeDefined();
  });

  it('removes retained-by-option attributes unless the option is on', () => {
    const withDates = editFile(original, (d) => {
      d['00080020'] = { vr: 'DA', Value: ['20240131'] };
      d['00101010'] = { vr: 'AS', Value: ['054Y'] };
    });
    const strict = deidentifyBuffer(ab(withDates));
    expect(latin1(strict.bytes)).not.toContain('20240131');
    expect(latin1(strict.bytes)).not.toContain('054Y');
    const kept = deidentifyBuffer(ab(withDates), { retainDates: true, retainPatientCharacteristics: true });
    expect(latin1(kept.bytes)).toContain('20240131');
    expect(latin1(kept.bytes)).toContain('054Y');
  });

  it('cleans sequences nested 30 deep, and refuses deeper nesting fast', () => {
    const nested = (depth: number) =>
      editFile(original, (d) => {
        let item: Record<string, unknown> = { '00100010': { vr: 'PN', Value: [{ Alphabetic: 'DEEPEST^NAMEQ' }] } };
        for (let i = 1; i < depth; i++) item = { '00082218': { vr: 'SQ', Value: [item] } };
        d['00082218'] = { vr: 'SQ', Value: [item] } as never;
      });
    const deep = nested(30);
    expect(latin1(deep)).toContain('DEEPEST^NAMEQ');
    expect(latin1(deidentifyBuffer(ab(deep)).bytes)).not.toContain('DEEPEST^NAMEQ');
    const t = performance.now();
    expect(() => deidentifyBuffer(ab(nested(200)))).toThrowError(
      expect.objectContaining({ code: 'NOT_DICOM', message: expect.stringContaining('nested deeper than 32') }),
    );
    expect(performance.now() - t).toBeLessThan(5000);
  });

  it('refuses burned-in annotation, non-CT and non-DICOM with typed codes', async () => {
    const burned = editFile(original, (d) => void (d['00280301'] = { vr: 'CS', Value: ['YES'] }));
    expect(() => deidentifyBuffer(ab(burned))).toThrowError(expect.objectContaining({ code: 'BURNED_IN' }));
    const mr = editFile(original, (d) => void (d['00080060'] = { vr: 'CS', Value: ['MR'] }));
    expect(() => deidentifyBuffer(ab(mr))).toThrowError(expect.objectContaining({ code: 'NOT_CT' }));
    const text = new File([new TextEncoder().encode('x'.repeat(4000))], 'notes.txt');
    await expect(scanFile(text)).rejects.toMatchObject({ code: 'NOT_DICOM' });
    await expect(deidentifyFile(text)).rejects.toMatchObject({ code: 'NOT_DICOM' });
    // A truncated DICOM file (preamble fine, body cut) is NOT_DICOM too, not a crash.
    const cut = new File([original.subarray(0, 400)], 'cut.dcm');
    await expect(deidentifyFile(cut)).rejects.toBeInstanceOf(DeidError);
  });

  it('refuses a file over the limit by its size, before reading it', async () => {
    let read = false;
    const huge = {
      name: 'huge.dcm',
      size: 2 * 1024 ** 3,
      slice: () => ((read = true), new Blob([])),
      arrayBuffer: async () => ((read = true), new ArrayBuffer(0)),
    };
    await expect(scanFile(huge)).rejects.toMatchObject({ code: 'TOO_LARGE' });
    await expect(deidentifyFile(huge)).rejects.toMatchObject({ code: 'TOO_LARGE' });
    expect(read).toBe(false);
  });

  it('scans only the header of a large file and predicts what de-identification removes', async () => {
    const big = phantomFiles({ slices: 8, matrix: 512, identifying: true, seed: 11 });
    const file = big.files[0]!;
    expect(file.size).toBeGreaterThan(256 * 1024);
    const scan = await scanFile(file);
    const full = await deidentifyFile(file);
    expect(scan.removed).toEqual(full.removed);
    expect(scan.header).toEqual(full.header);
  });
});

describe('writePart10', () => {
  it('writes the same bytes as dcmjs’s own writer, PixelData appended once', () => {
    const { bytes } = phantomFiles({ slices: 8, matrix: 128, seed: 12 });
    for (const b of bytes.slice(0, 3)) {
      const a = readPart10(ab(b), false);
      const c = readPart10(ab(b), false);
      expect(appendablePixels(a)).not.toBeNull();
      const fast = new Uint8Array(writePart10(a));
      const reference = new Uint8Array(writeWithDcmjs(c));
      expect(fast.byteLength).toBe(reference.byteLength);
      expect(Buffer.compare(fast, reference)).toBe(0);
    }
  });
});
