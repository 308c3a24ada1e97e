import { EmbolusError } from '@embolus/shared';

/** Every way writing results as DICOM can fail. */
export type DicomOutErrorCode =
  /** The source instance for a key image cannot be read or is not a single-frame image. */
  | 'SOURCE_UNREADABLE'
  /** The CAM volume does not match the result's windows (shape, dtype). */
  | 'CAM_MISMATCH'
  /** The result lacks what the SR needs (study UID, labels). */
  | 'INCOMPLETE_RESULT';

/** The typed error of @embolus/dicom-out; details name shapes and indices, never patient values. */
export class DicomOutError extends EmbolusError {
  declare readonly code: DicomOutErrorCode;

  constructor(code: DicomOutErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(code, message, options);
  }
}
