import { EmbolusError } from '@embolus/shared';

export type PreprocessErrorCode = 'STEP_FAILED' | 'INVALID_VOLUME' | 'INVALID_CONFIG' | 'CACHE_IO' | 'INVALID_LAYOUT';

/** The typed error of the preprocessing package. */
export class PreprocessError extends EmbolusError {
  declare readonly code: PreprocessErrorCode;
  constructor(code: PreprocessErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(code, message, options);
  }
}
