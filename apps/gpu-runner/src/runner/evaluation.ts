/**
 * The evaluation job: runs a model version (the named one, else the active one, else the
 * runner's default) on a labelled cohort in RSNA layout (all studies or one split) and stores
 * per-label AUROC with DeLong 95% CIs, the window-level AUROC and, for reference, the thresholds
 * the cohort would choose.
 */
import { scoreCohort } from '@embolus/inference';
import { z } from 'zod';
import { DatasetSchema, datasetStudies, parsePayload } from './dataset';
import { RunnerError } from './errors';
import type { JobContext } from './lease';
import type { ModelStore } from './models';

const Payload = z.object({
  dataset: DatasetSchema,
  modelVersion: z.string().min(1).max(64).optional(),
  split: z.enum(['train', 'val', 'test', 'all']).default('all'),
});

/** Runs one evaluation job and returns the metrics to store. */
export async function runEvaluation(ctx: JobContext, o: { dataRoot: string; models: ModelStore }): Promise<Record<string, unknown>> {
  const p = parsePayload(Payload, ctx.claim.job.payload, 'evaluation');
  ctx.progress('dataset');
  const { studies } = await datasetStudies(o.dataRoot, p.dataset, p.split === 'all' ? undefined : p.split);
  if (studies.length === 0) throw new RunnerError('DATASET_INVALID', `the dataset has no studies in split '${p.split}'`);
  ctx.progress('model');
  const job = { id: ctx.claim.job.id, lease: ctx.claim.leaseToken };
  const deployment = await ctx.api.deployment(job);
  const version = p.modelVersion ?? deployment.active?.version ?? null;
  const model = await o.models.get(
    version,
    ctx.api,
    job,
    deployment.registered.find((m) => m.version === version),
  );
  ctx.progress('evaluate', { done: 0, total: studies.length });
  const metrics = await scoreCohort(model, studies, {
    thresholds: 'max-min-sens-spec',
    check: ctx.check,
    onStudy: (done, total) => ctx.progress('evaluate', { done, total }),
  });
  return { model: { version: model.manifest.version, sha256: model.sha256 }, split: p.split, ...metrics, notForClinicalUse: true };
}
