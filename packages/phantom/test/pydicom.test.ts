/**
 * An independent reader: pydicom (Debian's python3-pydicom) opens a generated file and finds
 * the same header and HU. Skipped, with the reason printed, where pydicom is not installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateStudy } from '../src/index';
import { SMALL } from './helpers';

// The repository's one Python setting (see packages/trainer/src/index.ts).
// The same default as the trainer's: Debian's interpreter, where apt installs pydicom.
const PYTHON = process.env.EMBOLUS_PYTHON?.trim() || (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const probe = spawnSync(PYTHON, ['-c', 'import pydicom, numpy'], { encoding: 'utf8' });
const available = probe.status === 0;
if (!available) console.warn(`skipping the pydicom test: ${PYTHON} cannot import pydicom and numpy (apt-get install python3-pydicom)`);

const SCRIPT = `
import json, sys, pydicom
ds = pydicom.dcmread(sys.argv[1])
hu = ds.pixel_array.astype('float64') * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
print(json.dumps({
  'sopClass': str(ds.SOPClassUID), 'modality': ds.Modality, 'photometric': ds.PhotometricInterpretation,
  'rows': ds.Rows, 'cols': ds.Columns, 'bits': ds.BitsAllocated, 'signed': ds.PixelRepresentation,
  'position': [float(v) for v in ds.ImagePositionPatient], 'patientId': str(ds.PatientID),
  'removed': ds.PatientIdentityRemoved, 'description': ds.SeriesDescription,
  'huMin': float(hu.min()), 'huMax': float(hu.max()), 'huSum': float(hu.sum()),
}))
`;

describe('pydicom', () => {
  it.skipIf(!available)('reads a generated file: header and HU agree with the generator', async () => {
    for (const storage of ['signed', 'unsigned'] as const) {
      // One of each variant: anonymized (default, PatientID empty) and identified (the pseudonym).
      const identified = storage === 'signed';
      const study = generateStudy({ ...SMALL, seed: 3, storage, identified });
      const file = study.files[24]!;
      const dir = await mkdtemp(path.join(tmpdir(), 'phantom-pydicom-'));
      const target = path.join(dir, `${file.sopInstanceUid}.dcm`);
      await writeFile(target, file.bytes);
      const r = spawnSync(PYTHON, ['-c', SCRIPT, target], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      const info = JSON.parse(r.stdout);
      expect(info).toMatchObject({
        sopClass: '1.2.840.10008.5.1.4.1.1.2',
        modality: 'CT',
        photometric: 'MONOCHROME2',
        rows: 96,
        cols: 96,
        bits: 16,
        signed: storage === 'signed' ? 1 : 0,
        patientId: identified ? study.patientId : '',
        removed: 'YES',
      });
      expect(info.description).toMatch(/SYNTHETIC/);
      expect(info.position).toEqual([study.truth.origin[0], study.truth.origin[1], study.truth.sliceZ[24]]);
      expect(info.huMin).toBeGreaterThanOrEqual(-1024);
      expect(info.huMax).toBeGreaterThan(600);
    }
  });
});
