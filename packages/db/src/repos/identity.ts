/**
 * Identity beyond passwords: one-time set-password links (invitations and resets) and each
 * tenant's OpenID Connect provider with its sign-ins under way. Tokens and `state` values arrive
 * in clear and only their SHA-256 is stored.
 */
import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { SqlDriver } from '../driver';
import { DbError } from '../errors';
import { randomToken, sha256Hex, type Clock } from '../ids';
import { oidcLogins, oidcProviders, passwordTokens, type UserRole } from '../schema';

/** Why a set-password link was made. */
export type PasswordTokenPurpose = 'invite' | 'reset';

/** Set-password tokens look like `emp_<32 base64url chars>` (24 random bytes). */
export const PASSWORD_TOKEN_PATTERN = /^emp_[A-Za-z0-9_-]{32}$/;

/** One-time set-password links. */
export class PasswordTokenRepo {
  constructor(
    private readonly d: SqlDriver,
    private readonly clock: Clock,
  ) {}

  /**
   * Makes a new link for the user; every earlier unused link of the user stops working.
   * @returns the token in clear (shown once) and its expiry.
   */
  async issue(input: {
    userId: string;
    tenantId: string;
    purpose: PasswordTokenPurpose;
    createdBy: string;
    ttlMs: number;
  }): Promise<{ token: string; expiresAt: number }> {
    const now = this.clock.now();
    await this.d.db
      .update(passwordTokens)
      .set({ usedAt: now })
      .where(and(eq(passwordTokens.userId, input.userId), isNull(passwordTokens.usedAt)));
    const token = `emp_${randomToken(24)}`;
    const expiresAt = now + input.ttlMs;
    await this.d.db.insert(passwordTokens).values({
      tokenHash: await sha256Hex(token),
      userId: input.userId,
      tenantId: input.tenantId,
      purpose: input.purpose,
      createdBy: input.createdBy,
      createdAt: now,
      expiresAt,
    });
    return { token, expiresAt };
  }

  /**
   * Uses a link: marks it used if it is unused and unexpired (atomically, so it works once).
   * @returns its user, tenant and purpose, or null for an unknown, used or expired token.
   */
  async consume(token: string): Promise<{ userId: string; tenantId: string; purpose: PasswordTokenPurpose } | null> {
    if (!PASSWORD_TOKEN_PATTERN.test(token)) return null;
    const now = this.clock.now();
    const [row] = await this.d.db
      .update(passwordTokens)
      .set({ usedAt: now })
      .where(and(eq(passwordTokens.tokenHash, await sha256Hex(token)), isNull(passwordTokens.usedAt), gt(passwordTokens.expiresAt, now)))
      .returning({ userId: passwordTokens.userId, tenantId: passwordTokens.tenantId, purpose: passwordTokens.purpose });
    return row ?? null;
  }
}

/** One row of a group-to-role table. */
export interface RoleMapping {
  group: string;
  role: UserRole;
}

/** A tenant's IdP as stored; `clientSecret` is the API's ciphertext, never clear text. */
export interface OidcProvider {
  tenantId: string;
  displayName: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  groupClaim: string;
  roleMap: RoleMapping[];
  enabled: boolean;
  updatedAt: number;
  updatedBy: string;
}

/** A sign-in under way, as taken back at the callback. */
export interface OidcLogin {
  tenantId: string;
  browserHash: string;
  codeVerifier: string;
  nonce: string;
  nextPath: string;
  expiresAt: number;
}

type ProviderRow = typeof oidcProviders.$inferSelect;

function provider(row: ProviderRow): OidcProvider {
  let roleMap: RoleMapping[];
  try {
    roleMap = JSON.parse(row.roleMap) as RoleMapping[];
  } catch (e) {
    throw new DbError('CORRUPT_ROW', 'role_map does not parse', { cause: e, details: { table: 'oidc_providers' } });
  }
  return { ...row, roleMap };
}

/** Tenants' OpenID Connect providers and pending sign-ins. */
export class OidcRepo {
  constructor(
    private readonly d: SqlDriver,
    private readonly clock: Clock,
  ) {}

  async get(tenantId: string): Promise<OidcProvider | null> {
    const [row] = await this.d.db.select().from(oidcProviders).where(eq(oidcProviders.tenantId, tenantId));
    return row ? provider(row) : null;
  }

  /** Enabled providers of every tenant, for the sign-in page's buttons. */
  async listEnabled(): Promise<{ tenantId: string; displayName: string }[]> {
    return this.d.db
      .select({ tenantId: oidcProviders.tenantId, displayName: oidcProviders.displayName })
      .from(oidcProviders)
      .where(eq(oidcProviders.enabled, true));
  }

  /** Creates or replaces the tenant's provider. */
  async put(input: Omit<OidcProvider, 'updatedAt'>): Promise<OidcProvider> {
    const row = { ...input, roleMap: JSON.stringify(input.roleMap), updatedAt: this.clock.now() };
    await this.d.db
      .insert(oidcProviders)
      .values(row)
      .onConflictDoUpdate({ target: oidcProviders.tenantId, set: { ...row, tenantId: undefined } });
    return { ...input, updatedAt: row.updatedAt };
  }

  /** Records a sign-in under way, keyed by the SHA-256 of its `state`. */
  async startLogin(state: string, login: OidcLogin): Promise<void> {
    await this.d.db.insert(oidcLogins).values({ stateHash: await sha256Hex(state), ...login });
    // Abandoned sign-ins are dropped as new ones start, so the table stays small.
    await this.d.db.delete(oidcLogins).where(lt(oidcLogins.expiresAt, this.clock.now()));
  }

  /** Takes (deletes and returns) the unexpired sign-in of `state`, so it is used at most once. */
  async takeLogin(state: string): Promise<OidcLogin | null> {
    if (state.length === 0 || state.length > 200) return null;
    const [row] = await this.d.db
      .delete(oidcLogins)
      .where(eq(oidcLogins.stateHash, await sha256Hex(state)))
      .returning();
    if (!row || row.expiresAt <= this.clock.now()) return null;
    const { stateHash: _s, ...login } = row;
    void _s;
    return login;
  }
}
