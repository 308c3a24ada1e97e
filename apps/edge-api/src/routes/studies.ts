/**
 * Studies: create, the worklist, one study with its result, submit, and ground-truth labels.
 */
import { AnalysisResultSchema, nonDiagnosticReason } from '@embolus/shared';
import { createRoute, z } from '@hono/zod-openapi';
import { auditPage, jobStages, resultFlags, type GroundTruth, type ResultFlags, type Study } from '@embolus/db';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { ApiError } from '../errors';
import {
  Decision,
  IdParam,
  Instant,
  isoOf,
  JobSchema,
  LabelValues,
  Priority,
  PRIORITY_VALUE,
  StudyDetail,
  StudyStatus,
  WorklistItem,
} from '../schemas';
import { audit, errors, jobView, json, router, studyOr404 } from './common';

export const studies = router();

function worklistItem(s: Study, flags: ResultFlags | undefined, stage: string | undefined) {
  return {
    id: s.id,
    status: s.status,
    studyInstanceUid: s.studyInstanceUid,
    instanceCount: s.instanceCount,
    totalBytes: s.totalBytes,
    priority: s.priority,
    urgent: s.urgency === 0,
    peProbability: s.decision !== 'non_diagnostic' && s.sortProbability >= 0 ? s.sortProbability : null,
    decision: s.decision,
    createdAt: isoOf(s.createdAt),
    submittedAt: isoOf(s.submittedAt),
    completedAt: isoOf(s.completedAt),
    // Dashboard worklist columns (issue 16): the result's model version and its two flags.
    modelVersion: flags?.modelVersion ?? null,
    centralPe: flags?.centralPe ?? null,
    rvLvGte1: flags?.rvLvGte1 ?? null,
    stage: s.status === 'processing' ? (stage ?? null) : null,
  };
}

/** A comma-separated list of enum values in a query parameter. */
const csv = <T extends string>(values: readonly T[]) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values as [T, ...T[]])).max(10))
    .optional();

studies.openapi(
  createRoute({
    method: 'post',
    path: '/v1/studies',
    tags: ['studies'],
    summary: 'Create a study to upload instances into',
    middleware: [requireRole(...ROLES_FOR.upload)] as const,
    request: { body: { required: false, content: json(z.object({ priority: Priority.default('routine') })) } },
    responses: { 201: { description: 'Created', content: json(z.object({ id: z.string(), status: StudyStatus })) }, ...errors() },
  }),
  async (c) => {
    const body = c.req.valid('json') as { priority?: z.infer<typeof Priority> };
    const study = await c
      .get('deps')
      .store.studies.create(c.get('principal').tenantId, { priority: PRIORITY_VALUE[body.priority ?? 'routine'] });
    await audit(c, 'study.create', study.id);
    return c.json({ id: study.id, status: study.status }, 201);
  },
);

