/**
 * The runner protocol (role runner): claim a job under a lease, heartbeat, read the study's
 * instances, upload artifacts, then complete or fail. Every call after the claim presents the
 * lease token in the `Embolus-Lease-Token` header.
 */
import { sha256Hex, type Job, type LeaseOutcome } from '@embolus/db';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../deps';
import { ApiError } from '../errors';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { actingIn, platformRunnerScope } from '../middleware/platform-runner';
import { readBody } from '../middleware/body';
import { buildCompletion } from '../results/completion';
import { AnalysisResult, IdParam, isoOf, JobSchema, SopParams } from '../schemas';
import { ArtifactName } from './artifacts';
import { audit, errors, jobView, json, router, sendBlob } from './common';

export const runner = router();
runner.use('/v1/runner/*', requireRole(...ROLES_FOR.runner), platformRunnerScope());

const LeaseHeader = z.object({
  'embolus-lease-token': z
    .string()
    .min(1)
    .max(128)
    .openapi({ param: { name: 'embolus-lease-token', in: 'header', description: 'The lease token from the claim (Embolus-Lease-Token)' } }),
});

/** A job whose lease the caller holds right now, or 404 / 409 LEASE_LOST. */
async function heldJob(c: Context<AppEnv>, id: string, token: string): Promise<Job> {
  const { store, clock } = c.get('deps');
  const job = await store.jobs.get(c.get('principal').tenantId, id);
  if (!job) throw new ApiError('NOT_FOUND', 'no such job');
  if (job.leaseToken !== token || job.status !== 'leased' || (job.leaseExpiresAt ?? 0) <= clock.now()) {
    throw new ApiError('LEASE_LOST', 'the lease on this job is not held (expired, reclaimed or finished)', {
      details: { status: job.status },
    });
  }
  return job;
}

export function unwrap<T>(out: LeaseOutcome<T>): T {
  if (out.kind === 'not_found') throw new ApiError('NOT_FOUND', 'no such job');
  if (out.kind === 'lease_lost')
    throw new ApiError('LEASE_LOST', 'the lease on this job is not held (expired, reclaimed or finished)', {
      details: { status: out.job.status },
    });
  return out.value;
}

const Claimed = z.object({ job: JobSchema, leaseToken: z.string(), leaseExpiresAt: z.string() }).openapi('ClaimedJob');

runner.openapi(
  createRoute({
    method: 'post',
    path: '/v1/runner/jobs/claim',
    tags: ['runner'],
    summary: 'Lease the next job: analysis first, then by priority, then oldest (platform runners: round-robin by tenant first)',
    request: {
      body: {
        required: false,
        content: json(
          z.object({
            leaseSeconds: z.number().int().min(5).optional(),
            kinds: z
              .array(z.enum(['analysis', 'training', 'evaluation']))
              .min(1)
              .optional(),
          }),
        ),
      },
    },
    responses: { 200: { description: 'A leased job', content: json(Claimed) }, 204: { description: 'No job is waiting' }, ...errors() },
  }),
  async (c) => {
    const { store, config } = c.get('deps');
    const body = c.req.valid('json') as { leaseSeconds?: number; kinds?: Job['kind'][] };
    const p = c.get('principal');
    const leaseMs = Math.min(config.maxLeaseMs, (body.leaseSeconds ?? config.leaseMs / 1000) * 1000);
    const opts = { leaseMs, ...(body.kinds ? { kinds: body.kinds } : {}) };
    // A platform runner claims from every tenant, round-robin by tenant; then acts in the job's.
    const job =
      p.role === 'platform-runner' ? await store.jobs.claimAcrossTenants(p.keyId, opts) : await store.jobs.claim(p.tenantId, p.keyId, opts);
    if (!job) return c.body(null, 204);
    c.set('principal', actingIn(p, job.tenantId));
    await audit(c, 'job.claim', job.studyId, { jobId: job.id, kind: job.kind, attempt: job.attempts });
    return c.json({ job: jobView(job), leaseToken: job.leaseToken as string, leaseExpiresAt: isoOf(job.leaseExpiresAt as number) }, 200);
  },
);

