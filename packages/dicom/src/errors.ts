import { EmbolusError } from '@embolus/shared';

/** Every way reading or decoding a DICOM instance can fail. */
export type DicomErrorCode =
  | 'NOT_DICOM'
  | 'TRUNCATED'
  | 'MALFORMED'
  | 'UNSUPPORTED_TRANSFER_SYNTAX'
  | 'UNSUPPORTED_PIXEL_FORMAT'
  | 'UNSUPPORTED_PHOTOMETRIC'
  | 'MISSING_TAG'
  | 'INVALID_TAG'
  | 'NO_PIXEL_DATA'
  | 'PIXEL_DATA_SIZE_MISMATCH'
  | 'IMAGE_TOO_LARGE'
  | 'DECODE_FAILED'
  | 'EMPTY_SERIES'
  | 'NO_CT_SERIES'
  | 'INCONSISTENT_SERIES'
  /** The chosen series would exceed the caller's memory limit as a HU volume (refused before allocating). */
  | 'VOLUME_TOO_LARGE';

/** The typed error of the DICOM package. `details` names the file and tag, never tag values that could identify a patient. */
export class DicomError extends EmbolusError {
  declare readonly code: DicomErrorCode;

  constructor(code: DicomErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(code, message, options);
  }
}

/** Wraps an unknown failure from a third-party parser or codec into a DicomError, keeping `cause`. */
export function asDicomError(e: unknown, fallback: DicomErrorCode, context: string): DicomError {
  if (e instanceof DicomError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof RangeError && /call stack/i.test(msg)) {
    return new DicomError('MALFORMED', `${context}: nesting too deep (${msg})`, { cause: e });
  }
  return new DicomError(fallback, `${context}: ${msg}`, { cause: e });
}
