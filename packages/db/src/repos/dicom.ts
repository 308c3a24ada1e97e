/**
 * DICOM network integration: calling AE titles allowed per tenant, result destinations (PACS
 * over DIMSE, DICOMweb STOW-RS) and the delivery log of results sent to them. Deliveries are
 * leased like webhook deliveries, so two dispatchers never send the same one at once.
 */
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { run, type SqlDriver } from '../driver';
import { DbError } from '../errors';
import { newId, type Clock } from '../ids';
import { dicomAeTitles, dicomDeliveries, dicomDestinations } from '../schema';
import { backoffCap } from '@embolus/shared';
import type { Backoff } from './jobs';

export type DicomDestination = typeof dicomDestinations.$inferSelect;
export type DicomDeliveryRow = typeof dicomDeliveries.$inferSelect;

/** One attempt in a DICOM delivery's log (errors are codes and DIMSE statuses, never values). */
export interface DicomDeliveryAttempt {
  at: number;
  ok: boolean;
  error: string | null;
  ms: number;
}

/** A new destination. DIMSE needs host, port and called AE; STOW-RS needs a URL. */
export type NewDicomDestination =
  | { name: string; kind: 'dimse'; host: string; port: number; calledAe: string; callingAe?: string | null }
  | { name: string; kind: 'stow-rs'; url: string };

/** The artifact name of a result's SR; key images are `dicom-key-<n>.dcm`. */
export const DICOM_SR_ARTIFACT = 'dicom-sr.dcm';

/** AE titles: 1–16 characters of the default repertoire, no backslash, not all spaces (PS3.5 6.2). */
export const AE_TITLE_PATTERN = /^(?! *$)[\x20-\x5b\x5d-\x7e]{1,16}$/;

/** Normalizes an AE title as compared on the wire: leading and trailing spaces are not significant. */
export function normalizeAeTitle(ae: string): string {
  return ae.trim();
}

function isUniqueViolation(e: unknown): boolean {
  const msg = e instanceof Error ? `${e.message} ${String((e as { cause?: unknown }).cause ?? '')}` : String(e);
  return /UNIQUE constraint failed/i.test(msg);
}

/** DICOM integration repository. */
export class DicomRepo {
  constructor(
    private readonly d: SqlDriver,
    private readonly clock: Clock,
  ) {}

  /**
   * Replaces the tenant's allowed calling AE titles.
   * @throws DbError INVALID_INPUT for a malformed title, CONFLICT when another tenant holds one.
   */
  async setAeTitles(tenantId: string, titles: readonly string[]): Promise<string[]> {
    const wanted = [...new Set(titles.map(normalizeAeTitle))];
    for (const [i, t] of wanted.entries()) {
      if (!AE_TITLE_PATTERN.test(t))
        throw new DbError('INVALID_INPUT', 'an AE title must be 1–16 printable characters without backslash', { details: { index: i } });
    }
    for (const t of wanted) {
      const [owner] = await this.d.db.select().from(dicomAeTitles).where(eq(dicomAeTitles.aeTitle, t));
      if (owner && owner.tenantId !== tenantId)
        throw new DbError('CONFLICT', 'an AE title is mapped to another tenant', { details: { table: 'dicom_ae_titles', aeTitle: t } });
    }
    const now = this.clock.now();
    await this.d.batch([
      run(sql`DELETE FROM dicom_ae_titles WHERE tenant_id = ${tenantId}`),
      ...wanted.map((aeTitle) =>
        run(sql`INSERT INTO dicom_ae_titles (ae_title, tenant_id, created_at) VALUES (${aeTitle}, ${tenantId}, ${now})`),
      ),
    ]);
    return wanted;
  }

  /** The tenant's allowed calling AE titles. */
  async aeTitles(tenantId: string): Promise<string[]> {
    const rows = await this.d.db
      .select()
      .from(dicomAeTitles)
      .where(eq(dicomAeTitles.tenantId, tenantId))
      .orderBy(asc(dicomAeTitles.aeTitle));
    return rows.map((r) => r.aeTitle);
  }

  /** The tenant a calling AE title belongs to, or null (the association is then rejected). */
  async tenantForAe(aeTitle: string): Promise<string | null> {
    const [row] = await this.d.db
      .select()
      .from(dicomAeTitles)
      .where(eq(dicomAeTitles.aeTitle, normalizeAeTitle(aeTitle)));
    return row?.tenantId ?? null;
  }

