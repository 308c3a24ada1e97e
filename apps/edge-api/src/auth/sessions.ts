/**
 * Dashboard session rules, kept out of the handlers: the cookies, when a session has ended, the
 * CSRF token and the same-origin check.
 *
 * CSRF defence is two-fold: the session cookie is `SameSite=Strict` (a cross-site request does
 * not carry it at all in current browsers), and every cookie-authenticated mutation must send
 * `X-CSRF-Token` equal to a value derived from the session token, which only same-origin script
 * can learn (from the sign-in response or GET /v1/auth/session), plus an `Origin` (or
 * `Sec-Fetch-Site`) that says same origin.
 */
import { sha256Hex, type SessionView } from '@embolus/db';
import type { Context } from 'hono';

/** The httpOnly session cookie. */
export const SESSION_COOKIE = 'embolus_session';
/** The header a cookie-authenticated mutation must carry. */
export const CSRF_HEADER = 'x-csrf-token';
/**
 * Sent by the dashboard on its automatic refreshes (worklist polling): such a request is served
 * but does not count as use, so a screen left open still reaches the idle timeout.
 */
export const BACKGROUND_HEADER = 'x-embolus-background';
/** `lastSeenAt` is written at most this often, so reads are not all writes. */
export const TOUCH_INTERVAL_MS = 60_000;

/** Why a session no longer counts. */
export type SessionEnd = 'expired' | 'idle';

/** Whether the session has ended at `now` (absolute expiry or idle timeout), and why. */
export function sessionEnded(s: Pick<SessionView, 'expiresAt' | 'lastSeenAt'>, now: number, idleMs: number): SessionEnd | null {
  if (now >= s.expiresAt) return 'expired';
  // lastSeenAt lags by up to TOUCH_INTERVAL_MS, so the idle limit is honoured within that.
  if (now - s.lastSeenAt > idleMs) return 'idle';
  return null;
}

/** The CSRF token of a session: derived from the token, so nothing more is stored. */
export async function csrfTokenOf(sessionToken: string): Promise<string> {
  return (await sha256Hex(`embolus-csrf\u0000${sessionToken}`)).slice(0, 43);
}

/** Constant-time string compare (lengths may leak; both sides here are fixed-length). */
export function sameString(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Whether the request was served over https (directly, or behind a proxy that says so). */
export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

/**
 * Whether the request comes from a page of this origin: `Origin` equal to the request's own
 * origin, or, without `Origin`, `Sec-Fetch-Site: same-origin`. A request with neither (curl, an
 * old browser) passes here; the CSRF token still has to match.
 */
export function sameOrigin(c: Context): boolean {
  const origin = c.req.header('origin');
  if (origin) {
    const own = new URL(c.req.url);
    const host = c.req.header('host') ?? own.host;
    const proto = isHttps(c) ? 'https:' : own.protocol;
    return origin === `${proto}//${host}`;
  }
  const site = c.req.header('sec-fetch-site');
  return site === undefined || site === 'same-origin' || site === 'none';
}

/** The Set-Cookie value that stores (or, with `maxAgeSeconds` 0, clears) the session token. */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  const maxAge = Math.max(0, Math.floor(maxAgeSeconds));
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}

/** The session token in the request's cookies, if any. */
export function sessionTokenOf(c: Context): string | undefined {
  const header = c.req.header('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === SESSION_COOKIE) return part.slice(i + 1).trim() || undefined;
  }
  return undefined;
}

/** The address sign-in attempts are counted by: Cloudflare's header, else the socket's peer. */
export function clientAddress(c: Context): string {
  const cf = c.req.header('cf-connecting-ip');
  if (cf) return cf;
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}
