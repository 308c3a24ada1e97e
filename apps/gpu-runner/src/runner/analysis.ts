/**
 * The analysis job: fetch the study's instances → series assembly → preprocessing → inference
 * with the job's model version (else the active one, else the runner's default) and any shadow
 * versions → upload artifacts (CAM volume, attention) → the result. The steps are those of
 * `analyzeFolder`, split so the runner can check the series, time each stage and reuse one
 * preprocessing for shadow models.
 *
 * Instances stay in memory, from fetched bytes to volume: one buffer sized from the instance
 * list (refused before it is allocated when over `maxStudyBytes`), headers scanned there, and
 * decode threads reading it without a copy. No study data touches the runner's disk.
 */
import { loadStudyVolumeFromMemory, StudyBuffer } from '@embolus/dicom/node';
import { analyzeLoaded, type LoadedModel } from '@embolus/inference';
import { encodeNpy } from '@embolus/preprocess/node';
import type { AnalysisResult } from '@embolus/shared';
import { z } from 'zod';
import { RunnerError } from './errors';
import type { JobContext } from './lease';
import type { ModelStore } from './models';

/** The analysis job's payload (as `POST /v1/studies/{id}/submit` queues it; all optional). */
const Payload = z.object({ modelVersion: z.string().min(1).max(64).optional() }).passthrough();

/** Settings of analysis jobs. */
export interface AnalysisOptions {
  models: ModelStore;
  /** Fewer slices in the chosen series than this fails the study with TOO_FEW_SLICES. */
  minSlices: number;
  /** Upload the Grad-CAM volume (uint8 .npy); it is the largest artifact. */
  cam: boolean;
  /** Parallel instance downloads. */
  downloads: number;
  /**
   * Memory bound of one study, checked before allocating: the listed instance bytes, and
   * separately the chosen series as a float32 HU volume. Over it the study fails STUDY_TOO_LARGE.
   */
  maxStudyBytes: number;
}

/** Default of `maxStudyBytes`: 2 GiB (about 1,000 slices of 512² as a volume, or as 16-bit instances twice that). */
export const DEFAULT_MAX_STUDY_BYTES = 2 * 2 ** 30;

/** What the job reports: the result and the shadow results. */
export interface AnalysisOutcome {
  result: AnalysisResult;
  shadow: AnalysisResult[];
}

const ms = (t0: number) => Math.round(performance.now() - t0);

/**
 * Downloads every instance once into one StudyBuffer (instances named by index: no UIDs in
 * names or errors). The buffer's size is the listed sizes' sum, refused over `maxBytes` before
 * anything is fetched or allocated.
 */
async function fetchInstances(
  ctx: JobContext,
  parallel: number,
  maxBytes: number,
): Promise<{ study: StudyBuffer; count: number; bytes: number }> {
  const { job, leaseToken } = ctx.claim;
  const list = await ctx.api.instances(job.id, leaseToken);
  if (list.items.length === 0) throw new RunnerError('EMPTY_STUDY', 'the study has no instances');
  const sizes = list.items.map((it) => it.size);
  const total = StudyBuffer.total(sizes);
  if (total > maxBytes) throw tooLarge('instances', total, maxBytes, { instances: list.items.length });
  const study = new StudyBuffer(sizes);
  let next = 0;
  let bytes = 0;
  const worker = async () => {
    while (next < list.items.length) {
      const i = next++;
      ctx.check();
      const b = await ctx.api.bytes(list.items[i]!.url, leaseToken, ctx.signal);
      // The API lists the size it stores; different bytes mean a broken transfer, tried again later.
      if (b.length !== sizes[i])
        throw new RunnerError('API_ERROR', 'an instance arrived with a size other than the one listed', {
          retryable: true,
          details: { index: i },
        });
      study.put(i, String(i).padStart(6, '0'), b);
      bytes += b.length;
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, list.items.length) }, worker));
  return { study, count: list.items.length, bytes };
}

