/**
 * Reading: the worklist order and filters, one study, ground truth, cohort and drift metrics,
 * models, and the audit record every read writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctSlice, ctStudy, uid } from '@embolus/testkit';
import { errorOf, harness } from './helpers/harness';
import { analysisResult } from './helpers/result';

const h = harness();
afterAll(() => h.close());

let clinician: string;
let runner: string;
let quality: string;
let admin: string;
beforeAll(async () => {
  clinician = await h.key('read', 'clinician');
  runner = await h.key('read', 'runner');
  quality = await h.key('read', 'quality');
  admin = await h.key('read', 'admin');
});

async function uploaded(): Promise<string> {
  const { id } = (await (await h.request('POST', '/v1/studies', { key: clinician })).json()) as { id: string };
  const s = ctStudy(1);
  await h.request('PUT', `/v1/studies/${id}/instances/${s.slices[0]?.sop}`, {
    key: clinician,
    body: s.slices[0]?.bytes as never,
    headers: { 'content-type': 'application/dicom' },
  });
  return id;
}

/** A study analysed with the given result knobs, completed at the current clock time. */
async function analysed(opts: Parameters<typeof analysisResult>[0]): Promise<string> {
  const id = await uploaded();
  await h.request('POST', `/v1/studies/${id}/submit`, { key: clinician });
  const c = (await (await h.request('POST', '/v1/runner/jobs/claim', { key: runner })).json()) as {
    job: { id: string };
    leaseToken: string;
  };
  const res = await h.request('POST', `/v1/runner/jobs/${c.job.id}/complete`, {
    key: runner,
    json: { result: analysisResult(opts) },
    headers: { 'embolus-lease-token': c.leaseToken },
  });
  expect(res.status).toBe(200);
  return id;
}

type Item = { id: string; status: string; urgent: boolean; peProbability: number | null; decision: string | null };

