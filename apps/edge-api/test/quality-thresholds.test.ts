/**
 * Issue 18, site thresholds: preview and apply by rule on a seeded cohort (2,000 labelled
 * studies), immutable versions, and a new result decided with the active set while an earlier
 * result keeps its decisions.
 */
import { seedCohort } from '@embolus/db/seed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysedStudy } from './helpers/analysed';
import { errorOf, harness, type Harness } from './helpers/harness';
import { analysisResult } from './helpers/result';

let h: Harness;
const k = { quality: '', clinician: '', runner: '', admin: '' };
beforeAll(async () => {
  h = harness();
  for (const role of ['quality', 'clinician', 'runner', 'admin'] as const) k[role] = await h.key('t', role);
  const tenantId = (await h.deps.store.tenants.ensure('t')).id;
  await seedCohort(h.deps.store.driver, { tenantId, studies: 2000, months: 12, end: h.clock.now() - 86_400_000, seed: 11 });
});
afterAll(() => h.close());

type Rate = { kind: string; value?: number; ci?: [number, number] };
type Preview = { threshold: number; current: number; sensitivity: Rate; specificity: Rate; changed: { studies: number; of: number } };

describe('site thresholds', () => {
  it('refuses a clinician everywhere', async () => {
    for (const [m, p, json] of [
      ['POST', '/v1/thresholds/preview', { rules: { central_pe: { kind: 'youden' } } }],
      ['POST', '/v1/thresholds', { rules: { central_pe: { kind: 'youden' } } }],
      ['GET', '/v1/thresholds', undefined],
      ['GET', '/v1/thresholds/1', undefined],
    ] as const) {
      expect((await h.request(m, p, { key: k.clinician, ...(json ? { json } : {}) })).status).toBe(403);
    }
  });

  it('previews a rule without applying it', async () => {
    const res = await h.request('POST', '/v1/thresholds/preview', {
      key: k.quality,
      json: { rules: { negative_exam_for_pe: { kind: 'target-sensitivity', sensitivity: 0.95 }, central_pe: { kind: 'youden' } } },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { studies: number; activeVersion: number | null; labels: Record<string, Preview> };
    expect(body).toMatchObject({ studies: 2000, activeVersion: null });
    const neg = body.labels['negative_exam_for_pe'] as Preview;
    expect(neg.current).toBe(0.8);
    expect(neg.sensitivity.value).toBeGreaterThanOrEqual(0.95);
    expect(neg.sensitivity.ci?.[0]).toBeLessThan(neg.sensitivity.value as number);
    expect(neg.changed.of).toBe(2000);
    expect(neg.changed.studies).toBeGreaterThan(0);
    expect((await (await h.request('GET', '/v1/thresholds', { key: k.quality })).json()) as { active: unknown }).toMatchObject({
      active: null,
    });
    expect((await errorOf(await h.request('POST', '/v1/thresholds/preview', { key: k.quality, json: { rules: {} } }))).code).toBe(
      'VALIDATION_FAILED',
    );
  });

  it('applies versions, each immutable; a new result uses the active set and an old one keeps its decisions', async () => {
    // Before any set: the result's own thresholds decide (negative exam 0.7 < 0.8: PE-positive).
    const old = await analysedStudy(h, k, analysisResult({ pNegative: 0.7 }));
    expect(old.status).toBe(200);

    const first = await h.request('POST', '/v1/thresholds', {
      key: k.quality,
      json: { rules: { negative_exam_for_pe: { kind: 'target-sensitivity', sensitivity: 0.95 } }, note: 'site calibration' },
    });
    expect(first.status).toBe(201);
    const v1 = ((await first.json()) as { set: { version: number; thresholds: Record<string, number>; createdBy: string } }).set;
    expect(v1.version).toBe(1);
    // Chosen for sensitivity 0.95, it reaches 0.95 on the cohort it was chosen on, and is in force.
    const report = (await (await h.request('GET', '/v1/metrics/labels/negative_exam_for_pe', { key: k.quality })).json()) as {
      threshold: { value: number; source: string; setVersion: number };
      overall: { operatingPoint: { sensitivity: Rate } };
    };
    expect(report.threshold).toEqual({ value: v1.thresholds['negative_exam_for_pe'], source: 'site', setVersion: 1 });
    expect(report.overall.operatingPoint.sensitivity.value).toBeGreaterThanOrEqual(0.95);

    const second = await h.request('POST', '/v1/thresholds', {
      key: k.admin,
      json: { rules: { negative_exam_for_pe: { kind: 'fixed', threshold: 0.6 } } },
    });
    const v2 = ((await second.json()) as { set: { id: string; version: number; thresholds: Record<string, number> } }).set;
    expect(v2.version).toBe(2);
    expect(v2.thresholds).toEqual({ negative_exam_for_pe: 0.6 });
    // Version 1 is unchanged.
    expect(
      ((await (await h.request('GET', '/v1/thresholds/1', { key: k.quality })).json()) as { thresholds: Record<string, number> })
        .thresholds,
    ).toEqual(v1.thresholds);

    const fresh = await analysedStudy(h, k, analysisResult({ pNegative: 0.7 }));
    expect(fresh.status).toBe(200);
    type StudyView = {
      decision?: string;
      result: {
        labels: Record<string, { threshold: number; decision: boolean }>;
        exam: { decision: string };
        thresholdSet?: { id: string; version: number };
      };
    };
    const get = async (id: string) => (await (await h.request('GET', `/v1/studies/${id}`, { key: k.quality })).json()) as StudyView;
    const o = await get(old.id);
    const n = await get(fresh.id);
    expect(o.result.exam.decision).toBe('positive');
    expect(o.result.labels['negative_exam_for_pe']).toMatchObject({ threshold: 0.8, decision: false });
    // 0.7 ≥ the site's 0.6: a negative exam under the new set.
    expect(n.result.exam.decision).toBe('negative');
    expect(n.result.labels['negative_exam_for_pe']).toMatchObject({ threshold: 0.6, decision: true });
    // The served result says which set decided it; the old one says none did.
    expect(n.result.thresholdSet).toEqual({ id: v2.id, version: 2 });
    expect(o.result.thresholdSet).toBeUndefined();
    const stored = await h.deps.store.driver.select(
      'SELECT r.threshold_set_id AS s, st.decision AS d FROM studies st JOIN results r ON r.id = st.result_id ' +
        'WHERE st.id IN (?, ?) ORDER BY st.id = ?',
      [old.id, fresh.id, fresh.id],
    );
    expect(stored).toEqual([
      { s: null, d: 'positive' },
      { s: v2.id, d: 'negative' },
    ]);

    // Rolling back re-applies version 1 as version 3.
    const back = await h.request('POST', '/v1/thresholds', { key: k.quality, json: { copyOf: 1 } });
    expect(((await back.json()) as { set: { version: number; thresholds: unknown } }).set).toMatchObject({
      version: 3,
      thresholds: v1.thresholds,
    });
    const list = (await (await h.request('GET', '/v1/thresholds', { key: k.quality })).json()) as {
      active: { version: number };
      inForce: Record<string, number>;
      items: { version: number }[];
    };
    expect(list.active.version).toBe(3);
    expect(list.items.map((s) => s.version)).toEqual([3, 2, 1]);
    expect(list.inForce['negative_exam_for_pe']).toBe(v1.thresholds['negative_exam_for_pe']);
    expect((await h.request('POST', '/v1/thresholds', { key: k.quality, json: { copyOf: 9 } })).status).toBe(404);
    const audit = (await (await h.request('GET', '/v1/audit?action=thresholds.apply', { key: k.admin })).json()) as {
      items: { detail: { version: number } }[];
    };
    expect(audit.items.map((i) => i.detail.version).sort()).toEqual([1, 2, 3]);
  });
});
