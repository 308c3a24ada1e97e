/**
 * Studies and their instances. Every query is scoped by tenant: a study of another tenant is
 * indistinguishable from one that does not exist.
 */
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { run, type SqlDriver } from '../driver';
import { DbError } from '../errors';
import { newId, type Clock } from '../ids';
import { instances, jobs, studies, type Decision, type StudyStatus } from '../schema';

export type Study = typeof studies.$inferSelect;
export type Instance = typeof instances.$inferSelect;
export type Job = typeof jobs.$inferSelect;

/** One series of a study, as uploaded. */
export interface SeriesSummary {
  seriesInstanceUid: string | null;
  modality: string | null;
  instanceCount: number;
  bytes: number;
}

/** Worklist filters; times are epoch ms, `to` exclusive. */
export interface WorklistQuery {
  status?: StudyStatus[];
  decision?: Decision[];
  from?: number;
  to?: number;
  /** Only central PE with RV/LV ≥ 1 (urgency 0). */
  urgentOnly?: boolean;
  /** A prefix of the study id or of its Study Instance UID (dashboard search). */
  search?: string;
  limit: number;
  offset: number;
}

/** Limits checked atomically when an instance is added. */
export interface StudyLimits {
  maxStudyBytes: number;
  maxStudyInstances: number;
}

/** A new instance's facts (the blob is already stored under `blobKey`). */
export interface NewInstance {
  tenantId: string;
  studyId: string;
  sopInstanceUid: string;
  studyInstanceUid: string | null;
  seriesInstanceUid: string | null;
  sopClassUid: string | null;
  modality: string | null;
  size: number;
  sha256: string;
  blobKey: string;
  identityRemoved: boolean;
  /** Descriptors for drift, kept from the study's first instance. */
  descriptors: Record<string, unknown> | null;
  /** What QIDO-RS searches (stored only when the instance has Study and Series Instance UIDs). */
  dicomAttributes?: DicomSearchAttributes;
}

/** The searchable DICOM attributes of an instance (no patient attributes). */
export interface DicomSearchAttributes {
  studyDate: string | null;
  studyTime: string | null;
  accessionNumber: string | null;
  studyDescription: string | null;
  seriesDescription: string | null;
  seriesNumber: number | null;
  instanceNumber: number | null;
  rows: number | null;
  columns: number | null;
  numberOfFrames: number | null;
  transferSyntaxUid: string | null;
}

/** What adding an instance did. Only `created` references the new blob. */
export type AddInstanceOutcome =
  | { kind: 'created'; instance: Instance }
  | { kind: 'duplicate'; instance: Instance }
  | { kind: 'conflict'; instance: Instance }
  | { kind: 'not_found' }
  | { kind: 'study_locked'; status: StudyStatus }
  | { kind: 'study_too_large'; totalBytes: number; limit: number }
  | { kind: 'too_many_instances'; count: number; limit: number }
  | { kind: 'study_uid_mismatch' };

/** What submitting did. */
export type SubmitOutcome =
  | { kind: 'created'; study: Study; job: Job }
  | { kind: 'existing'; study: Study; job: Job }
  | { kind: 'not_found' }
  | { kind: 'empty' };

const STUDY_COLUMNS =
  'id, tenant_id, status, study_instance_uid, instance_count, total_bytes, priority, descriptors, analysis_job_id, result_id, urgency, ' +
  'sort_probability, decision, created_at, updated_at, submitted_at, completed_at';

/** A raw `studies` row (STUDY_COLUMNS) as a Study. */
function studyFromRow(r: Record<string, unknown>): Study {
  return {
    id: r['id'] as string,
    tenantId: r['tenant_id'] as string,
    status: r['status'] as StudyStatus,
    studyInstanceUid: r['study_instance_uid'] as string | null,
    instanceCount: r['instance_count'] as number,
    totalBytes: r['total_bytes'] as number,
    priority: r['priority'] as number,
    descriptors: r['descriptors'] as string | null,
    analysisJobId: r['analysis_job_id'] as string | null,
    resultId: r['result_id'] as string | null,
    urgency: r['urgency'] as number,
    sortProbability: r['sort_probability'] as number,
    decision: r['decision'] as Decision | null,
    createdAt: r['created_at'] as number,
    updatedAt: r['updated_at'] as number,
    submittedAt: r['submitted_at'] as number | null,
    completedAt: r['completed_at'] as number | null,
  };
}

/** Studies and instances repository. */
export class StudyRepo {
  constructor(
    private readonly d: SqlDriver,
    private readonly clock: Clock,
  ) {}

