/**
 * What a runner's `complete` call stores: the result checked against the job (schema, study,
 * uploaded artifacts, shadow versions), summarized for the worklist, with its shadow rows and its
 * webhook event. The route only reads the request and hands the completion to the store.
 */
import type { Completion, Job } from '@embolus/db';
import {
  AnalysisResultSchema,
  applySiteThresholds,
  MODEL_FILES,
  summarize,
  type AnalysisResult,
  type ResultSummary,
} from '@embolus/shared';
import { z } from '@hono/zod-openapi';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';

/** What a training job reports: the model it registered (optional) and its metrics. */
export const TrainingResult = z.object({
  model: z
    .object({
      version: z.string().min(1).max(64),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      trainedOn: z.string().max(200),
      card: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  metrics: z.record(z.string(), z.unknown()).optional(),
});

const issuesOf = (e: z.ZodError) => e.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));

/**
 * The `study.result` webhook payload. A non-diagnostic result leads with its reason and withholds
 * the PE probability. `stored` (the result as stored, already serialized) is spliced in rather
 * than serialized a second time.
 */
export function studyResultPayload(studyId: string | null, resultId: string, summary: ResultSummary, stored: string): string {
  const head = JSON.stringify({
    event: 'study.result',
    studyId,
    resultId,
    ...(summary.reason ? { nonDiagnostic: summary.reason } : {}),
    decision: summary.decision,
    urgent: summary.urgency === 0,
    peProbability: summary.reason ? null : summary.peProbability,
    notForClinicalUse: true,
  });
  return `${head.slice(0, -1)},"result":${stored}}`;
}

/** Checks an analysis result (and its shadow results) against `job` and builds its completion. */
async function analysisCompletion(deps: AppDeps, tenantId: string, job: Job, raw: unknown, shadow: AnalysisResult[]): Promise<Completion> {
  const parsed = AnalysisResultSchema.safeParse(raw);
  if (!parsed.success)
    throw new ApiError('INVALID_RESULT', 'the result does not match AnalysisResultSchema', { details: { issues: issuesOf(parsed.error) } });
  // The tenant's site thresholds (issue 18), if it has set any, decide the result as stored;
  // the result records which set that was. Results stored before keep their decisions.
  const site = await deps.store.thresholdSets.active(tenantId);
  const r = site
    ? { ...applySiteThresholds(parsed.data, site.thresholds), thresholdSet: { id: site.id, version: site.version } }
    : parsed.data;
  const study = job.studyId ? await deps.store.studies.get(tenantId, job.studyId) : null;
  if (r.studyInstanceUid && study?.studyInstanceUid && r.studyInstanceUid !== study.studyInstanceUid) {
    throw new ApiError('INVALID_RESULT', 'the result’s studyInstanceUid is not the study’s');
  }
  const names = new Set((await deps.store.results.artifacts(tenantId, job.id)).map((a) => a.name));
  const missing = Object.values(r.artifacts ?? {}).filter((n) => !names.has(n));
  if (missing.length) throw new ApiError('INVALID_RESULT', 'the result names artifacts that were not uploaded', { details: { missing } });
  if (shadow.some((x) => x.model.version === r.model.version))
    throw new ApiError('INVALID_RESULT', 'a shadow result comes from the decision’s own model version');
  const summary = summarize(r);
  const stored = JSON.stringify(r);
  return {
    shadow: shadow.map((x) => {
      const s = summarize(x);
      const model = { version: x.model.version, sha256: x.model.sha256, trainedOn: x.model.trainedOn };
      return {
        modelVersion: x.model.version,
        model,
        probabilities: s.probabilities,
        peProbability: s.peProbability,
        body: JSON.stringify(x),
      };
    }),
    body: stored,
    modelVersion: r.model.version,
    summary,
    thresholdSetId: site?.id ?? null,
    model: { version: r.model.version, sha256: r.model.sha256, trainedOn: r.model.trainedOn },
    events: [{ event: 'study.result', payload: (resultId: string) => studyResultPayload(job.studyId, resultId, summary, stored) }],
  };
}

/**
 * The completion for `raw`, the result `job` reported: size-checked, validated for the job's
 * kind; a training job that uploaded the model files as artifacts makes its version
 * downloadable by runners. Throws {@link ApiError} (PAYLOAD_TOO_LARGE, INVALID_RESULT).
 */
export async function buildCompletion(
  deps: AppDeps,
  tenantId: string,
  job: Job,
  raw: unknown,
  shadow: AnalysisResult[] = [],
): Promise<Completion> {
  const body = JSON.stringify(raw ?? null);
  if (body.length > deps.config.maxResultBytes)
    throw new ApiError('PAYLOAD_TOO_LARGE', `the result is larger than ${deps.config.maxResultBytes} bytes`);
  if (job.kind === 'analysis') return analysisCompletion(deps, tenantId, job, raw, shadow);
  const parsed = job.kind === 'training' ? TrainingResult.safeParse(raw) : z.record(z.string(), z.unknown()).safeParse(raw);
  if (!parsed.success)
    throw new ApiError('INVALID_RESULT', `the ${job.kind} result does not match its schema`, {
      details: { issues: issuesOf(parsed.error) },
    });
  const declared = job.kind === 'training' ? (parsed.data as z.infer<typeof TrainingResult>).model : undefined;
  const names = new Set((await deps.store.results.artifacts(tenantId, job.id)).map((a) => a.name));
  const model = declared ? { ...declared, filesInJob: MODEL_FILES.every((f) => names.has(f)) } : undefined;
  return { body, ...(model ? { model, modelVersion: model.version } : {}) };
}
