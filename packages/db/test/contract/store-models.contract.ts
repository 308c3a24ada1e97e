/**
 * Contract suite, part 3: model deployment (activate, shadow), shadow results stored with a
 * completion, per-version predictions for comparisons, job release and progress. Run against
 * every driver.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Completion, Store } from '../../src/index';
import { submittedStudy, tenant, type StoreUnderTest, type TestClock } from './fixtures';

const LEASE = 30_000;

/** An analysis completion by `version`, with one shadow result by `shadowVersion`. */
function completion(version: string, p: number, shadowVersion?: string, q = 0.5): Completion {
  return {
    body: JSON.stringify({ v: version }),
    modelVersion: version,
    summary: { urgency: 1, peProbability: 1 - p, decision: 'negative', probabilities: { negative_exam_for_pe: p } },
    model: { version, sha256: 'b'.repeat(64), trainedOn: 'synthetic' },
    ...(shadowVersion
      ? { shadow: [{ modelVersion: shadowVersion, probabilities: { negative_exam_for_pe: q }, peProbability: 1 - q, body: '{}' }] }
      : {}),
  };
}

/** Registers the suite under `name`; `open` is called once. */
export function storeModelsContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`store contract (models): ${name}`, () => {
    let store: Store;
    let clock: TestClock;
    beforeAll(async () => {
      ({ store, clock } = await open());
    });

    async function analysed(t: string, c: Completion): Promise<string> {
      const { studyId, jobId } = await submittedStudy(store, t);
      const job = await store.jobs.claim(t, 'r', { leaseMs: LEASE, kinds: ['analysis'] });
      expect(job?.id).toBe(jobId);
      expect((await store.results.complete(t, jobId, job!.leaseToken!, c)).kind).toBe('ok');
      clock.advance(1);
      return studyId;
    }

    it('activates one version at a time and runs others in shadow', async () => {
      const t = await tenant(store);
      await analysed(t, completion('v1', 0.9));
      await analysed(t, completion('v2', 0.8));
      expect((await store.models.activate(t, 'nope')).kind).toBe('not_found');
      expect((await store.models.activate(t, 'v1')).kind).toBe('ok');
      expect((await store.models.deployment(t)).active?.version).toBe('v1');
      const shadow = await store.models.setShadow(t, 'v2', true);
      expect(shadow.kind === 'ok' && shadow.model.status).toBe('shadow');
      expect((await store.models.setShadow(t, 'v1', true)).kind).toBe('conflict');
      const b = await store.models.activate(t, 'v2');
      expect(b.kind === 'ok' && b.model.activatedAt).toBe(clock.now());
      const d = await store.models.deployment(t);
      expect(d.active?.version).toBe('v2');
      expect(d.shadow).toEqual([]);
      expect((await store.models.get(t, 'v1'))?.status).toBe('registered');
      expect((await store.models.deployment(await tenant(store))).active).toBeNull();
    });

    it('stores shadow results with the completion and pairs predictions per version', async () => {
      const t = await tenant(store);
      const s1 = await analysed(t, completion('a', 0.9, 'b', 0.7));
      const s2 = await analysed(t, completion('a', 0.2, 'b', 0.4));
      const s3 = await analysed(t, completion('b', 0.6));
      const a = await store.models.predictions(t, 'a');
      const b = await store.models.predictions(t, 'b');
      expect(a.map((x) => x.studyId).sort()).toEqual([s1, s2].sort());
      expect(new Map(b.map((x) => [x.studyId, x.probabilities['negative_exam_for_pe']]))).toEqual(
        new Map([
          [s1, 0.7],
          [s2, 0.4],
          [s3, 0.6],
        ]),
      );
      const job = (await store.studies.get(t, s1))!.analysisJobId!;
      expect((await store.models.shadowResultsOfJob(t, job)).map((r) => r.modelVersion)).toEqual(['b']);
      expect(await store.models.predictions(await tenant(store), 'a')).toEqual([]);
    });

    it('releases a lease without spending the attempt, and records progress', async () => {
      const t = await tenant(store);
      const { studyId, jobId } = await submittedStudy(store, t);
      const job = await store.jobs.claim(t, 'r', { leaseMs: LEASE });
      const hb = await store.jobs.heartbeat(t, jobId, job!.leaseToken!, LEASE, { stage: 'inference' });
      expect(hb.kind === 'ok' && JSON.parse(hb.value.progress!)).toEqual({ stage: 'inference' });
      expect((await store.jobs.release(t, jobId, 'wrong')).kind).toBe('lease_lost');
      const out = await store.jobs.release(t, jobId, job!.leaseToken!);
      expect(out.kind === 'ok' && [out.value.status, out.value.attempts, out.value.leaseToken]).toEqual(['queued', 0, null]);
      expect((await store.studies.get(t, studyId))?.status).toBe('queued');
      expect((await store.jobs.release(t, jobId, job!.leaseToken!)).kind).toBe('lease_lost');
      expect((await store.jobs.claim(t, 'r2', { leaseMs: LEASE }))?.id).toBe(jobId);
      expect(await store.jobs.counts(t)).toEqual([{ kind: 'analysis', status: 'leased', count: 1 }]);
    });
  });
}
