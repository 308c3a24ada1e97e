/**
 * Tenants and API keys. A key is shown once, at creation; only its SHA-256 is stored.
 */
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { SqlDriver } from '../driver';
import { DbError } from '../errors';
import { newId, randomToken, sha256Hex, type Clock } from '../ids';
import { apiKeys, PLATFORM_TENANT, tenants, type Role } from '../schema';

export type Tenant = typeof tenants.$inferSelect;
/** A key as listed: never the key itself, never its hash. */
export type ApiKeyInfo = Omit<typeof apiKeys.$inferSelect, 'keyHash'>;

/** Who a valid key belongs to. */
export interface Principal {
  keyId: string;
  tenantId: string;
  role: Role;
}

/** Keys look like `emb_<32 base64url chars>`; the prefix (first 12 chars) identifies them in lists. */
export const KEY_PATTERN = /^emb_[A-Za-z0-9_-]{32}$/;

function isUniqueViolation(e: unknown): boolean {
  const msg = e instanceof Error ? `${e.message} ${String((e as { cause?: unknown }).cause ?? '')}` : String(e);
  return /UNIQUE constraint failed/i.test(msg);
}

/** Tenants repository. */
export class TenantRepo {
  constructor(
    private readonly d: SqlDriver,
    private readonly clock: Clock,
  ) {}

  /**
   * Creates a tenant. Names starting with `@` are reserved (see `ensurePlatform`).
   * @throws DbError CONFLICT when the name is taken, INVALID_STATE for a reserved name.
   */
  async create(input: { name: string; pseudonymRegex?: string | null }): Promise<Tenant> {
    if (input.name.startsWith('@'))
      throw new DbError('INVALID_STATE', 'tenant names starting with @ are reserved', { details: { table: 'tenants' } });
    return this.insert(input);
  }

  private async insert(input: { name: string; pseudonymRegex?: string | null }): Promise<Tenant> {
    const row = {
      id: newId(),
      name: input.name,
      pseudonymRegex: input.pseudonymRegex ?? null,
      worklistVersion: 0,
      claimSeq: 0,
      createdAt: this.clock.now(),
    };
    try {
      await this.d.db.insert(tenants).values(row);
    } catch (e) {
      if (isUniqueViolation(e))
        throw new DbError('CONFLICT', 'a tenant with this name exists', { cause: e, details: { table: 'tenants' } });
      throw e;
    }
    return row;
  }

  async get(id: string): Promise<Tenant | null> {
    const [row] = await this.d.db.select().from(tenants).where(eq(tenants.id, id));
    return row ?? null;
  }

  async byName(name: string): Promise<Tenant | null> {
    const [row] = await this.d.db.select().from(tenants).where(eq(tenants.name, name));
    return row ?? null;
  }

  /** The tenant that holds platform-runner keys (PLATFORM_TENANT), created when absent. */
  ensurePlatform(): Promise<Tenant> {
    return this.ensure(PLATFORM_TENANT);
  }

  /** The tenant named `name`, created when absent (PLATFORM_TENANT included). */
  async ensure(name: string): Promise<Tenant> {
    const existing = await this.byName(name);
    if (existing) return existing;
    try {
      return await (name === PLATFORM_TENANT ? this.insert({ name }) : this.create({ name }));
    } catch (e) {
      // Lost a race with another creator: the row exists now.
      const again = await this.byName(name);
      if (again) return again;
      throw e;
    }
  }

  async list(): Promise<Tenant[]> {
    return this.d.db.select().from(tenants).orderBy(asc(tenants.name));
  }

  /** Sets (or clears, with null) the tenant's pseudonymous PatientID pattern. */
  async setPseudonymRegex(id: string, pseudonymRegex: string | null): Promise<Tenant> {
    const [row] = await this.d.db.update(tenants).set({ pseudonymRegex }).where(eq(tenants.id, id)).returning();
    if (!row) throw new DbError('NOT_FOUND', 'no such tenant', { details: { table: 'tenants' } });
    return row;
  }
}

/** API keys repository. */
export class KeyRepo {
  constructor(
    private readonly d: SqlDriver,
    private readonly clock: Clock,
  ) {}

  /**
   * Creates a key and returns it in clear, once. A `platform-runner` key belongs to the
   * PLATFORM_TENANT, which holds no other role: a tenant's admin can never mint a key that
   * reaches other tenants' jobs, and no key of the platform tenant can upload or read studies.
   * @throws DbError NOT_FOUND for an unknown tenant, INVALID_STATE when role and tenant do not match.
   */
  async create(input: { tenantId: string; role: Role; label?: string | null }): Promise<{ key: string; info: ApiKeyInfo }> {
    const [tenant] = await this.d.db.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, input.tenantId));
    if (!tenant) throw new DbError('NOT_FOUND', 'no such tenant', { details: { table: 'tenants' } });
    if ((input.role === 'platform-runner') !== (tenant.name === PLATFORM_TENANT)) {
      throw new DbError('INVALID_STATE', `platform-runner keys, and only they, belong to the ${PLATFORM_TENANT} tenant`, {
        details: { table: 'api_keys', role: input.role },
      });
    }
    const key = `emb_${randomToken(24)}`;
    const info: ApiKeyInfo = {
      id: newId(),
      tenantId: input.tenantId,
      role: input.role,
      prefix: key.slice(0, 12),
      label: input.label ?? null,
      createdAt: this.clock.now(),
      revokedAt: null,
    };
    try {
      await this.d.db.insert(apiKeys).values({ ...info, keyHash: await sha256Hex(key) });
    } catch (e) {
      if (/FOREIGN KEY/i.test(String(e instanceof Error ? `${e.message} ${String(e.cause ?? '')}` : e))) {
        throw new DbError('NOT_FOUND', 'no such tenant', { cause: e, details: { table: 'tenants' } });
      }
      throw e;
    }
    return { key, info };
  }

  /** The principal of a valid, unrevoked key, or null. */
  async authenticate(key: string): Promise<Principal | null> {
    if (!KEY_PATTERN.test(key)) return null;
    const hash = await sha256Hex(key);
    const [row] = await this.d.db
      .select({ keyId: apiKeys.id, tenantId: apiKeys.tenantId, role: apiKeys.role })
      .from(apiKeys)
      .where(and(eq(apiKeys.keyHash, hash), isNull(apiKeys.revokedAt)));
    return row ?? null;
  }

  async list(tenantId: string): Promise<ApiKeyInfo[]> {
    return this.d.db
      .select({
        id: apiKeys.id,
        tenantId: apiKeys.tenantId,
        role: apiKeys.role,
        prefix: apiKeys.prefix,
        label: apiKeys.label,
        createdAt: apiKeys.createdAt,
        revokedAt: apiKeys.revokedAt,
      })
      .from(apiKeys)
      .where(eq(apiKeys.tenantId, tenantId))
      .orderBy(asc(apiKeys.createdAt));
  }

  /** Revokes a key of the tenant. @returns false when no such key. */
  async revoke(tenantId: string, id: string): Promise<boolean> {
    const rows = await this.d.db
      .update(apiKeys)
      .set({ revokedAt: this.clock.now() })
      .where(and(eq(apiKeys.id, id), eq(apiKeys.tenantId, tenantId), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id });
    return rows.length > 0;
  }
}
