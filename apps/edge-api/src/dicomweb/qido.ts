/**
 * QIDO-RS (PS3.18 §10.6): query parameters to a search filter, and stored rows to DICOM JSON.
 * Match keys are taken by keyword or by tag (`StudyDate` or `00080020`). Keys Embolus does not
 * store (patient attributes are never stored) are ignored with a `Warning` header, as the
 * standard allows; a malformed value is a 400 naming the parameter.
 */
import type { DicomInstanceRow, DicomSearchFilter, DicomSeriesRow, DicomStudyRow } from '@embolus/db';
import { ApiError } from '../errors';

/** Largest page a search answers; `limit` above it is lowered to it. */
export const QIDO_MAX_LIMIT = 1000;

/** Keyword ↔ tag of every attribute searched or answered. */
export const QIDO_TAGS: Record<string, string> = {
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  SOPInstanceUID: '00080018',
  SOPClassUID: '00080016',
  Modality: '00080060',
  ModalitiesInStudy: '00080061',
  StudyDate: '00080020',
  StudyTime: '00080030',
  AccessionNumber: '00080050',
  StudyDescription: '00081030',
  SeriesDescription: '0008103E',
  SeriesNumber: '00200011',
  InstanceNumber: '00200013',
  PatientName: '00100010',
  PatientID: '00100020',
  PatientBirthDate: '00100030',
  PatientSex: '00100040',
  StudyID: '00200010',
  ReferringPhysicianName: '00080090',
  Rows: '00280010',
  Columns: '00280011',
  NumberOfFrames: '00280008',
  NumberOfStudyRelatedSeries: '00201206',
  NumberOfStudyRelatedInstances: '00201208',
  NumberOfSeriesRelatedInstances: '00201209',
  AvailableTransferSyntaxUID: '00083002',
  RetrieveURL: '00081190',
};
const KEYWORD_BY_TAG = new Map(Object.entries(QIDO_TAGS).map(([k, t]) => [t, k]));

/** A parsed search request. */
export interface QidoQuery {
  filter: DicomSearchFilter;
  limit: number;
  offset: number;
  /** Keys that were ignored (not stored here), for the Warning header. */
  ignored: string[];
}

const UID = /^[0-9]+(\.[0-9]+)*$/;
const CONTROL = new Set(['limit', 'offset', 'includefield', 'fuzzymatching']);

function keywordOf(key: string): string | null {
  if (/^[0-9A-Fa-f]{8}$/.test(key)) return KEYWORD_BY_TAG.get(key.toUpperCase()) ?? `(${key.slice(0, 4)},${key.slice(4)})`.toUpperCase();
  return key;
}

function uidList(key: string, value: string): string[] {
  const list = value
    .split(/[,\\]/)
    .map((v) => v.trim())
    .filter(Boolean);
  if (list.length === 0 || list.length > 100 || list.some((u) => u.length > 64 || !UID.test(u))) {
    throw new ApiError('BAD_REQUEST', `${key} must be a UID or a comma-separated list of at most 100 UIDs`, {
      details: { parameter: key },
    });
  }
  return list;
}

function dateRange(key: string, value: string): { from?: string; to?: string } {
  const m = /^(\d{8})?(-)?(\d{8})?$/.exec(value);
  if (!m || (!m[1] && !m[3]) || (!m[2] && m[3]))
    throw new ApiError('BAD_REQUEST', `${key} must be YYYYMMDD, YYYYMMDD-, -YYYYMMDD or YYYYMMDD-YYYYMMDD`, {
      details: { parameter: key },
    });
  if (!m[2]) return { from: m[1]!, to: m[1]! };
  return { ...(m[1] ? { from: m[1] } : {}), ...(m[3] ? { to: m[3] } : {}) };
}

function integer(key: string, value: string): number {
  if (!/^-?\d{1,10}$/.test(value)) throw new ApiError('BAD_REQUEST', `${key} must be an integer`, { details: { parameter: key } });
  return Number(value);
}

function text(key: string, value: string): string {
  if (value.length > 64) throw new ApiError('BAD_REQUEST', `${key} is longer than 64 characters`, { details: { parameter: key } });
  return value;
}

/**
 * Parses the query of a search. `fixed` holds the UIDs named in the path, which win over the
 * query (a path scopes the search).
 */
