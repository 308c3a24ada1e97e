/**
 * Drift alerts (issue 18, quality and admin roles): rules per label, their events, and an
 * evaluation on demand. Rules are also evaluated on a schedule (a Node timer, the Workers cron;
 * see quality/alert-scheduler.ts); a firing rule records an event and sends `alert.fired` to
 * subscribed webhooks. `GET /v1/alerts?state=active` feeds the dashboard's banner on the quality
 * pages; clinicians get 403, as the quality pages are not theirs.
 */
import type { AlertEventRow, AlertRule } from '@embolus/db';
import { STUDY_LABELS } from '@embolus/shared';
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../errors';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { evaluateTenantAlerts } from '../quality/alert-scheduler';
import { IdParam, Instant, isoOf, Page } from '../schemas';
import { audit, errors, json, router } from './common';

export const alerts = router();
alerts.use('/v1/alerts', requireRole(...ROLES_FOR.quality));
alerts.use('/v1/alerts/*', requireRole(...ROLES_FOR.quality));

const Window = z.enum(['week', 'month']).default('month');
const Fraction = z.number().min(0).max(1);

/** A rule: its kind decides its parameters. */
const RuleInput = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('auroc_lower_ci_below'),
      label: z.enum(STUDY_LABELS),
      params: z
        .object({
          below: Fraction,
          window: Window,
          minPositives: z.number().int().min(2).max(10_000).optional(),
          minNegatives: z.number().int().min(2).max(10_000).optional(),
        })
        .strict(),
    }),
    z.object({
      kind: z.literal('cbpe_drop'),
      label: z.enum(STUDY_LABELS),
      params: z
        .object({ drop: Fraction, window: Window, referenceFrom: z.string(), referenceTo: z.string() })
        .strict()
        .refine(
          (p) =>
            Instant.safeParse(p.referenceFrom).success &&
            Instant.safeParse(p.referenceTo).success &&
            Date.parse(p.referenceFrom) < Date.parse(p.referenceTo),
          'referenceFrom < referenceTo, ISO-8601 dates',
        ),
    }),
    z.object({
      kind: z.literal('coverage_below'),
      label: z.enum(STUDY_LABELS),
      params: z.object({ below: Fraction, window: Window }).strict(),
    }),
  ])
  .openapi('AlertRuleInput');

