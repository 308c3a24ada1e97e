/**
 * Job completion (result, study summary, model registration and webhook deliveries in one
 * transaction), artifacts and models.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { run, type BatchStatement, type SqlDriver } from '../driver';
import { newId, type Clock } from '../ids';
import { artifacts, jobs, type models, results, type Decision } from '../schema';
import { upsertCohortPoint } from './cohort-points';
import type { LeaseOutcome } from './jobs';
import type { Job } from './studies';

export type ResultRow = typeof results.$inferSelect;
export type Artifact = typeof artifacts.$inferSelect;
export type Model = typeof models.$inferSelect;

/**
 * Worklist sort key of a non-diagnostic result (the `sort_probability` column), above every PE
 * probability: a non-diagnostic CTPA leaves PE neither shown nor excluded, so it needs a reader's
 * action (repeat or another test) before routine results, right after urgent PE. Its PE
 * probability is withheld from the worklist (the result body keeps it for research).
 */
export const NON_DIAGNOSTIC_SORT = 2;

/** The worklist summary of an analysis result, copied onto the study. */
export interface StudySummary {
  urgency: number;
  peProbability: number;
  decision: Decision;
  probabilities: Record<string, number>;
}

/** A model to register when the result is stored. */
export interface ModelRegistration {
  version: string;
  sha256: string;
  trainedOn: string;
  card?: unknown;
  /** The model files were uploaded as this job's artifacts (training jobs): runners can download them. */
  filesInJob?: boolean;
}

/** A shadow model's result on the same study, stored beside the decision. */
export interface ShadowCompletion {
  modelVersion: string;
  /** Registers the shadow version if unknown (as a model seen in results). */
  model?: ModelRegistration;
  probabilities: Record<string, number>;
  peProbability: number | null;
  body: string;
}

/** What a runner completes a job with. `body` is the validated result, serialised. */
export interface Completion {
  body: string;
  modelVersion?: string | null;
  /** Analysis jobs: the summary for the worklist. */
  summary?: StudySummary;
  model?: ModelRegistration;
  /** Webhook events to enqueue; the payload is built once the result id is known. */
  events?: { event: string; payload: (resultId: string) => string }[];
  /** Analysis jobs: results of shadow models, stored only if this completion is. */
  shadow?: ShadowCompletion[];
  /** The site threshold set the decisions were made with (issue 18); absent: the model's own. */
  thresholdSetId?: string | null;
}

/** Results, artifacts and models repository. */
export class ResultRepo {
  constructor(
    private readonly d: SqlDriver,
    private readonly clock: Clock,
  ) {}

  /**
   * Stores the result of a leased job and marks it done. Replaying a completion the same lease
   * already made returns the stored result (idempotent); anything else without a live lease is
   * refused.
   */
  async complete(
    tenantId: string,
    jobId: string,
    token: string,
    c: Completion,
  ): Promise<LeaseOutcome<{ result: ResultRow; replay: boolean }>> {
    const now = this.clock.now();
    const rid = newId();
    const job = await this.job(tenantId, jobId);
    if (!job) return { kind: 'not_found' };
    const resultExists = sql`EXISTS (SELECT 1 FROM results WHERE id = ${rid})`;
    const statements: BatchStatement[] = [
      run(sql`UPDATE jobs SET status = 'done', completed_at = ${now}, updated_at = ${now}
        WHERE id = ${jobId} AND tenant_id = ${tenantId} AND lease_token = ${token} AND status = 'leased' AND lease_expires_at > ${now}`),
      run(sql`INSERT INTO results (id, tenant_id, job_id, study_id, kind, model_version,
          probabilities, pe_probability, body, created_at, threshold_set_id)
        SELECT ${rid}, ${tenantId}, ${jobId}, ${job.studyId}, ${job.kind}, ${c.modelVersion ?? null},
          ${c.summary ? JSON.stringify(c.summary.probabilities) : null}, ${c.summary?.peProbability ?? null},
          ${c.body}, ${now}, ${c.thresholdSetId ?? null}
        WHERE EXISTS (SELECT 1 FROM jobs WHERE id = ${jobId} AND status = 'done' AND completed_at = ${now} AND lease_token = ${token})
        ON CONFLICT (job_id) DO NOTHING`),
    ];
    if (c.summary && job.studyId) {
      const s = c.summary;
      statements.push(
        run(sql`UPDATE studies SET status = 'complete', result_id = ${rid}, urgency = ${s.urgency},
          sort_probability = ${s.decision === 'non_diagnostic' ? NON_DIAGNOSTIC_SORT : s.peProbability},
          decision = ${s.decision}, completed_at = ${now}, updated_at = ${now}
          WHERE id = ${job.studyId} AND tenant_id = ${tenantId} AND analysis_job_id = ${jobId} AND ${resultExists}`),
        // What cohort monitoring reads (issue 18); only once the study points at this result.
        run(upsertCohortPoint(job.studyId, rid, s.probabilities)),
      );
    }
    if (c.model) {
      const m = c.model;
      statements.push(
        run(sql`INSERT INTO models (id, tenant_id, version, sha256, trained_on, status, card, job_id, created_at)
          SELECT ${newId()}, ${tenantId}, ${m.version}, ${m.sha256}, ${m.trainedOn},
            'registered', ${m.card === undefined ? null : JSON.stringify(m.card)},
            ${m.filesInJob ? jobId : null}, ${now}
          WHERE ${resultExists}
          ON CONFLICT (tenant_id, version) DO NOTHING`),
      );
    }
    for (const sh of c.shadow ?? []) {
      statements.push(
        run(sql`INSERT INTO shadow_results (id, tenant_id, job_id, study_id, model_version, probabilities, pe_probability, body, created_at)
          SELECT ${newId()}, ${tenantId}, ${jobId}, ${job.studyId},
            ${sh.modelVersion}, ${JSON.stringify(sh.probabilities)}, ${sh.peProbability}, ${sh.body}, ${now}
          WHERE ${resultExists}
          ON CONFLICT (job_id, model_version) DO NOTHING`),
      );
      if (sh.model) {
        statements.push(
          run(sql`INSERT INTO models (id, tenant_id, version, sha256, trained_on, status, created_at)
            SELECT ${newId()}, ${tenantId}, ${sh.model.version}, ${sh.model.sha256}, ${sh.model.trainedOn}, 'registered', ${now}
            WHERE ${resultExists}
            ON CONFLICT (tenant_id, version) DO NOTHING`),
        );
      }
    }
    for (const e of c.events ?? []) {
      // One delivery per active webhook of the tenant subscribed to the event.
      statements.push(
        run(sql`INSERT INTO webhook_deliveries (id, tenant_id, webhook_id, event, payload,
            status, attempts, next_attempt_at, log, created_at)
          SELECT lower(hex(randomblob(16))), tenant_id, id, ${e.event}, ${e.payload(rid)}, 'pending', 0, ${now}, '[]', ${now}
          FROM webhooks
          WHERE tenant_id = ${tenantId} AND active = 1
            AND EXISTS (SELECT 1 FROM json_each(webhooks.events) WHERE value = ${e.event}) AND ${resultExists}`),
      );
    }
    await this.d.batch(statements);
    const [result] = await this.d.db.select().from(results).where(eq(results.jobId, jobId));
    const after = (await this.job(tenantId, jobId)) as Job;
    if (result?.id === rid) return { kind: 'ok', value: { result, replay: false } };
    if (result && after.leaseToken === token) return { kind: 'ok', value: { result, replay: true } };
    return { kind: 'lease_lost', job: after };
  }

