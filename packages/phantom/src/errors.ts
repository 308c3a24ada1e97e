/**
 * The phantom package's typed failure. Codes are stable so the CLI can print them.
 */
import { EmbolusError } from '@embolus/shared';

/** Why a phantom could not be generated or written. */
export type PhantomErrorCode =
  /** An option is out of range or contradicts another option. */
  | 'INVALID_OPTIONS'
  /** No embolus fitted inside the scanned z-range (the scan is too short to show the pulmonary arteries). */
  | 'PLACEMENT_FAILED'
  /** Writing files to disk failed. */
  | 'WRITE_FAILED';

/** Thrown by every function of `@embolus/phantom`. */
export class PhantomError extends EmbolusError {
  declare readonly code: PhantomErrorCode;

  constructor(code: PhantomErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(code, message, options);
  }
}
