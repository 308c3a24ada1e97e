/// <reference path="./dcmjs.d.ts" />
/**
 * The slice of dcmjs this package uses, typed: read a Part 10 file into its tag dictionary
 * (`GGGGEEEE` → `{ vr, Value }`, sequences as arrays of nested dictionaries) and write it back.
 * dcmjs runs unchanged in browsers, Web Workers and Node.
 */
import dcmjs from 'dcmjs';

/** One element of a dcmjs dictionary. */
export interface DcmElement {
  vr: string;
  Value?: unknown[];
  /** The bytes as read, kept by dcmjs for lossless round trips of unchanged values. */
  _rawValue?: unknown;
}

/** A dataset (or a sequence item): upper-case `GGGGEEEE` → element. */
export type DcmDataset = Record<string, DcmElement>;

/** A parsed file: its File Meta Information and its dataset. */
export interface DcmFile {
  meta: DcmDataset;
  dict: DcmDataset;
}

interface DcmjsData {
  DicomMessage: { readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): DcmFile };
  DicomDict: new (meta: DcmDataset) => DcmFile & { write(options?: Record<string, unknown>): ArrayBuffer };
}

const lib = dcmjs as { data: DcmjsData; log?: { setLevel?(level: string): void } };
const data = lib.data;
// dcmjs warns on every odd VR it meets (e.g. in malformed private blocks); refusals say enough.
lib.log?.setLevel?.('error');

/** Tags this package reads. */
export const TAG = {
  TransferSyntaxUID: '00020010',
  SOPClassUID: '00080016',
  SOPInstanceUID: '00080018',
  Modality: '00080060',
  PatientName: '00100010',
  PatientID: '00100020',
  PatientIdentityRemoved: '00120062',
  DeidentificationMethod: '00120063',
  DeidentificationMethodCodeSequence: '00120064',
  SliceThickness: '00180050',
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  SeriesNumber: '00200011',
  InstanceNumber: '00200013',
  ImagePositionPatient: '00200032',
  Rows: '00280010',
  Columns: '00280011',
  BurnedInAnnotation: '00280301',
  PixelData: '7FE00010',
} as const;

/**
 * Parses a Part 10 file. `headerOnly` stops at PixelData without reading it (the scan needs
 * only the header). `noCopy` keeps PixelData a view of `buffer`: it is written back unchanged.
 * @throws whatever dcmjs throws on a file that is not DICOM or is truncated
 */
export function readPart10(buffer: ArrayBuffer, headerOnly: boolean): DcmFile {
  return data.DicomMessage.readFile(buffer, {
    ignoreErrors: false,
    untilTag: headerOnly ? TAG.PixelData : null,
    includeUntilTagValue: false,
    noCopy: true,
    forceStoreRaw: false,
  });
}

const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';

/** PixelData's bytes when it is one native (not encapsulated) value. */
function nativePixels(el: DcmElement | undefined): Uint8Array | null {
  const v = el?.Value;
  if (!el || (el.vr !== 'OW' && el.vr !== 'OB') || !v || v.length !== 1) return null;
  const x = v[0];
  const bytes =
    x instanceof ArrayBuffer ? new Uint8Array(x) : ArrayBuffer.isView(x) ? new Uint8Array(x.buffer, x.byteOffset, x.byteLength) : null;
  return bytes && bytes.byteLength % 2 === 0 ? bytes : null;
}

/** PixelData's bytes when {@link writePart10} can append them after a header written by dcmjs. */
export function appendablePixels(file: DcmFile): Uint8Array | null {
  const pixels = nativePixels(file.dict[TAG.PixelData]);
  const last = Object.keys(file.dict).every((t) => t.toUpperCase() <= TAG.PixelData);
  return pixels && last && textOf(file.meta, TAG.TransferSyntaxUID) === EXPLICIT_VR_LITTLE_ENDIAN ? pixels : null;
}

/**
 * Writes a Part 10 file from File Meta Information and a dataset. For Explicit VR Little
 * Endian with native PixelData as the last element (the usual CT slice), dcmjs writes only the
 * header and PixelData is appended once: the same bytes as dcmjs's own writer (a test checks),
 * without its buffer growth copying half a megabyte per slice several times.
 */
export function writePart10(file: DcmFile): ArrayBuffer {
  // dcmjs inflates a Deflated Explicit VR Little Endian dataset on reading and writes it back
  // uncompressed: say so in the meta, or the file claims a compression it does not have.
  if (textOf(file.meta, TAG.TransferSyntaxUID) === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN) {
    file.meta[TAG.TransferSyntaxUID] = { vr: 'UI', Value: [EXPLICIT_VR_LITTLE_ENDIAN] };
  }
  const pixels = appendablePixels(file);
  if (!pixels) return writeWithDcmjs(file);
  const el = file.dict[TAG.PixelData]!;
  const rest: DcmDataset = { ...file.dict };
  delete rest[TAG.PixelData];
  const head = new Uint8Array(writeWithDcmjs({ meta: file.meta, dict: rest }));
  const out = new Uint8Array(head.byteLength + 12 + pixels.byteLength);
  out.set(head, 0);
  const view = new DataView(out.buffer, head.byteLength, 12);
  view.setUint16(0, 0x7fe0, true);
  view.setUint16(2, 0x0010, true);
  view.setUint8(4, el.vr.charCodeAt(0));
  view.setUint8(5, el.vr.charCodeAt(1));
  view.setUint16(6, 0, true);
  view.setUint32(8, pixels.byteLength, true);
  out.set(pixels, head.byteLength + 12);
  return out.buffer;
}

/** dcmjs's own writer. */
export function writeWithDcmjs(file: DcmFile): ArrayBuffer {
  const out = new data.DicomDict(file.meta);
  out.dict = file.dict;
  return out.write();
}

/** The first value of an element as trimmed text, if it has one. */
export function textOf(ds: DcmDataset, tag: string): string | undefined {
  const v = ds[tag]?.Value?.[0];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') {
    // Person names read as { Alphabetic, Ideographic, Phonetic }.
    const s = Object.values(v as Record<string, unknown>)
      .filter((x) => typeof x === 'string')
      .join('=');
    return s.trim() || undefined;
  }
  const s = String(v).replace(/\0/g, '').trim();
  return s || undefined;
}

/** The first value of an element as a finite number, if it has one. */
export function numberOf(ds: DcmDataset, tag: string): number | undefined {
  const v = Number(ds[tag]?.Value?.[0]);
  return ds[tag]?.Value?.length && Number.isFinite(v) ? v : undefined;
}

/** True when an element holds a value: a non-empty sequence or any non-blank value. */
export function hasValue(el: DcmElement | undefined): boolean {
  if (!el?.Value || el.Value.length === 0) return false;
  if (el.vr === 'SQ') return true;
  return el.Value.some((v) => {
    if (v === null || v === undefined) return false;
    if (typeof v === 'string') return v.replace(/[\0 ]/g, '').length > 0;
    if (v instanceof ArrayBuffer) return v.byteLength > 0;
    if (ArrayBuffer.isView(v)) return v.byteLength > 0;
    if (typeof v === 'object') return Object.values(v as Record<string, unknown>).some((x) => typeof x === 'string' && x.trim().length > 0);
    return true;
  });
}
