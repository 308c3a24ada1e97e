/**
 * Reading the artifacts (attention maps, CAM volumes) of a study's current result.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../deps';
import { ApiError } from '../errors';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { IdParam, isoOf } from '../schemas';
import { audit, errors, router, sendBlob, studyOr404 } from './common';

export const artifacts = router();

/** Artifact names: a plain file name, no path. */
export const ArtifactName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a plain file name');

export const ArtifactSchema = z
  .object({ name: z.string(), contentType: z.string(), size: z.number().int(), sha256: z.string(), createdAt: z.string() })
  .openapi('Artifact');

/** The job whose result the study currently shows, or 404 when it has none. */
async function resultJob(c: Context<AppEnv>, studyId: string): Promise<string> {
  const study = await studyOr404(c, studyId);
  const result = study.resultId ? await c.get('deps').store.results.get(c.get('principal').tenantId, study.resultId) : null;
  if (!result) throw new ApiError('NOT_FOUND', 'the study has no result yet');
  return result.jobId;
}

artifacts.openapi(
  createRoute({
    method: 'get',
    path: '/v1/studies/{id}/artifacts',
    tags: ['studies'],
    summary: 'Artifacts of the study’s current result',
    middleware: [requireRole(...ROLES_FOR.readStudies)] as const,
    request: { params: IdParam },
    responses: {
      200: { description: 'Artifacts', content: { 'application/json': { schema: z.object({ items: z.array(ArtifactSchema) }) } } },
      ...errors(404),
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const jobId = await resultJob(c, id);
    const rows = await c.get('deps').store.results.artifacts(c.get('principal').tenantId, jobId);
    await audit(c, 'artifact.list', id, { count: rows.length });
    return c.json(
      {
        items: rows.map((a) => ({
          name: a.name,
          contentType: a.contentType,
          size: a.size,
          sha256: a.sha256,
          createdAt: isoOf(a.createdAt),
        })),
      },
      200,
    );
  },
);

artifacts.openapi(
  createRoute({
    method: 'get',
    path: '/v1/studies/{id}/artifacts/{name}',
    tags: ['studies'],
    summary: 'Download one artifact',
    middleware: [requireRole(...ROLES_FOR.readStudies)] as const,
    request: { params: IdParam.extend({ name: ArtifactName.openapi({ param: { name: 'name', in: 'path' } }) }) },
    responses: {
      200: { description: 'The artifact bytes', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
      ...errors(404),
    },
  }),
  async (c) => {
    const { id, name } = c.req.valid('param');
    const jobId = await resultJob(c, id);
    const a = await c.get('deps').store.results.artifact(c.get('principal').tenantId, jobId, name);
    if (!a) throw new ApiError('NOT_FOUND', 'no such artifact');
    await audit(c, 'artifact.read', id, { name });
    return sendBlob(c, a.blobKey, a.contentType);
  },
);
