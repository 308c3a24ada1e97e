/**
 * Site thresholds (issue 18, quality and admin roles): choose a threshold per label by rule on
 * the tenant's labelled studies, preview the effect, and apply it as a new immutable, versioned
 * set (audited). The active set is the newest; new results are decided with it (see
 * results/completion.ts), earlier results keep their decisions. Rolling back is applying an
 * earlier version again (`copyOf`), which adds a version too.
 */
import type { ThresholdSet } from '@embolus/db';
import { previewThreshold, type SiteThresholdRule, type ThresholdPreview } from '@embolus/metrics';
import { STUDY_LABELS, type StudyLabel } from '@embolus/shared';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../deps';
import { ApiError } from '../errors';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import type { CohortCache } from '../quality/cohort-cache';
import { RateCell } from '../quality/schemas';
import { thresholdsInForce } from '../quality/thresholds';
import { Instant, isoOf, Page } from '../schemas';
import { audit, errors, json, router } from './common';

export const thresholds = router();
thresholds.use('/v1/thresholds', requireRole(...ROLES_FOR.quality));
thresholds.use('/v1/thresholds/*', requireRole(...ROLES_FOR.quality));

/** How to choose one label's threshold. */
const Rule = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('target-sensitivity'), sensitivity: z.number().gt(0).max(1) }),
    z.object({ kind: z.literal('youden') }),
    z.object({ kind: z.literal('max-min-sens-spec') }),
    z.object({ kind: z.literal('fixed'), threshold: z.number().min(0).max(1) }),
  ])
  .openapi('ThresholdRule');
type Rule = z.infer<typeof Rule>;

const Choice = z.object({
  rules: z.partialRecord(z.enum(STUDY_LABELS), Rule).refine((r) => Object.keys(r).length > 0, 'at least one label'),
  /** The labelled studies the rules are applied to: completed in [from, to) (default: all). */
  from: Instant.optional(),
  to: Instant.optional(),
  level: z.number().min(0.5).max(0.999).default(0.95),
});

const Preview = z
  .object({
    rule: Rule,
    threshold: z.number(),
    current: z.number(),
    labelled: z.number().int(),
    positives: z.number().int(),
    negatives: z.number().int(),
    sensitivity: RateCell,
    specificity: RateCell,
    currentSensitivity: RateCell,
    currentSpecificity: RateCell,
    /** Analysed studies in the period (labelled or not) whose threshold decision for the label would flip. */
    changed: z.object({ studies: z.number().int(), toPositive: z.number().int(), toNegative: z.number().int(), of: z.number().int() }),
  })
  .openapi('ThresholdPreview');

const PreviewResponse = z
  .object({ studies: z.number().int(), activeVersion: z.number().int().nullable(), labels: z.record(z.string(), Preview) })
  .openapi('ThresholdPreviewResponse');

const SetView = z
  .object({
    id: z.string(),
    version: z.number().int(),
    thresholds: z.record(z.string(), z.number()),
    rules: z.record(z.string(), z.unknown()),
    note: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
  })
  .openapi('ThresholdSet');

const view = (s: ThresholdSet) => ({
  id: s.id,
  version: s.version,
  thresholds: s.thresholds,
  rules: s.rules,
  note: s.note,
  createdBy: s.createdBy,
  createdAt: isoOf(s.createdAt),
});

const toMetricsRule = (r: Rule): SiteThresholdRule =>
  r.kind === 'target-sensitivity' ? { targetSensitivity: r.sensitivity } : r.kind === 'fixed' ? { threshold: r.threshold } : r.kind;

/** Runs every rule of `body` on the tenant's cohort. */
async function previews(c: Context<AppEnv>, body: z.infer<typeof Choice>) {
  const { store, cohortCache } = c.get('deps');
  const tenantId = c.get('principal').tenantId;
  const inForce = await thresholdsInForce(store, tenantId);
  const cohort = await (cohortCache as CohortCache).get(store, tenantId, { from: body.from, to: body.to });
  const labels: Record<string, Omit<ThresholdPreview, 'rule'> & { rule: Rule }> = {};
  for (const [label, rule] of Object.entries(body.rules) as [StudyLabel, Rule][]) {
    const p = previewThreshold(cohort.probability[label], cohort.truth[label], toMetricsRule(rule), inForce.thresholds[label], {
      level: body.level,
    });
    labels[label] = { ...p, rule };
  }
  return { inForce, studies: cohort.time.length, labels };
}

