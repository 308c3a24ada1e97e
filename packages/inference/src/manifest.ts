/**
 * The model directory's manifest.json: what the model is, what it was trained on, how to feed
 * it, its thresholds and metrics, and the sha256 of each ONNX file.
 */
import { z } from 'zod';
import { ALL_LABELS, AcquisitionRangeSchema } from '@embolus/shared';

const file = z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });

export const ModelManifestSchema = z
  .object({
    name: z.string().default('embolus'),
    version: z.string(),
    createdAt: z.string().optional(),
    /** Short description of the training data, e.g. "synthetic phantoms (N studies)". */
    trainedOn: z.string(),
    notForClinicalUse: z.literal(true),
    files: z.object({ phase1: file, phase2: file }),
    featureDim: z.number().int().positive(),
    sequenceLength: z.number().int().positive().default(40),
    windowSlices: z.number().int().positive().default(10),
    inputSize: z.number().int().positive().default(192),
    thresholds: z.record(z.enum(ALL_LABELS), z.number().min(0).max(1)),
    /**
     * The acquisitions the model supports (slice thickness and spacing, slice count, lung
     * coverage, obliquity, contrast floor) for the study-quality gates; absent: a conservative
     * CTPA default (DEFAULT_ACQUISITION in @embolus/shared).
     */
    acquisition: AcquisitionRangeSchema.optional(),
    config: z.record(z.string(), z.unknown()).default({}),
    trainingData: z.record(z.string(), z.unknown()).default({}),
    metrics: z.record(z.string(), z.unknown()).default({}),
  })
  .passthrough();

export type ModelManifest = z.infer<typeof ModelManifestSchema>;
