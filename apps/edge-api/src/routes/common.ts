/**
 * Helpers shared by the resource routers.
 */
import type { AuditPage, Job, Study } from '@embolus/db';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../deps';
import { ApiError } from '../errors';
import { ErrorSchema, isoOf } from '../schemas';

/** A router whose validation failures become 400 VALIDATION_FAILED with the zod issues. */
export function router(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        // Issues carry paths and messages; zod does not echo input values by default.
        const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message, code: i.code }));
        throw new ApiError('VALIDATION_FAILED', 'the request does not match the schema', { details: { issues } });
      }
    },
  });
}

/** An OpenAPI `content` block: a JSON body described by `schema`. */
export const json = <T>(schema: T) => ({ 'application/json': { schema } });

/** Documented error responses, by status. */
export function errors(
  ...statuses: number[]
): Record<number, { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }> {
  const text: Record<number, string> = {
    400: 'Invalid request',
    401: 'Missing or unknown API key',
    403: 'The key’s role may not do this',
    404: 'Not found (or another tenant’s)',
    409: 'Conflict',
    413: 'Too large',
    415: 'Unsupported media type',
    422: 'Refused (the reason is in the error code)',
    429: 'Rate limited',
  };
  const out: Record<number, { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }> = {};
  for (const s of [400, 401, 403, 429, ...statuses])
    out[s] = { description: text[s] ?? 'Error', content: { 'application/json': { schema: ErrorSchema } } };
  return out;
}

/** Writes an audit record for the current principal. Reads of study data are never served unaudited. */
export async function audit(
  c: Context<AppEnv>,
  action: string,
  studyId: string | null,
  detail?: Record<string, unknown>,
  page?: AuditPage,
): Promise<void> {
  const p = c.get('principal');
  await c.get('deps').store.audit.write({
    tenantId: p.tenantId,
    keyId: p.keyId,
    role: p.role,
    action,
    studyId,
    detail: detail ?? null,
    ...(page ? { page } : {}),
  });
}

/** The study of the principal's tenant, or 404 (also for other tenants' studies). */
export async function studyOr404(c: Context<AppEnv>, id: string): Promise<Study> {
  const study = await c.get('deps').store.studies.get(c.get('principal').tenantId, id);
  if (!study) throw new ApiError('NOT_FOUND', 'no such study');
  return study;
}

/** The public view of a job (no lease token, no owner). */
export function jobView(j: Job) {
  let lastError = null;
  if (j.lastError) {
    const e = JSON.parse(j.lastError) as { code: string; message: string; at: number; attempt?: number };
    lastError = { code: e.code, message: e.message, at: isoOf(e.at), ...(e.attempt !== undefined ? { attempt: e.attempt } : {}) };
  }
  return {
    id: j.id,
    kind: j.kind,
    status: j.status,
    studyId: j.studyId,
    priority: j.priority,
    payload: JSON.parse(j.payload) as unknown,
    attempts: j.attempts,
    maxAttempts: j.maxAttempts,
    availableAt: isoOf(j.availableAt),
    leaseExpiresAt: isoOf(j.leaseExpiresAt),
    lastError,
    progress: j.progress ? (JSON.parse(j.progress) as unknown) : null,
    createdAt: isoOf(j.createdAt),
    completedAt: isoOf(j.completedAt),
  };
}

/** Content-Disposition-safe download of a blob, or 404. */
export async function sendBlob(c: Context<AppEnv>, key: string, contentType: string): Promise<Response> {
  const blob = await c.get('deps').blobs.getStream(key);
  if (!blob) throw new ApiError('NOT_FOUND', 'the stored bytes are missing');
  return c.body(blob.stream, 200, {
    'content-type': contentType,
    'content-length': String(blob.size),
    'cache-control': 'private, no-store',
    'x-content-type-options': 'nosniff',
  });
}
