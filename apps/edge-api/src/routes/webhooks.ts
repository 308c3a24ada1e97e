/**
 * Partner webhooks: register (the signing secret is shown once), list, deactivate, read the
 * delivery log, and redeliver.
 */
import type { DeliveryRow, WebhookInfo } from '@embolus/db';
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../errors';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { IdParam, isoOf, Page } from '../schemas';
import { checkTarget } from '../webhooks/target';
import { audit, errors, json, router } from './common';

export const webhooks = router();
webhooks.use('/v1/webhooks', requireRole(...ROLES_FOR.webhooks));
webhooks.use('/v1/webhooks/*', requireRole(...ROLES_FOR.webhooks));

export const WEBHOOK_EVENTS = ['study.result', 'alert.fired'] as const;

const WebhookSchema = z
  .object({ id: z.string(), url: z.string(), events: z.array(z.string()), active: z.boolean(), createdAt: z.string() })
  .openapi('Webhook');
const DeliverySchema = z
  .object({
    id: z.string(),
    event: z.string(),
    status: z.enum(['pending', 'sending', 'delivered', 'failed']),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    log: z.array(z.object({ at: z.string(), status: z.number().int().nullable(), error: z.string().nullable(), ms: z.number() })),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
  })
  .openapi('WebhookDelivery');

const view = (w: WebhookInfo) => ({ id: w.id, url: w.url, events: w.events, active: w.active, createdAt: isoOf(w.createdAt) });

function deliveryView(d: DeliveryRow) {
  const log = JSON.parse(d.log) as { at: number; status: number | null; error: string | null; ms: number }[];
  return {
    id: d.id,
    event: d.event,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' ? isoOf(d.nextAttemptAt) : null,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    log: log.map((a) => ({ ...a, at: isoOf(a.at) })),
    createdAt: isoOf(d.createdAt),
    deliveredAt: isoOf(d.deliveredAt),
  };
}

webhooks.openapi(
  createRoute({
    method: 'post',
    path: '/v1/webhooks',
    tags: ['webhooks'],
    summary: 'Register a webhook; deliveries are signed with the returned secret (shown once)',
    request: {
      body: {
        required: true,
        content: json(
          z.object({ url: z.string().url().max(2048), events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).default(['study.result']) }),
        ),
      },
    },
    responses: { 201: { description: 'Registered', content: json(WebhookSchema.extend({ secret: z.string() })) }, ...errors() },
  }),
  async (c) => {
    const { store, config, resolveHost } = c.get('deps');
    const body = c.req.valid('json');
    const url = new URL(body.url);
    if (url.protocol !== 'https:' && !(config.webhookAllowHttp && url.protocol === 'http:'))
      throw new ApiError('VALIDATION_FAILED', 'webhook URLs must use https');
    if (url.username || url.password) throw new ApiError('VALIDATION_FAILED', 'webhook URLs must not carry credentials');
    const target = await checkTarget(url, { resolve: resolveHost, allow: config.webhookAllowInternal, timeoutMs: config.webhookTimeoutMs });
    if (!target.ok) throw new ApiError('VALIDATION_FAILED', target.message, { details: { parameter: 'url', reason: target.reason } });
    const { webhook, secret } = await store.webhooks.create(c.get('principal').tenantId, {
      url: url.toString(),
      events: [...new Set(body.events)],
    });
    await audit(c, 'webhook.create', null, { webhookId: webhook.id });
    return c.json({ ...view(webhook), secret }, 201);
  },
);

webhooks.openapi(
  createRoute({
    method: 'get',
    path: '/v1/webhooks',
    tags: ['webhooks'],
    summary: 'The tenant’s webhooks',
    responses: { 200: { description: 'Webhooks', content: json(z.object({ items: z.array(WebhookSchema) })) }, ...errors() },
  }),
  async (c) => c.json({ items: (await c.get('deps').store.webhooks.list(c.get('principal').tenantId)).map(view) }, 200),
);

webhooks.openapi(
  createRoute({
    method: 'get',
    path: '/v1/webhooks/{id}',
    tags: ['webhooks'],
    summary: 'One webhook',
    request: { params: IdParam },
    responses: { 200: { description: 'The webhook', content: json(WebhookSchema) }, ...errors(404) },
  }),
  async (c) => {
    const w = await c.get('deps').store.webhooks.get(c.get('principal').tenantId, c.req.valid('param').id);
    if (!w) throw new ApiError('NOT_FOUND', 'no such webhook');
    return c.json(view(w), 200);
  },
);

webhooks.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/webhooks/{id}',
    tags: ['webhooks'],
    summary: 'Deactivate a webhook (its delivery log is kept)',
    request: { params: IdParam },
    responses: { 204: { description: 'Deactivated' }, ...errors(404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    if (!(await c.get('deps').store.webhooks.deactivate(c.get('principal').tenantId, id)))
      throw new ApiError('NOT_FOUND', 'no such webhook');
    await audit(c, 'webhook.deactivate', null, { webhookId: id });
    return c.body(null, 204);
  },
);

webhooks.openapi(
  createRoute({
    method: 'get',
    path: '/v1/webhooks/{id}/deliveries',
    tags: ['webhooks'],
    summary: 'The delivery log, newest first',
    request: { params: IdParam, query: Page },
    responses: { 200: { description: 'Deliveries', content: json(z.object({ items: z.array(DeliverySchema) })) }, ...errors(404) },
  }),
  async (c) => {
    const { store } = c.get('deps');
    const tenantId = c.get('principal').tenantId;
    const { id } = c.req.valid('param');
    if (!(await store.webhooks.get(tenantId, id))) throw new ApiError('NOT_FOUND', 'no such webhook');
    const q = c.req.valid('query');
    const rows = await store.webhooks.deliveries(tenantId, id, q);
    return c.json({ items: rows.map(deliveryView) }, 200);
  },
);

webhooks.openapi(
  createRoute({
    method: 'post',
    path: '/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver',
    tags: ['webhooks'],
    summary: 'Send a delivery again: a new pending delivery of the same event and payload (the original and its log are kept)',
    request: {
      params: IdParam.extend({
        deliveryId: z
          .string()
          .min(1)
          .max(64)
          .openapi({ param: { name: 'deliveryId', in: 'path' } }),
      }),
    },
    responses: { 202: { description: 'Queued', content: json(DeliverySchema) }, ...errors(404, 409) },
  }),
  async (c) => {
    const { id, deliveryId } = c.req.valid('param');
    const { store, onResultStored } = c.get('deps');
    const row = await store.webhooks.redeliver(c.get('principal').tenantId, id, deliveryId);
    if (!row) throw new ApiError('NOT_FOUND', 'no such delivery of this webhook');
    await audit(c, 'webhook.redeliver', null, { webhookId: id, deliveryId, newDeliveryId: row.id });
    // Same kick as a stored result: the dispatcher sends it now rather than at its next tick.
    onResultStored?.(c);
    return c.json(deliveryView(row), 202);
  },
);
