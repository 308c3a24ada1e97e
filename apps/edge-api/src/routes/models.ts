/**
 * Model versions of the tenant: list, read, activate (the version whose results are the
 * decision), run in shadow (results stored beside the decision, never shown as it), and compare
 * two versions on the same studies with the paired DeLong test.
 */
import type { Model } from '@embolus/db';
import { compareVersions } from '@embolus/metrics';
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../errors';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { isoOf } from '../schemas';
import { audit, errors, json, router } from './common';

export const models = router();

const ModelSchema = z
  .object({
    id: z.string(),
    version: z.string(),
    sha256: z.string(),
    trainedOn: z.string(),
    status: z.enum(['registered', 'active', 'shadow', 'retired']),
    card: z.unknown().nullable(),
    /** Runners can download the files (registered by a training job) or must have them locally. */
    downloadable: z.boolean(),
    activatedAt: z.string().nullable(),
    createdAt: z.string(),
    notForClinicalUse: z.literal(true),
  })
  .openapi('Model');

const VersionParam = z.object({
  version: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'version', in: 'path' } }),
});

/** The public view of a model row. */
export function modelView(m: Model) {
  return {
    id: m.id,
    version: m.version,
    sha256: m.sha256,
    trainedOn: m.trainedOn,
    status: m.status,
    card: m.card ? (JSON.parse(m.card) as unknown) : null,
    downloadable: m.jobId !== null,
    activatedAt: isoOf(m.activatedAt),
    createdAt: isoOf(m.createdAt),
    notForClinicalUse: true as const,
  };
}

models.openapi(
  createRoute({
    method: 'get',
    path: '/v1/models',
    tags: ['models'],
    summary: 'Model versions registered by training jobs or seen in results',
    middleware: [requireRole(...ROLES_FOR.models)] as const,
    responses: { 200: { description: 'Models, newest first', content: json(z.object({ items: z.array(ModelSchema) })) }, ...errors() },
  }),
  async (c) => c.json({ items: (await c.get('deps').store.models.list(c.get('principal').tenantId)).map(modelView) }, 200),
);

const Comparison = z
  .object({
    a: z.string(),
    b: z.string(),
    studies: z.number().int().openapi({ description: 'studies both versions analysed' }),
    level: z.number(),
    labels: z.array(
      z.object({
        label: z.string(),
        n: z.number().int(),
        positives: z.number().int(),
        test: z
          .object({
            aurocA: z.number(),
            aurocB: z.number(),
            difference: z.number(),
            ci: z.tuple([z.number(), z.number()]),
            z: z.number(),
            pValue: z.number(),
          })
          .nullable(),
        reason: z.string().optional(),
      }),
    ),
    notForClinicalUse: z.literal(true),
  })
  .openapi('ModelComparison');

models.openapi(
  createRoute({
    method: 'get',
    path: '/v1/models/compare',
    tags: ['models'],
    summary: 'Compare two versions on the studies both analysed (paired DeLong test per label, against ground truth)',
    middleware: [requireRole(...ROLES_FOR.metrics)] as const,
    request: {
      query: z.object({ a: z.string().min(1).max(64), b: z.string().min(1).max(64), level: z.coerce.number().gt(0).lt(1).default(0.95) }),
    },
    responses: { 200: { description: 'The comparison', content: json(Comparison) }, ...errors(404) },
  }),
  async (c) => {
    const { store } = c.get('deps');
    const tenantId = c.get('principal').tenantId;
    const q = c.req.valid('query');
    for (const [parameter, v] of [
      ['a', q.a],
      ['b', q.b],
    ] as const) {
      // The parameter is named, its value never echoed.
      if (!(await store.models.get(tenantId, v)))
        throw new ApiError('NOT_FOUND', `no model version named by query parameter '${parameter}'`, { details: { parameter } });
    }
    const [pa, pb, truth] = await Promise.all([
      store.models.predictions(tenantId, q.a),
      store.models.predictions(tenantId, q.b),
      store.models.truth(tenantId),
    ]);
    const out = compareVersions(pa, pb, truth, q.level);
    await audit(c, 'models.compare', null, { a: q.a, b: q.b, studies: out.studies });
    return c.json({ a: q.a, b: q.b, level: q.level, ...out, notForClinicalUse: true as const }, 200);
  },
);

models.openapi(
  createRoute({
    method: 'get',
    path: '/v1/models/{version}',
    tags: ['models'],
    summary: 'One model version with its card (manifest, validation metrics, thresholds)',
    middleware: [requireRole(...ROLES_FOR.models)] as const,
    request: { params: VersionParam },
    responses: { 200: { description: 'The model', content: json(ModelSchema) }, ...errors(404) },
  }),
  async (c) => {
    const m = await c.get('deps').store.models.get(c.get('principal').tenantId, c.req.valid('param').version);
    if (!m) throw new ApiError('NOT_FOUND', 'no such model version');
    return c.json(modelView(m), 200);
  },
);

models.openapi(
  createRoute({
    method: 'post',
    path: '/v1/models/{version}/activate',
    tags: ['models'],
    summary: 'Make this version the one whose results are the decision (admin); the previous one is kept as registered',
    middleware: [requireRole(...ROLES_FOR.admin)] as const,
    request: { params: VersionParam },
    responses: { 200: { description: 'Active', content: json(ModelSchema) }, ...errors(404) },
  }),
  async (c) => {
    const { version } = c.req.valid('param');
    const out = await c.get('deps').store.models.activate(c.get('principal').tenantId, version);
    if (out.kind !== 'ok') throw new ApiError('NOT_FOUND', 'no such model version');
    await audit(c, 'model.activate', null, { version });
    return c.json(modelView(out.model), 200);
  },
);

models.openapi(
  createRoute({
    method: 'post',
    path: '/v1/models/{version}/shadow',
    tags: ['models'],
    summary: 'Run this version in shadow beside the active one (admin), or stop',
    middleware: [requireRole(...ROLES_FOR.admin)] as const,
    request: { params: VersionParam, body: { required: false, content: json(z.object({ enabled: z.boolean().default(true) })) } },
    responses: { 200: { description: 'Updated', content: json(ModelSchema) }, ...errors(404, 409) },
  }),
  async (c) => {
    const { version } = c.req.valid('param');
    const enabled = (c.req.valid('json') as { enabled?: boolean }).enabled ?? true;
    const out = await c.get('deps').store.models.setShadow(c.get('principal').tenantId, version, enabled);
    if (out.kind === 'not_found') throw new ApiError('NOT_FOUND', 'no such model version');
    if (out.kind === 'conflict') throw new ApiError('CONFLICT', 'the active version cannot run in shadow; activate another one first');
    await audit(c, 'model.shadow', null, { version, enabled });
    return c.json(modelView(out.model), 200);
  },
);
