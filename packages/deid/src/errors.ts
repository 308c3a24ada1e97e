/**
 * Typed errors of @embolus/deid. Every refusal of a file carries one of these codes; messages
 * name files, tags and limits, never attribute values.
 */

/** Why a file is not uploaded, or why an upload stopped. */
export type DeidErrorCode =
  /** Not a DICOM Part 10 file (no `DICM` preamble, or it does not parse). */
  | 'NOT_DICOM'
  /** Not a CT image (SOP class or Modality). */
  | 'NOT_CT'
  /** BurnedInAnnotation (0028,0301) is YES: identifying text may be in the pixels. */
  | 'BURNED_IN'
  /** Larger than the per-instance limit (refused by File.size before reading). */
  | 'TOO_LARGE'
  /** A CT instance without PixelData (7FE0,0010). */
  | 'NO_PIXEL_DATA'
  /** No StudyInstanceUID, SeriesInstanceUID or SOPInstanceUID. */
  | 'MISSING_UID'
  /** The files of one study (one StudyInstanceUID) name different patients. */
  | 'MIXED_PATIENTS'
  /** The API refused the instance or the study (its own code is in `apiCode`). */
  | 'API_REFUSED'
  /** The network or the API failed after every retry. */
  | 'UNAVAILABLE'
  /** The session expired and could not be renewed; start the upload again to resume. */
  | 'UNAUTHENTICATED'
  /** The upload was cancelled. */
  | 'CANCELLED'
  /** A Web Worker failed or answered something unexpected. */
  | 'WORKER_FAILED';

/** The base error of the package. */
export class DeidError extends Error {
  override readonly name = 'DeidError';
  constructor(
    readonly code: DeidErrorCode,
    message: string,
    /** Structured details (tags, limits, the API's error code); never attribute values. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** True for the error an aborted fetch or a cancelled upload throws. */
export function isAbort(e: unknown): boolean {
  return (
    (e instanceof DeidError && e.code === 'CANCELLED') ||
    (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'AbortError')
  );
}
