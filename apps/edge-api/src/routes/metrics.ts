/**
 * Monitoring (quality and admin roles): AUROC per label per calendar window against ground
 * truth, one label's report for the quality pages (issue 18), and label-free drift of
 * predictions and input descriptors, all from @embolus/metrics over the cached cohort.
 */
import type { DriftRow } from '@embolus/db';
import { cohortSummary, driftReport, labelReport, MetricsError, type DescriptorValues, type FeatureDrift } from '@embolus/metrics';
import { STUDY_LABELS } from '@embolus/shared';
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../errors';
import { requireRole, ROLES_FOR } from '../middleware/auth';
import { Instant, isoOf } from '../schemas';
import { audit, errors, json, router } from './common';
import type { CohortCache } from '../quality/cohort-cache';
import { CohortWindow, LabelReport } from '../quality/schemas';
import { thresholdsInForce } from '../quality/thresholds';

export const metrics = router();
metrics.use('/v1/metrics/*', requireRole(...ROLES_FOR.metrics));

const DAY = 86_400_000;

/** Query parameters shared by the cohort and label routes. */
const CohortQuery = z.object({
  window: z.enum(['week', 'month']).default('month'),
  from: Instant.optional(),
  to: Instant.optional(),
  minPositives: z.coerce.number().int().min(2).max(10_000).default(10),
  minNegatives: z.coerce.number().int().min(2).max(10_000).default(10),
  level: z.coerce.number().min(0.5).max(0.999).default(0.95),
});

metrics.openapi(
  createRoute({
    method: 'get',
    path: '/v1/metrics/cohort',
    tags: ['quality'],
    summary: 'AUROC with DeLong CI per label and calendar window, over analysed studies with ground truth',
    request: {
      query: CohortQuery.extend({
        labels: z
          .string()
          .transform((s) =>
            s
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean),
          )
          .pipe(z.array(z.enum(STUDY_LABELS)).min(1))
          .optional(),
      }),
    },
    responses: {
      200: {
        description: 'Cohort summary: `studies` analysed, `labelled` with ground truth on at least one label',
        content: json(
          z
            .object({ window: z.string(), studies: z.number().int(), labelled: z.number().int(), windows: z.array(CohortWindow) })
            .openapi('CohortSummary'),
        ),
      },
      ...errors(422),
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const { store, cohortCache } = c.get('deps');
    const labels = q.labels ?? [...STUDY_LABELS];
    // Computed once per cohort version and query (the page asks again on every visit).
    const body = await (cohortCache as CohortCache).memo(
      store,
      c.get('principal').tenantId,
      `cohort ${JSON.stringify({ ...q, labels })}`,
      { from: q.from, to: q.to },
      (cohort) => {
        const input = {
          time: cohort.time,
          labels: Object.fromEntries(labels.map((l) => [l, { truth: cohort.truth[l], probability: cohort.probability[l] }])),
        };
        const windows = cohortSummary(input, {
          window: q.window,
          minPositives: q.minPositives,
          minNegatives: q.minNegatives,
          level: q.level,
        });
        let labelled = 0;
        for (let i = 0; i < cohort.time.length; i++) if (STUDY_LABELS.some((l) => cohort.truth[l][i] === cohort.truth[l][i])) labelled++;
        return { window: q.window, studies: cohort.time.length, labelled, windows: windows as z.infer<typeof CohortWindow>[] };
      },
    );
    await audit(c, 'metrics.cohort', null, { studies: body.studies });
    return c.json(body, 200);
  },
);

metrics.openapi(
  createRoute({
    method: 'get',
    path: '/v1/metrics/labels/{label}',
    tags: ['quality'],
    summary:
      'One label: AUROC, sensitivity/specificity (Wilson CI), coverage and CBPE per window; ROC with operating point and calibration',
    request: {
      params: z.object({ label: z.enum(STUDY_LABELS).openapi({ param: { name: 'label', in: 'path' } }) }),
      query: CohortQuery.extend({
        /** A what-if threshold; default: the tenant's threshold in force. */
        threshold: z.coerce.number().min(0).max(1).optional(),
        rocPoints: z.coerce.number().int().min(2).max(2000).default(200),
        bins: z.coerce.number().int().min(2).max(50).default(10),
      }),
    },
    responses: { 200: { description: 'The label report', content: json(LabelReport) }, ...errors(422) },
  }),
  async (c) => {
    const { label } = c.req.valid('param');
    const q = c.req.valid('query');
    const { store, cohortCache } = c.get('deps');
    const tenantId = c.get('principal').tenantId;
    const inForce = await thresholdsInForce(store, tenantId);
    const threshold =
      q.threshold !== undefined
        ? { value: q.threshold, source: 'query' as const, setVersion: null }
        : {
            value: inForce.thresholds[label],
            source: inForce.set && label in inForce.set.thresholds ? ('site' as const) : ('default' as const),
            setVersion: inForce.set?.version ?? null,
          };
    // Computed once per cohort version, query and threshold in force.
    const report = await (cohortCache as CohortCache).memo(
      store,
      tenantId,
      `label ${label} ${JSON.stringify(q)} ${threshold.value}`,
      { from: q.from, to: q.to },
      (cohort) =>
        labelReport(
          { time: cohort.time, probability: cohort.probability[label], truth: cohort.truth[label] },
          {
            window: q.window,
            threshold: threshold.value,
            minPositives: q.minPositives,
            minNegatives: q.minNegatives,
            level: q.level,
            rocPoints: q.rocPoints,
            calibrationBins: q.bins,
          },
        ),
    );
    await audit(c, 'metrics.label', null, { label, studies: report.overall.studies });
    return c.json(
      { label, window: q.window, threshold, ...(report as Omit<z.infer<typeof LabelReport>, 'label' | 'window' | 'threshold'>) },
      200,
    );
  },
);

/** The descriptors compared between periods. */
const DESCRIPTORS = [
  'manufacturer',
  'manufacturerModelName',
  'convolutionKernel',
  'sliceThickness',
  'pixelSpacing',
  'kvp',
  'rows',
] as const;

function descriptorValues(rows: DriftRow[], name: string): DescriptorValues {
  const values = rows.map((r) => r.descriptors[name]);
  if (values.some((v) => typeof v === 'string')) return values.map((v) => (typeof v === 'string' ? v : null));
  return values.map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null));
}

