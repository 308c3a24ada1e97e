/**
 * Models known to the tenant. Activation and shadow deployment come later.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { isoOf } from '../schemas';
import { errors, router } from './common';

export const models = router();

const ModelSchema = z
  .object({
    id: z.string(),
    version: z.string(),
    sha256: z.string(),
    trainedOn: z.string(),
    status: z.enum(['registered', 'active', 'shadow', 'retired']),
    card: z.unknown().nullable(),
    createdAt: z.string(),
    notForClinicalUse: z.literal(true),
  })
  .openapi('Model');

models.openapi(
  createRoute({
    method: 'get',
    path: '/v1/models',
    tags: ['models'],
    summary: 'Model versions registered by training jobs or seen in results',
    middleware: [requireRole(...ROLES_FOR.models)] as const,
    responses: { 200: { description: 'Models, newest first', content: { 'application/json': { schema: z.object({ items: z.array(ModelSchema) }) } } }, ...errors() },
  }),
  async (c) => {
    const rows = await c.get('deps').store.results.models(c.get('principal').tenantId);
    return c.json(
      {
        items: rows.map((m) => ({
          id: m.id,
          version: m.version,
          sha256: m.sha256,
          trainedOn: m.trainedOn,
          status: m.status,
          card: m.card ? (JSON.parse(m.card) as unknown) : null,
          createdAt: isoOf(m.createdAt),
          notForClinicalUse: true as const,
        })),
      },
      200,
    );
  },
);
