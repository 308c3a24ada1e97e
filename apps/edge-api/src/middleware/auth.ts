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

  /** Forgets a revoked key at once (in this process; others within the cache time). */
  forgetKeyId(keyId: string): void {
    for (const [k, e] of this.entries) if (e.principal.keyId === keyId) this.entries.delete(k);
  }
}

/**
 * Requires `Authorization: Bearer <key>`; a missing, malformed, unknown or revoked key is 401.
 * Sets `principal`.
 */
export function authenticate(cache: KeyCache): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { store, clock, config } = c.get('deps');
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new ApiError('UNAUTHORIZED', 'an API key is required: Authorization: Bearer <key>');
    const key = m[1] as string;
    const now = clock.now();
    let principal = cache.get(key, now);
    if (!principal) {
      principal = (await store.keys.authenticate(key)) ?? undefined;
      if (!principal) throw new ApiError('UNAUTHORIZED', 'unknown or revoked API key');
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
  models: ['clinician', 'partner', 'quality', 'admin'],
  webhooks: ['partner', 'admin'],
  jobs: ['quality', 'admin'],
  runner: ['runner'],
  admin: ['admin'],
} as const satisfies Record<string, readonly Role[]>;
