/**
 * Dashboard user accounts of the tenant (admin role): list, create, invite, change role,
 * disable or enable, and reset a password. Every change is audited with who made it.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { NO_PASSWORD, USER_ROLES } from '@embolus/db';
import type { Context } from 'hono';
import type { AppEnv } from '../deps';
import { ApiError } from '../errors';
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN } from '../auth/password';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { isoOf } from '../schemas';
import { audit, errors, json, router } from './common';

export const users = router();

const UserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.enum(USER_ROLES),
    createdAt: z.string(),
    disabledAt: z.string().nullable(),
    sso: z.boolean(),
  })
  .openapi('User');
const view = (u: {
  id: string;
  email: string;
  role: (typeof USER_ROLES)[number];
  createdAt: number;
  disabledAt: number | null;
  oidcSubject?: string | null;
}) => ({
  id: u.id,
  email: u.email,
  role: u.role,
  createdAt: isoOf(u.createdAt) as string,
  disabledAt: isoOf(u.disabledAt),
  /** Signs in through the IdP. */
  sso: (u.oidcSubject ?? null) !== null,
});

users.openapi(
  createRoute({
    method: 'get',
    path: '/v1/users',
    tags: ['admin'],
    summary: 'The tenant’s dashboard users',
    middleware: [requireRole(...ROLES_FOR.admin)] as const,
    responses: { 200: { description: 'Users', content: json(z.object({ items: z.array(UserSchema) })) }, ...errors() },
  }),
  async (c) => {
    const rows = await c.get('deps').store.users.list(c.get('principal').tenantId);
    return c.json({ items: rows.map(view) }, 200);
  },
);

users.openapi(
  createRoute({
    method: 'post',
    path: '/v1/users',
    tags: ['admin'],
    summary: 'Create a dashboard user in the tenant',
    middleware: [requireRole(...ROLES_FOR.admin)] as const,
    request: {
      body: {
        required: true,
        content: json(
          z.object({ email: z.email().max(254), role: z.enum(USER_ROLES), password: z.string().min(PASSWORD_MIN).max(PASSWORD_MAX) }),
        ),
      },
    },
    responses: { 201: { description: 'Created', content: json(UserSchema) }, ...errors(409) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const p = c.get('principal');
    const { store } = c.get('deps');
    const user = await store.users.create({
      tenantId: p.tenantId,
      email: body.email,
      role: body.role,
      passwordHash: await hashPassword(body.password),
    });
    await audit(c, 'user.create', null, { userId: user.id, role: user.role });
    return c.json(view(user), 201);
  },
);

/** How long a set-password link works: an invitation a week, a reset a day. */
const LINK_TTL_MS = { invite: 7 * 86_400_000, reset: 86_400_000 } as const;

const LinkSchema = z.object({ setPasswordUrl: z.string(), expiresAt: z.string() });

/** The one-time link (the token in the fragment, so it reaches no server log or Referer). */
function linkOf(c: Context<AppEnv>, token: string, expiresAt: number) {
  const base = c.get('deps').config.publicBaseUrl ?? new URL(c.req.url).origin;
  return { setPasswordUrl: `${base}/set-password#token=${token}`, expiresAt: isoOf(expiresAt) as string };
}

users.openapi(
  createRoute({
    method: 'post',
    path: '/v1/users/invite',
    tags: ['admin'],
    summary: 'Invite a user: creates the account and a one-time set-password link (shown once; no email is sent)',
    middleware: [requireRole(...ROLES_FOR.admin)] as const,
    request: { body: { required: true, content: json(z.object({ email: z.email().max(254), role: z.enum(USER_ROLES) })) } },
    responses: { 201: { description: 'Invited', content: json(z.object({ user: UserSchema, invite: LinkSchema })) }, ...errors(409) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const p = c.get('principal');
    const { store } = c.get('deps');
    const user = await store.users.create({ tenantId: p.tenantId, email: body.email, role: body.role, passwordHash: NO_PASSWORD });
    const link = await store.passwordTokens.issue({
      userId: user.id,
      tenantId: p.tenantId,
      purpose: 'invite',
      createdBy: p.keyId,
      ttlMs: LINK_TTL_MS.invite,
    });
    await audit(c, 'user.invite', null, { userId: user.id, role: user.role });
    return c.json({ user: view(user), invite: linkOf(c, link.token, link.expiresAt) }, 201);
  },
);

const UserParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

users.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/users/{id}',
    tags: ['admin'],
    summary: 'Change a user’s role, or disable (ends their sessions at once) or enable them',
    middleware: [requireRole(...ROLES_FOR.admin)] as const,
    request: {
      params: UserParam,
      body: {
        required: true,
        content: json(
          z
            .object({ role: z.enum(USER_ROLES).optional(), disabled: z.boolean().optional() })
            .refine((b) => b.role !== undefined || b.disabled !== undefined, 'give role or disabled'),
        ),
      },
    },
    responses: { 200: { description: 'Updated', content: json(UserSchema) }, ...errors(404, 409) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const p = c.get('principal');
    const { store } = c.get('deps');
    if (p.keyId === `user:${id}` && (body.disabled === true || (body.role !== undefined && body.role !== 'admin'))) {
      throw new ApiError('CONFLICT', 'you cannot disable your own account or remove your own admin role; ask another admin');
    }
    const before = await store.users.get(p.tenantId, id);
    if (!before) throw new ApiError('NOT_FOUND', 'no such user');
    const after = await store.users.update(p.tenantId, id, body);
    if (!after) throw new ApiError('NOT_FOUND', 'no such user');
    if (body.role !== undefined && body.role !== before.role)
      await audit(c, 'user.role_change', null, { userId: id, from: before.role, to: body.role });
    if (body.disabled !== undefined && body.disabled !== (before.disabledAt !== null))
      await audit(c, body.disabled ? 'user.disable' : 'user.enable', null, { userId: id });
    return c.json(view(after), 200);
  },
);

users.openapi(
  createRoute({
    method: 'post',
    path: '/v1/users/{id}/reset',
    tags: ['admin'],
    summary:
      'Reset a user’s password: the old one stops working, their sessions end, and a one-time set-password link is returned (shown once)',
    middleware: [requireRole(...ROLES_FOR.admin)] as const,
    request: { params: UserParam },
    responses: { 200: { description: 'Reset', content: json(z.object({ user: UserSchema, reset: LinkSchema })) }, ...errors(404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const p = c.get('principal');
    const { store } = c.get('deps');
    const user = await store.users.get(p.tenantId, id);
    if (!user || !(await store.users.setPasswordHash(p.tenantId, id, NO_PASSWORD))) throw new ApiError('NOT_FOUND', 'no such user');
    const link = await store.passwordTokens.issue({
      userId: id,
      tenantId: p.tenantId,
      purpose: 'reset',
      createdBy: p.keyId,
      ttlMs: LINK_TTL_MS.reset,
    });
    await audit(c, 'user.password_reset', null, { userId: id });
    return c.json({ user: view(user), reset: linkOf(c, link.token, link.expiresAt) }, 200);
  },
);
