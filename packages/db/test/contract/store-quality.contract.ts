/**
 * Contract suite, issue 18: cohort points written by completion and ground truth (with the
 * cohort version), threshold set versions, alert rules and events (one per rule and period, the
 * webhook delivery in the same transaction, resolution), and the seeded cohort. Run against every
 * driver.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Completion, Store } from '../../src/index';
import { seedCohort } from '../../src/seed-cohort';
import { submittedStudy, tenant, type StoreUnderTest, type TestClock } from './fixtures';

const completion = (p: Record<string, number>, thresholdSetId?: string): Completion => ({
  body: '{}',
  modelVersion: 'v1',
  summary: { urgency: 1, peProbability: 0.5, decision: 'negative', probabilities: p },
  ...(thresholdSetId ? { thresholdSetId } : {}),
});

/** Registers the suite under `name`; `open` is called once. */
export function storeQualityContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`store contract (quality): ${name}`, () => {
    let store: Store;
    let clock: TestClock;
    beforeAll(async () => {
      ({ store, clock } = await open());
    });

    async function analysed(t: string, p: Record<string, number>, setId?: string): Promise<string> {
      const { studyId, jobId } = await submittedStudy(store, t);
      const job = await store.jobs.claim(t, 'r', { leaseMs: 30_000, kinds: ['analysis'] });
      expect(job?.id).toBe(jobId);
      expect((await store.results.complete(t, jobId, job!.leaseToken!, completion(p, setId))).kind).toBe('ok');
      clock.advance(1_000);
      return studyId;
    }

    it('writes a cohort point at completion and copies ground truth onto it, recorded before or after', async () => {
      const t = await tenant(store);
      const { studyId: early } = await submittedStudy(store, t);
      // Ground truth recorded before the analysis is picked up by the completion.
      expect(
        await store.labels.record(t, early, { labels: { central_pe: 1 }, source: 'radiologist', recordedBy: 'k', enteredVia: 'csv' }),
      ).toBe(true);
      const job = await store.jobs.claim(t, 'r', { leaseMs: 30_000, kinds: ['analysis'] });
      await store.results.complete(t, job!.id, job!.leaseToken!, completion({ central_pe: 0.8, negative_exam_for_pe: 0.1 }));
      clock.advance(1_000);
      const v0 = await store.cohort.version(t);
      const late = await analysed(t, { central_pe: 0.2, negative_exam_for_pe: 0.9 });
      expect(await store.cohort.version(t)).toBeGreaterThan(v0);
      const v1 = await store.cohort.version(t);
      await store.labels.record(t, late, {
        labels: { central_pe: 0, negative_exam_for_pe: 1 },
        source: 'consensus',
        recordedBy: 'user:u1',
        enteredVia: 'ui',
      });
      expect(await store.cohort.version(t)).toBeGreaterThan(v1);
      const c = await store.cohort.columns(t);
      expect(Array.from(c.probability.central_pe)).toEqual([0.8, 0.2]);
      expect(Array.from(c.truth.central_pe)).toEqual([1, 0]);
      expect(Number.isNaN(c.truth.negative_exam_for_pe[0])).toBe(true);
      expect(c.truth.negative_exam_for_pe[1]).toBe(1);
      expect(Number.isNaN(c.probability.chronic_pe[0])).toBe(true);
      expect((await store.labels.forStudy(t, late)).map((g) => [g.label, g.enteredVia, g.recordedBy])).toEqual([
        ['central_pe', 'ui', 'user:u1'],
        ['negative_exam_for_pe', 'ui', 'user:u1'],
      ]);
      expect((await store.labels.forStudy(t, early))[0]?.enteredVia).toBe('csv');
      // Another tenant sees nothing.
      expect((await store.cohort.columns(await tenant(store))).time.length).toBe(0);
      const range = await store.cohort.columns(t, { from: c.time[1] });
      expect(range.time.length).toBe(1);
    });

    it('versions threshold sets per tenant and records the set a result was decided with', async () => {
      const t = await tenant(store);
      expect(await store.thresholdSets.active(t)).toBeNull();
      const a = await store.thresholdSets.create(t, {
        thresholds: { central_pe: 0.1 },
        rules: { central_pe: { kind: 'youden' } },
        createdBy: 'k1',
      });
      const b = await store.thresholdSets.create(t, { thresholds: { central_pe: 0.2 }, rules: {}, note: 'n', createdBy: 'k2' });
      expect([a.version, b.version]).toEqual([1, 2]);
      expect((await store.thresholdSets.active(t))?.id).toBe(b.id);
      expect((await store.thresholdSets.byVersion(t, 1))?.thresholds).toEqual({ central_pe: 0.1 });
      expect((await store.thresholdSets.list(t, { limit: 10, offset: 0 })).map((s) => s.version)).toEqual([2, 1]);
      expect((await store.thresholdSets.create(await tenant(store), { thresholds: {}, rules: {}, createdBy: 'k' })).version).toBe(1);
      const s = await analysed(t, { central_pe: 0.5 }, b.id);
      const study = await store.studies.get(t, s);
      expect((await store.results.get(t, study!.resultId!))?.thresholdSetId).toBe(b.id);
    });

    it('fires an alert once per rule and period, with its webhook delivery, until resolved', async () => {
      const t = await tenant(store);
      await store.webhooks.create(t, { url: 'https://hooks.example/a', events: ['alert.fired'] });
      await store.webhooks.create(t, { url: 'https://hooks.example/b', events: ['study.result'] });
      const rule = await store.alerts.createRule(t, {
        label: 'central_pe',
        kind: 'auroc_lower_ci_below',
        params: { below: 0.8, window: 'month' },
        createdBy: 'k',
      });
      expect(await store.alerts.tenantsWithRules()).toContain(t);
      const fire = (period: string) =>
        store.alerts.fire(t, {
          ruleId: rule.id,
          label: 'central_pe',
          kind: rule.kind,
          period,
          value: 0.7,
          message: 'm',
          payload: (id) => JSON.stringify({ id }),
        });
      const first = await fire('2026-01');
      expect(first?.state).toBe('active');
      expect(await fire('2026-01')).toBeNull();
      // Still active: a later period does not fire again either.
      expect(await fire('2026-02')).toBeNull();
      const due = await store.webhooks.claimDue(10, 1_000);
      const mine = due.filter((d) => d.delivery.tenantId === t);
      expect(mine.map((d) => [d.url, d.delivery.event, d.delivery.payload])).toEqual([
        ['https://hooks.example/a', 'alert.fired', JSON.stringify({ id: first!.id })],
      ]);
      expect(await store.alerts.resolve(t, rule.id)).toBe(1);
      expect(await fire('2026-01')).toBeNull(); // that period already fired
      expect((await fire('2026-02'))?.period).toBe('2026-02');
      expect((await store.alerts.events(t, { state: 'active', limit: 10, offset: 0 })).map((e) => e.period)).toEqual(['2026-02']);
      expect((await store.alerts.updateRule(t, rule.id, { enabled: false }))?.enabled).toBe(false);
      expect(await store.alerts.rules(t, { enabledOnly: true })).toEqual([]);
      expect(await store.alerts.deleteRule(t, rule.id)).toBe(true);
      expect(await store.alerts.events(t, { limit: 10, offset: 0 })).toEqual([]);
      expect(await store.alerts.deleteRule(t, rule.id)).toBe(false);
    });

    it('seeds a deterministic labelled cohort', async () => {
      const t = await tenant(store);
      const { studyIds } = await seedCohort(store.driver, {
        tenantId: t,
        studies: 60,
        months: 2,
        end: clock.now(),
        seed: 5,
        labelledFraction: 0.5,
      });
      expect(studyIds).toHaveLength(60);
      const c = await store.cohort.columns(t);
      expect(c.time.length).toBe(60);
      const labelled = Array.from(c.truth.central_pe).filter((x) => !Number.isNaN(x)).length;
      expect(labelled).toBeGreaterThan(15);
      expect(labelled).toBeLessThan(45);
      expect(
        (await store.labels.forStudy(t, studyIds[0] as string)).length === 9 ||
          (await store.labels.forStudy(t, studyIds[0] as string)).length === 0,
      ).toBe(true);
      const again = await tenant(store);
      const second = await seedCohort(store.driver, {
        tenantId: again,
        studies: 60,
        months: 2,
        end: clock.now(),
        seed: 5,
        labelledFraction: 0.5,
      });
      // The same seed gives the same cohort in another tenant, under other ids.
      expect(second.studyIds.some((id) => studyIds.includes(id))).toBe(false);
      expect(Array.from((await store.cohort.columns(again)).probability.central_pe)).toEqual(Array.from(c.probability.central_pe));
    });
  });
}
