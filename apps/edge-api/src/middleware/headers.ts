/**
 * Response headers every answer carries, and the CORS policy. The API serves JSON and DICOM to
 * programs, never pages, so the headers deny framing, sniffing, referrers and caching; browser
 * apps of partners are allowed only from origins the operator lists (`EMBOLUS_CORS_ORIGINS`).
 */
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from '../deps';

const SECURITY_HEADERS: Record<string, string> = {
  // Responses carry study data, new keys and webhook secrets: no cache may keep them.
  // Downloads set their own `private, no-store`.
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=31536000',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Embolus-Notice': 'research software, not for clinical use',
};

/** Sets the security headers (before the handler runs, so handlers may override them). */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // Before next(): a header set after the handler makes Hono clone the finished response,
    // which forces @hono/node-server off its fast path.
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
    await next();
  };
}

/**
 * CORS: deny by default (no Access-Control-Allow-Origin for an unlisted origin), listed origins
 * get the usual answers; preflights (OPTIONS) are answered 204 without a key. Only requests that
 * carry an Origin header (browsers) go through it.
 */
export function corsPolicy(origins: readonly string[]): MiddlewareHandler<AppEnv> {
  const allowed = new Set(origins);
  const handler = cors({
    origin: (origin) => (allowed.has(origin.toLowerCase()) ? origin : null),
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    // Accept: DICOMweb clients (OHIF) send quoted media-type parameters, which are not CORS-safelisted.
    allowHeaders: ['Authorization', 'Content-Type', 'Embolus-Lease-Token', 'Accept'],
    exposeHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Warning'],
    maxAge: 600,
    credentials: false,
  });
  return async (c, next) => (c.req.header('origin') !== undefined || c.req.method === 'OPTIONS' ? handler(c, next) : next());
}