studies.openapi(
  createRoute({
    method: 'get',
    path: '/v1/studies',
    tags: ['studies'],
    summary: 'The worklist: central PE with RV/LV ≥ 1 first, then by PE probability',
    middleware: [requireRole(...ROLES_FOR.readStudies)] as const,
    request: {
      query: z.object({
        status: csv(StudyStatus.options).openapi({ description: 'comma-separated statuses', example: 'complete' }),
        decision: csv(Decision.options).openapi({ description: 'comma-separated decisions', example: 'positive' }),
        from: Instant.optional().openapi({ description: 'created at or after (ISO-8601)' }),
        to: Instant.optional().openapi({ description: 'created before (ISO-8601)' }),
        urgent: z.enum(['true', 'false']).optional().openapi({ description: 'true: only central PE with RV/LV ≥ 1' }),
        q: z
          .string()
          .trim()
          .min(1)
          .max(64)
          .regex(/^[A-Za-z0-9.-]+$/, 'letters, digits, dots and dashes')
          .optional()
          .openapi({ description: 'a prefix of the study id or Study Instance UID' }),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
      }),
    },
    responses: {
      200: {
        description: 'Studies, most urgent first',
        content: json(z.object({ items: z.array(WorklistItem), nextOffset: z.number().int().nullable() })),
      },
      ...errors(),
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const { store, worklistCache } = c.get('deps');
    const tenantId = c.get('principal').tenantId;
    // The version is read before the rows: a change in between makes the entry stale, never wrong.
    const version = await store.studies.worklistVersion(tenantId);
    const key = `${tenantId}|${JSON.stringify(q)}`;
    let page = worklistCache?.get(key, version);
    if (!page) {
      const rows = await store.studies.worklist(tenantId, {
        ...(q.status ? { status: q.status } : {}),
        ...(q.decision ? { decision: q.decision } : {}),
        ...(q.from !== undefined ? { from: q.from } : {}),
        ...(q.to !== undefined ? { to: q.to } : {}),
        ...(q.urgent === 'true' ? { urgentOnly: true } : {}),
        ...(q.q ? { search: q.q } : {}),
        limit: q.limit,
        offset: q.offset,
      });
      const flags = await resultFlags(
        store.driver,
        tenantId,
        rows.flatMap((r) => (r.resultId ? [r.resultId] : [])),
      );
      const stages = await jobStages(
        store.driver,
        tenantId,
        rows.flatMap((r) => (r.status === 'processing' && r.analysisJobId ? [r.analysisJobId] : [])),
      );
      const body = JSON.stringify({
        items: rows.map((r) =>
          worklistItem(r, r.resultId ? flags.get(r.resultId) : undefined, r.analysisJobId ? stages.get(r.analysisJobId) : undefined),
        ),
        nextOffset: rows.length === q.limit ? q.offset + q.limit : null,
      });
      page = { version, body, audit: await auditPage(rows.map((r) => r.id)) };
      // A processing study's stage changes with runner heartbeats, which do not bump the worklist
      // version, so a page showing one is never cached (issue 16).
      if (!rows.some((r) => r.status === 'processing')) worklistCache?.set(key, page);
    }
    // The ids are stored once per distinct page; the record names the page (see AuditRepo).
    await audit(c, 'study.list', null, { count: page.audit.studyIds.length }, page.audit);
    // The body is already serialized (and possibly cached), so it bypasses the typed c.json().
    return c.body(page.body, 200, { 'content-type': 'application/json' }) as never;
  },
);

studies.openapi(
  createRoute({
    method: 'get',
    path: '/v1/studies/{id}',
    tags: ['studies'],
    summary: 'A study: status, series and the analysis result',
    middleware: [requireRole(...ROLES_FOR.readStudies)] as const,
    request: { params: IdParam },
    responses: { 200: { description: 'The study', content: json(StudyDetail) }, ...errors(404) },
  }),
  async (c) => {
    const { store } = c.get('deps');
    const tenantId = c.get('principal').tenantId;
    const study = await studyOr404(c, c.req.valid('param').id);
    const series = await store.studies.series(tenantId, study.id);
    let result = null;
    if (study.resultId) {
      const row = await store.results.get(tenantId, study.resultId);
      // Parsed again on the way out: the body served is exactly AnalysisResultSchema.
      if (row) result = AnalysisResultSchema.parse(JSON.parse(row.body));
    }
    let failure = null;
    if (study.status === 'failed' && study.analysisJobId) {
      const job = await store.jobs.get(tenantId, study.analysisJobId);
      const e = job?.lastError ? (JSON.parse(job.lastError) as { code: string; message: string }) : null;
      if (e) failure = { code: e.code, message: e.message };
    }
    await audit(c, 'study.read', study.id, { hasResult: result !== null });
    // `failure` only on failed studies, `nonDiagnostic` (first, before the result) only on
    // non-diagnostic ones: every other response keeps exactly { id, status, series, result }.
    const reason = result ? nonDiagnosticReason(result) : undefined;
    return c.json(
      { ...(reason ? { nonDiagnostic: reason } : {}), id: study.id, status: study.status, series, result, ...(failure ? { failure } : {}) },
      200,
    );
  },
);

studies.openapi(
  createRoute({
    method: 'post',
    path: '/v1/studies/{id}/submit',
    tags: ['studies'],
    summary: 'Queue the study for analysis (idempotent)',
    middleware: [requireRole(...ROLES_FOR.upload)] as const,
    request: {
      params: IdParam,
      body: {
        required: false,
        content: json(
          z.object({
            priority: Priority.optional(),
            modelVersion: z
              .string()
              .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)
              .optional()
              .openapi({ description: 'analyse with this model version instead of the active one' }),
          }),
        ),
      },
    },
    responses: {
      202: {
        description: 'Queued (or already queued, processing or complete)',
        content: json(z.object({ id: z.string(), status: StudyStatus, job: JobSchema, created: z.boolean() })),
      },
      ...errors(404, 422),
    },
  }),
  async (c) => {
    const { store, config } = c.get('deps');
    const { id } = c.req.valid('param');
    const body = c.req.valid('json') as { priority?: z.infer<typeof Priority>; modelVersion?: string };
    const current = await studyOr404(c, id);
    const priority = body.priority ? PRIORITY_VALUE[body.priority] : current.priority;
    const out = await store.studies.submit(c.get('principal').tenantId, id, {
      priority,
      maxAttempts: config.jobMaxAttempts,
      ...(body.modelVersion ? { modelVersion: body.modelVersion } : {}),
    });
    if (out.kind === 'not_found') throw new ApiError('NOT_FOUND', 'no such study');
    if (out.kind === 'empty') throw new ApiError('EMPTY_STUDY', 'the study has no instances to analyse');
    await audit(c, 'study.submit', id, { jobId: out.job.id, created: out.kind === 'created' });
    return c.json({ id, status: out.study.status, job: jobView(out.job), created: out.kind === 'created' }, 202);
  },
);

const LabelsResponse = z
  .object({
    studyId: z.string(),
    /** Per label: the value, its reference standard, who recorded it (key id or `user:<id>`), when, and how (api, ui, csv). */
    labels: z.array(
      z.object({
        label: z.string(),
        value: z.number().int(),
        source: z.string(),
        recordedBy: z.string(),
        recordedAt: z.string(),
        enteredVia: z.enum(['api', 'ui', 'csv']),
      }),
    ),
  })
  .openapi('GroundTruth');

const labelView = (r: GroundTruth) => ({
  label: r.label,
  value: r.value,
  source: r.source,
  recordedBy: r.recordedBy,
  recordedAt: isoOf(r.recordedAt),
  enteredVia: r.enteredVia,
});

studies.openapi(
  createRoute({
    method: 'post',
    path: '/v1/studies/{id}/labels',
    tags: ['quality'],
    summary: 'Record ground truth for a study (quality role)',
    middleware: [requireRole(...ROLES_FOR.labels)] as const,
    request: {
      params: IdParam,
      body: {
        required: true,
        content: json(
          z.object({
            labels: LabelValues.refine((l) => Object.keys(l).length > 0, 'at least one label'),
            source: z.enum(['radiologist', 'consensus', 'pathology', 'follow-up']).default('radiologist'),
          }),
        ),
      },
    },
    responses: { 200: { description: 'The study’s ground truth', content: json(LabelsResponse) }, ...errors(404) },
  }),
  async (c) => {
    const { store } = c.get('deps');
    const p = c.get('principal');
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    // A dashboard session's principal is `user:<id>`: labels entered there are from the UI.
    const enteredVia = p.keyId.startsWith('user:') ? 'ui' : 'api';
    const ok = await store.labels.record(p.tenantId, id, {
      labels: body.labels as Record<string, 0 | 1>,
      source: body.source,
      recordedBy: p.keyId,
      enteredVia,
    });
    if (!ok) throw new ApiError('NOT_FOUND', 'no such study');
    await audit(c, 'labels.write', id, { labels: Object.keys(body.labels) });
    const rows = await store.labels.forStudy(p.tenantId, id);
    return c.json({ studyId: id, labels: rows.map(labelView) }, 200);
  },
);

studies.openapi(
  createRoute({
    method: 'get',
    path: '/v1/studies/{id}/labels',
    tags: ['quality'],
    summary: 'The study’s ground truth',
    middleware: [requireRole('quality', 'admin')] as const,
    request: { params: IdParam },
    responses: { 200: { description: 'Ground truth', content: json(LabelsResponse) }, ...errors(404) },
  }),
  async (c) => {
    const p = c.get('principal');
    const study = await studyOr404(c, c.req.valid('param').id);
    const rows = await c.get('deps').store.labels.forStudy(p.tenantId, study.id);
    await audit(c, 'labels.read', study.id);
    return c.json({ studyId: study.id, labels: rows.map(labelView) }, 200);
  },
);
