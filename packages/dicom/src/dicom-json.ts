/**
 * A parsed dataset in the DICOM JSON Model (PS3.18 F.2), as WADO-RS metadata answers it. Bulk
 * data (pixel data, large binary values) is never inlined: it becomes a `BulkDataURI` the
 * caller names; binary values up to `inlineMax` bytes are `InlineBinary` (base64). File Meta
 * Information (group 0002) and group lengths are left out, as the JSON model has no place for them.
 */
import type { DataSet, Element } from 'dicom-parser';
import type { ParsedDicom } from './parse';

/** One attribute of the JSON model. */
export interface DicomJsonAttribute {
  vr: string;
  Value?: unknown[];
  InlineBinary?: string;
  BulkDataURI?: string;
}

/** A dataset (or a sequence item) of the JSON model, keyed by 8-hex-digit tags. */
export type DicomJsonDataset = Record<string, DicomJsonAttribute>;

/** How bulk data is referred to. */
export interface DicomJsonOptions {
  /** The URI of a top-level binary attribute's value (`tag` is `GGGGEEEE`, upper case). */
  bulkDataUri: (tag: string) => string;
  /** Binary values up to this many bytes are inlined (default 1024). */
  inlineMax?: number;
}

const BINARY = new Set(['OB', 'OW', 'OF', 'OD', 'OL', 'OV', 'UN']);
const SINGLE_TEXT = new Set(['LT', 'ST', 'UT', 'UR']);
const TEXT = new Set(['AE', 'AS', 'CS', 'DA', 'DT', 'LO', 'SH', 'TM', 'UC', 'UI', ...SINGLE_TEXT]);

/**
 * VRs of attributes common in CT headers, for Implicit VR Little Endian files (which carry no
 * VR). Others come out as UN (binary), which the JSON model allows.
 */
const IMPLICIT_VR: Record<string, string> = {
  x00080005: 'CS',
  x00080008: 'CS',
  x00080016: 'UI',
  x00080018: 'UI',
  x00080020: 'DA',
  x00080021: 'DA',
  x00080022: 'DA',
  x00080023: 'DA',
  x00080030: 'TM',
  x00080031: 'TM',
  x00080032: 'TM',
  x00080033: 'TM',
  x00080050: 'SH',
  x00080060: 'CS',
  x00080070: 'LO',
  x00081030: 'LO',
  x0008103e: 'LO',
  x00081090: 'LO',
  x00100010: 'PN',
  x00100020: 'LO',
  x00100030: 'DA',
  x00100040: 'CS',
  x00120062: 'CS',
  x00180015: 'CS',
  x00180050: 'DS',
  x00180060: 'DS',
  x00180088: 'DS',
  x00181120: 'DS',
  x00181210: 'SH',
  x00185100: 'CS',
  x0020000d: 'UI',
  x0020000e: 'UI',
  x00200010: 'SH',
  x00200011: 'IS',
  x00200012: 'IS',
  x00200013: 'IS',
  x00200032: 'DS',
  x00200037: 'DS',
  x00200052: 'UI',
  x00201041: 'DS',
  x00280002: 'US',
  x00280004: 'CS',
  x00280006: 'US',
  x00280008: 'IS',
  x00280010: 'US',
  x00280011: 'US',
  x00280030: 'DS',
  x00280100: 'US',
  x00280101: 'US',
  x00280102: 'US',
  x00280103: 'US',
  x00280120: 'US',
  x00280121: 'US',
  x00281050: 'DS',
  x00281051: 'DS',
  x00281052: 'DS',
  x00281053: 'DS',
  x00281054: 'LO',
  x7fe00010: 'OW',
};

