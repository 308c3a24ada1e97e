/**
 * Dashboard users and their sessions. Passwords arrive here already hashed (the API hashes
 * with scrypt); session tokens arrive in clear and only their SHA-256 is stored.
 */
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { SqlDriver } from '../driver';
import { DbError } from '../errors';
import { newId, randomToken, sha256Hex, type Clock } from '../ids';
import { sessions, users, type UserRole } from '../schema';

/** A user as listed: never the password hash. */
export type UserInfo = Omit<typeof users.$inferSelect, 'passwordHash'>;

/** A live session with its user, as the API resolves it from a cookie. */
export interface SessionView {
  sessionId: string;
  userId: string;
  tenantId: string;
  role: UserRole;
  email: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

/** Session tokens look like `ems_<43 base64url chars>` (32 random bytes). */
export const SESSION_TOKEN_PATTERN = /^ems_[A-Za-z0-9_-]{43}$/;

/** Lower-cases and trims an email; the stored form. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function messageOf(e: unknown): string {
  return e instanceof Error ? `${e.message} ${String((e as { cause?: unknown }).cause ?? '')}` : String(e);
}

const INFO = {
  id: users.id,
  tenantId: users.tenantId,
  email: users.email,
  role: users.role,
  createdAt: users.createdAt,
  disabledAt: users.disabledAt,
  oidcSubject: users.oidcSubject,
};

/**
 * A password hash that no password matches: an invited user before the link is used, or a user
 * whose password an admin reset (the old password stops working at once).
 */
export const NO_PASSWORD = '!none';

/** Users repository. */
export class UserRepo {
  constructor(
    private readonly d: SqlDriver,
    private readonly clock: Clock,
  ) {}

  /** Creates a user. @throws DbError CONFLICT when the email is taken, NOT_FOUND without the tenant. */
  async create(input: {
    tenantId: string;
    email: string;
    role: UserRole;
    passwordHash: string;
    oidcSubject?: string | null;
  }): Promise<UserInfo> {
    const info: UserInfo = {
      id: newId(),
      tenantId: input.tenantId,
      email: normalizeEmail(input.email),
      role: input.role,
      createdAt: this.clock.now(),
      disabledAt: null,
      oidcSubject: input.oidcSubject ?? null,
    };
    try {
      await this.d.db.insert(users).values({ ...info, passwordHash: input.passwordHash });
    } catch (e) {
      const m = messageOf(e);
      if (/UNIQUE constraint failed/i.test(m))
        throw new DbError('CONFLICT', 'a user with this email exists', { cause: e, details: { table: 'users' } });
      if (/FOREIGN KEY/i.test(m)) throw new DbError('NOT_FOUND', 'no such tenant', { cause: e, details: { table: 'tenants' } });
      throw e;
    }
    return info;
  }

  /** The user with this email and its password hash (for sign-in), or null. */
  async byEmail(email: string): Promise<(UserInfo & { passwordHash: string }) | null> {
    const [row] = await this.d.db
      .select()
      .from(users)
      .where(eq(users.email, normalizeEmail(email)));
    return row ?? null;
  }

  async list(tenantId: string): Promise<UserInfo[]> {
    return this.d.db.select(INFO).from(users).where(eq(users.tenantId, tenantId)).orderBy(asc(users.email));
  }

  /** Number of users of the tenant (the one-command stack creates the first admin once). */
  async count(tenantId: string): Promise<number> {
    return (await this.list(tenantId)).length;
  }

  /** One user of the tenant, or null. */
  async get(tenantId: string, userId: string): Promise<UserInfo | null> {
    const [row] = await this.d.db
      .select(INFO)
      .from(users)
      .where(and(eq(users.id, userId), eq(users.tenantId, tenantId)));
    return row ?? null;
  }

  /** The user signed in through the IdP as `subject` (`<issuer> <sub>`), or null. */
  async byOidcSubject(subject: string): Promise<UserInfo | null> {
    const [row] = await this.d.db.select(INFO).from(users).where(eq(users.oidcSubject, subject));
    return row ?? null;
  }

