/**
 * Parsing DICOM bytes into a dicom-parser DataSet: Part 10 files, files without a preamble,
 * raw datasets without file meta, and deflated datasets.
 */
import dicomParser, { type DataSet } from 'dicom-parser';
import { DicomError, asDicomError } from './errors';
import { inflateRawBounded, InflateLimitError } from './inflate';
import { TS, transferSyntaxInfo, type TransferSyntaxInfo } from './transfer-syntax';

/** Limits that protect against headers that lie. */
export interface ParseLimits {
  /** Largest dataset accepted after inflating a deflated transfer syntax, in bytes. */
  maxInflatedBytes: number;
  /** Deepest sequence nesting accepted (default {@link MAX_SEQUENCE_DEPTH}). */
  maxSequenceDepth?: number;
}

/**
 * Deepest nesting of sequences a dataset may have: an element inside N sequences is at depth N.
 * Deeper datasets are refused as MALFORMED. Why a limit rather than "any depth": dicom-parser
 * recurses once per level, so without one the deepest readable dataset depends on the engine's
 * stack (about 2,000 levels on Node 20, different on Workers and in other callers' stacks);
 * with it, every runtime gives the same answer, and every consumer of a stored instance (the
 * runner, viewers) only ever sees datasets this shallow. 64 is far above real data: CT images
 * nest a few levels, structured-report content trees rarely pass 20.
 */
export const MAX_SEQUENCE_DEPTH = 64;

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxInflatedBytes: 1 << 30, maxSequenceDepth: MAX_SEQUENCE_DEPTH };

/** A parsed instance: the dataset plus how it was encoded. */
export interface ParsedDicom {
  dataSet: DataSet;
  /** The transfer syntax UID from the file meta, or the one inferred for raw datasets. */
  transferSyntaxUid: string;
  /** `undefined` when the UID is not one this package can decode pixels of. */
  transferSyntax: TransferSyntaxInfo | undefined;
  hasPreamble: boolean;
  hasFileMeta: boolean;
  /** The bytes dicom-parser saw (differs from the input when a preamble was added or data inflated). */
  byteArray: Uint8Array;
}

