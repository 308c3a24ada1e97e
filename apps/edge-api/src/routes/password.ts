/**
 * Setting a password with a one-time link from an invitation or a reset (public: the token is
 * the credential). Rate-limited per client address, like sign-in.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN } from '../auth/password';
import { clientAddress, sameOrigin } from '../auth/sessions';
import { ApiError } from '../errors';
import { errors, json, router } from './common';

export const password = router();

password.openapi(
  createRoute({
    method: 'post',
    path: '/v1/auth/set-password',
    tags: ['auth'],
    summary: 'Set a password with a one-time link (invitation or reset); every session of the user ends',
    security: [],
    request: {
      body: {
        required: true,
        content: json(z.object({ token: z.string().min(1).max(100), password: z.string().min(PASSWORD_MIN).max(PASSWORD_MAX) })),
      },
    },
    responses: { 200: { description: 'Password set: sign in with it', content: json(z.object({ email: z.string() })) }, ...errors(409) },
  }),
  async (c) => {
    const { store, rateLimiter, config, clock } = c.get('deps');
    if (!sameOrigin(c)) throw new ApiError('FORBIDDEN', 'passwords are set from this origin only', { details: { csrf: true } });
    const hit = await rateLimiter.hit(`setpassword:client:${clientAddress(c)}`, config.session.signInPerMinute, 60_000);
    if (!hit.allowed) {
      const retryAfter = Math.max(1, Math.ceil((hit.resetAt - clock.now()) / 1000));
      c.header('Retry-After', String(retryAfter));
      throw new ApiError('RATE_LIMITED', 'too many attempts; wait and try again', { details: { retryAfterSeconds: retryAfter } });
    }
    const body = c.req.valid('json');
    // Hashed before the token is used, so a slow hash cannot leave a used token and no password.
    const hash = await hashPassword(body.password);
    const link = await store.passwordTokens.consume(body.token);
    if (!link)
      throw new ApiError(
        'UNAUTHORIZED',
        'this link is not valid: it was used, replaced by a newer one, or expired. Ask an administrator for a new one',
      );
    const user = await store.users.get(link.tenantId, link.userId);
    if (!user) throw new ApiError('UNAUTHORIZED', 'this link is not valid');
    if (user.disabledAt !== null) throw new ApiError('CONFLICT', 'this account is disabled: ask an administrator');
    await store.users.setPasswordHash(link.tenantId, link.userId, hash);
    await store.audit.write({
      tenantId: link.tenantId,
      keyId: `user:${user.id}`,
      role: user.role,
      action: 'user.password_set',
      detail: { purpose: link.purpose },
    });
    return c.json({ email: user.email }, 200);
  },
);