const RuleView = z
  .object({
    id: z.string(),
    label: z.string(),
    kind: z.string(),
    params: z.record(z.string(), z.unknown()),
    enabled: z.boolean(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('AlertRule');

const EventView = z
  .object({
    id: z.string(),
    ruleId: z.string(),
    label: z.string(),
    kind: z.string(),
    period: z.string(),
    state: z.enum(['active', 'resolved']),
    value: z.number().nullable(),
    message: z.string(),
    firedAt: z.string(),
    resolvedAt: z.string().nullable(),
  })
  .openapi('AlertEvent');

const ruleView = (r: AlertRule) => ({
  id: r.id,
  label: r.label,
  kind: r.kind,
  params: r.params,
  enabled: r.enabled,
  createdBy: r.createdBy,
  createdAt: isoOf(r.createdAt),
  updatedAt: isoOf(r.updatedAt),
});
const eventView = (e: AlertEventRow) => ({
  id: e.id,
  ruleId: e.ruleId,
  label: e.label,
  kind: e.kind,
  period: e.period,
  state: e.state,
  value: e.value,
  message: e.message,
  firedAt: isoOf(e.firedAt),
  resolvedAt: isoOf(e.resolvedAt),
});

alerts.openapi(
  createRoute({
    method: 'get',
    path: '/v1/alerts/rules',
    tags: ['quality'],
    summary: 'Drift alert rules',
    responses: { 200: { description: 'Rules', content: json(z.object({ items: z.array(RuleView) })) } },
  }),
  async (c) => c.json({ items: (await c.get('deps').store.alerts.rules(c.get('principal').tenantId)).map(ruleView) }, 200),
);

alerts.openapi(
  createRoute({
    method: 'post',
    path: '/v1/alerts/rules',
    tags: ['quality'],
    summary: 'Create a drift alert rule',
    request: { body: { required: true, content: json(RuleInput) } },
    responses: { 201: { description: 'The rule', content: json(RuleView) }, ...errors() },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const p = c.get('principal');
    const rule = await c
      .get('deps')
      .store.alerts.createRule(p.tenantId, { label: body.label, kind: body.kind, params: body.params, createdBy: p.keyId });
    await audit(c, 'alerts.rule_create', null, { ruleId: rule.id, label: rule.label, kind: rule.kind });
    return c.json(ruleView(rule), 201);
  },
);

alerts.openapi(
  createRoute({
    method: 'patch',
    path: '/v1/alerts/rules/{id}',
    tags: ['quality'],
    summary: 'Enable, disable or change the parameters of a rule (its kind and label stay)',
    request: {
      params: IdParam,
      body: {
        required: true,
        content: json(z.object({ enabled: z.boolean().optional(), params: z.record(z.string(), z.unknown()).optional() })),
      },
    },
    responses: { 200: { description: 'The rule', content: json(RuleView) }, ...errors(404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const { store } = c.get('deps');
    const tenantId = c.get('principal').tenantId;
    const rule = await store.alerts.rule(tenantId, id);
    if (!rule) throw new ApiError('NOT_FOUND', 'no such alert rule');
    let params: Record<string, unknown> | undefined;
    if (body.params) {
      // The new parameters are checked as the rule's kind requires.
      const parsed = RuleInput.safeParse({ kind: rule.kind, label: rule.label, params: body.params });
      if (!parsed.success)
        throw new ApiError('VALIDATION_FAILED', 'the parameters do not fit the rule’s kind', {
          details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
        });
      params = parsed.data.params;
    }
    const updated = await store.alerts.updateRule(tenantId, id, {
      ...(params ? { params } : {}),
      ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
    });
    if (!updated) throw new ApiError('NOT_FOUND', 'no such alert rule');
    await audit(c, 'alerts.rule_update', null, {
      ruleId: id,
      ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
      params: params !== undefined,
    });
    return c.json(ruleView(updated), 200);
  },
);

alerts.openapi(
  createRoute({
    method: 'delete',
    path: '/v1/alerts/rules/{id}',
    tags: ['quality'],
    summary: 'Delete a rule and its events',
    request: { params: IdParam },
    responses: { 204: { description: 'Deleted' }, ...errors(404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    if (!(await c.get('deps').store.alerts.deleteRule(c.get('principal').tenantId, id)))
      throw new ApiError('NOT_FOUND', 'no such alert rule');
    await audit(c, 'alerts.rule_delete', null, { ruleId: id });
    return c.body(null, 204);
  },
);

alerts.openapi(
  createRoute({
    method: 'get',
    path: '/v1/alerts',
    tags: ['quality'],
    summary: 'Alert events, newest first (`state=active` for the dashboard banner)',
    request: { query: Page.extend({ state: z.enum(['active', 'resolved']).optional() }) },
    responses: { 200: { description: 'Events', content: json(z.object({ items: z.array(EventView) }).openapi('AlertEvents')) } },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const rows = await c
      .get('deps')
      .store.alerts.events(c.get('principal').tenantId, { limit: q.limit, offset: q.offset, ...(q.state ? { state: q.state } : {}) });
    return c.json({ items: rows.map(eventView) }, 200);
  },
);

alerts.openapi(
  createRoute({
    method: 'post',
    path: '/v1/alerts/evaluate',
    tags: ['quality'],
    summary: 'Evaluate the tenant’s enabled rules now (as the schedule does) and say what each found',
    responses: {
      200: {
        description: 'Per rule: state (breached, ok, no_data, error), period, value, and whether an event fired or resolved',
        content: json(
          z
            .object({
              items: z.array(
                z.object({
                  ruleId: z.string(),
                  state: z.string(),
                  period: z.string().nullable(),
                  value: z.number().nullable(),
                  message: z.string().nullable(),
                  fired: z.boolean(),
                  resolved: z.boolean(),
                }),
              ),
            })
            .openapi('AlertEvaluation'),
        ),
      },
    },
  }),
  async (c) => {
    const deps = c.get('deps');
    const outcomes = await evaluateTenantAlerts(deps, c.get('principal').tenantId);
    if (outcomes.some((o) => o.fired)) deps.onResultStored?.(c);
    await audit(c, 'alerts.evaluate', null, { rules: outcomes.length, fired: outcomes.filter((o) => o.fired).length });
    return c.json(
      {
        items: outcomes.map((o) => ({
          ruleId: o.ruleId,
          state: o.evaluation.state,
          period: 'period' in o.evaluation ? o.evaluation.period : null,
          value: 'value' in o.evaluation ? o.evaluation.value : null,
          message: 'message' in o.evaluation ? o.evaluation.message : o.evaluation.code,
          fired: o.fired,
          resolved: o.resolved,
        })),
      },
      200,
    );
  },
);
