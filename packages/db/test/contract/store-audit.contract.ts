/**
 * Contract suite, audit retention: compact list records (a page of study ids stored once),
 * pruning by age, and dead rate-limit windows. Run against every driver.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { auditPage, newId, type Store } from '../../src/index';
import { tenant, type StoreUnderTest, type TestClock } from './fixtures';

const DAY = 86_400_000;

/** Registers the suite under `name`; `open` is called once. Register it last: it prunes old rows of every tenant. */
export function storeAuditContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`store contract (audit retention): ${name}`, () => {
    let store: Store;
    let clock: TestClock;
    beforeAll(async () => {
      ({ store, clock } = await open());
    });

    const pageRows = async (t: string) => store.driver.select('SELECT hash, study_ids FROM audit_pages WHERE tenant_id = ?', [t]);

    it('stores a page of study ids once and reads records back with the ids', async () => {
      const t = await tenant(store);
      const ids = Array.from({ length: 50 }, () => newId());
      const page = await auditPage(ids);
      await Promise.all(
        Array.from({ length: 5 }, () =>
          store.audit.write({ tenantId: t, keyId: 'k', role: 'clinician', action: 'study.list', detail: { count: 50 }, page }),
        ),
      );
      await store.audit.write({ tenantId: t, keyId: 'k', role: 'clinician', action: 'study.list', detail: { count: 50 }, page });
      expect(await pageRows(t)).toEqual([{ hash: page.hash, study_ids: JSON.stringify(ids) }]);
      // The record itself names the page; its detail stays small whatever the page size.
      const raw = await store.driver.select('SELECT detail FROM audit_log WHERE tenant_id = ?', [t]);
      expect(raw).toHaveLength(6);
      for (const r of raw) expect(String(r['detail']).length).toBeLessThan(64);
      const listed = await store.audit.list(t, { action: 'study.list', limit: 10 });
      expect(listed).toHaveLength(6);
      for (const r of listed) expect(r.detail).toEqual({ count: 50, page: page.hash, studyIds: ids });
      // Another tenant never reads this tenant's page, even with the same ids.
      expect(await store.audit.list(await tenant(store), { limit: 10 })).toEqual([]);
    });

    it('prunes records older than the retention and keeps newer ones', async () => {
      const t = await tenant(store);
      const oldPage = await auditPage([newId(), newId()]);
      await store.audit.write({ tenantId: t, keyId: 'k', role: 'clinician', action: 'study.read', studyId: 'old-study' });
      await store.audit.write({ tenantId: t, keyId: 'k', role: 'clinician', action: 'study.list', detail: { count: 2 }, page: oldPage });
      await store.rateLimits.hit(`old-bucket-${t}`, 60_000);
      clock.advance(10 * DAY);
      const newPage = await auditPage([newId()]);
      await store.audit.write({ tenantId: t, keyId: 'k', role: 'clinician', action: 'study.read', studyId: 'new-study' });
      await store.audit.write({ tenantId: t, keyId: 'k', role: 'clinician', action: 'study.list', detail: { count: 1 }, page: newPage });
      clock.advance(2 * DAY);
      // Rate-limit windows live minutes: a day-old bucket is dead, a current one stays.
      await store.rateLimits.hit(`new-bucket-${t}`, 60_000);
      // Retention 5 days: the records from 12 days ago go, those from 2 days ago stay.
      const out = await store.audit.prune(5 * DAY);
      expect(out.auditRecords).toBeGreaterThanOrEqual(2);
      expect(out.auditPages).toBeGreaterThanOrEqual(1);
      expect(out.rateLimitWindows).toBeGreaterThanOrEqual(1);
      const left = await store.audit.list(t, { limit: 10 });
      expect(left.map((r) => r.studyId ?? r.action).sort()).toEqual(['new-study', 'study.list']);
      expect(left.find((r) => r.action === 'study.list')?.detail).toMatchObject({ page: newPage.hash, studyIds: newPage.studyIds });
      expect((await pageRows(t)).map((p) => p['hash'])).toEqual([newPage.hash]);
      const buckets = await store.driver.select('SELECT bucket FROM rate_limits WHERE bucket LIKE ?', [`%-bucket-${t}`]);
      expect(buckets.map((b) => b['bucket'])).toEqual([`new-bucket-${t}`]);
      // Nothing is old enough now: a second pass deletes none of this tenant's rows.
      await store.audit.prune(5 * DAY);
      expect(await store.audit.list(t, { limit: 10 })).toHaveLength(2);
    });

    it('prunes in batches: more records than one batch all go', async () => {
      // Nothing else due first (earlier tests' records would share the batches), then 2,500 of ours.
      await store.audit.prune(0);
      clock.advance(1);
      const t = await tenant(store);
      await Promise.all(
        Array.from({ length: 2500 }, (_, i) =>
          store.audit.write({ tenantId: t, keyId: 'k', role: 'runner', action: 'instance.read', detail: { i } }),
        ),
      );
      clock.advance(3 * DAY);
      await store.audit.write({ tenantId: t, keyId: 'k', role: 'runner', action: 'instance.read', detail: { i: -1 } });
      // A statement budget bounds each pass (D1 caps queries per invocation); the next pass goes on.
      expect(await store.audit.prune(DAY, { batch: 1000, maxStatements: 2 })).toMatchObject({ auditRecords: 2000, complete: false });
      expect(await store.audit.list(t, { limit: 1000 })).toHaveLength(501);
      expect(await store.audit.prune(DAY, { batch: 1000, maxStatements: 2 })).toMatchObject({ complete: true });
      const left = await store.audit.list(t, { limit: 10 });
      expect(left.map((r) => r.detail)).toEqual([{ i: -1 }]);
    });
  });
}
