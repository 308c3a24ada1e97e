/**
 * Issue 18 on Workers: the alert cron evaluates drift rules over D1 and records the firing.
 */
import { applyD1Migrations, env } from 'cloudflare:test';
import { createStore, d1Driver } from '@embolus/db';
import { seedCohort } from '@embolus/db/seed';
import { describe, expect, it } from 'vitest';
import { ALERT_CRON } from '../../src/quality/alert-scheduler';
import worker, { type WorkerEnv } from '../../src/worker';

describe('drift alerts on Workers', () => {
  it('the alert cron fires a rule for the drifted label', async () => {
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    const store = createStore(d1Driver(env.DB));
    const t = await store.tenants.ensure('alerts-workers');
    await seedCohort(store.driver, {
      tenantId: t.id,
      studies: 600,
      months: 4,
      end: Date.now() - 86_400_000,
      seed: 9,
      drift: { label: 'negative_exam_for_pe', auroc: 0.6, months: 2 },
    });
    await store.alerts.createRule(t.id, {
      label: 'negative_exam_for_pe',
      kind: 'auroc_lower_ci_below',
      params: { below: 0.8, window: 'month' },
      createdBy: 'test',
    });
    await store.alerts.createRule(t.id, {
      label: 'central_pe',
      kind: 'coverage_below',
      params: { below: 0.5, window: 'month' },
      createdBy: 'test',
    });
    const pending: Promise<unknown>[] = [];
    worker.scheduled(
      { cron: ALERT_CRON },
      env as unknown as WorkerEnv,
      { waitUntil: (p: Promise<unknown>) => void pending.push(p) } as never,
    );
    await Promise.all(pending);
    const events = await store.alerts.events(t.id, { limit: 10, offset: 0 });
    expect(events.map((e) => [e.label, e.kind, e.state])).toEqual([['negative_exam_for_pe', 'auroc_lower_ci_below', 'active']]);
  });
});
