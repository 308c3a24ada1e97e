import { EmbolusError } from '@embolus/shared';

export type InferenceErrorCode = 'MODEL_NOT_FOUND' | 'MODEL_INVALID' | 'MODEL_CHECKSUM' | 'SESSION_FAILED' | 'RUN_FAILED' | 'INPUT_INVALID';

/** The typed error of the inference package. */
export class InferenceError extends EmbolusError {
  declare readonly code: InferenceErrorCode;
  constructor(code: InferenceErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(code, message, options);
  }
}
