import { EmbolusError } from '@embolus/shared';

/** Every way a storage operation can fail. */
export type DbErrorCode =
  /** A row the caller named does not exist (or belongs to another tenant). */
  | 'NOT_FOUND'
  /** A unique value is taken (tenant name, model version…). */
  | 'CONFLICT'
  /** The row is in a state that forbids the operation. */
  | 'INVALID_STATE'
  /** A blob key that is not a safe relative path. */
  | 'INVALID_BLOB_KEY'
  /** The blob store failed (I/O, R2 error). */
  | 'BLOB_STORE_FAILED'
  /** A stored value no longer parses (corrupt JSON column). */
  | 'CORRUPT_ROW'
  /** A value the caller gave is malformed (an AE title). */
  | 'INVALID_INPUT';

/** The typed error of the db package. `details` names tables, ids and keys, never patient values. */
export class DbError extends EmbolusError {
  declare readonly code: DbErrorCode;

  constructor(code: DbErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(code, message, options);
  }
}
