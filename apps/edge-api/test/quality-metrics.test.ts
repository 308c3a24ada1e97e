/**
 * Issue 18, the quality pages' metrics routes over a seeded cohort (2,000 labelled studies over
 * 12 months, the AUROC of negative_exam_for_pe falling from 0.9 to 0.7 in the last 3).
 */
import { seedCohort } from '@embolus/db/seed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, type Harness } from './helpers/harness';

let h: Harness;
let quality: string;
let tenantId: string;
beforeAll(async () => {
  h = harness();
  quality = await h.key('q', 'quality');
  tenantId = (await h.deps.store.tenants.ensure('q')).id;
  await seedCohort(h.deps.store.driver, {
    tenantId,
    studies: 2000,
    months: 12,
    end: h.clock.now(),
    seed: 7,
    drift: { label: 'negative_exam_for_pe', auroc: 0.7, months: 3 },
  });
});
afterAll(() => h.close());

type Cell = { kind: string; auroc?: number; ci?: [number, number]; n: number };
type Period = {
  key: string;
  studies: number;
  labelled: number;
  coverage: number;
  auroc: Cell;
  sensitivity: { kind: string; value?: number; ci?: [number, number] };
  cbpe: { kind: string; auroc?: number };
};

describe('label report', () => {
  it('shows the drop of the drifted label per month, with CIs, coverage and CBPE beside it', async () => {
    const res = await h.request('GET', '/v1/metrics/labels/negative_exam_for_pe?window=month', { key: quality });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      threshold: { value: number; source: string };
      periods: Period[];
      overall: { roc: { fpr: number[] }; operatingPoint: { sensitivity: { kind: string } }; calibration: unknown[] };
    };
    expect(body.threshold.source).toBe('default');
    const full = body.periods.filter((p) => p.auroc.kind === 'auroc');
    expect(full.length).toBeGreaterThanOrEqual(11);
    const early = full.slice(0, -3);
    const late = full.slice(-3);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const aurocs = (ps: Period[]) => ps.map((p) => p.auroc.auroc as number);
    // Every drifted month is below every earlier one; ~150 studies a month leave ±0.07 of noise.
    expect(Math.max(...aurocs(late))).toBeLessThan(Math.min(...aurocs(early)));
    expect(mean(aurocs(early))).toBeGreaterThan(0.88);
    expect(mean(aurocs(late))).toBeLessThan(0.8);
    for (const p of late) {
      expect(p.cbpe.kind).toBe('estimate');
      expect(p.cbpe.auroc).toBeLessThan(0.75);
    }
    for (const p of full) {
      expect(p.auroc.ci?.[0]).toBeLessThan(p.auroc.auroc as number);
      expect(p.coverage).toBeGreaterThan(0.8);
      expect(p.sensitivity.kind).toBe('rate');
    }
    expect(body.overall.roc.fpr.length).toBeGreaterThan(10);
    expect(body.overall.calibration.length).toBe(10);
  });

  it('gives a rare label insufficient data instead of numbers', async () => {
    const body = (await (await h.request('GET', '/v1/metrics/labels/indeterminate?window=week', { key: quality })).json()) as {
      periods: Period[];
    };
    const thin = body.periods.filter((p) => p.auroc.kind === 'insufficient_data');
    expect(thin.length).toBeGreaterThan(0);
    for (const p of thin) expect(p.auroc).not.toHaveProperty('auroc');
  });

  it('sees new ground truth at once (the cached cohort follows the version)', async () => {
    const before = (await (await h.request('GET', '/v1/metrics/cohort?window=month', { key: quality })).json()) as {
      studies: number;
      labelled: number;
    };
    expect(before.studies).toBe(2000);
    const [unlabelled] = await h.deps.store.driver.select('SELECT study_id FROM cohort_points WHERE t_central_pe IS NULL LIMIT 1', []);
    const id = unlabelled?.['study_id'] as string;
    expect((await h.request('POST', `/v1/studies/${id}/labels`, { key: quality, json: { labels: { central_pe: 1 } } })).status).toBe(200);
    const after = (await (await h.request('GET', '/v1/metrics/cohort?window=month', { key: quality })).json()) as { labelled: number };
    expect(after.labelled).toBe(before.labelled + 1);
  });

  it('refuses a clinician and an unknown label', async () => {
    const clinician = await h.key('q', 'clinician');
    expect((await h.request('GET', '/v1/metrics/labels/central_pe', { key: clinician })).status).toBe(403);
    expect((await h.request('GET', '/v1/metrics/labels/made_up', { key: quality })).status).toBe(400);
  });
});