describe('worklist', () => {
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    ids['negative'] = await analysed({ pNegative: 0.95 });
    h.clock.advance(1000);
    ids['likely'] = await analysed({ pNegative: 0.1 });
    h.clock.advance(1000);
    ids['central-only'] = await analysed({ pNegative: 0.05, central: true });
    h.clock.advance(1000);
    ids['urgent'] = await analysed({ pNegative: 0.4, central: true, rvlv: true });
    h.clock.advance(1000);
    ids['pending'] = await uploaded();
  });

  it('puts central PE with RV/LV ≥ 1 first, then sorts by PE probability, pending last', async () => {
    const body = (await (await h.request('GET', '/v1/studies', { key: clinician })).json()) as { items: Item[]; nextOffset: number | null };
    expect(body.items.map((i) => i.id)).toEqual([ids['urgent'], ids['central-only'], ids['likely'], ids['negative'], ids['pending']]);
    expect(body.items[0]).toMatchObject({ urgent: true, decision: 'positive', status: 'complete' });
    expect(body.items[0]?.peProbability).toBeCloseTo(0.6);
    expect(body.items[3]).toMatchObject({ urgent: false, decision: 'negative' });
    expect(body.items[4]).toMatchObject({ status: 'receiving', peProbability: null, decision: null });
    expect(body.nextOffset).toBeNull();
  });

  it('filters by status, decision and date, and pages', async () => {
    const get = async (q: string) =>
      (await (await h.request('GET', `/v1/studies?${q}`, { key: clinician })).json()) as { items: Item[]; nextOffset: number | null };
    expect((await get('decision=negative')).items.map((i) => i.id)).toEqual([ids['negative']]);
    expect((await get('decision=positive,negative')).items).toHaveLength(4);
    expect((await get('status=receiving')).items.map((i) => i.id)).toEqual([ids['pending']]);
    const from = new Date(h.clock.now() - 2500).toISOString();
    expect((await get(`from=${from}&status=complete`)).items.map((i) => i.id)).toEqual([ids['urgent'], ids['central-only']]);
    expect((await get(`to=${from}`)).items.map((i) => i.id)).toEqual([ids['likely'], ids['negative']]);
    const page = await get('limit=2');
    expect(page.nextOffset).toBe(2);
    expect((await get('limit=2&offset=2')).items.map((i) => i.id)).toEqual([ids['likely'], ids['negative']]);
  });

  it('never serves a cached page after a study changed', async () => {
    const first = (await (await h.request('GET', '/v1/studies?status=receiving', { key: clinician })).json()) as {
      items: { id: string; instanceCount: number }[];
    };
    const before = first.items.find((i) => i.id === ids['pending'])?.instanceCount as number;
    const s = ctStudy(1);
    const res = await h.request('PUT', `/v1/studies/${ids['pending']}/instances/${s.slices[0]?.sop}`, {
      key: clinician,
      body: s.slices[0]?.bytes as never,
      headers: { 'content-type': 'application/dicom' },
    });
    expect(res.status).toBe(422); // another Study Instance UID: refused, nothing changed
    const same = (await (await h.request('GET', '/v1/studies?status=receiving', { key: clinician })).json()) as typeof first;
    expect(same).toEqual(first);
    const tenantId = (await h.deps.store.tenants.byName('read'))?.id as string;
    const study = await h.deps.store.studies.get(tenantId, ids['pending'] as string);
    const sop = uid();
    const bytes = ctSlice({ study: study?.studyInstanceUid as string, series: '1.2.3', sop, index: 1 });
    expect(
      (
        await h.request('PUT', `/v1/studies/${ids['pending']}/instances/${sop}`, {
          key: clinician,
          body: bytes as never,
          headers: { 'content-type': 'application/dicom' },
        })
      ).status,
    ).toBe(201);
    const after = (await (await h.request('GET', '/v1/studies?status=receiving', { key: clinician })).json()) as typeof first;
    expect(after.items.find((i) => i.id === ids['pending'])?.instanceCount).toBe(before + 1);
  });

  it('returns { id, status, series, result } and audits each read', async () => {
    const res = await h.request('GET', `/v1/studies/${ids['urgent']}`, { key: clinician });
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['id', 'result', 'series', 'status']);
    expect(body['result']).toEqual(analysisResult({ pNegative: 0.4, central: true, rvlv: true }));
    const pending = (await (await h.request('GET', `/v1/studies/${ids['pending']}`, { key: clinician })).json()) as { result: unknown };
    expect(pending.result).toBeNull();
    const audit = (await (await h.request('GET', `/v1/audit?studyId=${ids['urgent']}&action=study.read`, { key: admin })).json()) as {
      items: { role: string; detail: unknown }[];
    };
    expect(audit.items[0]).toMatchObject({ role: 'clinician', detail: { hasResult: true } });
    const lists = (await (await h.request('GET', '/v1/audit?action=study.list&limit=1', { key: admin })).json()) as {
      items: { detail: { studyIds: string[] } }[];
    };
    expect(lists.items[0]?.detail.studyIds.length).toBeGreaterThan(0);
  });
});

