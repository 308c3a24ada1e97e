/**
 * Tenant administration (admin role): API keys, the pseudonym pattern, the audit log.
 */
import { ROLES, TENANT_ROLES } from '@embolus/db';
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../errors';
import { requireRole, ROLES_FOR, type KeyCache } from '../middleware/auth';
import { IdParam, isoOf } from '../schemas';
import { compilePseudonym } from '../upload/inspect';
import { AuditFilters, auditQuery } from './audit-export';
import { audit, errors, json, router } from './common';

const KeySchema = z
  .object({
    id: z.string(),
    role: z.enum(ROLES),
    prefix: z.string(),
    label: z.string().nullable(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey');
const TenantSchema = z
  .object({ id: z.string(), name: z.string(), pseudonymRegex: z.string().nullable(), createdAt: z.string() })
  .openapi('Tenant');

/** The admin router; `keys` lets revocations take effect in this process at once. */
export function adminRoutes(keys: KeyCache) {
  const admin = router();
  for (const p of ['/v1/keys', '/v1/keys/*', '/v1/tenant', '/v1/audit']) admin.use(p, requireRole(...ROLES_FOR.admin));

  admin.openapi(
    createRoute({
      method: 'post',
      path: '/v1/keys',
      tags: ['admin'],
      summary: 'Create an API key for this tenant (shown once)',
      // Never platform-runner: that role reaches every tenant's jobs (created with the CLI only).
      request: { body: { required: true, content: json(z.object({ role: z.enum(TENANT_ROLES), label: z.string().max(100).optional() })) } },
      responses: { 201: { description: 'Created', content: json(KeySchema.extend({ key: z.string() })) }, ...errors() },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const { key, info } = await c
        .get('deps')
        .store.keys.create({ tenantId: c.get('principal').tenantId, role: body.role, label: body.label ?? null });
      await audit(c, 'key.create', null, { keyId: info.id, role: info.role });
      return c.json(
        { id: info.id, role: info.role, prefix: info.prefix, label: info.label, createdAt: isoOf(info.createdAt), revokedAt: null, key },
        201,
      );
    },
  );

  admin.openapi(
    createRoute({
      method: 'get',
      path: '/v1/keys',
      tags: ['admin'],
      summary: 'The tenant’s keys (prefixes only)',
      responses: { 200: { description: 'Keys', content: json(z.object({ items: z.array(KeySchema) })) }, ...errors() },
    }),
    async (c) => {
      const rows = await c.get('deps').store.keys.list(c.get('principal').tenantId);
      return c.json({ items: rows.map((k) => ({ ...k, createdAt: isoOf(k.createdAt), revokedAt: isoOf(k.revokedAt) })) }, 200);
    },
  );

  admin.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/keys/{id}',
      tags: ['admin'],
      summary: 'Revoke a key',
      request: { params: IdParam },
      responses: { 204: { description: 'Revoked' }, ...errors(404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      if (!(await c.get('deps').store.keys.revoke(c.get('principal').tenantId, id))) throw new ApiError('NOT_FOUND', 'no such active key');
      keys.forgetKeyId(id);
      await audit(c, 'key.revoke', null, { keyId: id });
      return c.body(null, 204);
    },
  );

  admin.openapi(
    createRoute({
      method: 'get',
      path: '/v1/tenant',
      tags: ['admin'],
      summary: 'The tenant and its settings',
      responses: { 200: { description: 'The tenant', content: json(TenantSchema) }, ...errors() },
    }),
    async (c) => {
      const t = await c.get('deps').store.tenants.get(c.get('principal').tenantId);
      if (!t) throw new ApiError('NOT_FOUND', 'no such tenant');
      return c.json({ ...t, createdAt: isoOf(t.createdAt) }, 200);
    },
  );

  admin.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/tenant',
      tags: ['admin'],
      summary: 'Set the pseudonym pattern a PatientID must match in full (null: PatientID must be empty)',
      request: { body: { required: true, content: json(z.object({ pseudonymRegex: z.string().max(200).nullable() })) } },
      responses: { 200: { description: 'Updated', content: json(TenantSchema) }, ...errors() },
    }),
    async (c) => {
      const { pseudonymRegex } = c.req.valid('json');
      if (pseudonymRegex !== null) {
        const re = compilePseudonym(pseudonymRegex);
        if (typeof re === 'string') throw new ApiError('VALIDATION_FAILED', `pseudonymRegex: ${re}`);
      }
      const t = await c.get('deps').store.tenants.setPseudonymRegex(c.get('principal').tenantId, pseudonymRegex);
      await audit(c, 'tenant.update', null, { pseudonymRegex: pseudonymRegex !== null });
      return c.json({ ...t, createdAt: isoOf(t.createdAt) }, 200);
    },
  );

  admin.openapi(
    createRoute({
      method: 'get',
      path: '/v1/audit',
      tags: ['admin'],
      summary: 'The audit log, newest first (`before` is the id cursor); filters by action, actor, study and time',
      request: {
        query: AuditFilters.extend({
          before: z.coerce.number().int().min(1).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
      responses: {
        200: {
          description: 'Audit records',
          content: json(
            z.object({
              items: z.array(
                z.object({
                  id: z.number().int(),
                  keyId: z.string().nullable(),
                  role: z.string().nullable(),
                  action: z.string(),
                  studyId: z.string().nullable(),
                  detail: z.unknown(),
                  at: z.string(),
                }),
              ),
              nextBefore: z.number().int().nullable(),
            }),
          ),
        },
        ...errors(),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await c.get('deps').store.audit.list(c.get('principal').tenantId, {
        ...auditQuery(q),
        ...(q.before !== undefined ? { before: q.before } : {}),
        limit: q.limit,
      });
      const items = rows.map((r) => ({
        id: r.id,
        keyId: r.keyId,
        role: r.role,
        action: r.action,
        studyId: r.studyId,
        detail: r.detail,
        at: isoOf(r.at),
      }));
      return c.json({ items, nextBefore: rows.length === q.limit ? (rows[rows.length - 1]?.id ?? null) : null }, 200);
    },
  );
  return admin;
}
