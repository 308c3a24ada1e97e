/**
 * Decoding a series on several cores: instances are split between worker threads that write HU
 * into one SharedArrayBuffer, so no slice is copied between threads.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { DicomError, type DicomErrorCode } from '../errors';
import type { SeriesPlan } from '../series';
import { assembleVolume, finishVolume, slicesByInstance, type Volume } from '../volume';
import type { DecodeTask } from './decode-worker';
import { readBytes } from './files';

// Defined (true) by the CLI bundle's build (apps/gpu-runner/bin/bundle.mjs), which bundles the
// worker beside the main file; from sources, a small boot file registers tsx first.
declare const __EMBOLUS_BUNDLE__: boolean | undefined;
const WORKER_URL =
  typeof __EMBOLUS_BUNDLE__ !== 'undefined' && __EMBOLUS_BUNDLE__ ? new URL('./decode-worker.mjs', import.meta.url) : new URL('./decode-worker-boot.mjs', import.meta.url);

/** Default worker count: the machine's cores, at most 4 (decoding is memory bound beyond that). */
export function defaultDecodeWorkers(): number {
  return Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
}

/**
 * Decodes a planned series (sources are file paths) with `workers` threads. Small series, or
 * `workers` ≤ 1, decode on the calling thread.
 */
export async function assembleVolumeParallel(plan: SeriesPlan, workers = defaultDecodeWorkers()): Promise<Volume> {
  const groups = [...slicesByInstance(plan)];
  if (workers <= 1 || groups.length < 16) return assembleVolume(plan, readBytes);
  const sliceLen = plan.rows * plan.cols;
  const buffer = new SharedArrayBuffer(plan.slices.length * sliceLen * 4);
  const tasks: DecodeTask[][] = Array.from({ length: workers }, () => []);
  // Contiguous blocks keep each worker's reads sequential on disk.
  const per = Math.ceil(groups.length / workers);
  groups.forEach(([source, zs], i) => tasks[Math.floor(i / per)]!.push({ source, zs, frames: zs.map((z) => plan.slices[z]!.frame) }));
  const results = await Promise.all(
    tasks.filter((t) => t.length).map(
      (t) =>
        new Promise<{ ok: boolean; paddingCount?: number; code?: DicomErrorCode; message?: string; details?: Record<string, unknown> }>((resolve, reject) => {
          const w = new Worker(WORKER_URL, { workerData: { buffer, rows: plan.rows, cols: plan.cols, tasks: t } });
          w.once('message', (m) => {
            resolve(m);
            void w.terminate();
          });
          w.once('error', (e) => reject(new DicomError('DECODE_FAILED', `decode worker failed: ${e.message}`, { cause: e })));
        }),
    ),
  );
  const failed = results.find((r) => !r.ok);
  if (failed) throw new DicomError(failed.code ?? 'DECODE_FAILED', failed.message ?? 'decode failed', { details: failed.details ?? {} });
  return finishVolume(plan, new Float32Array(buffer), results.reduce((n, r) => n + (r.paddingCount ?? 0), 0));
}