  /** Creates a receiving study; `studyInstanceUid` pins the UID its instances must carry. */
  async create(tenantId: string, input: { priority?: number; studyInstanceUid?: string | null } = {}): Promise<Study> {
    const now = this.clock.now();
    const [row] = await this.d.db
      .insert(studies)
      .values({
        id: newId(),
        tenantId,
        status: 'receiving',
        priority: input.priority ?? 0,
        studyInstanceUid: input.studyInstanceUid ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!row) throw new DbError('INVALID_STATE', 'insert returned no row', { details: { table: 'studies' } });
    return row;
  }

  async get(tenantId: string, id: string): Promise<Study | null> {
    const [row] = await this.d.db
      .select()
      .from(studies)
      .where(and(eq(studies.id, id), eq(studies.tenantId, tenantId)));
    return row ?? null;
  }

  /** The newest study of the tenant still receiving instances for this Study Instance UID. */
  async receivingByUid(tenantId: string, studyInstanceUid: string): Promise<Study | null> {
    const [row] = await this.d.db
      .select()
      .from(studies)
      .where(and(eq(studies.tenantId, tenantId), eq(studies.studyInstanceUid, studyInstanceUid), eq(studies.status, 'receiving')))
      .orderBy(desc(studies.createdAt))
      .limit(1);
    return row ?? null;
  }

  /**
   * The worklist: most urgent first (central PE with RV/LV ≥ 1), then by PE probability, then
   * newest; studies without a result come last. The ORDER BY matches the studies_worklist index.
   *
   * This is the hottest read of the API, so it runs as plain SQL through the driver's cached
   * statements (see SqlDriver.select) instead of drizzle's builder: building and mapping the
   * query through drizzle cost more than executing it.
   */
  async worklist(tenantId: string, q: WorklistQuery): Promise<Study[]> {
    const where = ['tenant_id = ?'];
    const params: (string | number)[] = [tenantId];
    const list = (column: string, values: readonly string[]) => {
      where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
      params.push(...values);
    };
    if (q.status?.length) list('status', q.status);
    if (q.decision?.length) list('decision', q.decision);
    if (q.from !== undefined) where.push('created_at >= ?'), params.push(q.from);
    if (q.to !== undefined) where.push('created_at < ?'), params.push(q.to);
    if (q.urgentOnly) where.push('urgency = 0');
    if (q.search) {
      // A prefix match: LIKE with the wildcards in the search escaped.
      const like = `${q.search.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
      where.push(`(id LIKE ? ESCAPE '\\' OR study_instance_uid LIKE ? ESCAPE '\\')`);
      params.push(like, like);
    }
    params.push(q.limit, q.offset);
    const rows = await this.d.select(
      `SELECT ${STUDY_COLUMNS} FROM studies WHERE ${where.join(' AND ')}
       ORDER BY urgency ASC, sort_probability DESC, created_at DESC, id DESC LIMIT ? OFFSET ?`,
      params,
    );
    return rows.map(studyFromRow);
  }

  /**
   * The tenant's worklist version: it changes whenever any of its studies is inserted or
   * updated (triggers of migration 0001). Read it before the worklist to cache safely.
   */
  async worklistVersion(tenantId: string): Promise<number> {
    const [row] = await this.d.select('SELECT worklist_version AS v FROM tenants WHERE id = ?', [tenantId]);
    return (row?.['v'] as number | undefined) ?? -1;
  }

  /** The study's series with instance counts and bytes. */
  async series(tenantId: string, studyId: string): Promise<SeriesSummary[]> {
    return this.d.db
      .select({
        seriesInstanceUid: instances.seriesInstanceUid,
        modality: instances.modality,
        instanceCount: sql<number>`count(*)`.mapWith(Number),
        bytes: sql<number>`coalesce(sum(${instances.size}), 0)`.mapWith(Number),
      })
      .from(instances)
      .where(and(eq(instances.studyId, studyId), eq(instances.tenantId, tenantId)))
      .groupBy(instances.seriesInstanceUid, instances.modality)
      .orderBy(asc(instances.seriesInstanceUid));
  }

  async instance(tenantId: string, studyId: string, sopInstanceUid: string): Promise<Instance | null> {
    const [row] = await this.d.db
      .select()
      .from(instances)
      .where(and(eq(instances.studyId, studyId), eq(instances.tenantId, tenantId), eq(instances.sopInstanceUid, sopInstanceUid)));
    return row ?? null;
  }

  async instances(tenantId: string, studyId: string): Promise<Instance[]> {
    return this.d.db
      .select()
      .from(instances)
      .where(and(eq(instances.studyId, studyId), eq(instances.tenantId, tenantId)))
      .orderBy(asc(instances.seriesInstanceUid), asc(instances.sopInstanceUid));
  }

  /**
   * Adds an instance atomically with the study's counters. The insert only happens while the
   * study is receiving, under its byte and instance limits, and with a matching Study Instance
   * UID; a second body for the same SOP Instance UID is reported, never stored.
   */
  async addInstance(input: NewInstance, limits: StudyLimits): Promise<AddInstanceOutcome> {
    const id = newId();
    const now = this.clock.now();
    const s = input;
    const a = s.dicomAttributes;
    const eligible = sql`EXISTS (SELECT 1 FROM studies WHERE id = ${s.studyId} AND tenant_id = ${s.tenantId} AND status = 'receiving'
      AND total_bytes + ${s.size} <= ${limits.maxStudyBytes} AND instance_count < ${limits.maxStudyInstances}
      AND (${s.studyInstanceUid} IS NULL OR study_instance_uid IS NULL OR study_instance_uid = ${s.studyInstanceUid}))`;
    await this.d.batch([
      run(sql`INSERT INTO instances (id, tenant_id, study_id, sop_instance_uid, series_instance_uid, sop_class_uid, modality,
          size, sha256, blob_key, identity_removed, created_at)
        SELECT ${id}, ${s.tenantId}, ${s.studyId}, ${s.sopInstanceUid}, ${s.seriesInstanceUid}, ${s.sopClassUid}, ${s.modality},
          ${s.size}, ${s.sha256}, ${s.blobKey}, ${s.identityRemoved ? 1 : 0}, ${now}
        WHERE ${eligible}
        ON CONFLICT (study_id, sop_instance_uid) DO NOTHING`),
      run(sql`UPDATE studies SET total_bytes = total_bytes + ${s.size}, instance_count = instance_count + 1,
        study_instance_uid = coalesce(study_instance_uid, ${s.studyInstanceUid}),
        descriptors = coalesce(descriptors, ${s.descriptors ? JSON.stringify(s.descriptors) : null}), updated_at = ${now}
        WHERE id = ${s.studyId} AND EXISTS (SELECT 1 FROM instances WHERE id = ${id})`),
      ...(a && s.studyInstanceUid && s.seriesInstanceUid
        ? [
            run(sql`INSERT INTO dicom_instance_attributes (instance_id, tenant_id, study_id, study_instance_uid,
                series_instance_uid, sop_instance_uid, sop_class_uid, modality,
                study_date, study_time, accession_number, study_description, series_description,
                series_number, instance_number, rows, columns, number_of_frames, transfer_syntax_uid, created_at)
              SELECT ${id}, ${s.tenantId}, ${s.studyId}, ${s.studyInstanceUid}, ${s.seriesInstanceUid},
                ${s.sopInstanceUid}, ${s.sopClassUid}, ${s.modality},
                ${a.studyDate}, ${a.studyTime}, ${a.accessionNumber}, ${a.studyDescription},
                ${a.seriesDescription}, ${a.seriesNumber}, ${a.instanceNumber},
                ${a.rows}, ${a.columns}, ${a.numberOfFrames}, ${a.transferSyntaxUid}, ${now}
              WHERE EXISTS (SELECT 1 FROM instances WHERE id = ${id})`),
          ]
        : []),
    ]);
    const row = await this.instance(s.tenantId, s.studyId, s.sopInstanceUid);
    if (row) {
      if (row.id === id) return { kind: 'created', instance: row };
      return row.sha256 === s.sha256 ? { kind: 'duplicate', instance: row } : { kind: 'conflict', instance: row };
    }
    const study = await this.get(s.tenantId, s.studyId);
    if (!study) return { kind: 'not_found' };
    if (study.status !== 'receiving') return { kind: 'study_locked', status: study.status };
    if (study.instanceCount >= limits.maxStudyInstances)
      return { kind: 'too_many_instances', count: study.instanceCount, limit: limits.maxStudyInstances };
    if (study.totalBytes + s.size > limits.maxStudyBytes)
      return { kind: 'study_too_large', totalBytes: study.totalBytes, limit: limits.maxStudyBytes };
    return { kind: 'study_uid_mismatch' };
  }

  /**
   * Queues the study's analysis. Idempotent: a study already queued, processing or complete
   * returns its job; a failed study is queued again with a new job.
   */
  async submit(
    tenantId: string,
    studyId: string,
    input: { priority: number; maxAttempts: number; modelVersion?: string },
  ): Promise<SubmitOutcome> {
    const jobId = newId();
    const now = this.clock.now();
    // A named model version pins the analysis to it; otherwise the runner uses the active one.
    const payload = JSON.stringify(input.modelVersion ? { studyId, modelVersion: input.modelVersion } : { studyId });
    await this.d.batch([
      run(sql`UPDATE studies SET status = 'queued', analysis_job_id = ${jobId}, priority = ${input.priority},
        submitted_at = ${now}, updated_at = ${now}
        WHERE id = ${studyId} AND tenant_id = ${tenantId} AND status IN ('receiving', 'failed') AND instance_count > 0`),
      run(sql`INSERT INTO jobs (id, tenant_id, study_id, kind, status, priority, payload,
          attempts, max_attempts, available_at, created_at, updated_at)
        SELECT ${jobId}, ${tenantId}, ${studyId}, 'analysis', 'queued', ${input.priority},
          ${payload}, 0, ${input.maxAttempts}, ${now}, ${now}, ${now}
        WHERE EXISTS (SELECT 1 FROM studies WHERE id = ${studyId} AND analysis_job_id = ${jobId})`),
    ]);
    const study = await this.get(tenantId, studyId);
    if (!study) return { kind: 'not_found' };
    if (!study.analysisJobId) return { kind: 'empty' };
    const [job] = await this.d.db.select().from(jobs).where(eq(jobs.id, study.analysisJobId));
    if (!job) throw new DbError('INVALID_STATE', 'study references a missing job', { details: { table: 'studies', studyId } });
    return { kind: study.analysisJobId === jobId ? 'created' : 'existing', study, job };
  }
}