function decodeText(ds: DataSet, el: Element, utf8: boolean): string {
  const bytes = (ds.byteArray as Uint8Array).subarray(el.dataOffset, el.dataOffset + el.length);
  return new TextDecoder(utf8 ? 'utf-8' : 'latin1').decode(bytes);
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function textValues(vr: string, raw: string): unknown[] | undefined {
  const trimmed = vr === 'UI' ? raw.replace(/\0+$/, '') : raw.replace(/[\0 ]+$/, '');
  if (trimmed === '') return undefined;
  const parts = SINGLE_TEXT.has(vr) ? [trimmed] : trimmed.split('\\').map((p) => p.trim());
  return parts.map((p) => (p === '' ? null : p));
}

function numberValues(vr: string, ds: DataSet, tag: string, el: Element): unknown[] | undefined {
  const size = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, AT: 4 }[vr]!;
  const n = Math.floor(el.length / size);
  if (n === 0) return undefined;
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    if (vr === 'US') out.push(ds.uint16(tag, i));
    else if (vr === 'SS') out.push(ds.int16(tag, i));
    else if (vr === 'UL') out.push(ds.uint32(tag, i));
    else if (vr === 'SL') out.push(ds.int32(tag, i));
    else if (vr === 'FL') out.push(ds.float(tag, i));
    else if (vr === 'FD') out.push(ds.double(tag, i));
    else {
      const g = ds.uint16(tag, i * 2) ?? 0;
      const e = ds.uint16(tag, i * 2 + 1) ?? 0;
      out.push(`${g.toString(16).padStart(4, '0')}${e.toString(16).padStart(4, '0')}`.toUpperCase());
    }
  }
  // NaN and infinities have no JSON number; such a value is left out rather than made up.
  return out.every((v) => typeof v === 'string' || Number.isFinite(v)) ? out : undefined;
}

function convert(ds: DataSet, options: Required<DicomJsonOptions>, top: boolean, utf8: boolean): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  for (const tag of Object.keys(ds.elements).sort()) {
    const el = ds.elements[tag]!;
    const key = tag.slice(1).toUpperCase();
    if (key.startsWith('0002') || key.endsWith('0000') || key.startsWith('FFFE')) continue;
    let vr = el.vr ?? IMPLICIT_VR[tag] ?? (el.items ? 'SQ' : 'UN');
    if (el.items) vr = 'SQ';
    const attr: DicomJsonAttribute = { vr };
    if (vr === 'SQ') {
      const items = (el.items ?? []).map((it) => (it.dataSet ? convert(it.dataSet, options, false, utf8) : {}));
      if (items.length) attr.Value = items;
    } else if (tag === 'x7fe00010' || el.encapsulatedPixelData || BINARY.has(vr) || vr === 'SV' || vr === 'UV') {
      if (el.length === 0) {
        // empty value: no Value, no URI
      } else if (top && (tag === 'x7fe00010' || el.encapsulatedPixelData || el.length > options.inlineMax)) {
        attr.BulkDataURI = options.bulkDataUri(key);
      } else if (el.length <= options.inlineMax && el.length !== 0xffffffff) {
        attr.InlineBinary = toBase64((ds.byteArray as Uint8Array).subarray(el.dataOffset, el.dataOffset + el.length));
      } else {
        continue; // large binary inside a sequence: not addressable here, so not answered
      }
    } else if (vr === 'PN') {
      const values = textValues(vr, decodeText(ds, el, utf8));
      if (values)
        attr.Value = values.map((v) =>
          v === null
            ? null
            : Object.fromEntries(
                String(v)
                  .split('=')
                  .map((g, i) => [['Alphabetic', 'Ideographic', 'Phonetic'][i], g])
                  .filter(([, g]) => g),
              ),
        );
    } else if (vr === 'IS' || vr === 'DS') {
      const values = textValues(vr, decodeText(ds, el, false));
      if (values) attr.Value = values.map((v) => (v === null ? null : Number(v))).map((v) => (v === null || Number.isFinite(v) ? v : null));
    } else if (TEXT.has(vr)) {
      const values = textValues(vr, decodeText(ds, el, utf8));
      if (values) attr.Value = values;
    } else if (['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'AT'].includes(vr)) {
      const values = numberValues(vr, ds, tag, el);
      if (values) attr.Value = values;
    }
    out[key] = attr;
  }
  return out;
}

/** The dataset of `parsed` in the DICOM JSON Model. */
export function toDicomJson(parsed: ParsedDicom, options: DicomJsonOptions): DicomJsonDataset {
  const charset = parsed.dataSet.string('x00080005') ?? '';
  return convert(parsed.dataSet, { inlineMax: 1024, ...options }, true, /ISO_IR 192/.test(charset));
}

/**
 * The value bytes of a top-level element (`GGGGEEEE`), or null when absent or encapsulated
 * (encapsulated pixel data is served frame by frame).
 */
export function topLevelValue(parsed: ParsedDicom, tag: string): Uint8Array | null {
  const el = parsed.dataSet.elements[`x${tag.toLowerCase()}`];
  if (!el || el.encapsulatedPixelData || el.length === 0xffffffff) return null;
  return parsed.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
}
