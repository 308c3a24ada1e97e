/**
 * The checks every uploaded instance passes before it is stored: it parses as DICOM (with the
 * DICOM package), it is a CT image with pixel data, its SOP Instance UID matches the URL when
 * there is one, and it is anonymized. Refusals name tags, never their values.
 */
import { DicomError, readDicomInfo, type InstanceInfo } from '@embolus/dicom';
import type { DicomSearchAttributes } from '@embolus/db';
import type { DataSet, Element } from 'dicom-parser';
import { CONFIDENTIALITY_PROFILE, formatTag, PATIENT_IDENTITY_REMOVED } from './confidentiality-profile';

/** CT Image, Enhanced CT Image, Legacy Converted Enhanced CT Image storage. */
export const CT_SOP_CLASSES = new Set(['1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.5.1.4.1.1.2.1', '1.2.840.10008.5.1.4.1.1.2.2']);

/**
 * Largest dataset a Deflated Explicit VR Little Endian instance may inflate to: the instance
 * limit itself. The inflated dataset is held whole while it is checked, as an uncompressed
 * upload is, so the same bound applies (it was 4x, which let one 1 MB bomb claim 256 MiB).
 */
export function maxInflatedBytes(config: { maxInstanceBytes: number }): number {
  return config.maxInstanceBytes;
}

/** Why an instance was refused. */
export type RefusalCode = 'NOT_DICOM' | 'NOT_CT' | 'NO_PIXEL_DATA' | 'MISSING_SOP_UID' | 'SOP_UID_MISMATCH' | 'NOT_ANONYMIZED';

/** A refusal: a code, a message without patient values, and structured details. */
export interface Refusal {
  code: string;
  message: string;
  details: Record<string, unknown>;
  sopInstanceUid?: string;
  sopClassUid?: string;
}

/** What is kept from an accepted instance. */
export interface InstanceFacts {
  sopInstanceUid: string;
  sopClassUid: string;
  studyInstanceUid: string | null;
  seriesInstanceUid: string | null;
  modality: string;
  transferSyntaxUid: string;
  identityRemoved: boolean;
  /** Technical descriptors for drift monitoring; nothing patient-identifying. */
  descriptors: Record<string, unknown>;
  /** What DICOMweb search answers (QIDO-RS), kept at ingest so searches never parse blobs. */
  search: DicomSearchAttributes;
}

/** An identifying attribute found with a value. */
export interface Finding {
  keyword: string;
  tag: string;
}

const REFUSED = CONFIDENTIALITY_PROFILE.filter((a) => a.refuse);
const BY_TAG = new Map(REFUSED.map((a) => [`x${a.tag.toLowerCase()}`, a]));

/** True when an element holds a value: a non-empty sequence, or bytes other than padding. */
function hasValue(ds: DataSet, el: Element): boolean {
  if (el.items) return el.items.length > 0;
  if (!el.length) return false;
  const bytes = ds.byteArray as Uint8Array;
  const end = Math.min(bytes.length, el.dataOffset + el.length);
  for (let i = el.dataOffset; i < end; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x00) return true;
  }
  return false;
}

/**
 * The identifying attributes that hold values, at any depth of nested sequences.
 * PatientID is allowed when `pseudonym` matches it in full.
 *
 * Every item the parser produced is visited, with an explicit stack rather than recursion, so
 * no nesting can stop the walk early or overflow it. (The parser itself refuses datasets nested
 * deeper than MAX_SEQUENCE_DEPTH of @embolus/dicom as MALFORMED, see its comment; this walk does
 * not rely on that.)
 */
export function identifyingValues(root: DataSet, pseudonym: RegExp | null): Finding[] {
  const found = new Map<string, Finding>();
  const stack: DataSet[] = [root];
  for (let ds = stack.pop(); ds; ds = stack.pop()) {
    for (const [tag, el] of Object.entries(ds.elements)) {
      const attr = BY_TAG.get(tag);
      if (attr && !found.has(attr.tag) && hasValue(ds, el)) {
        const value = attr.pseudonym ? (ds.string(tag) ?? '').replace(/\0/g, '').trim() : '';
        const allowed = attr.pseudonym && pseudonym !== null && value.length <= 64 && pseudonym.test(value);
        if (!allowed) found.set(attr.tag, { keyword: attr.keyword, tag: formatTag(attr.tag) });
      }
      // Identifying values hide in sequences too (e.g. a PersonName in a content item).
      for (const item of el.items ?? []) if (item.dataSet) stack.push(item.dataSet);
    }
  }
  return [...found.values()].sort((a, b) => a.tag.localeCompare(b.tag));
}

/**
 * Compiles a tenant's pseudonym pattern, anchored to match whole values. Patterns with nested
 * quantifiers are refused: they can backtrack catastrophically, and this runs on every upload.
 * @returns the RegExp, or an error message.
 */
export function compilePseudonym(source: string): RegExp | string {
  if (source.length === 0 || source.length > 200) return 'the pattern must have 1 to 200 characters';
  if (/\([^)]*[+*}][^)]*\)\s*[+*{]/.test(source) || /\\[1-9]/.test(source)) return 'nested quantifiers and backreferences are not allowed';
  try {
    return new RegExp(`^(?:${source})$`, 'u');
  } catch {
    return 'not a valid regular expression';
  }
}

function text(ds: DataSet, tag: string): string | undefined {
  const v = ds.string(tag)?.replace(/\0/g, '').trim();
  return v ? v : undefined;
}