runner.openapi(
  createRoute({
    method: 'post',
    path: '/v1/runner/jobs/{id}/heartbeat',
    tags: ['runner'],
    summary: 'Extend the lease',
    request: {
      params: IdParam,
      headers: LeaseHeader,
      body: {
        required: false,
        content: json(
          z.object({
            leaseSeconds: z.number().int().min(5).optional(),
            // The runner's latest progress (stage, epoch metrics): shown on GET /v1/jobs/{id}.
            progress: z
              .record(z.string(), z.unknown())
              .refine((p) => JSON.stringify(p).length <= 16 * 1024, 'at most 16 KiB of JSON')
              .optional(),
          }),
        ),
      },
    },
    responses: { 200: { description: 'Extended', content: json(z.object({ leaseExpiresAt: z.string() })) }, ...errors(404, 409) },
  }),
  async (c) => {
    const { store, config } = c.get('deps');
    const body = c.req.valid('json') as { leaseSeconds?: number; progress?: Record<string, unknown> };
    const leaseMs = Math.min(config.maxLeaseMs, (body.leaseSeconds ?? config.leaseMs / 1000) * 1000);
    const job = unwrap(
      await store.jobs.heartbeat(
        c.get('principal').tenantId,
        c.req.valid('param').id,
        c.req.valid('header')['embolus-lease-token'],
        leaseMs,
        body.progress,
      ),
    );
    return c.json({ leaseExpiresAt: isoOf(job.leaseExpiresAt as number) }, 200);
  },
);

runner.openapi(
  createRoute({
    method: 'post',
    path: '/v1/runner/jobs/{id}/complete',
    tags: ['runner'],
    summary: 'Store the result and finish the job (analysis results must match AnalysisResult)',
    request: {
      params: IdParam,
      headers: LeaseHeader,
      // `shadow`: analysis results of the shadow versions on the same study (stored, never the decision).
      body: { required: true, content: json(z.object({ result: z.unknown(), shadow: z.array(AnalysisResult).max(8).optional() })) },
    },
    responses: {
      200: {
        description: 'Stored (replay: the same lease already completed it)',
        content: json(z.object({ resultId: z.string(), replay: z.boolean() })),
      },
      ...errors(404, 409, 422),
    },
  }),
  async (c) => {
    const deps = c.get('deps');
    const p = c.get('principal');
    const { id } = c.req.valid('param');
    const token = c.req.valid('header')['embolus-lease-token'];
    const job = await deps.store.jobs.get(p.tenantId, id);
    if (!job) throw new ApiError('NOT_FOUND', 'no such job');
    const { result: raw, shadow } = c.req.valid('json');
    const completion = await buildCompletion(deps, p.tenantId, job, raw, shadow);
    const out = unwrap(await deps.store.results.complete(p.tenantId, id, token, completion));
    await audit(c, 'job.complete', job.studyId, { jobId: id, kind: job.kind, replay: out.replay });
    if (!out.replay) deps.onResultStored?.(c);
    return c.json({ resultId: out.result.id, replay: out.replay }, 200);
  },
);

runner.openapi(
  createRoute({
    method: 'post',
    path: '/v1/runner/jobs/{id}/fail',
    tags: ['runner'],
    summary: 'Record a failure: retried with backoff while attempts remain and the failure is retryable',
    request: {
      params: IdParam,
      headers: LeaseHeader,
      body: {
        required: true,
        content: json(
          z.object({
            error: z.object({ code: z.string().min(1).max(64), message: z.string().max(1000) }),
            retryable: z.boolean().default(true),
          }),
        ),
      },
    },
    responses: { 200: { description: 'Recorded', content: json(JobSchema) }, ...errors(404, 409) },
  }),
  async (c) => {
    const { store, config } = c.get('deps');
    const p = c.get('principal');
    const body = c.req.valid('json');
    const { id } = c.req.valid('param');
    const job = unwrap(
      await store.jobs.fail(
        p.tenantId,
        id,
        c.req.valid('header')['embolus-lease-token'],
        { ...body.error, retryable: body.retryable },
        config.jobBackoff,
      ),
    );
    await audit(c, 'job.fail', job.studyId, { jobId: id, code: body.error.code, status: job.status });
    return c.json(jobView(job), 200);
  },
);

