/**
 * De-identification of one instance by the PS3.15 Basic Application Level Confidentiality
 * Profile with the Retain UIDs Option: every attribute with a rule is removed or emptied, private
 * attributes, overlays and curves are removed, at every depth of sequences (walked with an
 * explicit stack, so a deeply nested file cannot exhaust the call stack). PixelData is written
 * back untouched. What was removed is reported by keyword and tag, never by value.
 */
import { DeidError } from './errors';
import { hasValue, numberOf, readPart10, TAG, textOf, writePart10, type DcmDataset, type DcmElement, type DcmFile } from './dicom-io';
import { checkStructure } from './structure';
import { formatTag, META_REMOVED, methodCodes, resolveRules, type ProfileOptions, type Rule } from './profile';

/** CT Image, Enhanced CT Image and Legacy Converted Enhanced CT Image Storage (as the API). */
export const CT_SOP_CLASSES: ReadonlySet<string> = new Set([
  '1.2.840.10008.5.1.4.1.1.2',
  '1.2.840.10008.5.1.4.1.1.2.1',
  '1.2.840.10008.5.1.4.1.1.2.2',
]);

/** An attribute that held a value and was removed or emptied. */
export interface RemovedAttribute {
  /** DICOM keyword, or `PrivateAttribute`, `OverlayData`… for tags matched by pattern. */
  keyword: string;
  /** `(GGGG,EEEE)`. */
  tag: string;
  treatment: 'removed' | 'emptied';
}

/** What the summary and the upload need from an instance header (no identifying values). */
export interface InstanceHeader {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  sopClassUid: string;
  modality: string;
  sliceThickness: number | null;
  seriesNumber: number | null;
  instanceNumber: number | null;
  rows: number | null;
  columns: number | null;
  /**
   * A 32-bit hash of PatientID, PatientName and PatientBirthDate, only to tell the patients of
   * a mixed folder apart on the page. It never leaves the browser.
   */
  patientKey: string;
}

/** The result of de-identifying one instance. */
export interface DeidentifiedInstance {
  bytes: ArrayBuffer;
  header: InstanceHeader;
  removed: RemovedAttribute[];
}

/** Options of {@link deidentifyBuffer} and {@link scanBuffer}. */
export interface DeidOptions extends ProfileOptions {
  /** Names the file in error messages (a file name, not a value from the file). */
  source?: string;
}

/** The text written as DeidentificationMethod (LO, at most 64 characters). */
export const DEIDENTIFICATION_METHOD = 'PS3.15 Basic Profile, Retain UIDs; Embolus browser';

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** Private attributes, overlay data and comments, and retired curve groups. */
function patternKeyword(tag: string): string | null {
  const group = Number.parseInt(tag.slice(0, 4), 16);
  if (group % 2 === 1) return 'PrivateAttribute';
  if (group >= 0x6000 && group <= 0x601e) {
    if (tag.endsWith('3000')) return 'OverlayData';
    if (tag.endsWith('4000')) return 'OverlayComments';
  }
  if (group >= 0x5000 && group <= 0x501e) return 'CurveData';
  return null;
}

/**
 * Removes or empties every attribute with a rule, at every depth; removes private attributes,
 * overlays and curves. Mutates `dict`.
 * @returns what held a value, in tag order, one entry per tag
 */
export function cleanDataset(dict: DcmDataset, rules: Map<string, Rule>): RemovedAttribute[] {
  const removed = new Map<string, RemovedAttribute>();
  const note = (keyword: string, tag: string, treatment: RemovedAttribute['treatment'], el: DcmElement) => {
    if (hasValue(el) && !removed.has(tag)) removed.set(tag, { keyword, tag: formatTag(tag), treatment });
  };
  const stack: DcmDataset[] = [dict];
  while (stack.length > 0) {
    const ds = stack.pop()!;
    for (const tag of Object.keys(ds)) {
      const el = ds[tag]!;
      const upper = tag.toUpperCase();
      const pattern = patternKeyword(upper);
      const rule = rules.get(upper);
      if (pattern) {
        note(pattern, upper, 'removed', el);
        delete ds[tag];
      } else if (rule?.treatment === 'remove') {
        note(rule.keyword, upper, 'removed', el);
        delete ds[tag];
      } else if (rule?.treatment === 'empty') {
        note(rule.keyword, upper, 'emptied', el);
        ds[tag] = { vr: el.vr, Value: [] };
      } else if (el.vr === 'SQ' && el.Value) {
        for (const item of el.Value) if (item && typeof item === 'object') stack.push(item as DcmDataset);
      }
    }
  }
  return [...removed.values()].sort((a, b) => a.tag.localeCompare(b.tag));
}

