/**
 * Contract suite, part 5: platform runners. Claims across tenants rotate by tenant (the one
 * whose last claim is oldest goes first), keep each tenant's own order, and stay exclusive;
 * `heldBy` admits only the claimer's live lease; platform keys live only in the platform
 * tenant. Run against every driver.
 *
 * The database may hold other suites' jobs (D1 shares one across suites), and a claim across
 * tenants would take those too: each test first moves its clock a year on and leases
 * everything eligible for ten years (`drain`), so only its own jobs can be claimed after.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_TENANT, type Job, type Store } from '../../src/index';
import { submittedStudy, tenant, type StoreUnderTest, type TestClock } from './fixtures';

const LEASE = 30_000;
const YEAR = 365 * 24 * 3600 * 1000;

/** Registers the suite under `name`; `open` is called once. */
export function storePlatformContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`store contract (platform runners): ${name}`, () => {
    let store: Store;
    let clock: TestClock;
    beforeAll(async () => {
      ({ store, clock } = await open());
    });

    async function drain(): Promise<void> {
      clock.advance(YEAR);
      while (await store.jobs.claimAcrossTenants('drain', { leaseMs: 10 * YEAR }));
    }

    async function claims(n: number): Promise<Job[]> {
      const out: Job[] = [];
      for (let i = 0; i < n; i++) {
        const j = await store.jobs.claimAcrossTenants('platform', { leaseMs: LEASE });
        if (!j) break;
        out.push(j);
      }
      return out;
    }

    it('serves a tenant that has not claimed before one that just did, whatever its backlog', async () => {
      await drain();
      const a = await tenant(store);
      const b = await tenant(store);
      const backlog = [];
      for (let i = 0; i < 30; i++) {
        backlog.push((await submittedStudy(store, a)).jobId);
        clock.advance(1);
      }
      const [first] = await claims(1);
      expect(first?.id).toBe(backlog[0]);
      // B's one study arrives after A's 30 and after A was served: it is the very next claim.
      const urgent = await submittedStudy(store, b);
      const order = await claims(40);
      expect(order[0]?.id).toBe(urgent.jobId);
      expect(order.slice(1).map((j) => j.id)).toEqual(backlog.slice(1));
      expect((await store.studies.get(b, urgent.studyId))?.status).toBe('processing');
    });

    it('rotates through the tenants with work, each in its own order (analysis, priority, oldest)', async () => {
      await drain();
      const ts = [await tenant(store), await tenant(store), await tenant(store)];
      const own: Record<string, string[]> = {};
      for (const t of ts) {
        const training = await store.jobs.create(t, { kind: 'training', payload: {}, priority: 100, maxAttempts: 1 });
        clock.advance(1);
        const routine = await submittedStudy(store, t, 1, 0);
        clock.advance(1);
        const stat = await submittedStudy(store, t, 1, 50);
        clock.advance(1);
        own[t] = [stat.jobId, routine.jobId, training.id];
      }
      const order = await claims(10);
      expect(order).toHaveLength(9);
      // Every window of three consecutive claims serves the three tenants once each.
      for (let i = 0; i + 3 <= order.length; i++) expect(new Set(order.slice(i, i + 3).map((j) => j.tenantId)).size).toBe(3);
      for (const t of ts) expect(order.filter((j) => j.tenantId === t).map((j) => j.id)).toEqual(own[t]);
    });

    it('counts a tenant’s own runner’s claim as its turn', async () => {
      await drain();
      const a = await tenant(store);
      const b = await tenant(store);
      const a1 = (await submittedStudy(store, a)).jobId;
      clock.advance(1);
      const a2 = (await submittedStudy(store, a)).jobId;
      expect((await claims(1))[0]?.id).toBe(a1);
      const b1 = (await submittedStudy(store, b)).jobId;
      clock.advance(1);
      const b2 = (await submittedStudy(store, b)).jobId;
      expect((await claims(1))[0]?.id).toBe(b1);
      // A's turn would be next, but its on-premises runner just took a2.
      expect((await store.jobs.claim(a, 'on-prem', { leaseMs: LEASE }))?.id).toBe(a2);
      await submittedStudy(store, a);
      expect((await claims(1))[0]?.id).toBe(b2);
    });

    it('chooses the tenant among those with a job of the kinds asked for', async () => {
      await drain();
      const c = await tenant(store);
      const training = await store.jobs.create(c, { kind: 'training', payload: {}, maxAttempts: 1 });
      const d = await tenant(store);
      const analysis = (await submittedStudy(store, d)).jobId;
      expect((await store.jobs.claimAcrossTenants('gpu', { leaseMs: LEASE, kinds: ['analysis'] }))?.id).toBe(analysis);
      expect(await store.jobs.claimAcrossTenants('gpu', { leaseMs: LEASE, kinds: ['analysis'] })).toBeNull();
      expect((await claims(1))[0]?.id).toBe(training.id);
    });

    it('never hands one job to two concurrent claimers', async () => {
      await drain();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const t = await tenant(store);
        ids.push((await submittedStudy(store, t)).jobId, (await submittedStudy(store, t)).jobId);
      }
      const got = await Promise.all(Array.from({ length: 12 }, (_, i) => store.jobs.claimAcrossTenants(`runner-${i}`, { leaseMs: LEASE })));
      expect(
        got
          .filter((j) => j !== null)
          .map((j) => j?.id)
          .sort(),
      ).toEqual([...ids].sort());
    });

    it('admits only the claimer’s live or finished lease (heldBy)', async () => {
      await drain();
      const t = await tenant(store);
      const { jobId } = await submittedStudy(store, t);
      const job = (await claims(1))[0] as Job;
      const token = job.leaseToken as string;
      expect(await store.jobs.heldBy(jobId, token, 'platform')).toMatchObject({ kind: 'ok', value: { id: jobId, tenantId: t } });
      expect((await store.jobs.heldBy(jobId, token, 'another-key')).kind).toBe('lease_lost');
      expect((await store.jobs.heldBy(jobId, 'not-the-token', 'platform')).kind).toBe('lease_lost');
      expect((await store.jobs.heldBy('no-such-job', token, 'platform')).kind).toBe('not_found');
      clock.advance(LEASE);
      expect((await store.jobs.heldBy(jobId, token, 'platform')).kind).toBe('lease_lost');
      // A claim that ended in the job finishing still addresses it (a repeated complete is a replay).
      const second = (await store.jobs.claimAcrossTenants('platform', { leaseMs: LEASE })) as Job;
      expect(second.id).toBe(jobId);
      await store.jobs.fail(t, jobId, second.leaseToken as string, { code: 'X', message: 'x', retryable: false }, { baseMs: 1, maxMs: 1 });
      expect(await store.jobs.heldBy(jobId, second.leaseToken as string, 'platform')).toMatchObject({
        kind: 'ok',
        value: { status: 'failed' },
      });
      expect((await store.jobs.heldBy(jobId, token, 'platform')).kind).toBe('lease_lost');
    });

    it('queue counts across tenants add every tenant up', async () => {
      const t = await tenant(store);
      const before = await store.jobs.counts(null);
      await submittedStudy(store, t);
      const after = await store.jobs.counts(null);
      const queued = (rows: typeof before) => rows.find((r) => r.kind === 'analysis' && r.status === 'queued')?.count ?? 0;
      expect(queued(after)).toBe(queued(before) + 1);
    });

    it('keeps platform-runner keys in the platform tenant, and only them', async () => {
      const platform = await store.tenants.ensurePlatform();
      expect(platform.name).toBe(PLATFORM_TENANT);
      expect((await store.tenants.ensurePlatform()).id).toBe(platform.id);
      const { key } = await store.keys.create({ tenantId: platform.id, role: 'platform-runner' });
      expect(await store.keys.authenticate(key)).toMatchObject({ tenantId: platform.id, role: 'platform-runner' });
      const t = await tenant(store);
      await expect(store.keys.create({ tenantId: t, role: 'platform-runner' })).rejects.toMatchObject({ code: 'INVALID_STATE' });
      await expect(store.keys.create({ tenantId: platform.id, role: 'admin' })).rejects.toMatchObject({ code: 'INVALID_STATE' });
      await expect(store.tenants.create({ name: '@other' })).rejects.toMatchObject({ code: 'INVALID_STATE' });
    });
  });
}
