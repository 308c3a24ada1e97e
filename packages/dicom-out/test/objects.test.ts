/**
 * The SR and key images of a result over a real phantom study, checked by independent readers:
 * DCMTK's dsrdump parses the SR, dicom3tools' dciodvfy reports no errors on either object, and
 * pydicom reads both. The result is synthetic (built from the phantom's slices), the readers real.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeDataset } from '@embolus/phantom';
import { AnalysisResultSchema, STUDY_LABELS, contrastCheck, coverageCheck, summarizeQuality, type AnalysisResult } from '@embolus/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dicomFiles } from '@embolus/testkit/files';
import {
  buildResultObjects,
  NOT_FOR_DIAGNOSTIC_USE,
  readNpyFloat32,
  readQuality,
  renderOverlay,
  type SourceInstance,
  type WrittenObject,
} from '../src';
import { encodeNpyFloat32, run } from './helpers';

const exec = promisify(execFile);
const PYTHON = process.env['EMBOLUS_PYTHON'] ?? '/usr/bin/python3';
const tmp = mkdtempSync(path.join(tmpdir(), 'embolus-dicom-out-'));
let files: string[];
let instances: SourceInstance[];
let result: AnalysisResult;

beforeAll(async () => {
  const ds = await writeDataset({ out: path.join(tmp, 'ph'), studies: 1, seed: 5, positiveRate: 1, study: { preset: 'demo' } });
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
    const slices = instances.slice(i * 10, i * 10 + 10).map((s, _, a) => ({ sopInstanceUid: s.sopInstanceUid, fraction: 1 / a.length }));
    windows.push({ index: i, probability: i === 3 ? 0.91 : 0.1 + 0.01 * i, decision: i === 3, slices });
  }
  result = AnalysisResultSchema.parse({
    schemaVersion: 1,
    studyInstanceUid: study.studyInstanceUid,
    seriesInstanceUid: seriesUid,
    labels: Object.fromEntries(
      STUDY_LABELS.map((l, i) => [l, { probability: 0.05 + i * 0.1, threshold: 0.5, decision: 0.05 + i * 0.1 > 0.5 }]),
    ),
    windows,
    attention: Object.fromEntries(STUDY_LABELS.map((l) => [l, windows.map(() => 1 / windows.length)])),
    exam: {
      decision: 'positive',
      reason: 'window 3 probability ≥ the window threshold — PE reported',
      windowThreshold: 0.5,
      overrides: [],
    },
    consistency: { violations: [], repaired: false, changed: [] },
    model: { version: 'demo-1.0.0', sha256: 'a'.repeat(64), trainedOn: 'synthetic phantoms', notForClinicalUse: true },
    timings: {},
    warnings: [],
  });
}, 60_000);

afterAll(() => (process.env['KEEP_TMP'] ? console.log(tmp) : rmSync(tmp, { recursive: true, force: true })));

async function build(r: AnalysisResult): Promise<WrittenObject[]> {
  const frames = result.windows.length * 10;
  const cam = new Float32Array(frames * 24 * 24);
  // A blob in the middle of window 3's frames.
  for (let f = 30; f < 40; f++) for (let y = 8; y < 16; y++) for (let x = 8; x < 16; x++) cam[f * 576 + y * 24 + x] = 1;
  return buildResultObjects({
    result: r,
    instances,
    loadInstance: async (uid) => new Uint8Array(readFileSync(files[instances.findIndex((i) => i.sopInstanceUid === uid)]!)),
    cam: encodeNpyFloat32(cam, [frames, 24, 24]),
    now: new Date('2026-12-04T12:00:00Z'),
  });
}

function save(o: WrittenObject, name: string): string {
  const p = path.join(tmp, name);
  writeFileSync(p, o.bytes);
  return p;
}

describe('results as DICOM', () => {
  it('writes an SR that dsrdump parses: every label, the model, the statement, references to key image and source series', async () => {
    const objects = await build(result);
    expect(objects.map((o) => o.kind)).toEqual(['sr', 'key-image']);
    const sr = save(objects[0]!, 'sr.dcm');
    const dump = await run('dsrdump', ['-Ei', '-Ec', '+Pl', '+Pu', '+Pc', sr]);
    expect(dump.code, dump.out).toBe(0);
    expect(dump.out).toContain('Comprehensive SR');
    for (const label of ['Negative exam for PE', 'Central PE', 'Left-sided PE', 'RV/LV ratio >= 1', 'Chronic PE'])
      expect(dump.out).toContain(label);
    expect(dump.out).toContain('59282003');
    expect(dump.out).toContain('NOT FOR CLINICAL USE');
    expect(dump.out).not.toMatch(/invalid character/);
    expect(dump.out).toContain('≥ the window threshold — PE reported');
    expect(dump.out).toContain('demo-1.0.0');
    expect(dump.out).toContain('a'.repeat(64));
    expect(dump.out).toContain(objects[1]!.sopInstanceUid);
    expect(dump.out).toContain(result.seriesInstanceUid);
    // Probability, threshold and decision of one label: values from the result, not constants.
    expect(dump.out).toMatch(/"0\.65"/);
    expect(dump.out).not.toContain('Image quality assessment');
  });

  it('leads with the non-diagnostic reason, shows every gate and withholds the label decisions', async () => {
    const quality = summarizeQuality([contrastCheck(140, 250), coverageCheck({ first: 0, last: 0.01 }, 0.1)]);
    const objects = await build({
      ...result,
      quality,
      exam: { ...result.exam!, decision: 'withheld', reason: quality.reason!, overrides: [] },
    });
    const dump = await run('dsrdump', ['-Ei', '-Ec', '+Pl', '+Pu', '+Pc', save(objects[0]!, 'sr-quality.dcm')]);
    expect(dump.out).toContain('Image quality assessment');
    expect(dump.out).toMatch(/contrast_opacification: fail - .*140 HU < 250 HU/);
    expect(dump.out).toContain('lung_coverage: pass');
    expect(dump.out).toContain('Non-diagnostic exam: no decision');
    // The reason comes before the first label result, and no label carries a decision.
    expect(dump.out.indexOf('Non-diagnostic reason')).toBeGreaterThan(-1);
    expect(dump.out.indexOf('Non-diagnostic reason')).toBeLessThan(dump.out.indexOf('Study label results'));
    expect(dump.out).not.toContain('Decision at threshold');
  });

  it('reads the quality section into SR lines', () => {
    const q = summarizeQuality([contrastCheck(320, 250)]);
    expect(readQuality(q)).toEqual({ diagnostic: true, checks: [expect.stringMatching(/^contrast_opacification: pass - /)], reasons: [] });
    expect(readQuality(undefined)).toBeNull();
  });

  it('passes dciodvfy without errors (SR and key image), and pydicom reads both in the analysed study', async () => {
    const objects = await build(result);
    const [sr, ki] = [save(objects[0]!, 'v-sr.dcm'), save(objects[1]!, 'v-ki.dcm')];
    for (const f of [sr, ki]) {
      const v = await run('dciodvfy', [f]);
      const errors = v.out.split('\n').filter((l) => /^Error/.test(l));
      expect(errors, v.out).toEqual([]);
    }
    const script = `
import json, sys, pydicom
out = []
for f in sys.argv[1:]:
    d = pydicom.dcmread(f)
    item = {"modality": d.Modality, "study": d.StudyInstanceUID, "sopClass": d.SOPClassUID}
    if d.Modality == "OT":
        item.update(rows=d.Rows, cols=d.Columns, photometric=d.PhotometricInterpretation,
                    burned=d.BurnedInAnnotation, npix=len(d.PixelData))
    out.append(item)
print(json.dumps(out))
`;
    const { stdout } = await exec(PYTHON, ['-c', script, sr, ki]);
    const read = JSON.parse(stdout) as Record<string, unknown>[];
    expect(read[0]).toMatchObject({ modality: 'SR', study: result.studyInstanceUid, sopClass: '1.2.840.10008.5.1.4.1.1.88.33' });
    expect(read[1]).toMatchObject({
      modality: 'OT',
      study: result.studyInstanceUid,
      sopClass: '1.2.840.10008.5.1.4.1.1.7',
      photometric: 'RGB',
      burned: 'YES',
    });
    expect(read[1]!['npix']).toBe((read[1]!['rows'] as number) * (read[1]!['cols'] as number) * 3);
  });

  it('burns the warning into the pixels and colours the CAM region', () => {
    const hu = new Float32Array(256 * 256).fill(40);
    const cam = { data: new Float32Array(16 * 16), rows: 16, cols: 16 };
    cam.data[8 * 16 + 8] = 1;
    const rgb = renderOverlay(hu, 256, 256, cam, 'X');
    const px = (x: number, y: number) => [rgb[(y * 256 + x) * 3], rgb[(y * 256 + x) * 3 + 1], rgb[(y * 256 + x) * 3 + 2]];
    const grey = px(20, 128);
    expect(grey[0]).toBe(grey[2]);
    const hot = px(136, 136);
    expect(hot[0]).not.toBe(hot[2]);
    // Yellow text pixels exist in the top band (the warning), none in a plain band.
    const yellow = (y0: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = 0; x < 256; x++) if (px(x, y).join() === '255,255,0') n++;
      return n;
    };
    expect(yellow(0, 12)).toBeGreaterThan(NOT_FOR_DIAGNOSTIC_USE.replace(/ /g, '').length * 5);
    expect(yellow(40, 60)).toBe(0);
  });

  it('refuses a CAM whose frames do not match the windows, and a non-npy artifact', async () => {
    await expect(
      buildResultObjects({
        result,
        instances,
        loadInstance: async () => new Uint8Array(readFileSync(files[0]!)),
        cam: encodeNpyFloat32(new Float32Array(7 * 4), [7, 2, 2]),
      }),
    ).rejects.toMatchObject({ code: 'CAM_MISMATCH' });
    expect(() => readNpyFloat32(new Uint8Array(20))).toThrow(expect.objectContaining({ code: 'CAM_MISMATCH' }));
  });

  it('reads the uint8 CAM the runner writes as well as float32', () => {
    const f = encodeNpyFloat32(new Float32Array([0, 0.5, 1, 2, 3, 4, 5, 6]), [2, 2, 2]);
    expect([...readNpyFloat32(f).data]).toEqual([0, 0.5, 1, 2, 3, 4, 5, 6]);
    // Same header with '|u1' and one byte per value.
    const header = `{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2, 2), }`.padEnd(117, ' ') + '\n';
    const u8 = new Uint8Array(10 + header.length + 8);
    u8.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(u8.buffer).setUint16(8, header.length, true);
    for (let i = 0; i < header.length; i++) u8[10 + i] = header.charCodeAt(i);
    u8.set([0, 1, 2, 3, 250, 251, 254, 255], 10 + header.length);
    expect(readNpyFloat32(u8)).toEqual({ data: Float32Array.from([0, 1, 2, 3, 250, 251, 254, 255]), shape: [2, 2, 2] });
  });
});