  private async job(tenantId: string, id: string): Promise<Job | null> {
    const [row] = await this.d.db
      .select()
      .from(jobs)
      .where(and(eq(jobs.id, id), eq(jobs.tenantId, tenantId)));
    return row ?? null;
  }

  async get(tenantId: string, id: string): Promise<ResultRow | null> {
    const [row] = await this.d.db
      .select()
      .from(results)
      .where(and(eq(results.id, id), eq(results.tenantId, tenantId)));
    return row ?? null;
  }

  async forJob(tenantId: string, jobId: string): Promise<ResultRow | null> {
    const [row] = await this.d.db
      .select()
      .from(results)
      .where(and(eq(results.jobId, jobId), eq(results.tenantId, tenantId)));
    return row ?? null;
  }

  /**
   * Records an artifact uploaded under a live lease (the blob is already stored). A second
   * upload of the same name replaces the first; the replaced blob key is returned for deletion.
   */
  async addArtifact(
    tenantId: string,
    jobId: string,
    token: string,
    a: { name: string; contentType: string; size: number; sha256: string; blobKey: string },
  ): Promise<LeaseOutcome<{ artifact: Artifact; replacedBlobKey: string | null }>> {
    const now = this.clock.now();
    const [previous] = await this.d.db
      .select()
      .from(artifacts)
      .where(and(eq(artifacts.jobId, jobId), eq(artifacts.name, a.name)));
    await this.d.db.run(sql`INSERT INTO artifacts (id, tenant_id, job_id, study_id, name, content_type, size, sha256, blob_key, created_at)
      SELECT ${newId()}, tenant_id, id, study_id, ${a.name}, ${a.contentType}, ${a.size}, ${a.sha256}, ${a.blobKey}, ${now}
      FROM jobs WHERE id = ${jobId} AND tenant_id = ${tenantId}
        AND lease_token = ${token} AND status = 'leased' AND lease_expires_at > ${now}
      ON CONFLICT (job_id, name) DO UPDATE SET content_type = excluded.content_type, size = excluded.size, sha256 = excluded.sha256,
        blob_key = excluded.blob_key, created_at = excluded.created_at`);
    const [row] = await this.d.db
      .select()
      .from(artifacts)
      .where(and(eq(artifacts.jobId, jobId), eq(artifacts.name, a.name), eq(artifacts.tenantId, tenantId)));
    if (row && row.blobKey === a.blobKey) {
      const replaced = previous && previous.blobKey !== a.blobKey ? previous.blobKey : null;
      return { kind: 'ok', value: { artifact: row, replacedBlobKey: replaced } };
    }
    const job = await this.job(tenantId, jobId);
    return job ? { kind: 'lease_lost', job } : { kind: 'not_found' };
  }

  /** The artifacts of one job. */
  async artifacts(tenantId: string, jobId: string): Promise<Artifact[]> {
    return this.d.db
      .select()
      .from(artifacts)
      .where(and(eq(artifacts.jobId, jobId), eq(artifacts.tenantId, tenantId)))
      .orderBy(asc(artifacts.name));
  }

  async artifact(tenantId: string, jobId: string, name: string): Promise<Artifact | null> {
    const [row] = await this.d.db
      .select()
      .from(artifacts)
      .where(and(eq(artifacts.jobId, jobId), eq(artifacts.tenantId, tenantId), eq(artifacts.name, name)));
    return row ?? null;
  }
}
