/**
 * What the output objects copy from the analysed study so that they file into it: the Patient
 * and General Study attributes, verbatim (a PACS matches on Study Instance UID and Patient ID;
 * a differing Patient Name or ID would split or reject the study). Stored instances passed the
 * de-identification check, so these hold pseudonyms or nothing.
 */
import { parseDicomBytes } from '@embolus/dicom';
import { DicomOutError } from './errors';

/** Patient and study attributes by keyword (all strings; empty when absent, as Type 2 allows). */
export interface StudyAttributes {
  PatientName: string;
  PatientID: string;
  PatientBirthDate: string;
  PatientSex: string;
  StudyInstanceUID: string;
  StudyDate: string;
  StudyTime: string;
  ReferringPhysicianName: string;
  StudyID: string;
  AccessionNumber: string;
  PatientIdentityRemoved: string;
  DeidentificationMethod: string;
}

const TAGS: Record<keyof StudyAttributes, string> = {
  PatientName: 'x00100010',
  PatientID: 'x00100020',
  PatientBirthDate: 'x00100030',
  PatientSex: 'x00100040',
  StudyInstanceUID: 'x0020000d',
  StudyDate: 'x00080020',
  StudyTime: 'x00080030',
  ReferringPhysicianName: 'x00080090',
  StudyID: 'x00200010',
  AccessionNumber: 'x00080050',
  PatientIdentityRemoved: 'x00120062',
  DeidentificationMethod: 'x00120063',
};

/** Reads the study attributes of one stored instance of the study. */
export function studyAttributesOf(bytes: Uint8Array): StudyAttributes {
  let ds;
  try {
    ds = parseDicomBytes(bytes, 'source instance').dataSet;
  } catch (e) {
    throw new DicomOutError('SOURCE_UNREADABLE', 'a source instance of the study cannot be parsed', { cause: e });
  }
  const out = {} as StudyAttributes;
  for (const [k, tag] of Object.entries(TAGS) as [keyof StudyAttributes, string][]) out[k] = ds.string(tag) ?? '';
  if (!out.StudyInstanceUID) throw new DicomOutError('SOURCE_UNREADABLE', 'the source instance has no Study Instance UID (0020,000D)');
  return out;
}

/** The attributes as dataset entries (de-identification attributes only when the source had them). */
export function studyModules(a: StudyAttributes): Record<string, unknown> {
  const { PatientIdentityRemoved, DeidentificationMethod, ...rest } = a;
  return {
    ...rest,
    ...(PatientIdentityRemoved ? { PatientIdentityRemoved } : {}),
    ...(DeidentificationMethod ? { DeidentificationMethod } : {}),
  };
}
