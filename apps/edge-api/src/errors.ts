/**
 * The API's error class, and the one place where any error becomes an HTTP status and the
 * `{ "error": { code, message, details } }` body.
 */
import { DicomError } from '@embolus/dicom';
import { DbError } from '@embolus/db';
import { MetricsError } from '@embolus/metrics';
import { EmbolusError } from '@embolus/shared';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every code the API itself raises. */
export type ApiErrorCode =
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'VALIDATION_FAILED'
  | 'BAD_REQUEST'
  | 'CONFLICT'
  | 'LEASE_LOST'
  | 'STUDY_LOCKED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_ACCEPTABLE'
  | 'NOT_DICOM'
  | 'NOT_CT'
  | 'NOT_ANONYMIZED'
  | 'SOP_UID_MISMATCH'
  | 'STUDY_UID_MISMATCH'
  | 'EMPTY_STUDY'
  | 'INVALID_RESULT'
  | 'RATE_LIMITED'
  /** A report was asked for a study without an analysis result. */
  | 'STUDY_NOT_ANALYSED'
  /** Reports are made on Node only (key images decode stored slices). */
  | 'REPORT_UNAVAILABLE'
  | 'INTERNAL';

/** The typed error of the edge API. `details` never holds patient-identifying values. */
export class ApiError extends EmbolusError {
  declare readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(code, message, options);
  }
}

/** An upload refused for a per-instance reason (NOT_ANONYMIZED, CONFLICT…); status by code. */
export class UploadRefusedError extends EmbolusError {
  constructor(code: string, message: string, details: Record<string, unknown>) {
    super(code, message, { details });
  }
}

const API_STATUS: Record<ApiErrorCode, ContentfulStatusCode> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  CONFLICT: 409,
  LEASE_LOST: 409,
  STUDY_LOCKED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_ACCEPTABLE: 406,
  NOT_DICOM: 422,
  NOT_CT: 422,
  NOT_ANONYMIZED: 422,
  SOP_UID_MISMATCH: 422,
  STUDY_UID_MISMATCH: 422,
  EMPTY_STUDY: 422,
  INVALID_RESULT: 422,
  RATE_LIMITED: 429,
  STUDY_NOT_ANALYSED: 409,
  REPORT_UNAVAILABLE: 501,
  INTERNAL: 500,
};

const DB_STATUS: Record<string, ContentfulStatusCode> = {
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_STATE: 409,
  BLOB_STORE_FAILED: 503,
  INVALID_BLOB_KEY: 500,
  CORRUPT_ROW: 500,
  INVALID_INPUT: 400,
};

/** The JSON error body. */
export interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

/** Maps any thrown value to a status and body. Unknown errors become a 500 without internals. */
export function toErrorResponse(e: unknown, requestId: string): { status: ContentfulStatusCode; body: ErrorBody } {
  const body = (code: string, message: string, details: Record<string, unknown> = {}): ErrorBody => ({ error: { code, message, details } });
  if (e instanceof UploadRefusedError) return { status: refusalStatus(e.code), body: body(e.code, e.message, { ...e.details }) };
  if (e instanceof ApiError) return { status: API_STATUS[e.code], body: body(e.code, e.message, { ...e.details }) };
  if (e instanceof DicomError) return { status: 422, body: body('NOT_DICOM', e.message, { dicomCode: e.code }) };
  if (e instanceof MetricsError) return { status: 422, body: body(e.code, e.message, { ...e.details }) };
  if (e instanceof DbError) {
    const status = DB_STATUS[e.code] ?? 500;
    return status >= 500
      ? { status, body: body(status === 503 ? 'STORAGE_UNAVAILABLE' : 'INTERNAL', 'storage failed', { requestId }) }
      : { status, body: body(e.code, e.message) };
  }
  if (e instanceof HTTPException) {
    const status = e.status as ContentfulStatusCode;
    const code =
      status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST';
    return { status, body: body(code, e.message || 'bad request') };
  }
  return { status: 500, body: body('INTERNAL', 'internal error', { requestId }) };
}

/** HTTP status of a per-instance refusal when it answers a whole request (single PUT). */
export function refusalStatus(code: string): ContentfulStatusCode {
  switch (code) {
    case 'CONFLICT':
    case 'STUDY_LOCKED':
      return 409;
    case 'INSTANCE_TOO_LARGE':
    case 'STUDY_TOO_LARGE':
    case 'TOO_MANY_INSTANCES':
      return 413;
    case 'NOT_FOUND':
      return 404;
    default:
      return 422;
  }
}
