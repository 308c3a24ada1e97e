/**
 * A small pool of worker threads for the training cache. Written here rather than taken from a
 * library (piscina, workerpool) because it needs one thing they do not give together: a worker
 * that dies (out of memory, a native crash) fails only the study it was on, is replaced, and the
 * build goes on; a worker that cannot even load its code stops the build with a clear error.
 */
import { Worker } from 'node:worker_threads';
import { PreprocessError } from '../errors';
import type { CacheJob, CacheJobResult } from './cache-study';

/**
 * Listens for the first of a worker's message, error or exit, then removes exactly those listeners
 * (not `removeAllListeners`: the Worker keeps internal ones that deliver its messages).
 */
function firstEvent(w: Worker): Promise<{ message: unknown } | { error: Error } | { exit: number }> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => settle({ message });
    const onError = (error: Error) => settle({ error });
    const onExit = (exit: number) => settle({ exit });
    const settle = (e: { message: unknown } | { error: Error } | { exit: number }) => {
      w.off('message', onMessage).off('error', onError).off('exit', onExit);
      resolve(e);
    };
    w.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

const why = (e: { error: Error } | { exit: number }) => ('error' in e ? e.error.message : `exited with code ${e.exit}`);

/** A worker that has loaded its code (its first message is 'ready'). */
async function startWorker(entry: URL): Promise<Worker> {
  const w = new Worker(entry);
  const e = await firstEvent(w);
  if ('message' in e && e.message === 'ready') return w;
  void w.terminate();
  const reason = 'message' in e ? `unexpected first message ${JSON.stringify(e.message)}` : why(e);
  throw new PreprocessError('CACHE_IO', `could not start a cache worker (${entry.pathname}): ${reason}`);
}

/** Sends one job and waits for its result; a worker that dies fails only this job. */
async function runOn(w: Worker, job: CacheJob): Promise<{ result: CacheJobResult; alive: boolean }> {
  const answer = firstEvent(w);
  w.postMessage(job);
  const e = await answer;
  if ('message' in e) return { result: e.message as CacheJobResult, alive: true };
  void w.terminate();
  return { result: { id: job.id, error: { code: 'WORKER_FAILED', message: `cache worker ${why(e)}` } }, alive: false };
}

/**
 * Runs every job on `size` workers started from `entry`, calling `onResult` (awaited, one at a
 * time, in completion order) with each job's result and its wall time in ms.
 */
export async function runPool(
  entry: URL,
  jobs: readonly CacheJob[],
  size: number,
  onResult: (r: CacheJobResult, ms: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let stop = false;
  let reported = Promise.resolve();
  // Each lane owns one worker at a time and feeds it jobs until none are left.
  const lane = async (): Promise<void> => {
    let worker: Worker | undefined;
    try {
      while (!stop && next < jobs.length) {
        const job = jobs[next++]!; // taken before any await, so two lanes never take the same job
        worker ??= await startWorker(entry);
        const t0 = performance.now();
        const { result, alive } = await runOn(worker, job);
        if (!alive) worker = undefined;
        const ms = performance.now() - t0;
        reported = reported.then(() => onResult(result, ms));
        await reported;
      }
    } catch (e) {
      stop = true;
      throw e;
    } finally {
      await worker?.terminate();
    }
  };
  const lanes = await Promise.allSettled(Array.from({ length: size }, lane));
  await reported;
  const failure = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (failure) throw failure.reason;
}
