/**
 * The analysis result: what `embolus analyze --json` prints, what the runner uploads and what
 * `GET /v1/studies/{id}` returns. One schema so partners parse one format.
 */
import { z } from 'zod';
import { DECISION_RULES } from './decision';
import { ALL_LABELS, STUDY_LABELS } from './labels';
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
  /** The reported decision: the threshold's, unless a rule of the decision procedure overrode it. */
  decision: z.boolean(),
});

/**
 * The decision procedure's outcome (decision.ts `decide`): the exam-level decision, why, the window
 * threshold in force (the manifest's `pe_present_on_image`), and every label whose reported
 * decision differs from its threshold's, with the rule and why. Optional only so that results
 * stored before it existed still parse; `embolus analyze` and the runner always write it.
 */
export const ExamResultSchema = z.object({
  /** `withheld`: the study failed a quality gate (`quality.diagnostic` false; `reason` says why). */
  decision: z.enum(['positive', 'negative', 'indeterminate', 'withheld']),
  reason: z.string(),
  windowThreshold: probability,
  overrides: z.array(
    z.object({
      label: z.enum(ALL_LABELS),
      windows: z.array(z.number().int().min(0)).optional(),
      rule: z.enum(DECISION_RULES),
      thresholdDecision: z.boolean(),
      decision: z.boolean(),
      message: z.string(),
    }),
  ),
});

/** A source slice a window covers, with the share of the window it fills. */
export const WindowSliceSchema = z.object({ sopInstanceUid: z.string(), fraction: z.number().min(0).max(1) });

/**
 * Where the CAM volume artifact (`cam.npy`, [frames, rows, cols]) lies in patient space, so that a
 * CAM voxel maps back to source pixels. The CAM is in the model's input space (the 1 mm volume
 * cropped to the lung box, each slice resized to rows × cols), and one affine holds all of that.
 */
export const CamGeometrySchema = z.object({
  /** [frames, rows, cols] of the CAM volume this geometry describes. */
  shape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]),
  /** Frames that hold image; frames from here on pad the last window and lie outside the volume. */
  validFrames: z.number().int().min(0),
  /**
   * Row-major 3×4 affine: patient position (mm, DICOM LPS) of the centre of CAM voxel
   * (col, row, frame) = A · [col, row, frame, 1].
   */
  affine: z.array(z.number().finite()).length(12),
});

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
  /**
   * Per window of 10 resampled slices: PE probability, the source slices it covers, and `decision`:
   * PE reported on this window (never in a PE-negative exam).
   */
  windows: z.array(
    z.object({
      index: z.number().int().min(0),
      probability,
      rawProbability: probability.optional(),
      decision: z.boolean().optional(),
      slices: z.array(WindowSliceSchema),
    }),
  ),
  /** Per source slice: PE probability (the max over windows covering it). */
  slices: z.array(z.object({ sopInstanceUid: z.string(), probability })).optional(),
  /** Attention of each study label's head over windows (sums to 1). */
  attention: z.record(studyLabel, z.array(z.number())),
  exam: ExamResultSchema.optional(),
  /** RSNA consistency repair of the probabilities at 0.5 (for log-loss scoring; decisions are in `exam`). */
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
  /**
   * The site threshold set (issue 18) that decided this result when it was stored; absent, the
   * model's own thresholds decided it. Results keep it: a later set never re-decides them.
   */
  thresholdSet: z.object({ id: z.string(), version: z.number().int().positive() }).optional(),
  /** Milliseconds per stage. */
  timings: z.record(z.string(), z.number()),
  warnings: z.array(z.string()),
  /** Patient-space geometry of the CAM artifact. Absent in results made before it existed. */
  camGeometry: CamGeometrySchema.optional(),
  /** Names of stored artifacts (attention heatmaps, CAM volumes), resolved by the API. */
  artifacts: z.record(z.string(), z.string()).optional(),
});

export type AnalysisResult = z.infer<typeof AnalysisResultSchema>;
export type LabelResult = z.infer<typeof LabelResultSchema>;
export type ExamResult = z.infer<typeof ExamResultSchema>;
export type CamGeometry = z.infer<typeof CamGeometrySchema>;