describe('ground truth and metrics', () => {
  it('records labels with the quality role only', async () => {
    const id = await uploaded();
    expect((await h.request('POST', `/v1/studies/${id}/labels`, { key: clinician, json: { labels: { central_pe: 1 } } })).status).toBe(403);
    expect((await h.request('POST', `/v1/studies/${id}/labels`, { key: quality, json: { labels: { made_up: 1 } } })).status).toBe(400);
    expect((await h.request('POST', `/v1/studies/${id}/labels`, { key: quality, json: { labels: { central_pe: 2 } } })).status).toBe(400);
    expect((await h.request('POST', `/v1/studies/${id}/labels`, { key: quality, json: { labels: {} } })).status).toBe(400);
    const ok = await h.request('POST', `/v1/studies/${id}/labels`, {
      key: quality,
      json: { labels: { central_pe: 1, rv_lv_ratio_gte_1: 0 }, source: 'consensus' },
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { labels: unknown[] }).labels).toEqual([
      expect.objectContaining({ label: 'central_pe', value: 1, source: 'consensus' }),
      expect.objectContaining({ label: 'rv_lv_ratio_gte_1', value: 0 }),
    ]);
    expect((await h.request('POST', '/v1/studies/nope/labels', { key: quality, json: { labels: { central_pe: 1 } } })).status).toBe(404);
  });

  it('computes the cohort summary and drift with packages/metrics', async () => {
    const x = harness();
    const c = await x.key('m', 'clinician');
    const r = await x.key('m', 'runner');
    const q = await x.key('m', 'quality');
    const studies: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { id } = (await (await x.request('POST', '/v1/studies', { key: c })).json()) as { id: string };
      const s = ctStudy(1);
      await x.request('PUT', `/v1/studies/${id}/instances/${s.slices[0]?.sop}`, {
        key: c,
        body: s.slices[0]?.bytes as never,
        headers: { 'content-type': 'application/dicom' },
      });
      await x.request('POST', `/v1/studies/${id}/submit`, { key: c });
      const cl = (await (await x.request('POST', '/v1/runner/jobs/claim', { key: r })).json()) as {
        job: { id: string };
        leaseToken: string;
      };
      // Positives (odd i) get higher central PE probabilities, with one swap so AUROC < 1.
      const central = i % 2 === 1;
      const result = analysisResult({ pNegative: i < 6 ? 0.7 : 0.2, central: i === 2 ? true : i === 3 ? false : central });
      await x.request('POST', `/v1/runner/jobs/${cl.job.id}/complete`, {
        key: r,
        json: { result },
        headers: { 'embolus-lease-token': cl.leaseToken },
      });
      await x.request('POST', `/v1/studies/${id}/labels`, { key: q, json: { labels: { central_pe: central ? 1 : 0 } } });
      studies.push(id);
      x.clock.advance(86_400_000);
    }
    const cohort = await x.request('GET', '/v1/metrics/cohort?window=month&minPositives=2&minNegatives=2&labels=central_pe,chronic_pe', {
      key: q,
    });
    expect(cohort.status).toBe(200);
    const body = (await cohort.json()) as {
      studies: number;
      labelled: number;
      windows: { key: string; labels: Record<string, { kind: string; auroc?: number; n: number }> }[];
    };
    expect(body).toMatchObject({ studies: 12, labelled: 12 });
    const cell = body.windows[0]?.labels['central_pe'];
    expect(cell?.kind).toBe('auroc');
    expect(cell?.auroc).toBeGreaterThan(0.5);
    expect(cell?.auroc).toBeLessThan(1);
    expect(body.windows[0]?.labels['chronic_pe']?.kind).toBe('insufficient_data');
    const now = x.clock.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const drift = await x.request(
      'GET',
      `/v1/metrics/drift?referenceFrom=${iso(now - 13 * 86_400_000)}&referenceTo=${iso(now - 6.5 * 86_400_000)}` +
        `&currentFrom=${iso(now - 6.5 * 86_400_000)}&currentTo=${iso(now)}&bins=4`,
      { key: q },
    );
    expect(drift.status).toBe(200);
    const d = (await drift.json()) as {
      reference: { studies: number };
      current: { studies: number };
      features: Record<string, { kind: string; psi: number }>;
      skipped: Record<string, string>;
    };
    expect(d.reference.studies).toBe(6);
    expect(d.current.studies).toBe(6);
    expect(d.features['probability']?.kind).toBe('numeric');
    expect(d.features['probability']?.psi).toBeGreaterThan(1);
    expect(d.features['pixelSpacing']?.psi).toBeCloseTo(0);
    expect(d.skipped['manufacturer']).toBe('INSUFFICIENT_DATA');
    const bad = await x.request('GET', `/v1/metrics/drift?referenceFrom=${iso(now)}&referenceTo=${iso(now - 1)}`, { key: q });
    expect((await errorOf(bad)).code).toBe('VALIDATION_FAILED');
    x.close();
  });

  it('lists models seen in results', async () => {
    const body = (await (await h.request('GET', '/v1/models', { key: clinician })).json()) as {
      items: { version: string; trainedOn: string }[];
    };
    expect(body.items).toEqual([expect.objectContaining({ version: 'test-1', trainedOn: 'synthetic phantoms', status: 'registered' })]);
  });
});
