/**
 * Cookie-session authentication (dashboard users): resolves the same principal a key does,
 * `{ keyId: 'user:<id>', tenantId, role }`, so every route's role checks apply unchanged.
 */
import type { SessionView } from '@embolus/db';
import type { Context, MiddlewareHandler } from 'hono';
import {
  BACKGROUND_HEADER,
  CSRF_HEADER,
  csrfTokenOf,
  isHttps,
  sameOrigin,
  sameString,
  sessionCookie,
  sessionEnded,
  sessionTokenOf,
  TOUCH_INTERVAL_MS,
} from '../auth/sessions';
import type { AppEnv } from '../deps';
import { ApiError } from '../errors';

/** The resolved session of a request, for the auth routes (sign-out, whoami). */
// Keyed by the context, not the Request: body-limit middleware replaces `c.req.raw`.
const bySession = new WeakMap<object, { view: SessionView; token: string }>();

/** The session that authenticated this request, or undefined (a key, or none). */
export function sessionOf(c: Context<AppEnv>): { view: SessionView; token: string } | undefined {
  return bySession.get(c);
}

/** Whether the request should be authenticated by session: a session cookie and no Authorization header. */
export function usesSession(c: Context): boolean {
  return c.req.header('authorization') === undefined && sessionTokenOf(c) !== undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Requires a live session cookie (401 otherwise, and the cookie is cleared); for mutations also
 * a same origin and the session's CSRF token (403 otherwise). Sets `principal`.
 */
export function sessionAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { store, clock, config } = c.get('deps');
    const token = sessionTokenOf(c);
    const clear = () => c.header('Set-Cookie', sessionCookie('', 0, isHttps(c)));
    if (!token) throw new ApiError('UNAUTHORIZED', 'an API key or a session is required');
    const view = await store.sessions.resolve(token);
    if (!view) {
      clear();
      throw new ApiError('UNAUTHORIZED', 'the session has ended: sign in again');
    }
    const now = clock.now();
    const ended = sessionEnded(view, now, config.session.idleMs);
    if (ended) {
      await store.sessions.revoke(view.sessionId);
      await store.audit.write({
        tenantId: view.tenantId,
        keyId: `user:${view.userId}`,
        role: view.role,
        action: 'auth.session_ended',
        detail: { reason: ended },
      });
      clear();
      throw new ApiError('UNAUTHORIZED', `the session has ended (${ended === 'idle' ? 'idle timeout' : 'expired'}): sign in again`, {
        details: { reason: ended },
      });
    }
    if (!SAFE_METHODS.has(c.req.method)) {
      const sent = c.req.header(CSRF_HEADER) ?? '';
      if (!sameOrigin(c) || !sameString(sent, await csrfTokenOf(token))) {
        throw new ApiError('FORBIDDEN', `a cookie-authenticated change needs a same-origin request with the ${CSRF_HEADER} header`, {
          details: { csrf: true },
        });
      }
    }
    const background = c.req.header(BACKGROUND_HEADER) === '1';
    if (!background && now - view.lastSeenAt >= TOUCH_INTERVAL_MS) await store.sessions.touch(view.sessionId);
    bySession.set(c, { view, token });
    c.set('principal', { keyId: `user:${view.userId}`, tenantId: view.tenantId, role: view.role });
    await next();
  };
}
