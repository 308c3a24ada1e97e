/**
 * The audit log: append-only records of who read or changed which study's data.
 */
import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import type { SqlDriver } from '../driver';
import type { Clock } from '../ids';
import { auditLog, rateLimits } from '../schema';

/** One audit entry to write. `detail` must not hold patient-identifying values. */
export interface AuditEntry {
  tenantId: string;
  keyId: string | null;
  role: string | null;
  action: string;
  studyId?: string | null;
  detail?: Record<string, unknown> | null;
}

/** An audit record as read back. */
export interface AuditRecord {
  id: number;
  tenantId: string;
  keyId: string | null;
  role: string | null;
  action: string;
  studyId: string | null;
  detail: Record<string, unknown> | null;
  at: number;
}

type Row = (string | number | null)[];
const COLUMNS = 7;
const defer: (f: () => void) => void = typeof setImmediate === 'function' ? (f) => void setImmediate(f) : queueMicrotask;

/**
 * Audit log repository. Every read of study data writes a record before the data is served,
 * so writes are group-committed: records written during one turn of the event loop go into one
 * multi-row INSERT (one commit), and each write resolves only once its row is committed.
 */
export class AuditRepo {
  private pending: { row: Row; resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(private readonly d: SqlDriver, private readonly clock: Clock) {}

  /** Appends one record; resolves when it is committed, rejects when it could not be. */
  write(e: AuditEntry): Promise<void> {
    const row: Row = [e.tenantId, e.keyId, e.role, e.action, e.studyId ?? null, e.detail ? JSON.stringify(e.detail) : null, this.clock.now()];
    return new Promise((resolve, reject) => {
      if (this.pending.push({ row, resolve, reject }) === 1) defer(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    const size = Math.max(1, Math.floor(this.d.maxParameters / COLUMNS));
    for (let i = 0; i < batch.length; i += size) {
      const chunk = batch.slice(i, i + size);
      const values = chunk.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ');
      try {
        await this.d.execute(`INSERT INTO audit_log (tenant_id, key_id, role, action, study_id, detail, at) VALUES ${values}`, chunk.flatMap((p) => p.row));
        for (const p of chunk) p.resolve();
      } catch (err) {
        for (const p of chunk) p.reject(err);
      }
    }
  }

  /** The tenant's records, newest first; `before` is an id cursor. */
  async list(tenantId: string, q: { studyId?: string; action?: string; before?: number; limit: number }): Promise<AuditRecord[]> {
    const where: SQL[] = [eq(auditLog.tenantId, tenantId)];
    if (q.studyId) where.push(eq(auditLog.studyId, q.studyId));
    if (q.action) where.push(eq(auditLog.action, q.action));
    if (q.before !== undefined) where.push(lt(auditLog.id, q.before));
    const rows = await this.d.db.select().from(auditLog).where(and(...where)).orderBy(desc(auditLog.id)).limit(q.limit);
    return rows.map((r) => ({ ...r, detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null }));
  }
}

/** Fixed-window counters in the database, shared by every process or isolate using it. */
export class RateLimitRepo {
  constructor(private readonly d: SqlDriver, private readonly clock: Clock) {}

  /** Counts one hit in `bucket`'s current window of `windowMs` and returns the count so far. */
  async hit(bucket: string, windowMs: number): Promise<{ count: number; resetAt: number }> {
    const now = this.clock.now();
    const windowStart = now - (now % windowMs);
    const [row] = await this.d.db
      .insert(rateLimits)
      .values({ bucket, windowStart, count: 1 })
      .onConflictDoUpdate({
        target: rateLimits.bucket,
        set: {
          count: sql`CASE WHEN ${rateLimits.windowStart} = excluded.window_start THEN ${rateLimits.count} + 1 ELSE 1 END`,
          windowStart: sql`excluded.window_start`,
        },
      })
      .returning({ count: rateLimits.count });
    return { count: row?.count ?? 1, resetAt: windowStart + windowMs };
  }
}
