/**
 * Training and evaluation jobs (quality and admin roles): queue, list, read with the result.
 * Analysis jobs are created by `POST /v1/studies/{id}/submit`.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../errors';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { IdParam, JobSchema, Page } from '../schemas';
import { audit, errors, jobView, json, router } from './common';

export const jobs = router();
jobs.use('/v1/jobs', requireRole(...ROLES_FOR.jobs));
jobs.use('/v1/jobs/*', requireRole(...ROLES_FOR.jobs));

jobs.openapi(
  createRoute({
    method: 'post',
    path: '/v1/jobs',
    tags: ['jobs'],
    summary: 'Queue a training or evaluation job (payload is passed to the runner as is)',
    request: {
      body: {
        required: true,
        content: json(
          z.object({
            kind: z.enum(['training', 'evaluation']),
            payload: z.record(z.string(), z.unknown()).refine((p) => JSON.stringify(p).length <= 64 * 1024, 'at most 64 KiB of JSON'),
            priority: z.number().int().min(0).max(100).default(0),
          }),
        ),
      },
    },
    responses: { 201: { description: 'Queued', content: json(JobSchema) }, ...errors() },
  }),
  async (c) => {
    const { store, config } = c.get('deps');
    const body = c.req.valid('json');
    const job = await store.jobs.create(c.get('principal').tenantId, {
      kind: body.kind,
      payload: body.payload,
      priority: body.priority,
      maxAttempts: config.jobMaxAttempts,
    });
    await audit(c, 'job.create', null, { jobId: job.id, kind: job.kind });
    return c.json(jobView(job), 201);
  },
);

jobs.openapi(
  createRoute({
    method: 'get',
    path: '/v1/jobs',
    tags: ['jobs'],
    summary: 'Jobs of the tenant, newest first',
    request: {
      query: Page.extend({
        status: z.enum(['queued', 'leased', 'done', 'failed']).optional(),
        kind: z.enum(['analysis', 'training', 'evaluation']).optional(),
      }),
    },
    responses: { 200: { description: 'Jobs', content: json(z.object({ items: z.array(JobSchema) })) }, ...errors() },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const rows = await c.get('deps').store.jobs.list(c.get('principal').tenantId, {
      ...(q.status ? { status: [q.status] } : {}),
      ...(q.kind ? { kind: [q.kind] } : {}),
      limit: q.limit,
      offset: q.offset,
    });
    return c.json({ items: rows.map(jobView) }, 200);
  },
);

jobs.openapi(
  createRoute({
    method: 'get',
    path: '/v1/jobs/{id}',
    tags: ['jobs'],
    summary: 'A job and, once done, its result',
    request: { params: IdParam },
    responses: {
      200: { description: 'The job', content: json(z.object({ job: JobSchema, result: z.unknown().nullable() })) },
      ...errors(404),
    },
  }),
  async (c) => {
    const { store } = c.get('deps');
    const tenantId = c.get('principal').tenantId;
    const job = await store.jobs.get(tenantId, c.req.valid('param').id);
    if (!job) throw new ApiError('NOT_FOUND', 'no such job');
    const result = job.status === 'done' ? await store.results.forJob(tenantId, job.id) : null;
    if (job.studyId) await audit(c, 'job.read', job.studyId, { jobId: job.id });
    return c.json({ job: jobView(job), result: result ? (JSON.parse(result.body) as unknown) : null }, 200);
  },
);
