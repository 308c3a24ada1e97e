/**
 * Model versions of a tenant: which one is active (the decision), which run in shadow (stored
 * beside the decision, never shown as it), and the per-study predictions of a version that
 * comparisons pair up.
 */
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { run, type SqlDriver } from '../driver';
import type { Clock } from '../ids';
import { models, shadowResults } from '../schema';
import type { Model } from './results';

/** The deployment a runner follows: the active version and the shadow versions. */
export interface Deployment {
  active: Model | null;
  shadow: Model[];
}

/** One study's label probabilities under one model version (the latest result for that study). */
export interface StudyPrediction {
  studyId: string;
  probabilities: Record<string, number>;
}

/** Outcome of a status change. */
export type ModelChange = { kind: 'ok'; model: Model } | { kind: 'not_found' } | { kind: 'conflict'; model: Model };

/** Models repository. */
export class ModelRepo {
  constructor(
    private readonly d: SqlDriver,
    private readonly clock: Clock,
  ) {}

  /** The tenant's models, newest first. */
  async list(tenantId: string): Promise<Model[]> {
    return this.d.db.select().from(models).where(eq(models.tenantId, tenantId)).orderBy(desc(models.createdAt), asc(models.version));
  }

  async get(tenantId: string, version: string): Promise<Model | null> {
    const [row] = await this.d.db
      .select()
      .from(models)
      .where(and(eq(models.tenantId, tenantId), eq(models.version, version)));
    return row ?? null;
  }

  /**
   * Makes `version` the active model. The previously active one goes back to `registered`; both
   * updates run in one batch, so there is never a moment with two active versions.
   */
  async activate(tenantId: string, version: string): Promise<ModelChange> {
    const now = this.clock.now();
    if (!(await this.get(tenantId, version))) return { kind: 'not_found' };
    await this.d.batch([
      run(sql`UPDATE models SET status = 'registered' WHERE tenant_id = ${tenantId} AND status = 'active' AND version <> ${version}`),
      run(sql`UPDATE models SET status = 'active', activated_at = ${now} WHERE tenant_id = ${tenantId} AND version = ${version}`),
    ]);
    return { kind: 'ok', model: (await this.get(tenantId, version)) as Model };
  }

  /** Starts (or stops) running `version` in shadow. The active version cannot be a shadow. */
  async setShadow(tenantId: string, version: string, enabled: boolean): Promise<ModelChange> {
    const current = await this.get(tenantId, version);
    if (!current) return { kind: 'not_found' };
    if (current.status === 'active') return { kind: 'conflict', model: current };
    const [row] = await this.d.db
      .update(models)
      .set({ status: enabled ? 'shadow' : 'registered' })
      .where(and(eq(models.tenantId, tenantId), eq(models.version, version), sql`${models.status} <> 'active'`))
      .returning();
    return row ? { kind: 'ok', model: row } : { kind: 'conflict', model: (await this.get(tenantId, version)) as Model };
  }

  /** The active version and the shadow versions. */
  async deployment(tenantId: string): Promise<Deployment> {
    const rows = await this.d.db
      .select()
      .from(models)
      .where(and(eq(models.tenantId, tenantId), sql`${models.status} IN ('active', 'shadow')`))
      .orderBy(asc(models.createdAt));
    return { active: rows.find((m) => m.status === 'active') ?? null, shadow: rows.filter((m) => m.status === 'shadow') };
  }

  /**
   * Per study, the latest label probabilities `version` produced, as the decision (results) or
   * in shadow (shadow_results). Probabilities are the raw (pre-repair) values where recorded.
   */
  async predictions(tenantId: string, version: string): Promise<StudyPrediction[]> {
    const rows = (await this.d.select(
      `SELECT study_id, probabilities FROM (
        SELECT study_id, probabilities, created_at FROM results
          WHERE tenant_id = ? AND kind = 'analysis' AND model_version = ? AND study_id IS NOT NULL AND probabilities IS NOT NULL
        UNION ALL
        SELECT study_id, probabilities, created_at FROM shadow_results
          WHERE tenant_id = ? AND model_version = ? AND study_id IS NOT NULL
      ) ORDER BY study_id, created_at DESC`,
      [tenantId, version, tenantId, version],
    )) as { study_id: string; probabilities: string }[];
    const out = new Map<string, StudyPrediction>();
    for (const r of rows)
      if (!out.has(r.study_id))
        out.set(r.study_id, { studyId: r.study_id, probabilities: JSON.parse(r.probabilities) as Record<string, number> });
    return [...out.values()];
  }

  /** Ground truth of the tenant's studies: study id → label → 0/1 (what comparisons score against). */
  async truth(tenantId: string): Promise<Map<string, Record<string, number>>> {
    const rows = await this.d.select('SELECT study_id, label, value FROM ground_truth WHERE tenant_id = ?', [tenantId]);
    const out = new Map<string, Record<string, number>>();
    for (const r of rows) {
      const id = r['study_id'] as string;
      const labels = out.get(id) ?? {};
      labels[r['label'] as string] = Number(r['value']);
      out.set(id, labels);
    }
    return out;
  }

  /** Shadow results of one job (what a runner stored beside the decision). */
  async shadowResultsOfJob(tenantId: string, jobId: string): Promise<(typeof shadowResults.$inferSelect)[]> {
    return this.d.db
      .select()
      .from(shadowResults)
      .where(and(eq(shadowResults.tenantId, tenantId), eq(shadowResults.jobId, jobId)))
      .orderBy(asc(shadowResults.modelVersion));
  }
}
