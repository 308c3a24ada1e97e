/**
 * Runner routes beside the job protocol: which model versions to run (active and shadow), their
 * files (uploaded by the training job that registered them), giving a lease back without
 * spending an attempt, and the queue depth for the runner's health page.
 */
import { MODEL_FILES } from '@embolus/shared';
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../errors';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { platformRunnerScope } from '../middleware/platform-runner';
import { IdParam, isoOf, JobSchema } from '../schemas';
import { audit, errors, jobView, json, router, sendBlob } from './common';
import { unwrap } from './runner';

export const runnerDeploy = router();
runnerDeploy.use('/v1/runner/*', requireRole(...ROLES_FOR.runner), platformRunnerScope());

const LeaseHeader = z.object({
  'embolus-lease-token': z
    .string()
    .min(1)
    .max(128)
    .openapi({ param: { name: 'embolus-lease-token', in: 'header' } }),
});

// Needed by platform runners (with the lease header), ignored for a tenant's own runners.
const JobQuery = z.object({
  job: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .openapi({ param: { name: 'job', in: 'query', description: 'Platform runners: the job held, whose tenant’s models are meant' } }),
});

const DeployedModel = z
  .object({ version: z.string(), sha256: z.string(), downloadable: z.boolean(), activatedAt: z.string().nullable() })
  .openapi('DeployedModel');

runnerDeploy.openapi(
  createRoute({
    method: 'get',
    path: '/v1/runner/models',
    tags: ['runner'],
    summary: 'The versions analysis jobs run: the active one (null: the runner’s default) and the shadow ones',
    request: { query: JobQuery },
    responses: {
      200: {
        description: 'The deployment, and every registered version (jobs may name any of them)',
        content: json(z.object({ active: DeployedModel.nullable(), shadow: z.array(DeployedModel), registered: z.array(DeployedModel) })),
      },
      ...errors(),
    },
  }),
  async (c) => {
    const { store } = c.get('deps');
    const tenantId = c.get('principal').tenantId;
    const [d, all] = await Promise.all([store.models.deployment(tenantId), store.models.list(tenantId)]);
    const view = (m: NonNullable<typeof d.active>) => ({
      version: m.version,
      sha256: m.sha256,
      downloadable: m.jobId !== null,
      activatedAt: isoOf(m.activatedAt),
    });
    return c.json({ active: d.active ? view(d.active) : null, shadow: d.shadow.map(view), registered: all.map(view) }, 200);
  },
);

runnerDeploy.openapi(
  createRoute({
    method: 'get',
    path: '/v1/runner/models/{version}/files/{name}',
    tags: ['runner'],
    summary: 'Download one file of a model version registered by a training job',
    request: {
      params: z.object({
        version: z
          .string()
          .min(1)
          .max(64)
          .openapi({ param: { name: 'version', in: 'path' } }),
        name: z.enum(MODEL_FILES).openapi({ param: { name: 'name', in: 'path' } }),
      }),
      query: JobQuery,
    },
    responses: {
      200: { description: 'The file', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
      ...errors(404),
    },
  }),
  async (c) => {
    const { store } = c.get('deps');
    const tenantId = c.get('principal').tenantId;
    const { version, name } = c.req.valid('param');
    const model = await store.models.get(tenantId, version);
    if (!model?.jobId) throw new ApiError('NOT_FOUND', 'no downloadable model version by that name');
    const artifact = await store.results.artifact(tenantId, model.jobId, name);
    if (!artifact) throw new ApiError('NOT_FOUND', 'the model file is missing');
    return sendBlob(c, artifact.blobKey, 'application/octet-stream');
  },
);

runnerDeploy.openapi(
  createRoute({
    method: 'post',
    path: '/v1/runner/jobs/{id}/release',
    tags: ['runner'],
    summary: 'Give the lease back (shutdown): queued again at once, the attempt not counted',
    request: { params: IdParam, headers: LeaseHeader },
    responses: { 200: { description: 'Released', content: json(JobSchema) }, ...errors(404, 409) },
  }),
  async (c) => {
    const p = c.get('principal');
    const { id } = c.req.valid('param');
    const job = unwrap(await c.get('deps').store.jobs.release(p.tenantId, id, c.req.valid('header')['embolus-lease-token']));
    await audit(c, 'job.release', job.studyId, { jobId: id });
    return c.json(jobView(job), 200);
  },
);

runnerDeploy.openapi(
  createRoute({
    method: 'get',
    path: '/v1/runner/queue',
    tags: ['runner'],
    summary: 'Jobs of the runner’s tenant per kind and status (platform runners: all tenants together)',
    responses: {
      200: {
        description: 'Counts',
        content: json(
          z.object({
            items: z.array(
              z.object({
                kind: z.enum(['analysis', 'training', 'evaluation']),
                status: z.enum(['queued', 'leased', 'done', 'failed']),
                count: z.number().int(),
              }),
            ),
          }),
        ),
      },
      ...errors(),
    },
  }),
  async (c) => {
    const p = c.get('principal');
    // A platform runner sees the sum over all tenants, never one tenant's numbers.
    return c.json({ items: await c.get('deps').store.jobs.counts(p.role === 'platform-runner' ? null : p.tenantId) }, 200);
  },
);
