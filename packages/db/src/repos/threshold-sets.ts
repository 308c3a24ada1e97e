/**
 * Site threshold sets (issue 18): immutable versions per tenant; the active set is the tenant's
 * highest version, so applying, and rolling back (re-applying an older set's values), both add a
 * version and keep who and when.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import { run } from '../driver';
import type { SqlDriver } from '../driver';
import { DbError } from '../errors';
import { newId, type Clock } from '../ids';
import { thresholdSets } from '../schema';

/** A stored threshold set with its JSON parsed. */
export interface ThresholdSet {
  id: string;
  tenantId: string;
  version: number;
  thresholds: Record<string, number>;
  /** The rule that chose each label's threshold, or null where the value was given by hand. */
  rules: Record<string, unknown>;
  note: string | null;
  createdBy: string;
  createdAt: number;
}

function parse(row: typeof thresholdSets.$inferSelect): ThresholdSet {
  try {
    return {
      ...row,
      thresholds: JSON.parse(row.thresholds) as Record<string, number>,
      rules: JSON.parse(row.rules) as Record<string, unknown>,
    };
  } catch (e) {
    throw new DbError('CORRUPT_ROW', 'stored threshold set is not JSON', { cause: e, details: { table: 'threshold_sets' } });
  }
}

/** Threshold set repository. */
export class ThresholdSetRepo {
  constructor(
    private readonly d: SqlDriver,
    private readonly clock: Clock,
  ) {}

  /**
   * Adds the tenant's next version in one statement (the version is computed inside the INSERT,
   * and the unique index refuses a concurrent duplicate rather than letting two sets share one).
   */
  async create(
    tenantId: string,
    input: { thresholds: Record<string, number>; rules: Record<string, unknown>; note?: string | null; createdBy: string },
  ): Promise<ThresholdSet> {
    const id = newId();
    const now = this.clock.now();
    await this.d.batch([
      run(sql`INSERT INTO threshold_sets (id, tenant_id, version, thresholds, rules, note, created_by, created_at)
        SELECT ${id}, ${tenantId}, COALESCE(MAX(version), 0) + 1, ${JSON.stringify(input.thresholds)}, ${JSON.stringify(input.rules)},
          ${input.note ?? null}, ${input.createdBy}, ${now}
        FROM threshold_sets WHERE tenant_id = ${tenantId}`),
    ]);
    const [row] = await this.d.db.select().from(thresholdSets).where(eq(thresholdSets.id, id));
    if (!row) throw new DbError('INVALID_STATE', 'insert returned no row', { details: { table: 'threshold_sets' } });
    return parse(row);
  }

  /** The tenant's active set (highest version), or null when it uses the model's thresholds. */
  async active(tenantId: string): Promise<ThresholdSet | null> {
    const [row] = await this.d.db
      .select()
      .from(thresholdSets)
      .where(eq(thresholdSets.tenantId, tenantId))
      .orderBy(desc(thresholdSets.version))
      .limit(1);
    return row ? parse(row) : null;
  }

  async byVersion(tenantId: string, version: number): Promise<ThresholdSet | null> {
    const [row] = await this.d.db
      .select()
      .from(thresholdSets)
      .where(and(eq(thresholdSets.tenantId, tenantId), eq(thresholdSets.version, version)));
    return row ? parse(row) : null;
  }

  /** Every version, newest first. */
  async list(tenantId: string, q: { limit: number; offset: number }): Promise<ThresholdSet[]> {
    const rows = await this.d.db
      .select()
      .from(thresholdSets)
      .where(eq(thresholdSets.tenantId, tenantId))
      .orderBy(desc(thresholdSets.version))
      .limit(q.limit)
      .offset(q.offset);
    return rows.map(parse);
  }
}
