/**
 * C-STORE response statuses for ingest refusals (PS3.4 B.2.3 and PS3.7 C). The reason code of
 * the ingest path (NOT_CT, NOT_ANONYMIZED…) goes in Error Comment (0000,0902), which is LO (at
 * most 64 characters): the code first, then as much of the message as fits. Messages name
 * tags, never values, so nothing identifying reaches the peer's log.
 */

/** DIMSE status words used by the listener. */
export const DIMSE_STATUS = {
  success: 0x0000,
  /** Refused: SOP Class not supported (a non-CT instance). */
  sopClassNotSupported: 0x0122,
  /** Refused: Out of Resources (size limits). */
  outOfResources: 0xa700,
  /** Error: Data Set does not match SOP Class (UID mismatch, conflicting bytes). */
  dataSetMismatch: 0xa900,
  /** Error: Cannot understand (malformed, not anonymized, no pixel data). */
  cannotUnderstand: 0xc000,
  /** Processing failure (an internal error; the association goes on). */
  processingFailure: 0x0110,
} as const;

const BY_CODE: Record<string, number> = {
  NOT_CT: DIMSE_STATUS.sopClassNotSupported,
  INSTANCE_TOO_LARGE: DIMSE_STATUS.outOfResources,
  STUDY_TOO_LARGE: DIMSE_STATUS.outOfResources,
  TOO_MANY_INSTANCES: DIMSE_STATUS.outOfResources,
  SOP_UID_MISMATCH: DIMSE_STATUS.dataSetMismatch,
  STUDY_UID_MISMATCH: DIMSE_STATUS.dataSetMismatch,
  CONFLICT: DIMSE_STATUS.dataSetMismatch,
  NOT_DICOM: DIMSE_STATUS.cannotUnderstand,
  NOT_ANONYMIZED: DIMSE_STATUS.cannotUnderstand,
  NO_PIXEL_DATA: DIMSE_STATUS.cannotUnderstand,
  MISSING_SOP_UID: DIMSE_STATUS.cannotUnderstand,
};

/** The C-STORE status for an ingest refusal code. */
export function refusalStatus(code: string): number {
  return BY_CODE[code] ?? DIMSE_STATUS.processingFailure;
}

/** Error Comment for a refusal: `CODE: message`, cut to 64 characters of the default repertoire. */
export function errorComment(code: string, message: string): string {
  const ascii = `${code}: ${message}`.replace(/[^\x20-\x7e]/g, '?').replace(/\\/g, '/');
  return ascii.slice(0, 64);
}
