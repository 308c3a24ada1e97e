/**
 * Decoding a series on several cores: instances are split between worker threads that write HU
 * into one SharedArrayBuffer, so no slice is copied between threads.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { DicomError, type DicomErrorCode } from '../errors';
import type { SeriesPlan } from '../series';
import { assembleVolume, finishVolume, slicesByInstance, type Volume } from '../volume';
import { decodeClaimed, type DecodeTask } from './decode-tasks';
import { readBytes } from './read-bytes';

// Defined (true) by the CLI bundle's build (apps/cli/bin/bundle.mjs), which bundles the
// worker beside the main file; from sources, a small boot file registers tsx first.
declare const __EMBOLUS_BUNDLE__: boolean | undefined;
const WORKER_URL =
  typeof __EMBOLUS_BUNDLE__ !== 'undefined' && __EMBOLUS_BUNDLE__
    ? new URL('./decode-worker.mjs', import.meta.url)
    : new URL('./decode-worker-boot.mjs', import.meta.url);

/** Default number of decoding threads: the machine's cores, at most 4 (decoding is memory bound beyond that). */
export function defaultDecodeWorkers(): number {
  return Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));
}

/**
 * A study's instances held in memory: one SharedArrayBuffer (so decode threads read it without a
 * copy) and where each instance, by its source name, lies in it.
 */
export interface StudyInMemory {
  buffer: SharedArrayBuffer;
  at: ReadonlyMap<string, { offset: number; length: number }>;
}

/** The bytes of `source` in `study` (a view, no copy). */
export function instanceBytes(study: StudyInMemory, source: string): Uint8Array {
  const at = study.at.get(source);
  if (!at) throw new DicomError('DECODE_FAILED', `${source}: not in the study`, { details: { source } });
  return new Uint8Array(study.buffer, at.offset, at.length);
}

/**
 * Decodes a planned series on `workers` threads: the calling thread and `workers` − 1 worker
 * threads, each taking the next instance as it finishes one. Sources are file paths, or names in
 * `memory` when the study is held there. Small series, or `workers` ≤ 1, decode on the calling
 * thread alone.
 */
export async function assembleVolumeParallel(plan: SeriesPlan, workers = defaultDecodeWorkers(), memory?: StudyInMemory): Promise<Volume> {
  const groups = [...slicesByInstance(plan)];
  if (workers <= 1 || groups.length < 16) return assembleVolume(plan, memory ? async (s) => instanceBytes(memory, s) : readBytes);
  const sliceLen = plan.rows * plan.cols;
  const buffer = new SharedArrayBuffer(plan.slices.length * sliceLen * 4);
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const tasks: DecodeTask[] = groups.map(([source, zs]) => ({
    source,
    zs,
    frames: zs.map((z) => plan.slices[z]!.frame),
    ...(memory ? { at: memory.at.get(source) } : {}),
  }));
  type Result = { ok: boolean; paddingCount?: number; code?: DicomErrorCode; message?: string; details?: Record<string, unknown> };
  const threads = Array.from(
    { length: workers - 1 },
    () =>
      new Promise<Result>((resolve) => {
        const w = new Worker(WORKER_URL, {
          workerData: { buffer, counter: counter.buffer, rows: plan.rows, cols: plan.cols, tasks, study: memory?.buffer },
        });
        w.once('message', (m: Result) => {
          resolve(m);
          void w.terminate();
        });
        w.once('error', (e) => {
          // A thread that died takes no more instances; the others must not wait for its share.
          Atomics.store(counter, 0, tasks.length);
          resolve({ ok: false, code: 'DECODE_FAILED', message: `decode worker failed: ${e.message}` });
        });
      }),
  );
  // The calling thread decodes too: it would otherwise wait, and it needs no start-up.
  const own = await decodeClaimed(tasks, counter, plan.rows, plan.cols, new Float32Array(buffer), memory?.buffer).then(
    (paddingCount): Result => ({ ok: true, paddingCount }),
    (e: unknown): Result => {
      const err = e instanceof DicomError ? e : new DicomError('DECODE_FAILED', e instanceof Error ? e.message : String(e));
      return { ok: false, code: err.code, message: err.message, details: err.details };
    },
  );
  const results = [own, ...(await Promise.all(threads))];
  const failed = results.find((r) => !r.ok);
  if (failed) throw new DicomError(failed.code ?? 'DECODE_FAILED', failed.message ?? 'decode failed', { details: failed.details ?? {} });
  return finishVolume(
    plan,
    new Float32Array(buffer),
    results.reduce((n, r) => n + (r.paddingCount ?? 0), 0),
  );
}