  /**
   * Changes role, disabled state, or the linked IdP subject. Disabling revokes every session of
   * the user at once (sessions of disabled users also stop resolving). @returns the user, or null.
   */
  async update(
    tenantId: string,
    userId: string,
    change: { role?: UserRole; disabled?: boolean; oidcSubject?: string },
  ): Promise<UserInfo | null> {
    const set: Partial<typeof users.$inferInsert> = {};
    if (change.role !== undefined) set.role = change.role;
    if (change.disabled !== undefined) set.disabledAt = change.disabled ? this.clock.now() : null;
    if (change.oidcSubject !== undefined) set.oidcSubject = change.oidcSubject;
    if (Object.keys(set).length > 0) {
      const rows = await this.d.db
        .update(users)
        .set(set)
        .where(and(eq(users.id, userId), eq(users.tenantId, tenantId)))
        .returning({ id: users.id });
      if (rows.length === 0) return null;
    }
    if (change.disabled === true)
      await this.d.db
        .update(sessions)
        .set({ revokedAt: this.clock.now() })
        .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
    return this.get(tenantId, userId);
  }

  /** Replaces the password hash and revokes every session of the user. @returns false when no such user. */
  async setPasswordHash(tenantId: string, userId: string, passwordHash: string): Promise<boolean> {
    const rows = await this.d.db
      .update(users)
      .set({ passwordHash })
      .where(and(eq(users.id, userId), eq(users.tenantId, tenantId)))
      .returning({ id: users.id });
    if (rows.length === 0) return false;
    await this.d.db
      .update(sessions)
      .set({ revokedAt: this.clock.now() })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
    return true;
  }
}

/** Sessions repository. */
export class SessionRepo {
  constructor(
    private readonly d: SqlDriver,
    private readonly clock: Clock,
  ) {}

  /** Starts a session for a user; returns the token in clear, once. */
  async create(input: {
    userId: string;
    tenantId: string;
    ttlMs: number;
  }): Promise<{ token: string; sessionId: string; expiresAt: number }> {
    const token = `ems_${randomToken(32)}`;
    const now = this.clock.now();
    const row = {
      id: newId(),
      tokenHash: await sha256Hex(token),
      userId: input.userId,
      tenantId: input.tenantId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + input.ttlMs,
      revokedAt: null,
    };
    await this.d.db.insert(sessions).values(row);
    return { token, sessionId: row.id, expiresAt: row.expiresAt };
  }

  /**
   * The unrevoked session of `token` whose user is enabled, or null. Expiry and idle time are
   * the caller's to judge (it knows the configured idle timeout and audits the reason).
   */
  async resolve(token: string): Promise<SessionView | null> {
    if (!SESSION_TOKEN_PATTERN.test(token)) return null;
    const [row] = await this.d.db
      .select({
        sessionId: sessions.id,
        userId: sessions.userId,
        tenantId: users.tenantId,
        role: users.role,
        email: users.email,
        createdAt: sessions.createdAt,
        lastSeenAt: sessions.lastSeenAt,
        expiresAt: sessions.expiresAt,
      })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.tokenHash, await sha256Hex(token)), isNull(sessions.revokedAt), isNull(users.disabledAt)));
    return row ?? null;
  }

  /** Records use of the session now (the idle timeout counts from here). */
  async touch(sessionId: string): Promise<void> {
    await this.d.db.update(sessions).set({ lastSeenAt: this.clock.now() }).where(eq(sessions.id, sessionId));
  }

  /** Revokes one session. @returns false when it was not live. */
  async revoke(sessionId: string): Promise<boolean> {
    const rows = await this.d.db
      .update(sessions)
      .set({ revokedAt: this.clock.now() })
      .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id });
    return rows.length > 0;
  }

  /** Deletes sessions that ended (expired or revoked) before `cutoff`. @returns how many. */
  async prune(cutoff: number): Promise<number> {
    // Plain SQL through the driver, like the audit pruning, so it runs wherever that does.
    const rows = await this.d.select('DELETE FROM sessions WHERE expires_at < ? OR revoked_at < ? RETURNING id', [cutoff, cutoff]);
    return rows.length;
  }
}
