/**
 * Phantoms carry a pseudonym in PatientName and PatientID and a StudyID, which the API refuses
 * (any value in those attributes). A hospital de-identifies before upload; this does the same
 * for test data, in place of the value bytes (padding spaces), so every other byte is unchanged.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { dicomFiles } from './stack';

const BLANKED = ['x00100010', 'x00100020', 'x00200010'];

/** Copies every .dcm file under `src` to `dest` (flat, same names) with the identifying values blanked. */
export function deidentifyCopy(src: string, dest: string): string {
  mkdirSync(dest, { recursive: true });
  for (const f of dicomFiles(src)) {
    const bytes = new Uint8Array(readFileSync(f));
    const ds = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
    for (const tag of BLANKED) {
      const el = ds.elements[tag];
      if (el && el.length > 0) bytes.fill(0x20, el.dataOffset, el.dataOffset + el.length);
    }
    writeFileSync(path.join(dest, path.basename(f)), bytes);
  }
  return dest;
}
