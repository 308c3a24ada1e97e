import { EmbolusError } from '@embolus/shared';

/** Every way making a report can fail. */
export type ReportErrorCode =
  /** A key image raster's byte length is not rows × cols × 3, or it is larger than allowed. */
  | 'INVALID_KEY_IMAGE'
  /** The font files the PDF embeds cannot be read. */
  | 'FONT_UNAVAILABLE';

/** The typed error of @embolus/report; details name sizes, never patient values. */
export class ReportError extends EmbolusError {
  declare readonly code: ReportErrorCode;

  constructor(code: ReportErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(code, message, options);
  }
}