runner.openapi(
  createRoute({
    method: 'get',
    path: '/v1/runner/jobs/{id}/instances',
    tags: ['runner'],
    summary: 'The instances of the leased analysis job’s study',
    request: { params: IdParam, headers: LeaseHeader },
    responses: {
      200: {
        description: 'Instances with download URLs',
        content: json(
          z.object({
            studyId: z.string(),
            items: z.array(
              z.object({
                sopInstanceUid: z.string(),
                seriesInstanceUid: z.string().nullable(),
                size: z.number(),
                sha256: z.string(),
                url: z.string(),
              }),
            ),
          }),
        ),
      },
      ...errors(404, 409),
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const job = await heldJob(c, id, c.req.valid('header')['embolus-lease-token']);
    if (!job.studyId) throw new ApiError('NOT_FOUND', 'this job has no study');
    const rows = await c.get('deps').store.studies.instances(c.get('principal').tenantId, job.studyId);
    await audit(c, 'instance.list', job.studyId, { jobId: id, count: rows.length });
    const items = rows.map((r) => ({
      sopInstanceUid: r.sopInstanceUid,
      seriesInstanceUid: r.seriesInstanceUid,
      size: r.size,
      sha256: r.sha256,
      url: `/v1/runner/jobs/${id}/instances/${r.sopInstanceUid}`,
    }));
    return c.json({ studyId: job.studyId, items }, 200);
  },
);

runner.openapi(
  createRoute({
    method: 'get',
    path: '/v1/runner/jobs/{id}/instances/{sopUid}',
    tags: ['runner'],
    summary: 'Download one instance of the leased job’s study',
    request: { params: SopParams, headers: LeaseHeader },
    responses: {
      200: { description: 'The instance', content: { 'application/dicom': { schema: { type: 'string', format: 'binary' } } } },
      ...errors(404, 409),
    },
  }),
  async (c) => {
    const { id, sopUid } = c.req.valid('param');
    const job = await heldJob(c, id, c.req.valid('header')['embolus-lease-token']);
    const row = job.studyId ? await c.get('deps').store.studies.instance(c.get('principal').tenantId, job.studyId, sopUid) : null;
    if (!row) throw new ApiError('NOT_FOUND', 'no such instance');
    await audit(c, 'instance.read', job.studyId, { jobId: id, sha256: row.sha256 });
    return sendBlob(c, row.blobKey, 'application/dicom');
  },
);

runner.openapi(
  createRoute({
    method: 'put',
    path: '/v1/runner/jobs/{id}/artifacts/{name}',
    tags: ['runner'],
    summary: 'Upload an artifact (attention map, CAM volume) for the leased job',
    request: {
      params: IdParam.extend({ name: ArtifactName.openapi({ param: { name: 'name', in: 'path' } }) }),
      headers: LeaseHeader,
      body: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
    },
    responses: {
      201: { description: 'Stored', content: json(z.object({ name: z.string(), size: z.number(), sha256: z.string() })) },
      ...errors(404, 409, 413),
    },
  }),
  async (c) => {
    const deps = c.get('deps');
    const p = c.get('principal');
    const { id, name } = c.req.valid('param');
    const token = c.req.valid('header')['embolus-lease-token'];
    await heldJob(c, id, token);
    const bytes = await readBody(c, deps.config.maxArtifactBytes, 'artifact');
    const contentType =
      (c.req.header('content-type') ?? 'application/octet-stream').split(';')[0]?.trim().toLowerCase() || 'application/octet-stream';
    const sha256 = await sha256Hex(bytes);
    // A fresh key per upload: a runner that lost its lease can never overwrite its successor's file.
    const blobKey = `tenants/${p.tenantId}/jobs/${id}/artifacts/${crypto.randomUUID()}`;
    await deps.blobs.put(blobKey, bytes, { contentType });
    const out = await deps.store.results.addArtifact(p.tenantId, id, token, { name, contentType, size: bytes.length, sha256, blobKey });
    if (out.kind !== 'ok') await deps.blobs.delete(blobKey).catch(() => undefined);
    const { replacedBlobKey } = unwrap(out);
    if (replacedBlobKey) await deps.blobs.delete(replacedBlobKey).catch(() => undefined);
    return c.json({ name, size: bytes.length, sha256 }, 201);
  },
);
