/**
 * Writing naturalized datasets as Part 10 files with dcmjs, and the small values every object
 * needs (UIDs, DICOM dates).
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

/** The slice of the dcmjs API used here (dcmjs ships no type declarations). */
interface Dcmjs {
  data: {
    DicomMetaDictionary: { denaturalizeDataset(ds: Record<string, unknown>): Record<string, unknown> };
    DicomDict: new (
      meta: Record<string, unknown>,
    ) => { dict: Record<string, unknown>; write(options?: Record<string, unknown>): ArrayBuffer };
  };
}

// The CommonJS build keeps this loadable without an ambient module declaration (as in @embolus/phantom).
const dcmjs = createRequire(import.meta.url)('dcmjs') as Dcmjs;

/** Implementation Class UID of files Embolus writes (a 2.25 UUID-derived UID). */
export const IMPLEMENTATION_CLASS_UID = '2.25.181140384730622357217380577052310011993';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

/** A new UID under 2.25 (PS3.5 B.2): a random UUID as a decimal integer. */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

/** DICOM DA and TM of `d` (UTC). */
export function dicomDateTime(d: Date): { date: string; time: string } {
  const iso = d.toISOString();
  return { date: iso.slice(0, 10).replace(/-/g, ''), time: iso.slice(11, 19).replace(/:/g, '') };
}

/** Encodes a naturalized dataset (dcmjs keywords) as a Part 10 file, Explicit VR Little Endian. */
export function writePart10(dataset: Record<string, unknown>, sopClassUid: string, sopInstanceUid: string): Uint8Array {
  const { DicomMetaDictionary, DicomDict } = dcmjs.data;
  const meta = DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: 'EMBOLUS_1',
  });
  const dict = new DicomDict(meta);
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}
