/**
 * Response shapes of the quality routes (issue 18), as zod/OpenAPI schemas: the dashboard's
 * quality pages read exactly these. Values below minimum counts are tagged
 * `{ kind: 'insufficient_data' }`, never numbers.
 */
import { z } from '@hono/zod-openapi';

const Interval = z.tuple([z.number(), z.number()]);

/** AUROC with DeLong CI, or too few positives/negatives. */
export const AurocCell = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('auroc'),
      n: z.number().int(),
      positives: z.number().int(),
      negatives: z.number().int(),
      auroc: z.number(),
      ci: Interval,
    }),
    z.object({
      kind: z.literal('insufficient_data'),
      n: z.number().int(),
      positives: z.number().int(),
      negatives: z.number().int(),
      required: z.object({ positives: z.number().int(), negatives: z.number().int() }),
    }),
  ])
  .openapi('AurocCell');

/** A proportion (sensitivity, specificity) with its Wilson CI, or too few subjects. */
export const RateCell = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('rate'), value: z.number(), ci: Interval, successes: z.number().int(), n: z.number().int() }),
    z.object({ kind: z.literal('insufficient_data'), n: z.number().int(), required: z.number().int() }),
  ])
  .openapi('RateCell');

/** CBPE's expected performance over all of a period's analysed studies, labelled or not. */
export const CbpeCell = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('estimate'),
      n: z.number().int(),
      expectedPositives: z.number(),
      auroc: z.number(),
      sensitivity: z.number(),
      specificity: z.number(),
    }),
    z.object({ kind: z.literal('insufficient_data'), n: z.number().int() }),
  ])
  .openapi('CbpeCell');

/** One calendar window of the cohort overview: every label's AUROC cell. */
export const CohortWindow = z
  .object({ key: z.string(), start: z.string(), end: z.string(), studies: z.number().int(), labels: z.record(z.string(), AurocCell) })
  .openapi('CohortWindow');

/** One calendar window of a label report. `coverage` = labelled / studies (null without studies). */
export const LabelPeriod = z
  .object({
    key: z.string(),
    start: z.string(),
    end: z.string(),
    studies: z.number().int(),
    labelled: z.number().int(),
    coverage: z.number().nullable(),
    auroc: AurocCell,
    sensitivity: RateCell,
    specificity: RateCell,
    cbpe: CbpeCell,
  })
  .openapi('LabelPeriod');

export const ReliabilityBin = z
  .object({
    lower: z.number(),
    upper: z.number(),
    count: z.number().int(),
    meanProbability: z.number().nullable(),
    observedRate: z.number().nullable(),
  })
  .openapi('ReliabilityBin');

/** Where the threshold of a report or preview comes from. */
export const ThresholdSource = z
  .object({ value: z.number(), source: z.enum(['site', 'default', 'query']), setVersion: z.number().int().nullable() })
  .openapi('ThresholdInForce');

export const LabelReport = z
  .object({
    label: z.string(),
    window: z.enum(['week', 'month']),
    threshold: ThresholdSource,
    overall: z.object({
      studies: z.number().int(),
      labelled: z.number().int(),
      auroc: AurocCell,
      /** ROC points from (0,0) to (1,1), thinned; a null threshold is +∞ (nothing called positive). */
      roc: z.object({ fpr: z.array(z.number()), tpr: z.array(z.number()), thresholds: z.array(z.number().nullable()) }).nullable(),
      operatingPoint: z.object({
        threshold: z.number(),
        tp: z.number().int(),
        fp: z.number().int(),
        tn: z.number().int(),
        fn: z.number().int(),
        sensitivity: RateCell,
        specificity: RateCell,
      }),
      calibration: z.array(ReliabilityBin),
    }),
    periods: z.array(LabelPeriod),
  })
  .openapi('LabelReport');
