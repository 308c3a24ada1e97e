/**
 * The job queue for runners: leases with expiry, heartbeats, retries with exponential backoff.
 *
 * Exclusivity rests on single-statement atomicity: a claim is one `UPDATE … WHERE id = (oldest
 * eligible) AND <still eligible> RETURNING`, and every later call must present the lease token
 * that claim wrote. A new claim after expiry writes a new token, so the previous holder's
 * heartbeat, complete and fail calls are refused from then on.
 */
import { backoffCap, type BackoffPolicy } from '@embolus/shared';
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { run, type SqlDriver } from '../driver';
import { DbError } from '../errors';
import { newId, randomToken, type Clock } from '../ids';
import { jobs, studies, type JobKind, type JobStatus } from '../schema';
import type { Job } from './studies';

/** Retry policy of failed jobs (and of deliveries). */
export type Backoff = BackoffPolicy;

/** A failure reported by a runner. */
export interface JobFailure {
  code: string;
  message: string;
  /** False for failures a retry cannot fix (e.g. a study with no CT series). */
  retryable: boolean;
}

/** Outcome of a call that needs the lease. */
export type LeaseOutcome<T> = { kind: 'ok'; value: T } | { kind: 'not_found' } | { kind: 'lease_lost'; job: Job };

/** Jobs repository. */
export class JobRepo {
  constructor(
    private readonly d: SqlDriver,
    private readonly clock: Clock,
  ) {}