/** The failure of a study over the runner's memory bound (sizes only, in MiB). */
function tooLarge(what: 'instances' | 'volume', bytes: number, maxBytes: number, details: Record<string, unknown> = {}): RunnerError {
  const mib = (n: number) => Math.ceil(n / 2 ** 20);
  return new RunnerError(
    'STUDY_TOO_LARGE',
    `the study's ${what} need ${mib(bytes)} MiB; this runner's limit is ${mib(maxBytes)} MiB (--max-study-mib)`,
    {
      details: { ...details, what, bytes, limitBytes: maxBytes },
    },
  );
}

/** Runs one analysis job and returns what to complete it with. */
export async function runAnalysis(ctx: JobContext, o: AnalysisOptions): Promise<AnalysisOutcome> {
  const parsed = Payload.safeParse(ctx.claim.job.payload ?? {});
  if (!parsed.success) throw new RunnerError('BAD_PAYLOAD', 'the analysis job payload is invalid');
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  ctx.progress('fetch');
  let t = performance.now();
  const fetched = await fetchInstances(ctx, o.downloads, o.maxStudyBytes);
  timings.fetchInstances = ms(t);

  ctx.progress('model');
  t = performance.now();
  const held = { id: ctx.claim.job.id, lease: ctx.claim.leaseToken };
  const deployment = await ctx.api.deployment(held);
  const version = parsed.data.modelVersion ?? deployment.active?.version ?? null;
  const deployed = deployment.registered.find((m) => m.version === version);
  const model = await o.models.get(version, ctx.api, held, deployed);
  const shadows: LoadedModel[] = [];
  for (const s of deployment.shadow)
    if (s.version !== model.manifest.version) shadows.push(await o.models.get(s.version, ctx.api, held, s));
  timings.modelLoad = ms(t);

  ctx.check();
  ctx.progress('series');
  t = performance.now();
  const { choice, volume } = await loadStudyVolumeFromMemory(fetched.study.study(), { maxVolumeBytes: o.maxStudyBytes });
  const loaded = { choice, volume, loadMs: ms(t) };
  const slices = loaded.choice.chosen.slices.length;
  if (slices < o.minSlices)
    throw new RunnerError('TOO_FEW_SLICES', `the chosen CT series has ${slices} slices; at least ${o.minSlices} are needed`, {
      details: { slices, minSlices: o.minSlices },
    });

  ctx.check();
  ctx.progress('preprocess');
  // The sequence analyzeFolder runs (so results match `embolus analyze`), on a volume loaded once
  // and left intact for the shadow models.
  const run = (m: LoadedModel, cam: boolean) =>
    analyzeLoaded(m, loaded, {
      cam,
      beforeInference: () => {
        ctx.check();
        ctx.progress('inference', { modelVersion: m.manifest.version });
      },
    });
  const main = await run(model, o.cam);
  const shadow = [];
  for (const s of shadows) shadow.push((await run(s, false)).result);

  ctx.check();
  ctx.progress('upload');
  t = performance.now();
  const artifacts: Record<string, string> = {};
  const { job, leaseToken } = ctx.claim;
  const attention = JSON.stringify({
    windows: main.result.windows.map((w) => ({ index: w.index, probability: w.probability })),
    attention: main.result.attention,
  });
  await ctx.api.putArtifact(job.id, leaseToken, 'attention.json', new TextEncoder().encode(attention), 'application/json');
  artifacts.attention = 'attention.json';
  if (main.cam) {
    await ctx.api.putArtifact(job.id, leaseToken, 'cam.npy', encodeNpy(main.cam.data, main.cam.shape), 'application/octet-stream');
    artifacts.cam = 'cam.npy';
  }
  timings.uploadArtifacts = ms(t);
  timings.runnerTotal = ms(t0);
  const result: AnalysisResult = { ...main.result, timings: { ...main.result.timings, ...timings }, artifacts };
  ctx.log.log('info', 'job.analysed', {
    jobId: job.id,
    instances: fetched.count,
    bytes: fetched.bytes,
    windows: result.windows.length,
    diagnostic: result.quality?.diagnostic ?? null,
    modelVersion: result.model.version,
    shadow: shadow.length,
    timings: result.timings,
  });
  return { result, shadow };
}
