/**
 * Bearer-key authentication and role checks.
 */
import type { Principal, Role } from '@embolus/db';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../deps';
import { ApiError } from '../errors';

/** Verified keys by key, for `authCacheMs`: most requests skip the hash lookup in the database. */
export class KeyCache {
  private readonly entries = new Map<string, { principal: Principal; expires: number }>();

  get(key: string, now: number): Principal | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.principal;
  }

  set(key: string, principal: Principal, expires: number): void {
    if (this.entries.size >= 10_000) this.entries.clear();
    this.entries.set(key, { principal, expires });
  }

  /** Forgets a revoked key at once (in this process; others within the cache time, at most 2 s). */
  forgetKeyId(keyId: string): void {
    for (const [k, e] of this.entries) if (e.principal.keyId === keyId) this.entries.delete(k);
  }
}

/**
 * Client addresses that failed authentication too often, until their window ends. Kept per
 * process; the count itself goes through the app's RateLimiter (in the database when shared),
 * so a cluster lets at most the limit plus one per process through in a window.
 */
export class AuthFailureGuard {
  private readonly blocked = new Map<string, number>();

  /** Epoch ms until which `address` is refused, or undefined. */
  blockedUntil(address: string, now: number): number | undefined {
    const until = this.blocked.get(address);
    if (until === undefined) return undefined;
    if (until <= now) {
      this.blocked.delete(address);
      return undefined;
    }
    return until;
  }

  block(address: string, until: number): void {
    if (this.blocked.size >= 10_000) this.blocked.clear();
    this.blocked.set(address, until);
  }
}

const AUTH_WINDOW_MS = 60_000;

/**
 * Requires `Authorization: Bearer <key>`; a missing, malformed, unknown or revoked key is 401.
 * Failed attempts are counted per client address: past `authFailuresPerMinute` the address gets
 * 429 with Retry-After until the window ends, before any key is looked at (so guessing stops
 * even for a guess that would be right). Sets `principal`.
 */
export function authenticate(cache: KeyCache, guard = new AuthFailureGuard()): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { store, clock, config, rateLimiter, clientAddress } = c.get('deps');
    const now = clock.now();
    const address = clientAddress?.(c) ?? 'unknown';
    const limited = config.authFailuresPerMinute > 0;
    const refuse = (until: number): never => {
      const retryAfter = Math.max(1, Math.ceil((until - now) / 1000));
      c.header('Retry-After', String(retryAfter));
      throw new ApiError('RATE_LIMITED', 'too many failed authentications from this address', {
        details: { limit: config.authFailuresPerMinute, retryAfterSeconds: retryAfter },
      });
    };
    const fail = async (message: string): Promise<never> => {
      if (limited) {
        const d = await rateLimiter.hit(`authfail:${address}`, config.authFailuresPerMinute, AUTH_WINDOW_MS);
        if (!d.allowed) {
          guard.block(address, d.resetAt);
          refuse(d.resetAt);
        }
      }
      throw new ApiError('UNAUTHORIZED', message);
    };
    if (limited) {
      const until = guard.blockedUntil(address, now);
      if (until !== undefined) refuse(until);
    }
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return fail('an API key is required: Authorization: Bearer <key>');
    const key = m[1] as string;
    let principal = cache.get(key, now);
    if (!principal) {
      principal = (await store.keys.authenticate(key)) ?? undefined;
      if (!principal) return fail('unknown or revoked API key');
      if (config.authCacheMs > 0) cache.set(key, principal, now + config.authCacheMs);
    }
    c.set('principal', principal);
    await next();
  };
}

/** Allows only the listed roles (403 otherwise). */
export function requireRole(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { role } = c.get('principal');
    if (!roles.includes(role)) {
      throw new ApiError('FORBIDDEN', `this operation needs one of the roles: ${roles.join(', ')}`, { details: { role, allowed: roles } });
    }
    await next();
  };
}

/** Who may do what. One table, so routes and tests agree. */
export const ROLES_FOR = {
  readStudies: ['clinician', 'partner', 'quality', 'admin'],
  upload: ['clinician', 'partner', 'admin'],
  labels: ['quality'],
  metrics: ['quality', 'admin'],
  /** Site thresholds and drift alerts (issue 18). */
  quality: ['quality', 'admin'],
  models: ['clinician', 'partner', 'quality', 'admin'],
  webhooks: ['partner', 'admin'],
  jobs: ['quality', 'admin'],
  runner: ['runner', 'platform-runner'],
  admin: ['admin'],
} as const satisfies Record<string, readonly Role[]>;
