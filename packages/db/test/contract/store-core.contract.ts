/**
 * Contract suite, part 1: tenants, keys, studies, instances, worklist, ground truth, audit and
 * rate limits. Run against every driver (better-sqlite3 on Node, D1 in workerd).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DbError, KEY_PATTERN, type Store } from '../../src/index';
import { instance, LIMITS, submittedStudy, tenant, type StoreUnderTest, type TestClock } from './fixtures';

/** Registers the suite under `name`; `open` is called once. */
export function storeCoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`store contract (core): ${name}`, () => {
    let store: Store;
    let clock: TestClock;
    beforeAll(async () => {
      ({ store, clock } = await open());
    });

    it('creates tenants with unique names and a settable pseudonym pattern', async () => {
      const t = await store.tenants.create({ name: 'unique-name-' + clock.now() + Math.random() });
      await expect(store.tenants.create({ name: t.name })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await store.tenants.ensure(t.name)).id).toBe(t.id);
      const updated = await store.tenants.setPseudonymRegex(t.id, '^ANON-[0-9]{6}$');
      expect(updated.pseudonymRegex).toBe('^ANON-[0-9]{6}$');
      expect((await store.tenants.get(t.id))?.pseudonymRegex).toBe('^ANON-[0-9]{6}$');
      await expect(store.tenants.setPseudonymRegex('missing', null)).rejects.toBeInstanceOf(DbError);
    });

    it('stores only key hashes, authenticates and revokes', async () => {
      const t = await tenant(store);
      const { key, info } = await store.keys.create({ tenantId: t, role: 'clinician', label: 'reading room' });
      expect(key).toMatch(KEY_PATTERN);
      expect(await store.keys.authenticate(key)).toEqual({ keyId: info.id, tenantId: t, role: 'clinician' });
      expect(await store.keys.authenticate(key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A'))).toBeNull();
      expect(await store.keys.authenticate('not a key')).toBeNull();
      const listed = await store.keys.list(t);
      expect(listed).toHaveLength(1);
      expect(JSON.stringify(listed)).not.toContain(key);
      expect(listed[0]).not.toHaveProperty('keyHash');
      expect(await store.keys.revoke(t, info.id)).toBe(true);
      expect(await store.keys.revoke(t, info.id)).toBe(false);
      expect(await store.keys.authenticate(key)).toBeNull();
      await expect(store.keys.create({ tenantId: 'no-such-tenant', role: 'admin' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('scopes studies by tenant', async () => {
      const a = await tenant(store);
      const b = await tenant(store);
      const s = await store.studies.create(a, { priority: 5 });
      expect(s).toMatchObject({ tenantId: a, status: 'receiving', instanceCount: 0, totalBytes: 0, priority: 5 });
      expect(await store.studies.get(a, s.id)).toEqual(s);
      expect(await store.studies.get(b, s.id)).toBeNull();
      expect(await store.studies.instances(b, s.id)).toEqual([]);
      expect(await store.studies.series(b, s.id)).toEqual([]);
    });

    it('adds instances idempotently by SOP UID and sha256, with atomic counters', async () => {
      const t = await tenant(store);
      const s = await store.studies.create(t);
      const first = instance(t, s.id, { sopInstanceUid: '1.2.3.1' });
      expect((await store.studies.addInstance(first, LIMITS)).kind).toBe('created');
      expect((await store.studies.addInstance(first, LIMITS)).kind).toBe('duplicate');
      const other = await store.studies.addInstance({ ...first, sha256: 'b'.repeat(64) }, LIMITS);
      expect(other.kind).toBe('conflict');
      if (other.kind === 'conflict') expect(other.instance.sha256).toBe('a'.repeat(64));
      await store.studies.addInstance(instance(t, s.id, { sopInstanceUid: '1.2.3.2', seriesInstanceUid: '9.9', size: 500 }), LIMITS);
      const study = await store.studies.get(t, s.id);
      expect(study).toMatchObject({ instanceCount: 2, totalBytes: 1_500, studyInstanceUid: '1.2.826.0.1.1' });
      expect(JSON.parse(study?.descriptors ?? '{}')).toEqual({ manufacturer: 'ACME', sliceThickness: 1 });
      const series = await store.studies.series(t, s.id);
      expect(series).toEqual([
        { seriesInstanceUid: '1.2.826.0.1.1.1', modality: 'CT', instanceCount: 1, bytes: 1_000 },
        { seriesInstanceUid: '9.9', modality: 'CT', instanceCount: 1, bytes: 500 },
      ]);
      expect((await store.studies.instance(t, s.id, '1.2.3.1'))?.identityRemoved).toBe(true);
    });

    it('enforces study limits, the Study Instance UID and the receiving state', async () => {
      const t = await tenant(store);
      const s = await store.studies.create(t);
      const big = await store.studies.addInstance(instance(t, s.id, { size: 20_000 }), LIMITS);
      expect(big).toMatchObject({ kind: 'study_too_large', limit: 10_000 });
      const mismatch = await store.studies.addInstance(instance(t, s.id, { studyInstanceUid: '1.2.3' }), LIMITS);
      expect(mismatch.kind).toBe('created');
      expect((await store.studies.addInstance(instance(t, s.id, { studyInstanceUid: '4.5.6' }), LIMITS)).kind).toBe('study_uid_mismatch');
      for (let i = 0; i < 4; i++) await store.studies.addInstance(instance(t, s.id, { studyInstanceUid: '1.2.3' }), LIMITS);
      expect((await store.studies.addInstance(instance(t, s.id, { studyInstanceUid: '1.2.3' }), LIMITS)).kind).toBe('too_many_instances');
      expect((await store.studies.addInstance(instance(t, 'missing', {}), LIMITS)).kind).toBe('not_found');
      const other = await tenant(store);
      expect((await store.studies.addInstance(instance(other, s.id, {}), LIMITS)).kind).toBe('not_found');
      await store.studies.submit(t, s.id, { priority: 0, maxAttempts: 3 });
      const locked = await store.studies.addInstance(instance(t, s.id, { studyInstanceUid: '1.2.3' }), {
        maxStudyBytes: 1e9,
        maxStudyInstances: 100,
      });
      expect(locked).toMatchObject({ kind: 'study_locked', status: 'queued' });
    });

    it('counts concurrent uploads of one study exactly', async () => {
      const t = await tenant(store);
      const s = await store.studies.create(t);
      const limits = { maxStudyBytes: 1e9, maxStudyInstances: 100 };
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.studies.addInstance(instance(t, s.id, { sopInstanceUid: `1.9.${i % 10}` }), limits)),
      );
      expect(outcomes.filter((o) => o.kind === 'created')).toHaveLength(10);
      expect(outcomes.filter((o) => o.kind === 'duplicate')).toHaveLength(10);
      expect(await store.studies.get(t, s.id)).toMatchObject({ instanceCount: 10, totalBytes: 10_000 });
    });

    it('submits once: empty studies are refused, repeats return the same job', async () => {
      const t = await tenant(store);
      const s = await store.studies.create(t);
      expect((await store.studies.submit(t, s.id, { priority: 0, maxAttempts: 3 })).kind).toBe('empty');
      await store.studies.addInstance(instance(t, s.id), LIMITS);
      const outcomes = await Promise.all([1, 2, 3].map(() => store.studies.submit(t, s.id, { priority: 10, maxAttempts: 3 })));
      expect(outcomes.filter((o) => o.kind === 'created')).toHaveLength(1);
      const jobIds = new Set(outcomes.map((o) => (o.kind === 'created' || o.kind === 'existing' ? o.job.id : '')));
      expect(jobIds.size).toBe(1);
      const again = await store.studies.submit(t, s.id, { priority: 0, maxAttempts: 3 });
      expect(again).toMatchObject({
        kind: 'existing',
        study: { status: 'queued', priority: 10 },
        job: { kind: 'analysis', status: 'queued', studyId: s.id },
      });
      expect((await store.studies.submit(await tenant(store), s.id, { priority: 0, maxAttempts: 3 })).kind).toBe('not_found');
    });

    it('orders the worklist by urgency, then PE probability, and filters', async () => {
      const t = await tenant(store);
      const ids: Record<string, string> = {};
      const complete = async (name: string, urgency: number, p: number, decision: 'positive' | 'negative' | 'indeterminate') => {
        const { studyId, jobId } = await submittedStudy(store, t);
        ids[name] = studyId;
        const job = await store.jobs.claim(t, 'runner', { leaseMs: 60_000 });
        expect(job?.id).toBe(jobId);
        const out = await store.results.complete(t, jobId, job?.leaseToken ?? '', {
          body: '{}',
          summary: { urgency, peProbability: p, decision, probabilities: { negative_exam_for_pe: 1 - p } },
        });
        expect(out.kind).toBe('ok');
        clock.advance(1000);
      };
      await complete('low', 1, 0.2, 'negative');
      await complete('high', 1, 0.9, 'positive');
      await complete('urgent-low-p', 0, 0.6, 'positive');
      const v1 = await store.studies.worklistVersion(t);
      const pending = await store.studies.create(t);
      ids['pending'] = pending.id;
      // Triggers bump the version on any insert or update of the tenant's studies, and only theirs.
      const v2 = await store.studies.worklistVersion(t);
      expect(v2).toBeGreaterThan(v1);
      await store.studies.addInstance(instance(t, pending.id), LIMITS);
      expect(await store.studies.worklistVersion(t)).toBeGreaterThan(v2);
      const other = await tenant(store);
      const before = await store.studies.worklistVersion(other);
      clock.advance(1000);
      ids['pending2'] = (await store.studies.create(t)).id;
      expect(await store.studies.worklistVersion(other)).toBe(before);
      const order = (await store.studies.worklist(t, { limit: 50, offset: 0 })).map((s) => s.id);
      expect(order).toEqual([ids['urgent-low-p'], ids['high'], ids['low'], ids['pending2'], ids['pending']]);
      // The worklist reads raw rows; they must map exactly as drizzle maps them.
      const listed = await store.studies.worklist(t, { limit: 50, offset: 0 });
      for (const s of listed) expect(s).toEqual(await store.studies.get(t, s.id));
      const positives = await store.studies.worklist(t, { decision: ['positive'], limit: 50, offset: 0 });
      expect(positives.map((s) => s.id)).toEqual([ids['urgent-low-p'], ids['high']]);
      const receiving = await store.studies.worklist(t, { status: ['receiving'], limit: 50, offset: 0 });
      expect(receiving.map((s) => s.id)).toEqual([ids['pending2'], ids['pending']]);
      const page2 = await store.studies.worklist(t, { limit: 2, offset: 2 });
      expect(page2.map((s) => s.id)).toEqual([ids['low'], ids['pending2']]);
      const lowStudy = await store.studies.get(t, ids['low'] as string);
      const ranged = await store.studies.worklist(t, {
        from: lowStudy?.createdAt ?? 0,
        to: (lowStudy?.createdAt ?? 0) + 1,
        limit: 50,
        offset: 0,
      });
      expect(ranged.map((s) => s.id)).toEqual([ids['low']]);
      expect(await store.studies.worklist(await tenant(store), { limit: 50, offset: 0 })).toEqual([]);
    });

    it('records ground truth per tenant and joins it with results for cohort and drift', async () => {
      const t = await tenant(store);
      const { studyId, jobId } = await submittedStudy(store, t);
      const job = await store.jobs.claim(t, 'r', { leaseMs: 60_000 });
      await store.results.complete(t, jobId, job?.leaseToken ?? '', {
        body: '{}',
        summary: { urgency: 1, peProbability: 0.7, decision: 'positive', probabilities: { central_pe: 0.4 } },
      });
      expect(
        await store.labels.record(t, studyId, {
          labels: { central_pe: 1, negative_exam_for_pe: 0 },
          source: 'radiologist',
          recordedBy: 'k1',
        }),
      ).toBe(true);
      expect(await store.labels.record(t, studyId, { labels: { central_pe: 0 }, source: 'consensus', recordedBy: 'k2' })).toBe(true);
      expect(
        await store.labels.record(await tenant(store), studyId, { labels: { central_pe: 1 }, source: 'radiologist', recordedBy: 'k3' }),
      ).toBe(false);
      const gt = await store.labels.forStudy(t, studyId);
      expect(gt.map((g) => [g.label, g.value, g.source])).toEqual([
        ['central_pe', 0, 'consensus'],
        ['negative_exam_for_pe', 0, 'radiologist'],
      ]);
      const cohort = await store.labels.cohort(t, {});
      expect(cohort).toEqual([
        { studyId, completedAt: clock.now(), probabilities: { central_pe: 0.4 }, truth: { central_pe: 0, negative_exam_for_pe: 0 } },
      ]);
      const drift = await store.labels.drift(t, { from: clock.now(), to: clock.now() + 1 });
      expect(drift).toEqual([{ completedAt: clock.now(), peProbability: 0.7, descriptors: { manufacturer: 'ACME', sliceThickness: 1 } }]);
      expect(await store.labels.cohort(await tenant(store), {})).toEqual([]);
    });

    it('appends audit records and reads them back per tenant', async () => {
      const t = await tenant(store);
      await store.audit.write({ tenantId: t, keyId: 'k', role: 'clinician', action: 'study.read', studyId: 's1' });
      await store.audit.write({ tenantId: t, keyId: 'k', role: 'clinician', action: 'study.list', detail: { count: 3 } });
      const all = await store.audit.list(t, { limit: 10 });
      expect(all.map((a) => a.action)).toEqual(['study.list', 'study.read']);
      expect(all[0]?.detail).toEqual({ count: 3 });
      expect((await store.audit.list(t, { studyId: 's1', limit: 10 })).map((a) => a.action)).toEqual(['study.read']);
      expect(await store.audit.list(t, { before: all[1]?.id ?? 0, limit: 10 })).toEqual([]);
      expect(await store.audit.list(await tenant(store), { limit: 10 })).toEqual([]);
      // Concurrent writes are group-committed; each resolves once its row is stored.
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          store.audit.write({ tenantId: t, keyId: 'k', role: 'runner', action: 'instance.read', detail: { i } }),
        ),
      );
      const many = await store.audit.list(t, { action: 'instance.read', limit: 100 });
      expect(many.map((a) => (a.detail as { i: number }).i).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    });

    it('counts rate-limit hits per fixed window', async () => {
      const bucket = `k-${Math.random()}`;
      expect((await store.rateLimits.hit(bucket, 60_000)).count).toBe(1);
      expect((await store.rateLimits.hit(bucket, 60_000)).count).toBe(2);
      clock.advance(60_000);
      expect((await store.rateLimits.hit(bucket, 60_000)).count).toBe(1);
    });
  });
}