thresholds.openapi(
  createRoute({
    method: 'post',
    path: '/v1/thresholds/preview',
    tags: ['quality'],
    summary:
      'Choose thresholds by rule on the labelled studies and preview sensitivity, specificity (Wilson CIs) ' +
      'and changed decisions; applies nothing',
    request: { body: { required: true, content: json(Choice) } },
    responses: { 200: { description: 'Per label: the threshold chosen and its effect', content: json(PreviewResponse) }, ...errors(422) },
  }),
  async (c) => {
    const out = await previews(c, c.req.valid('json'));
    await audit(c, 'thresholds.preview', null, { labels: Object.keys(out.labels) });
    return c.json(
      {
        studies: out.studies,
        activeVersion: out.inForce.set?.version ?? null,
        labels: out.labels as Record<string, z.infer<typeof Preview>>,
      },
      200,
    );
  },
);

thresholds.openapi(
  createRoute({
    method: 'post',
    path: '/v1/thresholds',
    tags: ['quality'],
    summary:
      'Apply thresholds as a new version of the site threshold set (the others carried over from the active set), ' +
      'or re-apply an earlier version (`copyOf`)',
    request: {
      body: {
        required: true,
        content: json(
          z.union([
            Choice.extend({ note: z.string().max(500).optional() }),
            z.object({ copyOf: z.number().int().min(1), note: z.string().max(500).optional() }),
          ]),
        ),
      },
    },
    responses: {
      201: {
        description: 'The new active set, with the previews it was chosen on',
        content: json(z.object({ set: SetView, labels: z.record(z.string(), Preview) })),
      },
      ...errors(404, 422),
    },
  }),
  async (c) => {
    const body = c.req.valid('json');
    const { store } = c.get('deps');
    const p = c.get('principal');
    let values: Record<string, number>;
    let rules: Record<string, unknown>;
    let chosen: Record<string, z.infer<typeof Preview>> = {};
    if ('copyOf' in body) {
      const old = await store.thresholdSets.byVersion(p.tenantId, body.copyOf);
      if (!old) throw new ApiError('NOT_FOUND', 'no such threshold set version');
      values = old.thresholds;
      rules = { ...old.rules, copyOf: body.copyOf };
    } else {
      const out = await previews(c, body);
      const active = out.inForce.set;
      values = { ...(active?.thresholds ?? {}), ...Object.fromEntries(Object.entries(out.labels).map(([l, x]) => [l, x.threshold])) };
      rules = { ...(active?.rules ?? {}), ...body.rules };
      chosen = out.labels as Record<string, z.infer<typeof Preview>>;
    }
    const set = await store.thresholdSets.create(p.tenantId, { thresholds: values, rules, note: body.note ?? null, createdBy: p.keyId });
    await audit(c, 'thresholds.apply', null, {
      version: set.version,
      labels: Object.keys(values),
      ...('copyOf' in body ? { copyOf: body.copyOf } : {}),
    });
    return c.json({ set: view(set), labels: chosen }, 201);
  },
);

thresholds.openapi(
  createRoute({
    method: 'get',
    path: '/v1/thresholds',
    tags: ['quality'],
    summary: 'Site threshold sets, newest first, and the thresholds in force per label',
    request: { query: Page },
    responses: {
      200: {
        description: 'The active set (null: the model’s defaults), every label’s threshold in force, and the versions',
        content: json(
          z
            .object({ active: SetView.nullable(), inForce: z.record(z.string(), z.number()), items: z.array(SetView) })
            .openapi('ThresholdSets'),
        ),
      },
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const { store } = c.get('deps');
    const tenantId = c.get('principal').tenantId;
    const inForce = await thresholdsInForce(store, tenantId);
    const items = await store.thresholdSets.list(tenantId, q);
    return c.json({ active: inForce.set ? view(inForce.set) : null, inForce: inForce.thresholds, items: items.map(view) }, 200);
  },
);

thresholds.openapi(
  createRoute({
    method: 'get',
    path: '/v1/thresholds/{version}',
    tags: ['quality'],
    summary: 'One version of the site threshold set',
    request: {
      params: z.object({
        version: z.coerce
          .number()
          .int()
          .min(1)
          .openapi({ param: { name: 'version', in: 'path' } }),
      }),
    },
    responses: { 200: { description: 'The set', content: json(SetView) }, ...errors(404) },
  }),
  async (c) => {
    const set = await c.get('deps').store.thresholdSets.byVersion(c.get('principal').tenantId, c.req.valid('param').version);
    if (!set) throw new ApiError('NOT_FOUND', 'no such threshold set version');
    return c.json(view(set), 200);
  },
);