export function parseQido(params: URLSearchParams, fixed: DicomSearchFilter = {}): QidoQuery {
  const filter: DicomSearchFilter = {};
  const ignored: string[] = [];
  let limit = 100;
  let offset = 0;
  for (const [rawKey, value] of params) {
    if (CONTROL.has(rawKey)) {
      if (rawKey === 'limit') limit = Math.min(Math.max(integer('limit', value), 1), QIDO_MAX_LIMIT);
      if (rawKey === 'offset') offset = Math.max(integer('offset', value), 0);
      // includefield: every stored attribute is answered anyway, so any list is satisfied
      // as far as it can be; fuzzymatching applies to PN only, which is not stored.
      continue;
    }
    const key = keywordOf(rawKey)!;
    if (value === '' || value === '*') continue; // universal matching
    switch (key) {
      case 'StudyInstanceUID':
        filter.studyInstanceUid = uidList(key, value);
        break;
      case 'SeriesInstanceUID':
        filter.seriesInstanceUid = uidList(key, value);
        break;
      case 'SOPInstanceUID':
        filter.sopInstanceUid = uidList(key, value);
        break;
      case 'SOPClassUID':
        filter.sopClassUid = uidList(key, value);
        break;
      case 'Modality':
      case 'ModalitiesInStudy': {
        const list = value
          .split(/[,\\]/)
          .map((m) => text(key, m.trim()))
          .filter(Boolean);
        filter.modality = list.length > 1 ? list.slice(0, 20) : (list[0] ?? value);
        break;
      }
      case 'StudyDate':
        filter.studyDate = dateRange(key, value);
        break;
      case 'AccessionNumber':
        filter.accessionNumber = text(key, value);
        break;
      case 'StudyDescription':
        filter.studyDescription = text(key, value);
        break;
      case 'SeriesDescription':
        filter.seriesDescription = text(key, value);
        break;
      case 'SeriesNumber':
        filter.seriesNumber = integer(key, value);
        break;
      case 'InstanceNumber':
        filter.instanceNumber = integer(key, value);
        break;
      // Header-safe: a key is echoed in the Warning header, so only tag and keyword characters.
      default:
        ignored.push(key.replace(/[^A-Za-z0-9(),]/g, '?').slice(0, 64));
    }
  }
  return { filter: { ...filter, ...fixed }, limit, offset, ignored };
}

/** The Warning header value for ignored keys (RFC 7234 form, as PS3.18 8.3.4.4 shows). */
export function qidoWarning(ignored: readonly string[]): string | null {
  if (!ignored.length) return null;
  return `299 embolus "The following query keys are not supported and were ignored: ${[...new Set(ignored)].join(', ').replace(/"/g, '')}"`;
}

type Json = Record<string, { vr: string; Value?: unknown[] }>;
const v = (vr: string, value: unknown) => (value === null || value === undefined || value === '' ? { vr } : { vr, Value: [value] });

function studyPart(r: {
  studyInstanceUid: string;
  studyDate: string | null;
  studyTime: string | null;
  accessionNumber: string | null;
  studyDescription: string | null;
}): Json {
  return {
    '00080020': v('DA', r.studyDate),
    '00080030': v('TM', r.studyTime),
    '00080050': v('SH', r.accessionNumber),
    '00081030': v('LO', r.studyDescription),
    // Anonymized uploads only: the patient attributes are answered empty (never stored).
    '00100010': { vr: 'PN' },
    '00100020': { vr: 'LO' },
    '0020000D': v('UI', r.studyInstanceUid),
  };
}

/** A study-level result. `base` is the DICOMweb root URL (or path). */
export function studyJson(r: DicomStudyRow, base: string): Json {
  return {
    ...studyPart(r),
    '00080061': r.modalities.length ? { vr: 'CS', Value: r.modalities } : { vr: 'CS' },
    '00081190': v('UR', `${base}/studies/${r.studyInstanceUid}`),
    '00201206': v('IS', r.seriesCount),
    '00201208': v('IS', r.instanceCount),
  };
}

/** A series-level result. */
export function seriesJson(r: DicomSeriesRow, base: string): Json {
  return {
    ...studyPart(r),
    '00080060': v('CS', r.modality),
    '0008103E': v('LO', r.seriesDescription),
    '00081190': v('UR', `${base}/studies/${r.studyInstanceUid}/series/${r.seriesInstanceUid}`),
    '0020000E': v('UI', r.seriesInstanceUid),
    '00200011': v('IS', r.seriesNumber),
    '00201209': v('IS', r.instanceCount),
  };
}

/** An instance-level result. */
export function instanceJson(r: DicomInstanceRow, base: string): Json {
  return {
    ...studyPart(r),
    '00080016': v('UI', r.sopClassUid),
    '00080018': v('UI', r.sopInstanceUid),
    '00080060': v('CS', r.modality),
    '00083002': v('UI', r.transferSyntaxUid),
    '0008103E': v('LO', r.seriesDescription),
    '00081190': v('UR', `${base}/studies/${r.studyInstanceUid}/series/${r.seriesInstanceUid}/instances/${r.sopInstanceUid}`),
    '0020000E': v('UI', r.seriesInstanceUid),
    '00200011': v('IS', r.seriesNumber),
    '00200013': v('IS', r.instanceNumber),
    '00280008': v('IS', r.numberOfFrames),
    '00280010': v('US', r.rows),
    '00280011': v('US', r.columns),
  };
}
