import { EmbolusError } from '@embolus/shared';

/** Every way a metrics computation or an evaluation input can fail. */
export type MetricsErrorCode =
  /** Too few cases or controls (or samples) for the statistic asked for. */
  | 'INSUFFICIENT_DATA'
  /** Arguments of the wrong shape or value: mismatched lengths, NaN scores, truths other than 0/1. */
  | 'INVALID_INPUT'
  /** A CSV file of the eval format that cannot be read: `details` names `file` and `line`. */
  | 'MALFORMED_CSV'
  /** A prediction whose (id, label) has no ground-truth row: `details` names `file` and `line`. */
  | 'MISSING_LABEL';

/** The typed error of the metrics package. `details` carries context such as `file`, `line` or counts. */
export class MetricsError extends EmbolusError {
  declare readonly code: MetricsErrorCode;

  constructor(code: MetricsErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(code, message, options);
  }
}
