/**
 * Dashboard user accounts of the tenant (admin role): list and create.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { USER_ROLES } from '@embolus/db';
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN } from '../auth/password';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { isoOf } from '../schemas';
import { audit, errors, json, router } from './common';

export const users = router();

const UserSchema = z
  .object({ id: z.string(), email: z.string(), role: z.enum(USER_ROLES), createdAt: z.string(), disabledAt: z.string().nullable() })
  .openapi('User');
const view = (u: { id: string; email: string; role: (typeof USER_ROLES)[number]; createdAt: number; disabledAt: number | null }) => ({
  id: u.id,
  email: u.email,
  role: u.role,
  createdAt: isoOf(u.createdAt),
  disabledAt: isoOf(u.disabledAt),
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
        content: json(z.object({ email: z.email().max(254), role: z.enum(USER_ROLES), password: z.string().min(PASSWORD_MIN).max(PASSWORD_MAX) })),
      },
    },
    responses: { 201: { description: 'Created', content: json(UserSchema) }, ...errors(409) },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const p = c.get('principal');
    const { store } = c.get('deps');
    const user = await store.users.create({ tenantId: p.tenantId, email: body.email, role: body.role, passwordHash: await hashPassword(body.password) });
    await audit(c, 'user.create', null, { userId: user.id, role: user.role });
    return c.json(view(user), 201);
  },
);
