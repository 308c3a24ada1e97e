/**
 * The analysis result: what `embolus analyze --json` prints, what the runner uploads and what
 * `GET /v1/studies/{id}` returns. One schema so partners parse one format.
 */
import { z } from 'zod';
import { STUDY_LABELS } from './labels';
import { QualitySchema } from './quality';

const probability = z.number().min(0).max(1);
const studyLabel = z.enum(STUDY_LABELS);

/**
 * One study label: the probability after RSNA consistency repair, the threshold in force and the
 * decision. `rawProbability` is the model's own output before repair: repair moves violating
 * labels just across 0.5, which ties many studies, so ranking metrics (AUROC) use the raw value.
 */
export const LabelResultSchema = z.object({
  probability,
  rawProbability: probability.optional(),
  threshold: probability,
  decision: z.boolean(),
});

/** A source slice a window covers, with the share of the window it fills. */
export const WindowSliceSchema = z.object({ sopInstanceUid: z.string(), fraction: z.number().min(0).max(1) });

/** The analysis result, schema version 1. */
export const AnalysisResultSchema = z.object({
  schemaVersion: z.literal(1),
  studyInstanceUid: z.string().optional(),
  seriesInstanceUid: z.string().optional(),
  /**
   * Study-quality gates (placed before the labels so that it is the first thing a reader of the
   * JSON meets). When `quality.diagnostic` is false, `quality.reason` ("Non-diagnostic: …") must be
   * shown before anything else and every label's `decision` is false (withheld); probabilities
   * stay for research. Absent in results made before the gates existed.
   */
  quality: QualitySchema.optional(),
  labels: z.record(studyLabel, LabelResultSchema),
  /** Per window of 10 resampled slices: PE probability and the source slices it covers. */
  windows: z.array(z.object({ index: z.number().int().min(0), probability, rawProbability: probability.optional(), slices: z.array(WindowSliceSchema) })),
  /** Per source slice: PE probability (the max over windows covering it). */
  slices: z.array(z.object({ sopInstanceUid: z.string(), probability })).optional(),
  /** Attention of each study label's head over windows (sums to 1). */
  attention: z.record(studyLabel, z.array(z.number())),
  consistency: z.object({
    violations: z.array(z.object({ rule: z.string(), message: z.string(), labels: z.array(studyLabel) })),
    repaired: z.boolean(),
    changed: z.array(studyLabel),
  }),
  model: z.object({
    version: z.string(),
    sha256: z.string(),
    trainedOn: z.string(),
    notForClinicalUse: z.literal(true),
  }),
  /** Milliseconds per stage. */
  timings: z.record(z.string(), z.number()),
  warnings: z.array(z.string()),
  /** Names of stored artifacts (attention heatmaps, CAM volumes), resolved by the API. */
  artifacts: z.record(z.string(), z.string()).optional(),
});

export type AnalysisResult = z.infer<typeof AnalysisResultSchema>;
export type LabelResult = z.infer<typeof LabelResultSchema>;