/** Checks that a parsed file is an uploadable CT instance and reads its header facts. */
export function checkHeader(file: DcmFile, source: string): InstanceHeader {
  const ds = file.dict;
  const sopClassUid = textOf(ds, TAG.SOPClassUID) ?? textOf(file.meta, '00020002') ?? '';
  const modality = textOf(ds, TAG.Modality) ?? '';
  if (!CT_SOP_CLASSES.has(sopClassUid) || (modality !== '' && modality !== 'CT')) {
    throw new DeidError('NOT_CT', `${source}: only CT images are uploaded (SOPClassUID (0008,0016) and Modality (0008,0060))`, {
      modality: modality || null,
    });
  }
  if (textOf(ds, TAG.BurnedInAnnotation)?.toUpperCase() === 'YES') {
    throw new DeidError('BURNED_IN', `${source}: BurnedInAnnotation (0028,0301) is YES; text in the pixels cannot be removed here`);
  }
  const uids = {
    studyInstanceUid: textOf(ds, TAG.StudyInstanceUID),
    seriesInstanceUid: textOf(ds, TAG.SeriesInstanceUID),
    sopInstanceUid: textOf(ds, TAG.SOPInstanceUID),
  };
  const missing = Object.entries(uids)
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (missing.length > 0) throw new DeidError('MISSING_UID', `${source}: missing ${missing.join(', ')}`, { missing });
  if (!(TAG.PixelData in ds)) throw new DeidError('NO_PIXEL_DATA', `${source}: the CT instance has no PixelData (7FE0,0010)`);
  return {
    studyInstanceUid: uids.studyInstanceUid!,
    seriesInstanceUid: uids.seriesInstanceUid!,
    sopInstanceUid: uids.sopInstanceUid!,
    sopClassUid,
    modality: modality || 'CT',
    sliceThickness: numberOf(ds, TAG.SliceThickness) ?? null,
    seriesNumber: numberOf(ds, TAG.SeriesNumber) ?? null,
    instanceNumber: numberOf(ds, TAG.InstanceNumber) ?? null,
    rows: numberOf(ds, TAG.Rows) ?? null,
    columns: numberOf(ds, TAG.Columns) ?? null,
    patientKey: fnv1a([textOf(ds, TAG.PatientID), textOf(ds, TAG.PatientName), textOf(ds, '00100030')].map((v) => v ?? '').join('\u0001')),
  };
}

function parse(buffer: ArrayBuffer, headerOnly: boolean, source: string): DcmFile {
  checkStructure(buffer, source);
  try {
    return readPart10(buffer, headerOnly);
  } catch {
    throw new DeidError('NOT_DICOM', `${source}: not a readable DICOM Part 10 file`);
  }
}

/** Adds PatientIdentityRemoved, DeidentificationMethod and its code sequence. */
function markDeidentified(ds: DcmDataset, options: ProfileOptions): void {
  ds[TAG.PatientIdentityRemoved] = { vr: 'CS', Value: ['YES'] };
  ds[TAG.DeidentificationMethod] = { vr: 'LO', Value: [DEIDENTIFICATION_METHOD] };
  ds[TAG.DeidentificationMethodCodeSequence] = {
    vr: 'SQ',
    Value: methodCodes(options).map((c) => ({
      '00080100': { vr: 'SH', Value: [c.value] },
      '00080102': { vr: 'SH', Value: ['DCM'] },
      '00080104': { vr: 'LO', Value: [c.meaning] },
    })),
  };
}

/**
 * Parses, checks and de-identifies one Part 10 file.
 * @throws DeidError NOT_DICOM, NOT_CT, BURNED_IN, MISSING_UID or NO_PIXEL_DATA
 */
export function deidentifyBuffer(buffer: ArrayBuffer, options: DeidOptions = {}): DeidentifiedInstance {
  const source = options.source ?? 'file';
  const file = parse(buffer, false, source);
  const header = checkHeader(file, source);
  const removed = [...cleanMeta(file.meta), ...cleanDataset(file.dict, resolveRules(options))];
  markDeidentified(file.dict, options);
  let bytes: ArrayBuffer;
  try {
    bytes = writePart10(file);
  } catch {
    throw new DeidError('NOT_DICOM', `${source}: the file parsed but could not be written back`);
  }
  return { bytes, header, removed };
}

/**
 * Reads only the header (up to PixelData) and reports what de-identification would remove:
 * the same walk as {@link deidentifyBuffer}, on a copy that is then dropped.
 * @throws DeidError as {@link deidentifyBuffer}; NOT_DICOM also when `buffer` is a truncated prefix
 */
export function scanBuffer(buffer: ArrayBuffer, options: DeidOptions = {}): { header: InstanceHeader; removed: RemovedAttribute[] } {
  const source = options.source ?? 'file';
  const file = parse(buffer, true, source);
  const header = checkHeader(file, source);
  const removed = [...cleanMeta(file.meta), ...cleanDataset(file.dict, resolveRules(options))];
  return { header, removed };
}

function cleanMeta(meta: DcmDataset): RemovedAttribute[] {
  const out: RemovedAttribute[] = [];
  for (const m of META_REMOVED) {
    const el = meta[m.tag];
    if (el && hasValue(el)) out.push({ keyword: m.keyword, tag: formatTag(m.tag), treatment: 'removed' });
    delete meta[m.tag];
  }
  return out;
}
