/**
 * Contract suite, part 2: the job queue (claims, leases, heartbeats, retries), completion,
 * artifacts, models and webhook deliveries. Run against every driver.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/index';
import { BACKOFF, submittedStudy, tenant, type StoreUnderTest, type TestClock } from './fixtures';

const LEASE = 30_000;

/** Registers the suite under `name`; `open` is called once. */
export function storeJobsContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`store contract (jobs): ${name}`, () => {
    let store: Store;
    let clock: TestClock;
    beforeAll(async () => {
      ({ store, clock } = await open());
    });

    it('claims analysis first, then by priority, then oldest; only within the tenant', async () => {
      const t = await tenant(store);
      const training = await store.jobs.create(t, { kind: 'training', payload: { epochs: 1 }, priority: 100, maxAttempts: 2 });
      clock.advance(1);
      const routine = await submittedStudy(store, t, 1, 0);
      clock.advance(1);
      const stat = await submittedStudy(store, t, 1, 100);
      clock.advance(1);
      const routine2 = await submittedStudy(store, t, 1, 0);
      expect(await store.jobs.claim(await tenant(store), 'other', { leaseMs: LEASE })).toBeNull();
      const order = [];
      for (let i = 0; i < 4; i++) order.push((await store.jobs.claim(t, 'r', { leaseMs: LEASE }))?.id);
      expect(order).toEqual([stat.jobId, routine.jobId, routine2.jobId, training.id]);
      expect(await store.jobs.claim(t, 'r', { leaseMs: LEASE })).toBeNull();
      expect((await store.studies.get(t, stat.studyId))?.status).toBe('processing');
    });

    it('filters claims by kind', async () => {
      const t = await tenant(store);
      await submittedStudy(store, t);
      const evaluation = await store.jobs.create(t, { kind: 'evaluation', payload: {}, maxAttempts: 1 });
      expect((await store.jobs.claim(t, 'trainer', { leaseMs: LEASE, kinds: ['training', 'evaluation'] }))?.id).toBe(evaluation.id);
      expect(await store.jobs.claim(t, 'trainer', { leaseMs: LEASE, kinds: ['training'] })).toBeNull();
    });

    it('never hands one job to two concurrent claimers', async () => {
      const t = await tenant(store);
      const jobs = [];
      for (let i = 0; i < 3; i++) jobs.push((await submittedStudy(store, t)).jobId);
      const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => store.jobs.claim(t, `runner-${i}`, { leaseMs: LEASE })));
      const got = claims.filter((c) => c !== null).map((c) => c?.id);
      expect(got.sort()).toEqual([...jobs].sort());
      expect(new Set(claims.filter((c) => c).map((c) => c?.leaseToken)).size).toBe(3);
    });

    it('returns a job to the queue when its lease expires, and refuses the old holder', async () => {
      const t = await tenant(store);
      const { jobId } = await submittedStudy(store, t);
      const first = await store.jobs.claim(t, 'a', { leaseMs: LEASE });
      expect(first).toMatchObject({ id: jobId, attempts: 1, leaseOwner: 'a' });
      clock.advance(LEASE - 1);
      expect(await store.jobs.claim(t, 'b', { leaseMs: LEASE })).toBeNull();
      const hb = await store.jobs.heartbeat(t, jobId, first?.leaseToken ?? '', LEASE);
      expect(hb.kind).toBe('ok');
      clock.advance(LEASE - 1);
      expect(await store.jobs.claim(t, 'b', { leaseMs: LEASE })).toBeNull();
      clock.advance(2);
      const second = await store.jobs.claim(t, 'b', { leaseMs: LEASE });
      expect(second).toMatchObject({ id: jobId, attempts: 2, leaseOwner: 'b' });
      expect(second?.leaseToken).not.toBe(first?.leaseToken);
      expect((await store.jobs.heartbeat(t, jobId, first?.leaseToken ?? '', LEASE)).kind).toBe('lease_lost');
      const late = await store.results.complete(t, jobId, first?.leaseToken ?? '', { body: '{}' });
      expect(late.kind).toBe('lease_lost');
      expect((await store.jobs.fail(t, jobId, first?.leaseToken ?? '', { code: 'X', message: 'x', retryable: true }, BACKOFF)).kind).toBe(
        'lease_lost',
      );
      expect((await store.jobs.heartbeat(t, 'no-such-job', 'x', LEASE)).kind).toBe('not_found');
    });

    it('fails a job whose lease expires on its last attempt', async () => {
      const t = await tenant(store);
      const { jobId, studyId } = await submittedStudy(store, t);
      for (let i = 0; i < 3; i++) {
        expect((await store.jobs.claim(t, 'r', { leaseMs: LEASE }))?.id).toBe(jobId);
        clock.advance(LEASE);
      }
      expect(await store.jobs.claim(t, 'r', { leaseMs: LEASE })).toBeNull();
      const job = await store.jobs.get(t, jobId);
      expect(job).toMatchObject({ status: 'failed', attempts: 3 });
      expect(JSON.parse(job?.lastError ?? '{}')).toMatchObject({ code: 'LEASE_EXPIRED' });
      expect((await store.studies.get(t, studyId))?.status).toBe('failed');
      // A failed study can be submitted again: a new job.
      const again = await store.studies.submit(t, studyId, { priority: 0, maxAttempts: 3 });
      expect(again.kind).toBe('created');
    });

    it('retries failures with exponential backoff up to the attempt limit', async () => {
      const t = await tenant(store);
      const { jobId, studyId } = await submittedStudy(store, t);
      const failure = { code: 'DECODE_FAILED', message: 'codec error', retryable: true };
      const c1 = await store.jobs.claim(t, 'r', { leaseMs: LEASE });
      const f1 = await store.jobs.fail(t, jobId, c1?.leaseToken ?? '', failure, BACKOFF);
      expect(f1).toMatchObject({ kind: 'ok', value: { status: 'queued', availableAt: clock.now() + 1_000 } });
      expect((await store.studies.get(t, studyId))?.status).toBe('queued');
      expect(await store.jobs.claim(t, 'r', { leaseMs: LEASE })).toBeNull();
      clock.advance(1_000);
      const c2 = await store.jobs.claim(t, 'r', { leaseMs: LEASE });
      expect(c2?.attempts).toBe(2);
      const f2 = await store.jobs.fail(t, jobId, c2?.leaseToken ?? '', failure, BACKOFF);
      expect(f2).toMatchObject({ kind: 'ok', value: { status: 'queued', availableAt: clock.now() + 2_000 } });
      clock.advance(2_000);
      const c3 = await store.jobs.claim(t, 'r', { leaseMs: LEASE });
      const f3 = await store.jobs.fail(t, jobId, c3?.leaseToken ?? '', failure, BACKOFF);
      expect(f3).toMatchObject({ kind: 'ok', value: { status: 'failed', attempts: 3 } });
      expect(JSON.parse((f3.kind === 'ok' && f3.value.lastError) || '{}')).toMatchObject({ code: 'DECODE_FAILED', attempt: 3 });
      expect((await store.studies.get(t, studyId))?.status).toBe('failed');
    });

    it('fails at once on a non-retryable failure', async () => {
      const t = await tenant(store);
      const { jobId, studyId } = await submittedStudy(store, t);
      const c = await store.jobs.claim(t, 'r', { leaseMs: LEASE });
      const f = await store.jobs.fail(
        t,
        jobId,
        c?.leaseToken ?? '',
        { code: 'NO_CT_SERIES', message: 'no CT series', retryable: false },
        BACKOFF,
      );
      expect(f).toMatchObject({ kind: 'ok', value: { status: 'failed', attempts: 1 } });
      expect((await store.studies.get(t, studyId))?.status).toBe('failed');
    });

    it('completes atomically: result, study summary, model and webhook deliveries; replays are idempotent', async () => {
      const t = await tenant(store);
      const subscribed = await store.webhooks.create(t, { url: 'https://partner.example/hook', events: ['study.result'] });
      await store.webhooks.create(t, { url: 'https://partner.example/other', events: ['study.failed'] });
      const inactive = await store.webhooks.create(t, { url: 'https://partner.example/off', events: ['study.result'] });
      await store.webhooks.deactivate(t, inactive.webhook.id);
      const { jobId, studyId } = await submittedStudy(store, t);
      const c = await store.jobs.claim(t, 'r', { leaseMs: LEASE });
      const token = c?.leaseToken ?? '';
      const completion = {
        body: JSON.stringify({ schemaVersion: 1 }),
        modelVersion: 'v1',
        summary: { urgency: 0, peProbability: 0.93, decision: 'positive' as const, probabilities: { central_pe: 0.8 } },
        model: { version: 'v1', sha256: 'f'.repeat(64), trainedOn: 'synthetic phantoms' },
        events: [{ event: 'study.result', payload: (rid: string) => JSON.stringify({ resultId: rid, studyId }) }],
      };
      const done = await store.results.complete(t, jobId, token, completion);
      expect(done.kind).toBe('ok');
      const result = done.kind === 'ok' ? done.value.result : null;
      expect(result).toMatchObject({ jobId, studyId, kind: 'analysis', modelVersion: 'v1', peProbability: 0.93 });
      expect(await store.studies.get(t, studyId)).toMatchObject({
        status: 'complete',
        resultId: result?.id,
        urgency: 0,
        sortProbability: 0.93,
        decision: 'positive',
      });
      expect(await store.jobs.get(t, jobId)).toMatchObject({ status: 'done' });
      expect((await store.models.list(t)).map((m) => [m.version, m.status])).toEqual([['v1', 'registered']]);
      const deliveries = await store.webhooks.deliveries(t, subscribed.webhook.id, { limit: 10, offset: 0 });
      expect(deliveries).toHaveLength(1);
      expect(JSON.parse(deliveries[0]?.payload ?? '{}')).toEqual({ resultId: result?.id, studyId });
      expect(await store.webhooks.deliveries(t, inactive.webhook.id, { limit: 10, offset: 0 })).toEqual([]);
      clock.advance(1);
      const replay = await store.results.complete(t, jobId, token, completion);
      expect(replay).toMatchObject({ kind: 'ok', value: { replay: true, result: { id: result?.id } } });
      expect(await store.webhooks.deliveries(t, subscribed.webhook.id, { limit: 10, offset: 0 })).toHaveLength(1);
      expect((await store.results.complete(t, jobId, 'wrong-token', completion)).kind).toBe('lease_lost');
      expect((await store.results.complete(await tenant(store), jobId, token, completion)).kind).toBe('not_found');
    });

    it('records artifacts only under a live lease, replacing by name', async () => {
      const t = await tenant(store);
      const { jobId } = await submittedStudy(store, t);
      const c = await store.jobs.claim(t, 'r', { leaseMs: LEASE });
      const token = c?.leaseToken ?? '';
      const a = { name: 'attention.json', contentType: 'application/json', size: 10, sha256: '1'.repeat(64), blobKey: 'k/1' };
      const first = await store.results.addArtifact(t, jobId, token, a);
      expect(first).toMatchObject({ kind: 'ok', value: { replacedBlobKey: null, artifact: { name: 'attention.json', size: 10 } } });
      const second = await store.results.addArtifact(t, jobId, token, { ...a, size: 20, blobKey: 'k/2' });
      expect(second).toMatchObject({ kind: 'ok', value: { replacedBlobKey: 'k/1', artifact: { size: 20 } } });
      expect((await store.results.addArtifact(t, jobId, 'bad', { ...a, blobKey: 'k/3' })).kind).toBe('lease_lost');
      expect((await store.results.addArtifact(await tenant(store), jobId, token, { ...a, blobKey: 'k/4' })).kind).toBe('not_found');
      expect((await store.results.artifacts(t, jobId)).map((x) => x.blobKey)).toEqual(['k/2']);
      expect((await store.results.artifact(t, jobId, 'attention.json'))?.blobKey).toBe('k/2');
      clock.advance(LEASE);
      expect((await store.results.addArtifact(t, jobId, token, { ...a, blobKey: 'k/5' })).kind).toBe('lease_lost');
    });

    it('leases due webhook deliveries and retries them with backoff until the limit', async () => {
      const t = await tenant(store);
      const hook = await store.webhooks.create(t, { url: 'https://partner.example/h', events: ['study.result'] });
      expect((await store.webhooks.list(t))[0]).not.toHaveProperty('secret');
      expect(hook.secret).toMatch(/^whsec_/);
      const { jobId } = await submittedStudy(store, t);
      const c = await store.jobs.claim(t, 'r', { leaseMs: LEASE });
      await store.results.complete(t, jobId, c?.leaseToken ?? '', {
        body: '{}',
        events: [{ event: 'study.result', payload: () => '{"x":1}' }],
      });
      const policy = { maxAttempts: 3, backoff: BACKOFF };
      const mine = async () => (await store.webhooks.claimDue(100, 10_000)).filter((d) => d.delivery.tenantId === t);
      const due = await mine();
      expect(due).toHaveLength(1);
      expect(due[0]).toMatchObject({ url: 'https://partner.example/h', secret: hook.secret });
      expect(await mine()).toEqual([]);
      const id = due[0]?.delivery.id ?? '';
      const r1 = await store.webhooks.recordAttempt(id, { at: clock.now(), status: 500, error: 'HTTP 500', ms: 3 }, policy);
      expect(r1).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: clock.now() + 1_000, lastStatus: 500 });
      expect(await mine()).toEqual([]);
      clock.advance(1_000);
      const again = await mine();
      expect(again).toHaveLength(1);
      // A dispatcher that dies mid-send leaves a lease; it expires and the delivery is due again.
      clock.advance(10_000);
      expect(await mine()).toHaveLength(1);
      const r2 = await store.webhooks.recordAttempt(id, { at: clock.now(), status: null, error: 'timeout', ms: 10_000 }, policy);
      expect(r2).toMatchObject({ status: 'pending', attempts: 2, nextAttemptAt: clock.now() + 2_000 });
      clock.advance(2_000);
      await mine();
      const r3 = await store.webhooks.recordAttempt(id, { at: clock.now(), status: 503, error: 'HTTP 503', ms: 1 }, policy);
      expect(r3).toMatchObject({ status: 'failed', attempts: 3 });
      expect(JSON.parse(r3?.log ?? '[]')).toHaveLength(3);
      expect(await mine()).toEqual([]);
    });
  });
}
