/**
 * Ground-truth labels, and the joins of results with ground truth that cohort and drift
 * monitoring read.
 */
import { and, asc, eq, gte, inArray, isNotNull, lt, sql, type SQL } from 'drizzle-orm';
import { run, type SqlDriver } from '../driver';
import { DbError } from '../errors';
import { newId, type Clock } from '../ids';
import { groundTruth, results, studies } from '../schema';
import { cohortTruthUpdate } from './cohort-points';

/** How ground truth was entered: with a key, in the dashboard, or by a CSV import. */
export type EnteredVia = 'api' | 'ui' | 'csv';

export type GroundTruth = typeof groundTruth.$inferSelect;

/** One analysed study for cohort statistics: when, what the model said, what was true. */
export interface CohortRow {
  studyId: string;
  completedAt: number;
  probabilities: Record<string, number>;
  truth: Record<string, number>;
}

/** One analysed study for drift monitoring. */
export interface DriftRow {
  completedAt: number;
  peProbability: number | null;
  descriptors: Record<string, unknown>;
}

function parseJson<T>(text: string | null, what: string): T {
  if (text === null) return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new DbError('CORRUPT_ROW', `stored ${what} is not JSON`, { cause: e, details: { column: what } });
  }
}

/** Ground-truth repository. */
export class LabelRepo {
  constructor(
    private readonly d: SqlDriver,
    private readonly clock: Clock,
  ) {}

  /**
   * Records ground truth for a study of the tenant, replacing earlier values of the same labels.
   * @returns false when the study does not exist for this tenant.
   */
  async record(
    tenantId: string,
    studyId: string,
    input: { labels: Record<string, 0 | 1>; source: string; recordedBy: string; enteredVia?: EnteredVia },
  ): Promise<boolean> {
    const [study] = await this.d.db
      .select({ id: studies.id })
      .from(studies)
      .where(and(eq(studies.id, studyId), eq(studies.tenantId, tenantId)));
    if (!study) return false;
    await this.d.batch(this.statements(tenantId, studyId, input));
    return true;
  }

  /**
   * Records ground truth for many studies of the tenant (already resolved to ids that exist) in
   * one transaction per `chunk` studies: a CSV import.
   */
  async recordMany(
    tenantId: string,
    rows: { studyId: string; labels: Record<string, 0 | 1> }[],
    meta: { source: string; recordedBy: string; enteredVia: EnteredVia },
    chunk = 200,
  ): Promise<void> {
    for (let i = 0; i < rows.length; i += chunk) {
      await this.d.batch(rows.slice(i, i + chunk).flatMap((r) => this.statements(tenantId, r.studyId, { ...meta, labels: r.labels })));
    }
  }

  private statements(
    tenantId: string,
    studyId: string,
    input: { labels: Record<string, 0 | 1>; source: string; recordedBy: string; enteredVia?: EnteredVia },
  ) {
    const now = this.clock.now();
    const via = input.enteredVia ?? 'api';
    const out = Object.entries(input.labels).map(([label, value]) =>
      run(sql`INSERT INTO ground_truth (id, tenant_id, study_id, label, value, source, recorded_by, recorded_at, entered_via)
        SELECT ${newId()}, tenant_id, id, ${label}, ${value}, ${input.source}, ${input.recordedBy}, ${now}, ${via}
        FROM studies WHERE id = ${studyId} AND tenant_id = ${tenantId}
        ON CONFLICT (study_id, label) DO UPDATE SET value = excluded.value, source = excluded.source,
          recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at, entered_via = excluded.entered_via`),
    );
    const truth = cohortTruthUpdate(tenantId, studyId, input.labels);
    if (truth) out.push(run(truth));
    return out;
  }

