/**
 * A cache of tenants' cohorts as columns (issue 18). Reading 100,000 cohort points costs far more
 * than the metrics computed from them, and one quality page asks several routes for the same
 * cohort; an entry is served only while the tenant's cohort version (bumped by triggers on every
 * cohort-point write) is unchanged, so it is never staler than the database.
 */
import type { CohortColumns, Store } from '@embolus/db';
import { STUDY_LABELS, type StudyLabel } from '@embolus/shared';

interface Entry {
  version: number;
  columns: CohortColumns;
}

/** Least-recently-used cohorts, one per tenant, the whole history each. */
export class CohortCache {
  private readonly entries = new Map<string, Entry>();

  /** `maxEntries` tenants at most; each entry is 152 bytes per study (19 float64 columns). */
  constructor(private readonly maxEntries = 4) {}

  /** The tenant's cohort completed in [from, to): views into the cached columns, no copy. */
  async get(store: Store, tenantId: string, range: { from?: number | undefined; to?: number | undefined } = {}): Promise<CohortColumns> {
    const version = await store.cohort.version(tenantId);
    let entry = this.entries.get(tenantId);
    this.entries.delete(tenantId);
    if (!entry || entry.version !== version) entry = { version, columns: await store.cohort.columns(tenantId) };
    this.entries.set(tenantId, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return slice(entry.columns, range.from ?? -Infinity, range.to ?? Infinity);
  }
}

/** First index with time ≥ t (times ascending). */
function lowerBound(time: Float64Array, t: number): number {
  let lo = 0;
  let hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((time[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function slice(c: CohortColumns, from: number, to: number): CohortColumns {
  const a = lowerBound(c.time, from);
  const b = lowerBound(c.time, to);
  if (a === 0 && b === c.time.length) return c;
  const pick = (src: Readonly<Record<StudyLabel, Float64Array>>) => Object.fromEntries(STUDY_LABELS.map((l) => [l, src[l].subarray(a, b)])) as Record<StudyLabel, Float64Array>;
  return { time: c.time.subarray(a, b), probability: pick(c.probability), truth: pick(c.truth) };
}
