/**
 * Exponential backoff with full jitter ("decorrelates" runners that lost the API at the same
 * moment, so they do not come back in lockstep).
 */

/** Backoff settings, milliseconds. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** The default: 0.5 s doubling to 30 s. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/**
 * Delay before retry number `failures` (1 = first retry): a uniform draw from
 * [cap/2, cap] where cap = min(max, base·2^(failures−1)). Half the cap is kept so the delay
 * still grows visibly; the other half is jitter.
 */
export function backoffDelay(failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  return Math.round(cap / 2 + random() * (cap / 2));
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