  /** Adds a destination. @throws DbError CONFLICT when the tenant has one with this name. */
  async createDestination(tenantId: string, input: NewDicomDestination): Promise<DicomDestination> {
    const row: DicomDestination = {
      id: newId(),
      tenantId,
      name: input.name,
      kind: input.kind,
      host: input.kind === 'dimse' ? input.host : null,
      port: input.kind === 'dimse' ? input.port : null,
      calledAe: input.kind === 'dimse' ? input.calledAe : null,
      callingAe: input.kind === 'dimse' ? (input.callingAe ?? null) : null,
      url: input.kind === 'stow-rs' ? input.url : null,
      active: true,
      createdAt: this.clock.now(),
    };
    try {
      await this.d.db.insert(dicomDestinations).values(row);
    } catch (e) {
      if (isUniqueViolation(e))
        throw new DbError('CONFLICT', 'a destination with this name exists', { cause: e, details: { table: 'dicom_destinations' } });
      throw e;
    }
    return row;
  }

  async destinations(tenantId: string): Promise<DicomDestination[]> {
    return this.d.db.select().from(dicomDestinations).where(eq(dicomDestinations.tenantId, tenantId)).orderBy(asc(dicomDestinations.name));
  }

  async destination(id: string): Promise<DicomDestination | null> {
    const [row] = await this.d.db.select().from(dicomDestinations).where(eq(dicomDestinations.id, id));
    return row ?? null;
  }

  /** Stops sending to a destination; its pending deliveries fail at their next attempt. */
  async deactivateDestination(tenantId: string, id: string): Promise<boolean> {
    const rows = await this.d.db
      .update(dicomDestinations)
      .set({ active: false })
      .where(and(eq(dicomDestinations.id, id), eq(dicomDestinations.tenantId, tenantId)))
      .returning({ id: dicomDestinations.id });
    return rows.length > 0;
  }

  /** Leases up to `limit` due deliveries (all tenants); an expired lease is due again. */
  async claimDue(limit: number, leaseMs: number): Promise<{ delivery: DicomDeliveryRow; destination: DicomDestination }[]> {
    const now = this.clock.now();
    const due = sql`((status = 'pending' AND next_attempt_at <= ${now}) OR (status = 'sending' AND lease_expires_at <= ${now}))`;
    const claimed = await this.d.db
      .update(dicomDeliveries)
      .set({ status: 'sending', leaseExpiresAt: now + leaseMs })
      .where(
        sql`${dicomDeliveries.id} IN (SELECT id FROM dicom_deliveries WHERE ${due} ORDER BY next_attempt_at LIMIT ${limit}) AND ${due}`,
      )
      .returning();
    const out = [];
    for (const delivery of claimed) {
      const destination = await this.destination(delivery.destinationId);
      if (destination) out.push({ delivery, destination });
    }
    return out;
  }

  /**
   * Records one attempt: success ends the delivery; otherwise it is retried after a backoff
   * until `maxAttempts` (then failed, the objects stay downloadable), or fails at once when the
   * destination was deactivated.
   */
  async recordAttempt(
    id: string,
    attempt: DicomDeliveryAttempt,
    policy: { maxAttempts: number; backoff: Backoff },
  ): Promise<DicomDeliveryRow | null> {
    const [current] = await this.d.db.select().from(dicomDeliveries).where(eq(dicomDeliveries.id, id));
    if (!current) return null;
    const dest = await this.destination(current.destinationId);
    const attempts = current.attempts + 1;
    const log = [...(JSON.parse(current.log) as DicomDeliveryAttempt[]), attempt].slice(-50);
    const giveUp = !attempt.ok && (attempts >= policy.maxAttempts || !dest?.active);
    const [row] = await this.d.db
      .update(dicomDeliveries)
      .set({
        status: attempt.ok ? 'delivered' : giveUp ? 'failed' : 'pending',
        attempts,
        nextAttemptAt: attempt.ok || giveUp ? current.nextAttemptAt : attempt.at + backoffCap(attempts, policy.backoff),
        leaseExpiresAt: null,
        lastError: attempt.error,
        log: JSON.stringify(log),
        deliveredAt: attempt.ok ? attempt.at : null,
      })
      .where(and(eq(dicomDeliveries.id, id), eq(dicomDeliveries.attempts, current.attempts)))
      .returning();
    return row ?? null;
  }

