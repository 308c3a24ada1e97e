/**
 * The audit log: append-only records of who read or changed which study's data, kept for a
 * retention period. Records hold ids and counts, never bodies: a worklist page's study ids are
 * stored once per distinct page (`audit_pages`) and a record names the page by its hash.
 */
import { and, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { SqlDriver } from '../driver';
import { sha256Hex, type Clock } from '../ids';
import { auditLog, auditPages, rateLimits } from '../schema';

/** One audit entry to write. `detail` must not hold patient-identifying values. */
export interface AuditEntry {
  tenantId: string;
  keyId: string | null;
  role: string | null;
  action: string;
  studyId?: string | null;
  detail?: Record<string, unknown> | null;
  /**
   * The study ids a list read showed (see {@link auditPage}). Stored once per distinct page;
   * the record's detail gets `page` (the hash) and reads back with `studyIds` again.
   */
  page?: AuditPage;
}

/** A list of study ids and its hash, as {@link auditPage} builds it. */
export interface AuditPage {
  hash: string;
  studyIds: readonly string[];
}

/** Names a page of study ids by the first 128 bits of SHA-256 over them (hex). */
export async function auditPage(studyIds: readonly string[]): Promise<AuditPage> {
  return { hash: (await sha256Hex(studyIds.join(','))).slice(0, 32), studyIds };
}

/** What one pruning pass deleted. */
export interface PruneOutcome {
  auditRecords: number;
  auditPages: number;
  rateLimitWindows: number;
  /** False when the statement budget ran out before every due record was deleted. */
  complete: boolean;
}

/** A page's `last_at` is refreshed at most this often, so repeated reads do not rewrite it. */
const PAGE_REFRESH_MS = 3_600_000;
/** Rate-limit windows are minutes long; a bucket untouched for a day is dead. */
const RATE_LIMIT_KEEP_MS = 86_400_000;

/** Filters of an audit read: exact action, actor (`keyId`, e.g. `user:<id>`) and study; `[from, to)` in epoch ms. */
export interface AuditQuery {
  studyId?: string;
  action?: string;
  keyId?: string;
  from?: number;
  to?: number;
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
  private pending: { row: Row; page: { tenantId: string; page: AuditPage } | null; resolve: () => void; reject: (e: unknown) => void }[] =
    [];
  /** Pages this process stored or refreshed recently (tenant|hash → when), bounded. */
  private readonly pagesSeen = new Map<string, number>();

  constructor(
    private readonly d: SqlDriver,
    private readonly clock: Clock,
  ) {}

  /** Appends one record; resolves when it is committed, rejects when it could not be. */
  write(e: AuditEntry): Promise<void> {
    const detail = e.page ? { ...(e.detail ?? {}), page: e.page.hash } : e.detail;
    const row: Row = [e.tenantId, e.keyId, e.role, e.action, e.studyId ?? null, detail ? JSON.stringify(detail) : null, this.clock.now()];
    const page = e.page ? { tenantId: e.tenantId, page: e.page } : null;
    return new Promise((resolve, reject) => {
      if (this.pending.push({ row, page, resolve, reject }) === 1) defer(() => void this.flush());
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
        // Pages first: a page without a record is harmless (pruned later), the reverse is not.
        await this.storePages(chunk.flatMap((p) => (p.page ? [p.page] : [])));
        await this.d.execute(
          `INSERT INTO audit_log (tenant_id, key_id, role, action, study_id, detail, at) VALUES ${values}`,
          chunk.flatMap((p) => p.row),
        );
        for (const p of chunk) p.resolve();
      } catch (err) {
        for (const p of chunk) p.reject(err);
      }
    }
  }

  /**
   * Stores each distinct page once, or refreshes its `last_at` when older than an hour. Pages
   * this process handled in the last 10 minutes are skipped: their row exists and is young
   * enough that pruning (retention ≥ 1 day, plus an hour) cannot have removed it.
   */
  private async storePages(pages: { tenantId: string; page: AuditPage }[]): Promise<void> {
    const now = this.clock.now();
    for (const { tenantId, page } of pages) {
      const key = `${tenantId}|${page.hash}`;
      const seen = this.pagesSeen.get(key);
      if (seen !== undefined && now - seen < 600_000) continue;
      await this.d.execute(
        `INSERT INTO audit_pages (tenant_id, hash, study_ids, last_at) VALUES (?, ?, ?, ?)
          ON CONFLICT (tenant_id, hash) DO UPDATE SET last_at = excluded.last_at
            WHERE audit_pages.last_at < excluded.last_at - ${PAGE_REFRESH_MS}`,
        [tenantId, page.hash, JSON.stringify(page.studyIds), now],
      );
      this.pagesSeen.delete(key);
      this.pagesSeen.set(key, now);
      if (this.pagesSeen.size > 10_000) this.pagesSeen.delete(this.pagesSeen.keys().next().value as string);
    }
  }

  /**
   * Deletes records older than `retentionMs` in batches of `batch` (each a short write, so other
   * writers are not held up), then pages no retained record can name and dead rate-limit windows.
   * At most `maxStatements` record deletes run (D1 allows 50 queries per invocation on the Free
   * plan); `complete` says whether everything due went. Safe from several processes at once.
   */
  async prune(retentionMs: number, options: { batch?: number; maxStatements?: number } = {}): Promise<PruneOutcome> {
    const batch = options.batch ?? 1000;
    const now = this.clock.now();
    const cutoff = now - retentionMs;
    const out: PruneOutcome = { auditRecords: 0, auditPages: 0, rateLimitWindows: 0, complete: false };
    // CROSS JOIN keeps tenants as the outer loop, so each tenant's due records are one range of
    // the (tenant_id, at) index: no scan of the whole log, even when nothing is due.
    for (let i = 0; i < (options.maxStatements ?? Number.POSITIVE_INFINITY); i++) {
      const deleted = await this.d.select(
        'DELETE FROM audit_log WHERE id IN ' +
          '(SELECT a.id FROM tenants t CROSS JOIN audit_log a ON a.tenant_id = t.id AND a.at < ? LIMIT ?) RETURNING id',
        [cutoff, batch],
      );
      out.auditRecords += deleted.length;
      if (deleted.length < batch) {
        out.complete = true;
        break;
      }
    }
    // A retained record (at ≥ cutoff) refreshed its page's last_at to within an hour of `at`.
    out.auditPages = (await this.d.select('DELETE FROM audit_pages WHERE last_at < ? RETURNING hash', [cutoff - PAGE_REFRESH_MS])).length;
    out.rateLimitWindows = (
      await this.d.select('DELETE FROM rate_limits WHERE window_start < ? RETURNING bucket', [now - RATE_LIMIT_KEEP_MS])
    ).length;
    this.pagesSeen.clear();
    return out;
  }

  /** The tenant's records, newest first; `before` is an id cursor. */
  async list(tenantId: string, q: AuditQuery & { before?: number; limit: number }): Promise<AuditRecord[]> {
    const where: SQL[] = [eq(auditLog.tenantId, tenantId)];
    if (q.studyId) where.push(eq(auditLog.studyId, q.studyId));
    if (q.action) where.push(eq(auditLog.action, q.action));
    if (q.keyId) where.push(eq(auditLog.keyId, q.keyId));
    if (q.from !== undefined) where.push(gte(auditLog.at, q.from));
    if (q.to !== undefined) where.push(lt(auditLog.at, q.to));
    if (q.before !== undefined) where.push(lt(auditLog.id, q.before));
    const rows = await this.d.db
      .select()
      .from(auditLog)
      .where(and(...where))
      .orderBy(desc(auditLog.id))
      .limit(q.limit);
    const records = rows.map((r) => ({ ...r, detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null }));
    // Pages are expanded again, so a list record reads back with the study ids it showed.
    const hashes = [...new Set(records.flatMap((r) => (typeof r.detail?.['page'] === 'string' ? [r.detail['page']] : [])))];
    const pages = new Map<string, unknown>();
    for (let i = 0; i < hashes.length; i += 90) {
      const found = await this.d.db
        .select({ hash: auditPages.hash, studyIds: auditPages.studyIds })
        .from(auditPages)
        .where(and(eq(auditPages.tenantId, tenantId), inArray(auditPages.hash, hashes.slice(i, i + 90))));
      for (const p of found) pages.set(p.hash, JSON.parse(p.studyIds));
    }
    for (const r of records) {
      const ids = r.detail && typeof r.detail['page'] === 'string' ? pages.get(r.detail['page']) : undefined;
      if (r.detail && ids) r.detail = { ...r.detail, studyIds: ids };
    }
    return records;
  }
}

/** Fixed-window counters in the database, shared by every process or isolate using it. */
export class RateLimitRepo {
  constructor(
    private readonly d: SqlDriver,
    private readonly clock: Clock,
  ) {}

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
