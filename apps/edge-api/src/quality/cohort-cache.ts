/**
 * A cache of tenants' cohorts as columns (issue 18). Reading 100,000 cohort points costs far more
 * than the metrics computed from them, and one quality page asks several routes for the same
 * cohort. An entry is checked against the tenant's cohort version (bumped by triggers on every
 * cohort-point write) and caught up by reading only the points written since (each row carries
 * the version of its last write), so it is never staler than the database and a new label or
 * result costs a few rows, not the whole cohort.
 */
import type { CohortColumns, CohortPoint, Store } from '@embolus/db';
import { STUDY_LABELS, type StudyLabel } from '@embolus/shared';

/** More changed points than this since the last read: read the whole cohort again. */
const CATCH_UP_LIMIT = 5_000;

interface Entry {
  version: number;
  length: number;
  studyIds: string[];
  index: Map<string, number>;
  time: Float64Array;
  probability: Record<StudyLabel, Float64Array>;
  truth: Record<StudyLabel, Float64Array>;
  /** Results computed from this version of the cohort (route responses), oldest first. */
  results: Map<string, unknown>;
}

/** Most results kept per tenant. */
const MAX_RESULTS = 32;

/** Least-recently-used cohorts, one per tenant, the whole history each. */
export class CohortCache {
  private readonly entries = new Map<string, Entry>();

  /** `maxEntries` tenants at most; an entry holds 152 bytes per study (19 float64 columns) plus its id. */
  constructor(private readonly maxEntries = 4) {}

  /**
   * Reads the cohorts of the tenants with the most cohort writes (as many as the cache holds), so
   * the first quality page after a start does not pay for reading them.
   */
  async warm(store: Store): Promise<number> {
    const tenants = await store.cohort.busiestTenants(this.maxEntries);
    for (const t of tenants) await this.get(store, t);
    return tenants.length;
  }

  /** The tenant's cohort completed in [from, to): views into the cached columns, no copy. */
  async get(store: Store, tenantId: string, range: { from?: number | undefined; to?: number | undefined } = {}): Promise<CohortColumns> {
    return slice(await this.entry(store, tenantId), range.from ?? -Infinity, range.to ?? Infinity);
  }

  /**
   * `compute(cohort)` for the current version of the tenant's cohort, computed once per version
   * and `key` (which must name everything else the result depends on: route, query, thresholds).
   */
  async memo<T>(
    store: Store,
    tenantId: string,
    key: string,
    range: { from?: number | undefined; to?: number | undefined },
    compute: (c: CohortColumns) => T,
  ): Promise<T> {
    const e = await this.entry(store, tenantId);
    if (e.results.has(key)) return e.results.get(key) as T;
    const value = compute(slice(e, range.from ?? -Infinity, range.to ?? Infinity));
    e.results.set(key, value);
    if (e.results.size > MAX_RESULTS) e.results.delete(e.results.keys().next().value as string);
    return value;
  }

  private async entry(store: Store, tenantId: string): Promise<Entry> {
    // The version is read first: anything written after it is read again next time (idempotent).
    const version = await store.cohort.version(tenantId);
    let entry = this.entries.get(tenantId);
    this.entries.delete(tenantId);
    if (entry && entry.version !== version && !(await catchUp(store, tenantId, entry, version))) entry = undefined;
    entry ??= await load(store, tenantId, version);
    this.entries.set(tenantId, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return entry;
  }
}

async function load(store: Store, tenantId: string, version: number): Promise<Entry> {
  const c = await store.cohort.columnsWithIds(tenantId);
  const index = new Map<string, number>();
  c.studyIds.forEach((id, i) => index.set(id, i));
  return {
    version,
    length: c.time.length,
    studyIds: c.studyIds,
    index,
    time: c.time,
    probability: { ...c.probability },
    truth: { ...c.truth },
    results: new Map(),
  };
}

/** Grows every column to at least `n` (doubling). */
function reserve(e: Entry, n: number): void {
  if (n <= e.time.length) return;
  const cap = Math.max(n, e.time.length * 2, 64);
  const grow = (a: Float64Array) => {
    const b = new Float64Array(cap);
    b.set(a.subarray(0, e.length));
    return b;
  };
  e.time = grow(e.time);
  for (const l of STUDY_LABELS) {
    e.probability[l] = grow(e.probability[l]);
    e.truth[l] = grow(e.truth[l]);
  }
}

function write(e: Entry, i: number, p: CohortPoint): void {
  e.time[i] = p.completedAt;
  STUDY_LABELS.forEach((l, k) => {
    e.probability[l][i] = p.probability[k] as number;
    e.truth[l][i] = p.truth[k] as number;
  });
}

/**
 * Applies the points written since the entry's version. False when the entry cannot be patched
 * in place (too many changes, or a point that moved in time or arrived out of time order).
 */
async function catchUp(store: Store, tenantId: string, e: Entry, version: number): Promise<boolean> {
  const changed = await store.cohort.changedSince(tenantId, e.version, CATCH_UP_LIMIT + 1);
  if (changed.length > CATCH_UP_LIMIT) return false;
  for (const p of changed) {
    const i = e.index.get(p.studyId);
    if (i !== undefined) {
      if (e.time[i] !== p.completedAt) return false;
      write(e, i, p);
      continue;
    }
    if (e.length > 0 && p.completedAt < (e.time[e.length - 1] as number)) return false;
    reserve(e, e.length + 1);
    write(e, e.length, p);
    e.studyIds.push(p.studyId);
    e.index.set(p.studyId, e.length);
    e.length++;
  }
  e.version = version;
  e.results.clear();
  return true;
}

/** First index below `n` with time ≥ t (times ascending). */
function lowerBound(time: Float64Array, n: number, t: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((time[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function slice(e: Entry, from: number, to: number): CohortColumns {
  const a = lowerBound(e.time, e.length, from);
  const b = lowerBound(e.time, e.length, to);
  const pick = (src: Record<StudyLabel, Float64Array>) =>
    Object.fromEntries(STUDY_LABELS.map((l) => [l, src[l].subarray(a, b)])) as Record<StudyLabel, Float64Array>;
  return { time: e.time.subarray(a, b), probability: pick(e.probability), truth: pick(e.truth) };
}