metrics.openapi(
  createRoute({
    method: 'get',
    path: '/v1/metrics/drift',
    tags: ['quality'],
    summary: 'PSI and KS drift of PE probability and input descriptors, current period against a reference period',
    request: {
      query: z.object({
        referenceFrom: Instant,
        referenceTo: Instant,
        currentFrom: Instant.optional(),
        currentTo: Instant.optional(),
        bins: z.coerce.number().int().min(2).max(50).default(10),
      }),
    },
    responses: {
      200: {
        description: 'Drift per variable; variables without data in a period are listed under skipped',
        content: json(
          z
            .object({
              reference: z.object({ from: z.string(), to: z.string(), studies: z.number().int() }),
              current: z.object({ from: z.string(), to: z.string(), studies: z.number().int() }),
              features: z.record(z.string(), z.unknown()),
              skipped: z.record(z.string(), z.string()),
            })
            .openapi('DriftReport'),
        ),
      },
      ...errors(422),
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const { store, clock } = c.get('deps');
    const tenantId = c.get('principal').tenantId;
    const currentTo = q.currentTo ?? clock.now();
    const currentFrom = q.currentFrom ?? currentTo - 30 * DAY;
    if (q.referenceFrom >= q.referenceTo || currentFrom >= currentTo)
      throw new ApiError('VALIDATION_FAILED', 'each period needs from < to');
    const ref = await store.labels.drift(tenantId, { from: q.referenceFrom, to: q.referenceTo });
    const cur = await store.labels.drift(tenantId, { from: currentFrom, to: currentTo });
    const features: Record<string, FeatureDrift> = {};
    const skipped: Record<string, string> = {};
    // One variable at a time: a descriptor missing in one period must not hide the others.
    const variables: [string, () => Record<string, FeatureDrift>][] = [
      [
        'probability',
        () =>
          driftReport(
            { probability: ref.flatMap((r) => (r.peProbability === null ? [] : [r.peProbability])) },
            { probability: cur.flatMap((r) => (r.peProbability === null ? [] : [r.peProbability])) },
            { bins: q.bins },
          ),
      ],
      ...DESCRIPTORS.map(
        (name) =>
          [
            name,
            () =>
              driftReport(
                { descriptors: { [name]: descriptorValues(ref, name) } },
                { descriptors: { [name]: descriptorValues(cur, name) } },
                { bins: q.bins },
              ),
          ] as [string, () => Record<string, FeatureDrift>],
      ),
    ];
    for (const [name, run] of variables) {
      try {
        const out = run()[name];
        if (out) features[name] = out;
        else skipped[name] = 'no values';
      } catch (e) {
        if (!(e instanceof MetricsError)) throw e;
        skipped[name] = e.code;
      }
    }
    await audit(c, 'metrics.drift', null, { reference: ref.length, current: cur.length });
    return c.json(
      {
        reference: { from: isoOf(q.referenceFrom), to: isoOf(q.referenceTo), studies: ref.length },
        current: { from: isoOf(currentFrom), to: isoOf(currentTo), studies: cur.length },
        features,
        skipped,
      },
      200,
    );
  },
);
