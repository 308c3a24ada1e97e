/**
 * Issue 18: the cached cohort equals a fresh read after every kind of write, and catches up by
 * reading only what changed (a label, new results in time order) instead of the whole cohort.
 */
import { createStore } from '@embolus/db';
import { openSqlite } from '@embolus/db/node';
import { seedCohort } from '@embolus/db/seed';
import { STUDY_LABELS } from '@embolus/shared';
import { describe, expect, it } from 'vitest';
import { CohortCache } from '../src/quality/cohort-cache';

describe('cohort cache', () => {
  it('matches a fresh read after labels, appended and out-of-order results, reloading only when it must', async () => {
    const h = openSqlite(':memory:');
    const store = createStore(h.driver);
    const t = (await store.tenants.ensure('c')).id;
    const end = Date.UTC(2026, 5, 1);
    const { studyIds } = await seedCohort(h.driver, { tenantId: t, studies: 300, months: 6, end, seed: 1, labelledFraction: 0.5 });
    let loads = 0;
    const full = store.cohort.columnsWithIds.bind(store.cohort);
    store.cohort.columnsWithIds = (...a) => ((loads += 1), full(...a));
    const cache = new CohortCache();
    const same = async () => {
      const cached = await cache.get(store, t);
      const fresh = await store.cohort.columns(t);
      expect(Array.from(cached.time)).toEqual(Array.from(fresh.time));
      for (const l of STUDY_LABELS) {
        expect(Array.from(cached.probability[l])).toEqual(Array.from(fresh.probability[l]));
        expect(Array.from(cached.truth[l])).toEqual(Array.from(fresh.truth[l]));
      }
    };
    await same();
    expect(loads).toBe(1);
    await store.labels.record(t, studyIds[5] as string, {
      labels: { central_pe: 1, chronic_pe: 0 },
      source: 'radiologist',
      recordedBy: 'k',
    });
    await same();
    // Later results are appended.
    await seedCohort(h.driver, { tenantId: t, studies: 20, months: 0.5, end: end + 20 * 86_400_000, seed: 2 });
    await same();
    expect(loads).toBe(1);
    // A range is a view of the same columns.
    expect((await cache.get(store, t, { from: end })).time.length).toBeGreaterThan(0);
    // Results older than the newest cannot be appended: the cohort is read again.
    await seedCohort(h.driver, { tenantId: t, studies: 5, months: 1, end: end - 86_400_000, seed: 3 });
    await same();
    expect(loads).toBe(2);
    h.close();
  });

  it('computes a memoized result once per cohort version and key', async () => {
    const h = openSqlite(':memory:');
    const store = createStore(h.driver);
    const t = (await store.tenants.ensure('m')).id;
    const { studyIds } = await seedCohort(h.driver, {
      tenantId: t,
      studies: 40,
      months: 1,
      end: Date.UTC(2026, 5, 1),
      seed: 4,
      labelledFraction: 0,
    });
    const cache = new CohortCache();
    let computed = 0;
    const labelled = () =>
      cache.memo(store, t, 'labelled', {}, (c) => ((computed += 1), Array.from(c.truth.central_pe).filter((x) => !Number.isNaN(x)).length));
    expect(await labelled()).toBe(0);
    expect(await labelled()).toBe(0);
    expect(computed).toBe(1);
    await store.labels.record(t, studyIds[0] as string, { labels: { central_pe: 1 }, source: 'radiologist', recordedBy: 'k' });
    expect(await labelled()).toBe(1);
    expect(computed).toBe(2);
    expect(await cache.memo(store, t, 'other', {}, () => 'x')).toBe('x');
    h.close();
  });

  it('warms the busiest tenants, so the first page reads nothing more', async () => {
    const h = openSqlite(':memory:');
    const store = createStore(h.driver);
    const a = (await store.tenants.ensure('a')).id;
    const b = (await store.tenants.ensure('b')).id;
    await seedCohort(h.driver, { tenantId: a, studies: 50, months: 2, end: Date.UTC(2026, 5, 1), seed: 1 });
    await seedCohort(h.driver, { tenantId: b, studies: 80, months: 2, end: Date.UTC(2026, 5, 1), seed: 1 });
    const cache = new CohortCache(1);
    expect(await cache.warm(store)).toBe(1);
    let loads = 0;
    const full = store.cohort.columnsWithIds.bind(store.cohort);
    store.cohort.columnsWithIds = (...x) => ((loads += 1), full(...x));
    expect((await cache.get(store, b)).time.length).toBe(80);
    expect(loads).toBe(0);
    expect((await cache.get(store, a)).time.length).toBe(50);
    expect(loads).toBe(1);
    h.close();
  });
});
