/**
 * Per-key rate limits, applied by the limiter in deps (see `rate-limiter.ts`).
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps';
import { ApiError } from '../errors';

export { MemoryRateLimiter, StoreRateLimiter, type RateDecision, type RateLimiter } from '../rate-limiter';

/** Refuses requests over the key's per-minute limit with 429 and Retry-After. */
export function rateLimit(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { config, rateLimiter, clock } = c.get('deps');
    if (config.rateLimitPerMinute > 0) {
      const d = await rateLimiter.hit(`key:${c.get('principal').keyId}`, config.rateLimitPerMinute, 60_000);
      c.header('RateLimit-Limit', String(d.limit));
      c.header('RateLimit-Remaining', String(d.remaining));
      c.header('RateLimit-Reset', String(Math.max(0, Math.ceil((d.resetAt - clock.now()) / 1000))));
      if (!d.allowed) {
        const retryAfter = Math.max(1, Math.ceil((d.resetAt - clock.now()) / 1000));
        c.header('Retry-After', String(retryAfter));
        throw new ApiError('RATE_LIMITED', `more than ${d.limit} requests per minute for this key`, {
          details: { limit: d.limit, retryAfterSeconds: retryAfter },
        });
      }
    }
    await next();
  };
}
