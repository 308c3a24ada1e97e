/**
 * The zod schemas of the API's bodies, shared by validation and the OpenAPI document.
 */
import { z } from '@hono/zod-openapi';
import { AnalysisResultSchema, STUDY_LABELS } from '@embolus/shared';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'NOT_ANONYMIZED' }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()),
    }),
  })
  .openapi('Error');

// The shared schema was built before @hono/zod-openapi extended zod (zod 4 attaches methods per
// instance), so it has no .openapi(); zod's own .meta() names it for the document instead.
export const AnalysisResult = AnalysisResultSchema.meta({ id: 'AnalysisResult' });

const iso = z.string().openapi({ format: 'date-time' });

export const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' } }),
});
/** DICOM UIDs: digits and dots, at most 64 characters (PS3.5 9.1). */
export const UidSchema = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)*$/, 'a DICOM UID')
  .max(64);
export const SopParams = IdParam.extend({ sopUid: UidSchema.openapi({ param: { name: 'sopUid', in: 'path' } }) });

export const Priority = z.enum(['routine', 'urgent', 'stat']);
export const PRIORITY_VALUE: Record<z.infer<typeof Priority>, number> = { routine: 0, urgent: 50, stat: 100 };

export const StudyStatus = z.enum(['receiving', 'queued', 'processing', 'complete', 'failed']);
/** `non_diagnostic`: the study failed a quality gate (decisions withheld); sorted as its own state. */
export const Decision = z.enum(['positive', 'negative', 'indeterminate', 'non_diagnostic']);

export const SeriesSchema = z
  .object({
    seriesInstanceUid: z.string().nullable(),
    modality: z.string().nullable(),
    instanceCount: z.number().int(),
    bytes: z.number().int(),
  })
  .openapi('Series');

export const StudyDetail = z
  .object({
    id: z.string(),
    status: StudyStatus,
    /** "Non-diagnostic: <reason>" when the result failed a quality gate: show it before any label. */
    nonDiagnostic: z.string().optional(),
    series: z.array(SeriesSchema),
    result: AnalysisResult.nullable(),
    /** Why a failed study could not be analysed (e.g. NO_CT_SERIES, TOO_FEW_SLICES, DECODE_FAILED). */
    failure: z.object({ code: z.string(), message: z.string() }).nullable().optional(),
  })
  .openapi('Study');

export const WorklistItem = z
  .object({
    id: z.string(),
    status: StudyStatus,
    studyInstanceUid: z.string().nullable(),
    instanceCount: z.number().int(),
    totalBytes: z.number().int(),
    priority: z.number().int(),
    urgent: z.boolean().openapi({ description: 'central PE and RV/LV ≥ 1 both decided positive' }),
    peProbability: z.number().nullable().openapi({ description: 'null without a result and for a non-diagnostic one (withheld)' }),
    decision: Decision.nullable(),
    createdAt: iso,
    submittedAt: iso.nullable(),
    completedAt: iso.nullable(),
    modelVersion: z.string().nullable(),
    centralPe: z.boolean().nullable().openapi({ description: 'the result decided central PE (null without a result)' }),
    rvLvGte1: z.boolean().nullable().openapi({ description: 'the result decided RV/LV ratio ≥ 1 (null without a result)' }),
    stage: z.string().nullable().openapi({
      description: 'while processing: the stage the runner last reported (fetch, model, series, preprocess, inference, upload)',
    }),
  })
  .openapi('WorklistItem');

export const InstanceOutcome = z
  .object({
    index: z.number().int().optional(),
    name: z.string().optional(),
    status: z.enum(['stored', 'duplicate', 'refused', 'skipped']),
    sopInstanceUid: z.string().optional(),
    seriesInstanceUid: z.string().nullable().optional(),
    size: z.number().int().optional(),
    sha256: z.string().optional(),
    code: z.string().optional(),
    message: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi('InstanceOutcome');

export const BatchResponse = z
  .object({
    studyId: z.string(),
    stored: z.number().int(),
    duplicates: z.number().int(),
    refused: z.number().int(),
    skipped: z.number().int(),
    files: z.array(InstanceOutcome),
  })
  .openapi('BatchUploadResult');

export const JobSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['analysis', 'training', 'evaluation']),
    status: z.enum(['queued', 'leased', 'done', 'failed']),
    studyId: z.string().nullable(),
    priority: z.number().int(),
    payload: z.unknown(),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    availableAt: iso,
    leaseExpiresAt: iso.nullable(),
    lastError: z.object({ code: z.string(), message: z.string(), at: iso, attempt: z.number().int().optional() }).nullable(),
    /** The runner's latest progress report (stage; per-epoch metrics for training). */
    progress: z.unknown().nullable(),
    createdAt: iso,
    completedAt: iso.nullable(),
  })
  .openapi('Job');

export const LabelValues = z.partialRecord(z.enum(STUDY_LABELS), z.union([z.literal(0), z.literal(1)]));

/** JSON bodies of unknown shape, bounded where they are read. */
export const JsonObject = z.record(z.string(), z.unknown());

/** Pagination of list endpoints. */
export const Page = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** ISO-8601 date or date-time query value, as epoch ms. */
export const Instant = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), 'an ISO-8601 date or date-time')
  .transform((s) => Date.parse(s));

export function isoOf(ms: number): string;
export function isoOf(ms: number | null): string | null;
export function isoOf(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
