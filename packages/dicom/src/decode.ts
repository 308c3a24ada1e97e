/**
 * One-call entry points: bytes in, header facts and Hounsfield units out.
 */
import { asDicomError } from './errors';
import { readInstanceInfo, type InstanceInfo } from './instance-info';
import { DEFAULT_PARSE_LIMITS, parseDicomBytes, type ParseLimits, type ParsedDicom } from './parse';
import { decodeModalityInto } from './hu-into';
import { DEFAULT_DECODE_LIMITS, decodeStoredPixels, toModalityValues, type DecodeLimits } from './pixels';
import type { PixelModule } from './instance-info';

/** Options of the decode entry points. */
export interface DecodeOptions {
  /** A name for messages, usually the file path. Never a patient attribute. */
  source?: string;
  parseLimits?: ParseLimits;
  decodeLimits?: DecodeLimits;
}

/** A decoded greyscale instance. */
export interface DecodedImage {
  info: InstanceInfo;
  pixel: PixelModule;
  /** Stored values, frames × rows × cols. */
  stored: Int32Array;
  /** Modality values (HU for CT), frames × rows × cols, NaN at padding. */
  hu: Float32Array;
  paddingCount: number;
}

function run<T>(source: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw asDicomError(e, 'MALFORMED', source);
  }
}

/** Parses bytes and reads the header facts, without touching pixel data. */
export function readDicomInfo(bytes: Uint8Array, options: DecodeOptions = {}): { parsed: ParsedDicom; info: InstanceInfo } {
  const source = options.source ?? 'input';
  return run(source, () => {
    const parsed = parseDicomBytes(bytes, source, options.parseLimits ?? DEFAULT_PARSE_LIMITS);
    return { parsed, info: readInstanceInfo(parsed, source) };
  });
}

/**
 * Decodes a greyscale DICOM instance to stored values and Hounsfield units.
 * Every failure is a DicomError with a code; nothing else escapes.
 */
export async function decodeDicom(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const source = options.source ?? 'input';
  const { parsed, info } = readDicomInfo(bytes, options);
  try {
    const stored = await decodeStoredPixels(parsed, info, options.decodeLimits ?? DEFAULT_DECODE_LIMITS);
    const { values, paddingCount } = toModalityValues(stored, info);
    return { info, pixel: stored.pixel, stored: stored.stored, hu: values, paddingCount };
  } catch (e) {
    throw asDicomError(e, 'DECODE_FAILED', source);
  }
}

/**
 * Decodes an instance's modality values (HU) straight into `out`, frame `f` at `offsetsOf(pixel)[f]`:
 * the values `decodeDicom` gives in `hu`, without allocating them. `offsetsOf` sees the pixel
 * module before anything is written, so a caller can refuse an instance that does not fit (by
 * throwing a DicomError). Every failure is a DicomError.
 */
export async function decodeDicomInto(
  bytes: Uint8Array,
  out: Float32Array,
  offsetsOf: (pixel: PixelModule) => number[],
  options: DecodeOptions = {},
): Promise<{ info: InstanceInfo; paddingCount: number }> {
  const source = options.source ?? 'input';
  const { parsed, info } = readDicomInfo(bytes, options);
  try {
    const offsets = info.pixel ? offsetsOf(info.pixel) : [];
    const paddingCount = await decodeModalityInto(parsed, info, out, offsets, options.decodeLimits ?? DEFAULT_DECODE_LIMITS);
    return { info, paddingCount };
  } catch (e) {
    throw asDicomError(e, 'DECODE_FAILED', source);
  }
}