const VRS = new Set('AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));

function isDicmAt(b: Uint8Array, at: number): boolean {
  return b.length >= at + 4 && b[at] === 0x44 && b[at + 1] === 0x49 && b[at + 2] === 0x43 && b[at + 3] === 0x4d;
}

function u16le(b: Uint8Array, at: number): number {
  return (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
}

function u16be(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
}

/** True when bytes 4..5 spell a VR, i.e. the first element is explicit VR. */
function looksExplicit(b: Uint8Array): boolean {
  if (b.length < 6) return false;
  return VRS.has(String.fromCharCode(b[4] ?? 0, b[5] ?? 0));
}

/**
 * A raw dataset starts with a low, even group number (file meta 0002, or identifying 0008).
 * Anything else is not something we can read without a preamble.
 */
function looksLikeRawDataset(b: Uint8Array): boolean {
  if (b.length < 8) return false;
  const group = u16le(b, 0);
  return group === 0x0002 || group === 0x0008 || (group > 0 && group <= 0x0028 && group % 2 === 0);
}

/**
 * The deepest sequence nesting in a parsed dataset, walked with an explicit stack (no recursion,
 * so no stack limit of ours), stopping early once it passes `stopAbove`.
 */
export function sequenceDepth(root: DataSet, stopAbove = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: [DataSet, number][] = [[root, 0]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [ds, depth] = next;
    if (depth > deepest) deepest = depth;
    if (deepest > stopAbove) return deepest;
    for (const el of Object.values(ds.elements)) for (const item of el.items ?? []) if (item.dataSet) stack.push([item.dataSet, depth + 1]);
  }
  return deepest;
}

/**
 * Parses DICOM bytes. Throws DicomError: NOT_DICOM when the bytes are not a DICOM dataset,
 * TRUNCATED or MALFORMED when the structure breaks.
 *
 * @param bytes the file content
 * @param source a name for messages (a file name; never a patient attribute)
 */
export function parseDicomBytes(bytes: Uint8Array, source = 'input', limits: ParseLimits = DEFAULT_PARSE_LIMITS): ParsedDicom {
  let byteArray = bytes;
  const hasPreamble = isDicmAt(bytes, 128);
  let options: dicomParser.ParseDicomOptions = {
    inflater: (arr: Uint8Array, position: number) => {
      // Inflated in bounded steps straight after the file meta: refused as soon as it passes
      // the limit, never allocated whole first.
      try {
        byteArray = inflateRawBounded(arr.subarray(position), limits.maxInflatedBytes, arr.subarray(0, position));
      } catch (e) {
        if (e instanceof InflateLimitError) {
          throw new DicomError('IMAGE_TOO_LARGE', `${source}: deflated dataset inflates past ${e.limit} bytes`, {
            details: { source, limit: e.limit },
          });
        }
        throw asDicomError(e, 'MALFORMED', `${source}: cannot inflate deflated dataset`);
      }
      return byteArray;
    },
  } as dicomParser.ParseDicomOptions;

  if (!hasPreamble) {
    if (isDicmAt(bytes, 0) || (looksLikeRawDataset(bytes) && u16le(bytes, 0) === 0x0002)) {
      // File meta present but the 128-byte preamble is missing: restore it so the parser
      // finds the meta group where PS3.10 puts it.
      const offset = isDicmAt(bytes, 0) ? 4 : 0;
      const fixed = new Uint8Array(132 + bytes.length - offset);
      fixed.set([0x44, 0x49, 0x43, 0x4d], 128);
      fixed.set(bytes.subarray(offset), 132);
      byteArray = fixed;
    } else if (looksLikeRawDataset(bytes)) {
      const uid = looksExplicit(bytes) ? TS.ExplicitVRLittleEndian : TS.ImplicitVRLittleEndian;
      options = { ...options, TransferSyntaxUID: uid };
    } else if (u16be(bytes, 0) === 0x0008 && looksExplicit(bytes)) {
      // A raw big-endian dataset: group 0008 reads byte-swapped and a VR follows the tag.
      options = { ...options, TransferSyntaxUID: TS.ExplicitVRBigEndian };
    } else {
      throw new DicomError('NOT_DICOM', `${source}: no DICM prefix and no recognisable dataset at offset 0`, {
        details: { source, size: bytes.length },
      });
    }
  }
  const parseInput = byteArray;
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(parseInput, options);
  } catch (e) {
    const failure = classifyParserFailure(e, source);
    if (!/0002,0010/.test(failure.message) || options.TransferSyntaxUID) throw failure;
    // File meta without a TransferSyntaxUID: infer it from the first dataset element, as
    // toolkits do for such files (PS3.10 requires the tag, writers sometimes omit it).
    const metaEnd = metaLength(parseInput);
    const body = parseInput.subarray(metaEnd);
    const uid = looksExplicit(body) ? TS.ExplicitVRLittleEndian : TS.ImplicitVRLittleEndian;
    try {
      dataSet = dicomParser.parseDicom(body, { ...options, TransferSyntaxUID: uid });
    } catch (e2) {
      throw classifyParserFailure(e2, source);
    }
    options = { ...options, TransferSyntaxUID: uid };
  }
  const hasFileMeta = isDicmAt(parseInput, 128);
  const maxDepth = limits.maxSequenceDepth ?? MAX_SEQUENCE_DEPTH;
  if (sequenceDepth(dataSet, maxDepth) > maxDepth) {
    throw new DicomError('MALFORMED', `${source}: sequences nested deeper than ${maxDepth} levels`, {
      details: { source, maxSequenceDepth: maxDepth },
    });
  }
  const transferSyntaxUid = (dataSet.string('x00020010') ?? options.TransferSyntaxUID ?? TS.ImplicitVRLittleEndian).trim();
  if (Object.keys(dataSet.elements).filter((k) => !k.startsWith('x0002')).length === 0) {
    // A file meta with nothing after it is a Part 10 file cut short, not some other format.
    throw hasFileMeta
      ? new DicomError('TRUNCATED', `${source}: the file ends after its file meta, before any data element`, { details: { source } })
      : new DicomError('NOT_DICOM', `${source}: no data elements found`, { details: { source } });
  }
  return {
    dataSet,
    transferSyntaxUid,
    transferSyntax: transferSyntaxInfo(transferSyntaxUid),
    hasPreamble,
    hasFileMeta,
    byteArray: dataSet.byteArray as Uint8Array,
  };
}

/** Byte offset just past the file meta group (explicit VR little endian, after the preamble). */
function metaLength(b: Uint8Array): number {
  let at = 132;
  while (at + 8 <= b.length && u16le(b, at) === 0x0002) {
    const vr = String.fromCharCode(b[at + 4] ?? 0, b[at + 5] ?? 0);
    const long = ['OB', 'OW', 'OF', 'SQ', 'UT', 'UN', 'UC', 'UR', 'OD', 'OL', 'OV', 'SV', 'UV'].includes(vr);
    const len = long ? (u16le(b, at + 8) | (u16le(b, at + 10) << 16)) >>> 0 : u16le(b, at + 6);
    at += (long ? 12 : 8) + len;
  }
  return Math.min(at, b.length);
}

/** dicom-parser throws strings, Errors and `{exception, dataSet}` objects; make them typed. */
function classifyParserFailure(e: unknown, source: string): DicomError {
  if (e instanceof DicomError) return e;
  const inner = typeof e === 'object' && e !== null && 'exception' in e ? (e as { exception: unknown }).exception : e;
  const msg = inner instanceof Error ? inner.message : String(inner);
  if (inner instanceof RangeError && /call stack/i.test(msg)) {
    return new DicomError('MALFORMED', `${source}: sequences nested too deep to parse`, { cause: inner, details: { source } });
  }
  if (/buffer overread|attempt to read past end|past end of buffer|overrun|out of range|beyond the end|end of/i.test(msg)) {
    return new DicomError('TRUNCATED', `${source}: data ends early (${msg})`, { cause: inner, details: { source } });
  }
  if (/DICM prefix not found/i.test(msg)) {
    return new DicomError('NOT_DICOM', `${source}: ${msg}`, { cause: inner, details: { source } });
  }
  return new DicomError('MALFORMED', `${source}: ${msg}`, { cause: inner, details: { source } });
}