function descriptorsOf(ds: DataSet, info: InstanceInfo): Record<string, unknown> {
  const plane = info.planes[0];
  const num = (tag: string) => {
    const v = Number(text(ds, tag));
    return Number.isFinite(v) ? v : null;
  };
  return {
    manufacturer: info.manufacturer ?? null,
    manufacturerModelName: text(ds, 'x00081090') ?? null,
    sliceThickness: plane?.sliceThickness ?? null,
    pixelSpacing: plane?.pixelSpacing?.[0] ?? null,
    kvp: num('x00180060'),
    convolutionKernel: text(ds, 'x00181210') ?? null,
    rows: info.pixel?.rows ?? null,
    columns: info.pixel?.cols ?? null,
    transferSyntaxUid: info.transferSyntaxUid,
  };
}

/** Bounded text of a searchable attribute (LO is 64 characters; longer values are cut, not refused). */
function searchText(ds: DataSet, tag: string, max = 64): string | null {
  return text(ds, tag)?.slice(0, max) ?? null;
}

function searchInt(ds: DataSet, tag: string): number | null {
  const v = Number(text(ds, tag));
  return Number.isSafeInteger(v) ? v : null;
}

/** The attributes QIDO-RS searches, from a parsed instance (no patient attributes). */
export function searchAttributesOf(ds: DataSet, info: InstanceInfo): DicomSearchAttributes {
  const date = text(ds, 'x00080020');
  return {
    // DA is YYYYMMDD; anything else (the old ACR-NEMA YYYY.MM.DD) is normalised or dropped.
    studyDate: date && /^\d{8}$/.test(date.replace(/\./g, '')) ? date.replace(/\./g, '') : null,
    studyTime: searchText(ds, 'x00080030', 16),
    accessionNumber: searchText(ds, 'x00080050', 16),
    studyDescription: searchText(ds, 'x00081030'),
    seriesDescription: searchText(ds, 'x0008103e'),
    seriesNumber: searchInt(ds, 'x00200011'),
    instanceNumber: searchInt(ds, 'x00200013'),
    rows: info.pixel?.rows ?? null,
    columns: info.pixel?.cols ?? null,
    numberOfFrames: info.pixel?.frames ?? null,
    transferSyntaxUid: info.transferSyntaxUid,
  };
}

function pickLimits(details: Readonly<Record<string, unknown>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ['maxSequenceDepth', 'limit'] as const) if (typeof details[k] === 'number') out[k] = details[k];
  return out;
}

/**
 * Parses and checks one instance.
 * @param expectedSopUid the SOP Instance UID named in the URL, if any
 */
export function inspectInstance(
  bytes: Uint8Array,
  options: { pseudonym: RegExp | null; expectedSopUid?: string; maxInflatedBytes: number; source: string },
): { ok: true; facts: InstanceFacts } | { ok: false; refusal: Refusal } {
  let parsed;
  let info: InstanceInfo;
  try {
    ({ parsed, info } = readDicomInfo(bytes, { source: options.source, parseLimits: { maxInflatedBytes: options.maxInflatedBytes } }));
  } catch (e) {
    const code = e instanceof DicomError ? e.code : 'MALFORMED';
    // Limits are not patient data; parser messages are not echoed (they may quote bytes).
    const limits = e instanceof DicomError ? pickLimits(e.details) : {};
    return {
      ok: false,
      refusal: { code: 'NOT_DICOM', message: `not a readable DICOM instance (${code})`, details: { dicomCode: code, ...limits } },
    };
  }
  const ds = parsed.dataSet;
  const sopInstanceUid = info.sopInstanceUid ?? text(ds, 'x00020003');
  const sopClassUid = info.sopClassUid ?? text(ds, 'x00020002');
  const ids = { ...(sopInstanceUid ? { sopInstanceUid } : {}), ...(sopClassUid ? { sopClassUid } : {}) };
  const refuse = (code: RefusalCode, message: string, details: Record<string, unknown> = {}) => ({
    ok: false as const,
    refusal: { code, message, details, ...ids },
  });
  if (!sopInstanceUid) return refuse('MISSING_SOP_UID', 'the instance has no SOP Instance UID (0008,0018)');
  if (options.expectedSopUid !== undefined && options.expectedSopUid !== sopInstanceUid) {
    return refuse('SOP_UID_MISMATCH', 'the SOP Instance UID (0008,0018) in the file differs from the one in the URL');
  }
  if (!sopClassUid || !CT_SOP_CLASSES.has(sopClassUid) || (info.modality !== undefined && info.modality !== 'CT')) {
    return refuse('NOT_CT', 'only CT image instances are accepted', { sopClassUid: sopClassUid ?? null, modality: info.modality ?? null });
  }
  if (!info.pixel) return refuse('NO_PIXEL_DATA', 'the CT instance has no pixel data');
  const identityRemoved = text(ds, `x${PATIENT_IDENTITY_REMOVED}`)?.toUpperCase() === 'YES';
  const findings = identifyingValues(ds, options.pseudonym);
  if (findings.length > 0) {
    return refuse('NOT_ANONYMIZED', `identifying attributes hold values: ${findings.map((f) => `${f.keyword} ${f.tag}`).join(', ')}`, {
      tags: findings,
      patientIdentityRemoved: identityRemoved,
    });
  }
  return {
    ok: true,
    facts: {
      sopInstanceUid,
      sopClassUid,
      studyInstanceUid: info.studyInstanceUid ?? null,
      seriesInstanceUid: info.seriesInstanceUid ?? null,
      modality: info.modality ?? 'CT',
      transferSyntaxUid: info.transferSyntaxUid,
      identityRemoved,
      descriptors: descriptorsOf(ds, info),
      search: searchAttributesOf(ds, info),
    },
  };
}