  /**
   * Resolves study references of the tenant: ids and StudyInstanceUIDs to study ids (a UID held
   * by several studies maps to all of them, so the caller can refuse it as ambiguous).
   */
  async resolveStudies(
    tenantId: string,
    refs: { ids: string[]; uids: string[] },
  ): Promise<{ ids: Set<string>; byUid: Map<string, string[]> }> {
    const ids = new Set<string>();
    const byUid = new Map<string, string[]>();
    const chunk = Math.min(500, this.d.maxParameters - 10);
    for (let i = 0; i < refs.ids.length; i += chunk) {
      const rows = await this.d.db
        .select({ id: studies.id })
        .from(studies)
        .where(and(eq(studies.tenantId, tenantId), inArray(studies.id, refs.ids.slice(i, i + chunk))));
      for (const r of rows) ids.add(r.id);
    }
    for (let i = 0; i < refs.uids.length; i += chunk) {
      const rows = await this.d.db
        .select({ id: studies.id, uid: studies.studyInstanceUid })
        .from(studies)
        .where(and(eq(studies.tenantId, tenantId), inArray(studies.studyInstanceUid, refs.uids.slice(i, i + chunk))));
      for (const r of rows) if (r.uid) byUid.set(r.uid, [...(byUid.get(r.uid) ?? []), r.id]);
    }
    return { ids, byUid };
  }

  async forStudy(tenantId: string, studyId: string): Promise<GroundTruth[]> {
    return this.d.db
      .select()
      .from(groundTruth)
      .where(and(eq(groundTruth.studyId, studyId), eq(groundTruth.tenantId, tenantId)))
      .orderBy(asc(groundTruth.label));
  }

  /** Completed analyses in [from, to) by completion time, with any ground truth. */
  async cohort(tenantId: string, range: { from?: number; to?: number }): Promise<CohortRow[]> {
    const where: SQL[] = [eq(studies.tenantId, tenantId), eq(studies.status, 'complete'), isNotNull(studies.completedAt)];
    if (range.from !== undefined) where.push(gte(studies.completedAt, range.from));
    if (range.to !== undefined) where.push(lt(studies.completedAt, range.to));
    const rows = await this.d.db
      .select({ studyId: studies.id, completedAt: studies.completedAt, probabilities: results.probabilities })
      .from(studies)
      .innerJoin(results, eq(results.id, studies.resultId))
      .where(and(...where))
      .orderBy(asc(studies.completedAt));
    const truth = new Map<string, Record<string, number>>();
    // D1 limits bound parameters per statement (100), so look ground truth up in chunks.
    const chunk = Math.min(500, this.d.maxParameters - 10);
    for (let i = 0; i < rows.length; i += chunk) {
      const ids = rows.slice(i, i + chunk).map((r) => r.studyId);
      const gt = await this.d.db
        .select({ studyId: groundTruth.studyId, label: groundTruth.label, value: groundTruth.value })
        .from(groundTruth)
        .where(and(eq(groundTruth.tenantId, tenantId), inArray(groundTruth.studyId, ids)));
      for (const g of gt) {
        const t = truth.get(g.studyId) ?? {};
        t[g.label] = g.value;
        truth.set(g.studyId, t);
      }
    }
    return rows.map((r) => ({
      studyId: r.studyId,
      completedAt: r.completedAt as number,
      probabilities: parseJson<Record<string, number>>(r.probabilities, 'results.probabilities'),
      truth: truth.get(r.studyId) ?? {},
    }));
  }

  /** Completed analyses in [from, to) with their PE probability and input descriptors. */
  async drift(tenantId: string, range: { from: number; to: number }): Promise<DriftRow[]> {
    const rows = await this.d.db
      .select({ completedAt: studies.completedAt, peProbability: results.peProbability, descriptors: studies.descriptors })
      .from(studies)
      .innerJoin(results, eq(results.id, studies.resultId))
      .where(
        and(
          eq(studies.tenantId, tenantId),
          eq(studies.status, 'complete'),
          gte(studies.completedAt, range.from),
          lt(studies.completedAt, range.to),
        ),
      );
    return rows.map((r) => ({
      completedAt: r.completedAt as number,
      peProbability: r.peProbability,
      descriptors: parseJson<Record<string, unknown>>(r.descriptors, 'studies.descriptors'),
    }));
  }
}
