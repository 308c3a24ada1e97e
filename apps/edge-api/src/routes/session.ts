/**
 * Dashboard sign-in, sign-out and "who am I". Sign-in is public (rate-limited per account and
 * per client address); the other two go through the normal authentication, by session.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { normalizeEmail, sha256Hex } from '@embolus/db';
import type { Context } from 'hono';
import { csrfTokenOf, clientAddress, isHttps, sameOrigin, sessionCookie } from '../auth/sessions';
import { dummyHash, PASSWORD_MAX, verifyPassword } from '../auth/password';
import type { AppEnv } from '../deps';
import { ApiError } from '../errors';
import { sessionOf } from '../middleware/session';
import { errors, json, router } from './common';

export const sessionRoutes = router();

const UserRole = z.enum(['clinician', 'quality', 'admin']);
const SessionInfo = z
  .object({
    user: z.object({ id: z.string(), email: z.string(), role: UserRole, tenantId: z.string(), tenantName: z.string() }),
    /** Send as `X-CSRF-Token` on every change made with this session. */
    csrfToken: z.string(),
    expiresAt: z.string(),
    idleTimeoutSeconds: z.number().int(),
  })
  .openapi('Session');

/** A sign-in attempt that did not start a session, audited without the email (only the user id, when known). */
async function auditFailure(
  c: Context<AppEnv>,
  reason: string,
  user: { id: string; tenantId: string; role: string } | null,
): Promise<void> {
  await c.get('deps').store.audit.write({
    // Unknown emails have no tenant; the audit table keeps them under a fixed marker.
    tenantId: user?.tenantId ?? '-',
    keyId: user ? `user:${user.id}` : null,
    role: user?.role ?? null,
    action: 'auth.sign_in_failed',
    detail: { reason, client: await sha256Hex(clientAddress(c)).then((h) => h.slice(0, 16)) },
  });
}

async function sessionBody(
  c: Context<AppEnv>,
  token: string,
  s: { userId: string; email: string; role: z.infer<typeof UserRole>; tenantId: string; expiresAt: number },
) {
  const tenant = await c.get('deps').store.tenants.get(s.tenantId);
  return {
    user: { id: s.userId, email: s.email, role: s.role, tenantId: s.tenantId, tenantName: tenant?.name ?? '' },
    csrfToken: await csrfTokenOf(token),
    expiresAt: new Date(s.expiresAt).toISOString(),
    idleTimeoutSeconds: Math.round(c.get('deps').config.session.idleMs / 1000),
  };
}

sessionRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/auth/sign-in',
    tags: ['auth'],
    summary: 'Sign in with email and password; sets the httpOnly session cookie',
    security: [],
    request: {
      body: {
        required: true,
        content: json(z.object({ email: z.string().min(3).max(254), password: z.string().min(1).max(PASSWORD_MAX) })),
      },
    },
    responses: { 200: { description: 'Signed in', content: json(SessionInfo) }, ...errors() },
  }),
  async (c) => {
    const { store, rateLimiter, config, clock } = c.get('deps');
    if (!sameOrigin(c)) throw new ApiError('FORBIDDEN', 'sign-in is accepted from this origin only', { details: { csrf: true } });
    const { email, password } = c.req.valid('json');
    const limit = config.session.signInPerMinute;
    const account = await rateLimiter.hit(`signin:account:${await sha256Hex(normalizeEmail(email))}`, limit, 60_000);
    const client = await rateLimiter.hit(`signin:client:${clientAddress(c)}`, limit * 3, 60_000);
    const user = await store.users.byEmail(email);
    if (!account.allowed || !client.allowed) {
      const retryAfter = Math.max(
        1,
        Math.ceil((Math.max(account.allowed ? 0 : account.resetAt, client.allowed ? 0 : client.resetAt) - clock.now()) / 1000),
      );
      await auditFailure(c, 'rate_limited', user);
      c.header('Retry-After', String(retryAfter));
      throw new ApiError('RATE_LIMITED', 'too many sign-in attempts; wait and try again', { details: { retryAfterSeconds: retryAfter } });
    }
    // An unknown email costs the same scrypt work as a wrong password, so timing tells nothing.
    const ok = await verifyPassword(password, user && user.disabledAt === null ? user.passwordHash : await dummyHash());
    if (!user || user.disabledAt !== null || !ok) {
      await auditFailure(c, !user ? 'unknown_email' : user.disabledAt !== null ? 'disabled' : 'wrong_password', user);
      throw new ApiError('UNAUTHORIZED', 'wrong email or password');
    }
    const { token, expiresAt } = await store.sessions.create({ userId: user.id, tenantId: user.tenantId, ttlMs: config.session.ttlMs });
    await store.audit.write({ tenantId: user.tenantId, keyId: `user:${user.id}`, role: user.role, action: 'auth.sign_in', detail: null });
    c.header('Set-Cookie', sessionCookie(token, config.session.ttlMs / 1000, isHttps(c)));
    c.header('Cache-Control', 'no-store');
    return c.json(
      await sessionBody(c, token, { userId: user.id, email: user.email, role: user.role, tenantId: user.tenantId, expiresAt }),
      200,
    );
  },
);

sessionRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/v1/auth/session',
    tags: ['auth'],
    summary: 'The signed-in user and the CSRF token of the session',
    responses: { 200: { description: 'The session', content: json(SessionInfo) }, ...errors() },
  }),
  async (c) => {
    const s = sessionOf(c);
    if (!s) throw new ApiError('BAD_REQUEST', 'this request is authenticated by a key, not a session');
    c.header('Cache-Control', 'no-store');
    return c.json(await sessionBody(c, s.token, s.view), 200);
  },
);

sessionRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/v1/auth/sign-out',
    tags: ['auth'],
    summary: 'Sign out: revokes the session and clears its cookie',
    responses: { 200: { description: 'Signed out', content: json(z.object({ signedOut: z.literal(true) })) }, ...errors() },
  }),
  async (c) => {
    const s = sessionOf(c);
    if (!s) throw new ApiError('BAD_REQUEST', 'sign-out ends a session; revoke a key with `embolus-api keys revoke`');
    const { store } = c.get('deps');
    await store.sessions.revoke(s.view.sessionId);
    await store.audit.write({
      tenantId: s.view.tenantId,
      keyId: `user:${s.view.userId}`,
      role: s.view.role,
      action: 'auth.sign_out',
      detail: null,
    });
    c.header('Set-Cookie', sessionCookie('', 0, isHttps(c)));
    return c.json({ signedOut: true as const }, 200);
  },
);
