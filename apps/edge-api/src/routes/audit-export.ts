/**
 * The audit log's filters, shared by the paged read (GET /v1/audit) and the CSV export, and the
 * export itself: streamed page by page (memory stays one page), bounded in rows, injection-safe.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { AuditQuery } from '@embolus/db';
import { csvRow } from '@embolus/shared';
import { ApiError } from '../errors';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { isoOf } from '../schemas';
import { audit, errors, router } from './common';

const time = z.iso.datetime({ offset: true }).openapi({ format: 'date-time' });

/** Query filters of an audit read: exact action, actor (`user:<id>` or a key id), study, `[from, to)`. */
export const AuditFilters = z.object({
  studyId: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
  actor: z.string().max(80).optional(),
  from: time.optional(),
  to: time.optional(),
});

/** The repository query of validated filters. @throws ApiError when `from` is not before `to` */
export function auditQuery(q: z.infer<typeof AuditFilters>): AuditQuery {
  const from = q.from ? Date.parse(q.from) : undefined;
  const to = q.to ? Date.parse(q.to) : undefined;
  if (from !== undefined && to !== undefined && from >= to)
    throw new ApiError('VALIDATION_FAILED', 'from must be before to', { details: { parameter: 'from' } });
  return {
    ...(q.studyId ? { studyId: q.studyId } : {}),
    ...(q.action ? { action: q.action } : {}),
    ...(q.actor ? { keyId: q.actor } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
  };
}

/** Most rows one export holds; past it a last line says the file was cut short. */
export const AUDIT_EXPORT_MAX_ROWS = 100_000;
const PAGE = 500;
const HEADER = ['id', 'at', 'actor', 'role', 'action', 'studyId', 'detail'];

export const auditExport = router();
auditExport.use('/v1/audit/export.csv', requireRole(...ROLES_FOR.admin));

auditExport.openapi(
  createRoute({
    method: 'get',
    path: '/v1/audit/export.csv',
    tags: ['admin'],
    summary:
      `The audit log as CSV, newest first, with the same filters (at most ${AUDIT_EXPORT_MAX_ROWS} rows; ` +
      "cells starting with = + - @ are prefixed with ')",
    request: {
      query: AuditFilters.extend({ maxRows: z.coerce.number().int().min(1).max(AUDIT_EXPORT_MAX_ROWS).default(AUDIT_EXPORT_MAX_ROWS) }),
    },
    responses: { 200: { description: 'CSV (RFC 4180, UTF-8)', content: { 'text/csv': { schema: z.string() } } }, ...errors() },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const filters = auditQuery(q);
    const { store } = c.get('deps');
    const tenantId = c.get('principal').tenantId;
    // The export is itself audited (filters only) before any row leaves.
    await audit(c, 'audit.export', null, { filters: { ...q, maxRows: undefined } });
    const encoder = new TextEncoder();
    let before: number | undefined;
    let sent = 0;
    let done = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(csvRow(HEADER)));
      },
      // One page per pull: the consumer's pace bounds memory.
      async pull(controller) {
        if (done) return;
        const limit = Math.min(PAGE, q.maxRows - sent);
        const rows = limit > 0 ? await store.audit.list(tenantId, { ...filters, ...(before !== undefined ? { before } : {}), limit }) : [];
        let text = '';
        for (const r of rows)
          text += csvRow([r.id, isoOf(r.at), r.keyId, r.role, r.action, r.studyId, r.detail ? JSON.stringify(r.detail) : null]);
        sent += rows.length;
        before = rows[rows.length - 1]?.id;
        if (rows.length < limit || limit <= 0) done = true;
        if (!done && sent >= q.maxRows) {
          done = true;
          const more = await store.audit.list(tenantId, { ...filters, ...(before !== undefined ? { before } : {}), limit: 1 });
          if (more.length > 0)
            text += csvRow([
              '',
              '',
              '',
              '',
              'export.truncated',
              '',
              JSON.stringify({ maxRows: q.maxRows, note: 'narrow the filters for the rest' }),
            ]);
        }
        if (text) controller.enqueue(encoder.encode(text));
        if (done) controller.close();
      },
    });
    const stamp = new Date(c.get('deps').clock.now()).toISOString().slice(0, 10);
    return c.body(stream, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="embolus-audit-${stamp}.csv"`,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
    });
  },
);