  /**
   * Analysis results that are their study's current result and have no DICOM objects yet
   * (no `dicom-sr.dcm` artifact), created at or after `since`, oldest first; `skip` lists job
   * ids to leave out (failed here).
   */
  async resultsWithoutObjects(
    limit: number,
    skip: readonly string[] = [],
    since = 0,
  ): Promise<{ tenantId: string; studyId: string; jobId: string; resultId: string }[]> {
    const rows = await this.d.db.all<{ tenant_id: string; study_id: string; job_id: string; id: string }>(sql`
      SELECT r.tenant_id, r.study_id, r.job_id, r.id FROM results r JOIN studies s ON s.result_id = r.id
      WHERE r.kind = 'analysis' AND r.created_at >= ${since}
        AND NOT EXISTS (SELECT 1 FROM artifacts a WHERE a.job_id = r.job_id AND a.name = ${DICOM_SR_ARTIFACT})
      ${
        skip.length
          ? sql`AND r.job_id NOT IN (${sql.join(
              skip.map((j) => sql`${j}`),
              sql`, `,
            )})`
          : sql``
      }
      ORDER BY r.created_at LIMIT ${limit}`);
    return rows.map((r) => ({ tenantId: r.tenant_id, studyId: r.study_id, jobId: r.job_id, resultId: r.id }));
  }

  /**
   * Records a result's DICOM objects (blobs already stored) as artifacts of its job and queues
   * them for every active destination, in one transaction. A second writer (another process)
   * loses: its rows are not inserted and `stored` is false, so it deletes its blobs.
   */
  async storeObjects(
    tenantId: string,
    input: { studyId: string; jobId: string; objects: { name: string; size: number; sha256: string; blobKey: string }[] },
  ): Promise<{ stored: boolean; deliveries: number }> {
    const now = this.clock.now();
    const names = input.objects.map((o) => o.name);
    const sr = input.objects.find((o) => o.name === DICOM_SR_ARTIFACT);
    if (!sr) throw new DbError('INVALID_STATE', 'the objects of a result must include the SR', { details: { table: 'artifacts' } });
    const dests = (await this.destinations(tenantId)).filter((d) => d.active);
    // The SR row goes first and only when absent; every later statement requires that this
    // batch's SR row is the one stored, so a losing writer inserts nothing.
    const ours = sql`EXISTS (SELECT 1 FROM artifacts WHERE job_id = ${input.jobId}
      AND name = ${DICOM_SR_ARTIFACT} AND blob_key = ${sr.blobKey})`;
    await this.d.batch([
      ...[sr, ...input.objects.filter((o) => o !== sr)].map((o) =>
        run(sql`INSERT INTO artifacts (id, tenant_id, job_id, study_id, name, content_type, size, sha256, blob_key, created_at)
          SELECT ${newId()}, ${tenantId}, ${input.jobId}, ${input.studyId}, ${o.name},
            'application/dicom', ${o.size}, ${o.sha256}, ${o.blobKey}, ${now}
          WHERE ${o === sr ? sql`NOT EXISTS (SELECT 1 FROM artifacts WHERE job_id = ${input.jobId} AND name = ${DICOM_SR_ARTIFACT})` : ours}
          ON CONFLICT (job_id, name) DO NOTHING`),
      ),
      ...dests.map((d) =>
        run(sql`INSERT INTO dicom_deliveries (id, tenant_id, destination_id, study_id, job_id,
            artifacts, status, attempts, next_attempt_at, log, created_at)
          SELECT ${newId()}, ${tenantId}, ${d.id}, ${input.studyId}, ${input.jobId}, ${JSON.stringify(names)},
            'pending', 0, ${now}, '[]', ${now}
          WHERE ${ours} ON CONFLICT (job_id, destination_id) DO NOTHING`),
      ),
    ]);
    const [row] = await this.d.db.all<{ n: number }>(
      sql`SELECT count(*) AS n FROM artifacts WHERE job_id = ${input.jobId} AND name = ${DICOM_SR_ARTIFACT} AND blob_key = ${sr.blobKey}`,
    );
    return { stored: (row?.n ?? 0) > 0, deliveries: (row?.n ?? 0) > 0 ? dests.length : 0 };
  }

  /** The deliveries of a study, newest first. */
  async deliveriesForStudy(tenantId: string, studyId: string): Promise<DicomDeliveryRow[]> {
    return this.d.db
      .select()
      .from(dicomDeliveries)
      .where(and(eq(dicomDeliveries.tenantId, tenantId), eq(dicomDeliveries.studyId, studyId)))
      .orderBy(desc(dicomDeliveries.createdAt));
  }
}
