/**
 * The runner's backoff: the shared jittered policy with the runner's default, and a sleep that an
 * abort signal cuts short.
 */
import { jitteredBackoff, type BackoffPolicy } from '@embolus/shared';

export type { BackoffPolicy } from '@embolus/shared';

/** The default: 0.5 s doubling to 30 s. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/** Delay before retry number `failures` (1 = first retry), jittered: shared's `jitteredBackoff`. */
export function backoffDelay(failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  return jitteredBackoff(failures, policy, random);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
