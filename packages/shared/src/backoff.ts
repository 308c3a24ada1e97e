/**
 * Exponential backoff, one definition for job retries, webhook and DICOM deliveries (stored,
 * deterministic delays) and runners reconnecting to the API (with jitter).
 */

/** Backoff settings, milliseconds. */
export interface BackoffPolicy {
  /** Delay after the first failure. */
  baseMs: number;
  /** Longest delay. */
  maxMs: number;
}

/** The delay after `failures` failures (1 = first retry): min(max, base·2^(failures−1)). */
export function backoffCap(failures: number, policy: BackoffPolicy): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
}

/**
 * {@link backoffCap} with jitter: a uniform draw from [cap/2, cap]. Half the cap is kept so the
 * delay still grows visibly; the other half decorrelates clients that lost the server at the
 * same moment, so they do not come back in lockstep.
 */
export function jitteredBackoff(failures: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const cap = backoffCap(failures, policy);
  return Math.round(cap / 2 + random() * (cap / 2));
}
