/**
 * The training job: dataset (RSNA layout) → cache (TypeScript preprocessing) → the Python
 * trainer (phase 1 → features → phase 2 → test evaluation → ONNX export), each epoch streamed
 * to the API as progress → validation through the serving path (AUROC + DeLong CI per label,
 * thresholds chosen on the validation split and written into the manifest) → the model files
 * uploaded as the job's artifacts → the registered model version.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadModel, scoreCohort } from '@embolus/inference';
import { buildCache, defaultCacheWorkers } from '@embolus/preprocess/node';
import { ALL_LABELS, MODEL_FILES } from '@embolus/shared';
import { z } from 'zod';
import { runTrainerModule } from '@embolus/trainer';
import { DatasetSchema, datasetStudies, parsePayload, underRoot } from './dataset';
import { RunnerError } from './errors';
import type { JobContext } from './lease';

const Payload = z.object({
  dataset: DatasetSchema,
  config: z.enum(['tiny', 'lite', 'paper']).default('lite'),
  epochsPhase1: z.number().int().min(1).max(1000).optional(),
  epochsPhase2: z.number().int().min(1).max(10000).optional(),
  thresholdRule: z.enum(['max-min-sens-spec', 'youden']).default('max-min-sens-spec'),
  /** Overrides the version the export derives from the weights. */
  version: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)
    .optional(),
});

/** Settings of training jobs. */
export interface TrainingOptions {
  workDir: string;
  dataRoot: string;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Number(v.toFixed(5)) : undefined);

/** Runs one training job; the work folder is per job, so a retried job resumes the trainer. */
export async function runTraining(ctx: JobContext, o: TrainingOptions): Promise<Record<string, unknown>> {
  const p = parsePayload(Payload, ctx.claim.job.payload, 'training');
  const work = path.join(o.workDir, 'training', ctx.claim.job.id);
  await mkdir(work, { recursive: true });
  const t0 = performance.now();
  const seconds: Record<string, number> = {};
  const lap = (k: string, t: number) => (seconds[k] = Math.round((performance.now() - t) / 100) / 10);

  ctx.progress('cache');
  let t = performance.now();
  const { dir, ratios } = await datasetStudies(o.dataRoot, p.dataset);
  const cache = p.dataset.cache ? underRoot(o.dataRoot, p.dataset.cache) : path.join(work, 'cache');
  if (!p.dataset.cache) {
    const built = await buildCache(dir, cache, {
      split: ratios,
      workers: defaultCacheWorkers(),
      onProgress: (x) => ctx.progress('cache', { done: x.done, total: x.total }),
    });
    if (built.failed > 0 && built.index.length === 0) throw new RunnerError('DATASET_INVALID', 'no study of the dataset could be cached');
  }
  lap('cache', t);

  ctx.check();
  ctx.progress('train');
  t = performance.now();
  const epochs: Record<string, unknown>[] = [];
  let trainerMetrics: Record<string, unknown> = {};
  const modelDir = path.join(work, 'model');
  const args = ['--cache', cache, '--out', modelDir, '--config', p.config];
  if (p.epochsPhase1) args.push('--epochs-phase1', String(p.epochsPhase1));
  if (p.epochsPhase2) args.push('--epochs-phase2', String(p.epochsPhase2));
  const onJson = (line: Record<string, unknown>) => {
    if (line.phase === 'evaluate') trainerMetrics = line;
    if (line.epoch === undefined) return;
    const e = {
      phase: line.phase,
      epoch: line.epoch,
      loss: num(line.loss),
      valLoss: num(line.val_loss),
      valAuroc: num(line.val_auroc ?? line.val_window_auroc),
      seconds: num(line.seconds),
    };
    epochs.push(e);
    ctx.progress('train', { ...e, epochs: epochs.slice(-20) });
    ctx.log.log('info', 'training.epoch', {
      jobId: ctx.claim.job.id,
      phase: String(line.phase),
      epoch: Number(line.epoch),
      loss: e.loss,
      valLoss: e.valLoss,
    });
  };
  // Trainer stderr is human text (paths, warnings): kept out of the structured log.
  await runTrainerModule('pipeline', args, onJson, () => undefined, ctx.signal).catch((e: unknown) => {
    ctx.check();
    throw e;
  });
  lap('train', t);

  ctx.check();
  ctx.progress('validate', { epochs: epochs.slice(-20) });
  t = performance.now();
  const val = (await datasetStudies(o.dataRoot, p.dataset, 'val')).studies;
  const model = await loadModel(modelDir);
  let validation;
  try {
    validation = await scoreCohort(model, val, {
      thresholds: p.thresholdRule,
      check: ctx.check,
      onStudy: (done, total) => ctx.progress('validate', { done, total, epochs: epochs.slice(-20) }),
    });
  } finally {
    await model.release();
  }
  lap('validate', t);

  // Thresholds chosen on validation replace the export's defaults where both classes occurred.
  const manifestPath = path.join(modelDir, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown> & {
    thresholds: Record<string, number>;
    version: string;
    trainedOn: string;
  };
  const chosen: Record<string, string> = {};
  for (const l of ALL_LABELS) {
    const th = validation.labels[l].threshold;
    if (th) manifest.thresholds[l] = Math.min(1, Math.max(0, th.value));
    chosen[l] = th ? 'validation' : 'default';
  }
  if (p.version) manifest.version = p.version;
  manifest.validation = { ...validation, split: p.dataset.split, thresholdRule: p.thresholdRule, thresholdSource: chosen };
  const bytes = Buffer.from(JSON.stringify(manifest, null, 1));
  await writeFile(manifestPath, bytes);

  ctx.progress('upload', { epochs: epochs.slice(-20) });
  for (const f of MODEL_FILES)
    await ctx.api.putArtifact(
      ctx.claim.job.id,
      ctx.claim.leaseToken,
      f,
      f === 'manifest.json' ? bytes : await readFile(path.join(modelDir, f)),
      f.endsWith('.json') ? 'application/json' : 'application/octet-stream',
    );
  seconds.total = Math.round((performance.now() - t0) / 100) / 10;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const card = {
    config: p.config,
    thresholds: manifest.thresholds,
    validation: manifest.validation,
    trainer: trainerMetrics,
    epochs: epochs.slice(-50),
    seconds,
    notForClinicalUse: true,
  };
  return {
    model: { version: manifest.version, sha256, trainedOn: String(manifest.trainedOn).slice(0, 200), card },
    metrics: { validation, trainerTest: trainerMetrics, seconds },
  };
}