  /** Queues a training or evaluation job (analysis jobs come from StudyRepo.submit). */
  async create(
    tenantId: string,
    input: { kind: JobKind; payload: unknown; priority?: number; maxAttempts: number; studyId?: string | null },
  ): Promise<Job> {
    const now = this.clock.now();
    const [row] = await this.d.db
      .insert(jobs)
      .values({
        id: newId(),
        tenantId,
        studyId: input.studyId ?? null,
        kind: input.kind,
        status: 'queued',
        priority: input.priority ?? 0,
        payload: JSON.stringify(input.payload ?? {}),
        maxAttempts: input.maxAttempts,
        availableAt: now,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!row) throw new DbError('INVALID_STATE', 'insert returned no row', { details: { table: 'jobs' } });
    return row;
  }

  async get(tenantId: string, id: string): Promise<Job | null> {
    const [row] = await this.d.db
      .select()
      .from(jobs)
      .where(and(eq(jobs.id, id), eq(jobs.tenantId, tenantId)));
    return row ?? null;
  }

  async list(tenantId: string, q: { status?: JobStatus[]; kind?: JobKind[]; limit: number; offset: number }): Promise<Job[]> {
    const where: SQL[] = [eq(jobs.tenantId, tenantId)];
    if (q.status?.length) where.push(inArray(jobs.status, q.status));
    if (q.kind?.length) where.push(inArray(jobs.kind, q.kind));
    return this.d.db
      .select()
      .from(jobs)
      .where(and(...where))
      .orderBy(desc(jobs.createdAt), asc(jobs.id))
      .limit(q.limit)
      .offset(q.offset);
  }

  /**
   * Leases the tenant's next job: analysis before training and evaluation, then higher
   * priority, then oldest. A job whose lease expired is eligible again; one that expired on its
   * last attempt is marked failed instead.
   */
  claim(tenantId: string, owner: string, input: { leaseMs: number; kinds?: JobKind[] }): Promise<Job | null> {
    return this.claimFrom(tenantId, owner, input);
  }

  /**
   * Leases the next job of any tenant, for platform runners: round-robin by tenant. Among the
   * tenants with an eligible job, the one whose latest claim is oldest (`tenants.claim_seq`,
   * stamped by a trigger in the claim's own statement) is served, then that tenant's usual
   * order as in `claim`. One tenant's backlog thus delays another's next job by at most one
   * claim per other waiting tenant. Still one atomic UPDATE … RETURNING.
   */
  claimAcrossTenants(owner: string, input: { leaseMs: number; kinds?: JobKind[] }): Promise<Job | null> {
    return this.claimFrom(null, owner, input);
  }

  /** `claim` within one tenant, or across tenants (round-robin) when `tenantId` is null. */
  private async claimFrom(tenantId: string | null, owner: string, input: { leaseMs: number; kinds?: JobKind[] }): Promise<Job | null> {
    const now = this.clock.now();
    await this.expireExhausted(tenantId, now);
    const kinds = input.kinds?.length ? input.kinds : (['analysis', 'training', 'evaluation'] as const);
    const kindList = sql.join(
      kinds.map((k) => sql`${k}`),
      sql`, `,
    );
    // `status IN (…)` is implied by the rest, but lets the jobs_queue index skip a tenant's
    // finished jobs (without it every claim walks the tenant's whole history).
    const eligible = sql`(status IN ('queued', 'leased') AND ((status = 'queued' AND available_at <= ${now})
        OR (status = 'leased' AND lease_expires_at <= ${now} AND attempts < max_attempts)))`;
    // Across tenants: the tenant whose last claim is oldest among those with an eligible job.
    // EXISTS is one jobs_queue probe per tenant; then the chosen tenant's order, as in `claim`
    // (bench/platform-claim.bench.ts: the same median cost as a one-tenant claim).
    const tenant =
      tenantId ??
      sql`(SELECT t.id FROM tenants t WHERE EXISTS (SELECT 1 FROM jobs WHERE tenant_id = t.id AND kind IN (${kindList}) AND ${eligible})
        ORDER BY t.claim_seq, t.id LIMIT 1)`;
    const token = randomToken(18);
    const [job] = await this.d.db
      .update(jobs)
      .set({
        status: 'leased',
        leaseToken: token,
        leaseOwner: owner,
        leaseExpiresAt: now + input.leaseMs,
        attempts: sql`${jobs.attempts} + 1`,
        updatedAt: now,
      })
      .where(
        sql`${jobs.id} = (SELECT id FROM jobs WHERE tenant_id = ${tenant} AND kind IN (${kindList}) AND ${eligible}
          ORDER BY CASE kind WHEN 'analysis' THEN 0 ELSE 1 END, priority DESC, created_at, id LIMIT 1) AND ${eligible}`,
      )
      .returning();
    if (!job) return null;
    if (job.kind === 'analysis' && job.studyId) {
      await this.d.db
        .update(studies)
        .set({ status: 'processing', updatedAt: now })
        .where(and(eq(studies.id, job.studyId), eq(studies.analysisJobId, job.id), inArray(studies.status, ['queued', 'processing'])));
    }
    return job;
  }

  /**
   * The job `id` of any tenant when its latest claim is `token`, made by `owner` (the key id),
   * and that lease is live or ended in the job finishing (so a repeated complete can be answered
   * as a replay): what a platform runner may address. The lease-holding calls still check the
   * live lease themselves. `not_found` when no such job exists, `lease_lost` otherwise.
   */
  async heldBy(id: string, token: string, owner: string): Promise<LeaseOutcome<Job>> {
    const [row] = await this.d.db.select().from(jobs).where(eq(jobs.id, id));
    if (!row) return { kind: 'not_found' };
    const live = row.status === 'leased' && (row.leaseExpiresAt ?? 0) > this.clock.now();
    const finished = row.status === 'done' || row.status === 'failed';
    return row.leaseToken === token && row.leaseOwner === owner && (live || finished)
      ? { kind: 'ok', value: row }
      : { kind: 'lease_lost', job: row };
  }

  /** Marks jobs whose last allowed lease expired as failed (and their studies); all tenants for null. */
  private async expireExhausted(tenantId: string | null, now: number): Promise<void> {
    const error = JSON.stringify({ code: 'LEASE_EXPIRED', message: 'the lease expired on the last allowed attempt', at: now });
    // All tenants as `IN (tenants)`, so the jobs_queue index (tenant, status) is used per tenant
    // instead of a scan of every job ever run.
    const scope = tenantId === null ? sql`${jobs.tenantId} IN (SELECT id FROM tenants)` : sql`${jobs.tenantId} = ${tenantId}`;
    const failed = await this.d.db
      .update(jobs)
      .set({ status: 'failed', lastError: error, completedAt: now, updatedAt: now })
      .where(sql`${scope} AND ${jobs.status} = 'leased' AND ${jobs.leaseExpiresAt} <= ${now} AND ${jobs.attempts} >= ${jobs.maxAttempts}`)
      .returning({ id: jobs.id });
    if (failed.length === 0) return;
    await this.d.db
      .update(studies)
      .set({ status: 'failed', updatedAt: now })
      .where(
        and(
          inArray(
            studies.analysisJobId,
            failed.map((f) => f.id),
          ),
          inArray(studies.status, ['queued', 'processing']),
        ),
      );
  }

  /** Why a lease-holding call matched nothing: no such job, or the lease is not (or no longer) held. */
  private async leaseFailure(tenantId: string, id: string): Promise<LeaseOutcome<never>> {
    const job = await this.get(tenantId, id);
    return job ? { kind: 'lease_lost', job } : { kind: 'not_found' };
  }

  /** Extends a live lease by `leaseMs` from now; `progress` (JSON-able) replaces the job's last report. */
  async heartbeat(tenantId: string, id: string, token: string, leaseMs: number, progress?: unknown): Promise<LeaseOutcome<Job>> {
    const now = this.clock.now();
    const [job] = await this.d.db
      .update(jobs)
      .set({ leaseExpiresAt: now + leaseMs, updatedAt: now, ...(progress === undefined ? {} : { progress: JSON.stringify(progress) }) })
      .where(and(eq(jobs.id, id), eq(jobs.tenantId, tenantId), this.holds(token, now)))
      .returning();
    return job ? { kind: 'ok', value: job } : this.leaseFailure(tenantId, id);
  }

  /** The condition that `token` holds a live lease. */
  holds(token: string, now: number): SQL {
    return sql`${jobs.leaseToken} = ${token} AND ${jobs.status} = 'leased' AND ${jobs.leaseExpiresAt} > ${now}`;
  }

  /**
   * Records a failure. Retryable failures with attempts left go back to the queue after a
   * backoff; the others fail the job (and its study, for analysis).
   */
  async fail(tenantId: string, id: string, token: string, failure: JobFailure, backoff: Backoff): Promise<LeaseOutcome<Job>> {
    const now = this.clock.now();
    const current = await this.get(tenantId, id);
    if (!current) return { kind: 'not_found' };
    const retry = failure.retryable && current.attempts < current.maxAttempts;
    // Unique to this call (time, attempt, a nonce), so the study update below can tell that
    // the job update took effect.
    const lastError = JSON.stringify({
      code: failure.code,
      message: failure.message,
      at: now,
      attempt: current.attempts,
      ref: randomToken(6),
    });
    const availableAt = now + backoffCap(current.attempts, backoff);
    await this.d.batch([
      run(sql`UPDATE jobs SET status = ${retry ? 'queued' : 'failed'}, available_at = ${retry ? availableAt : current.availableAt},
        completed_at = ${retry ? null : now}, last_error = ${lastError}, lease_expires_at = NULL, updated_at = ${now}
        WHERE id = ${id} AND tenant_id = ${tenantId} AND attempts = ${current.attempts}
          AND lease_token = ${token} AND status = 'leased' AND lease_expires_at > ${now}`),
      run(sql`UPDATE studies SET status = ${retry ? 'queued' : 'failed'}, updated_at = ${now}
        WHERE analysis_job_id = ${id} AND EXISTS (SELECT 1 FROM jobs WHERE id = ${id} AND last_error = ${lastError})`),
    ]);
    const job = await this.get(tenantId, id);
    if (!job) return { kind: 'not_found' };
    return job.lastError === lastError ? { kind: 'ok', value: job } : { kind: 'lease_lost', job };
  }

  /**
   * Gives a leased job back without counting the attempt (a runner shutting down before it
   * started or while it cannot finish): queued again at once, its study queued again.
   */
  async release(tenantId: string, id: string, token: string): Promise<LeaseOutcome<Job>> {
    const now = this.clock.now();
    const ref = JSON.stringify({ released: randomToken(6), at: now });
    await this.d.batch([
      run(sql`UPDATE jobs SET status = 'queued', attempts = MAX(attempts - 1, 0), available_at = ${now}, lease_token = NULL,
        lease_expires_at = NULL, lease_owner = NULL, progress = ${ref}, updated_at = ${now}
        WHERE id = ${id} AND tenant_id = ${tenantId} AND lease_token = ${token} AND status = 'leased' AND lease_expires_at > ${now}`),
      run(sql`UPDATE studies SET status = 'queued', updated_at = ${now}
        WHERE analysis_job_id = ${id} AND status = 'processing' AND EXISTS (SELECT 1 FROM jobs WHERE id = ${id} AND progress = ${ref})`),
    ]);
    const job = await this.get(tenantId, id);
    if (!job) return { kind: 'not_found' };
    return job.progress === ref ? { kind: 'ok', value: job } : { kind: 'lease_lost', job };
  }

  /**
   * Queue depth of the tenant (null: all tenants together, for platform runners; no tenant is
   * named): jobs per kind and status (for runner health pages).
   */
  async counts(tenantId: string | null): Promise<{ kind: JobKind; status: JobStatus; count: number }[]> {
    const rows =
      tenantId === null
        ? await this.d.select('SELECT kind, status, COUNT(*) AS n FROM jobs GROUP BY kind, status ORDER BY kind, status', [])
        : await this.d.select(
            'SELECT kind, status, COUNT(*) AS n FROM jobs WHERE tenant_id = ? GROUP BY kind, status ORDER BY kind, status',
            [tenantId],
          );
    return rows.map((r) => ({ kind: r['kind'] as JobKind, status: r['status'] as JobStatus, count: Number(r['n']) }));
  }
}
