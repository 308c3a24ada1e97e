/**
 * Model deployment over HTTP: results register versions; activate and shadow (admin); shadow
 * results stored with the completion but never shown as the decision; paired DeLong comparison
 * against ground truth; model files from a training job served to runners; release and queue.
 */
import { STUDY_LABELS } from '@embolus/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctStudy } from '@embolus/testkit';
import { errorOf, harness } from './helpers/harness';
import { analysisResult } from './helpers/result';

const h = harness({ EMBOLUS_LEASE_SECONDS: '60' });
afterAll(() => h.close());

let clinician: string, runner: string, admin: string, quality: string;
beforeAll(async () => {
  clinician = await h.key('models-lab', 'clinician');
  runner = await h.key('models-lab', 'runner');
  admin = await h.key('models-lab', 'admin');
  quality = await h.key('models-lab', 'quality');
});

type Claim = { job: { id: string; kind: string; studyId: string | null }; leaseToken: string };
const lease = (c: Claim) => ({ 'embolus-lease-token': c.leaseToken });

async function study(): Promise<string> {
  const { id } = (await (await h.request('POST', '/v1/studies', { key: clinician, json: {} })).json()) as { id: string };
  const s = ctStudy(1);
  await h.request('PUT', `/v1/studies/${id}/instances/${s.slices[0]!.sop}`, {
    key: clinician,
    body: s.slices[0]!.bytes as never,
    headers: { 'content-type': 'application/dicom' },
  });
  await h.request('POST', `/v1/studies/${id}/submit`, { key: clinician });
  return id;
}

async function claim(): Promise<Claim> {
  const res = await h.request('POST', '/v1/runner/jobs/claim', { key: runner, json: {} });
  expect(res.status).toBe(200);
  return (await res.json()) as Claim;
}

/** Analyses a fresh study with version `v` (probability of a negative exam `p`), shadow `sv` gives `q`. */
async function analysed(v: string, p: number, sv?: string, q?: number): Promise<string> {
  const id = await study();
  const c = await claim();
  const main = {
    ...analysisResult({ pNegative: p }),
    model: { version: v, sha256: 'ab'.repeat(32), trainedOn: 'synthetic', notForClinicalUse: true as const },
  };
  const shadow = sv ? [{ ...analysisResult({ pNegative: q }), model: { ...main.model, version: sv } }] : undefined;
  const res = await h.request('POST', `/v1/runner/jobs/${c.job.id}/complete`, {
    key: runner,
    json: { result: main, ...(shadow ? { shadow } : {}) },
    headers: lease(c),
  });
  expect(res.status).toBe(200);
  return id;
}

describe('models', () => {
  it('activates and shadows versions (admin only), refusing the active one as a shadow', async () => {
    await analysed('m-1', 0.9);
    await analysed('m-2', 0.1);
    expect((await h.request('POST', '/v1/models/m-1/activate', { key: clinician })).status).toBe(403);
    expect((await errorOf(await h.request('POST', '/v1/models/nope/activate', { key: admin }))).code).toBe('NOT_FOUND');
    const a = await h.request('POST', '/v1/models/m-1/activate', { key: admin });
    expect(a.status).toBe(200);
    expect(((await a.json()) as { status: string }).status).toBe('active');
    expect((await errorOf(await h.request('POST', '/v1/models/m-1/shadow', { key: admin, json: {} }))).code).toBe('CONFLICT');
    expect((await h.request('POST', '/v1/models/m-2/shadow', { key: admin, json: { enabled: true } })).status).toBe(200);
    const list = (await (await h.request('GET', '/v1/models', { key: clinician })).json()) as {
      items: { version: string; status: string; downloadable: boolean }[];
    };
    expect(Object.fromEntries(list.items.map((m) => [m.version, m.status]))).toMatchObject({ 'm-1': 'active', 'm-2': 'shadow' });
    const dep = (await (await h.request('GET', '/v1/runner/models', { key: runner })).json()) as {
      active: { version: string; downloadable: boolean };
      shadow: { version: string }[];
    };
    expect(dep.active).toMatchObject({ version: 'm-1', downloadable: false });
    expect(dep.shadow.map((s) => s.version)).toEqual(['m-2']);
    expect((await h.request('GET', '/v1/runner/models', { key: clinician })).status).toBe(403);
  });

  it('stores shadow results beside the decision and compares versions with the paired DeLong test', async () => {
    // Version A ranks the truth perfectly; B is close to chance. Truth: negative exam on half.
    const truth = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
    const pa = [0.9, 0.85, 0.8, 0.75, 0.7, 0.3, 0.25, 0.2, 0.15, 0.1];
    const pb = [0.5, 0.2, 0.6, 0.3, 0.55, 0.45, 0.6, 0.35, 0.4, 0.52];
    const ids: string[] = [];
    for (let i = 0; i < truth.length; i++) ids.push(await analysed('cmp-a', pa[i]!, 'cmp-b', pb[i]!));
    const detail = (await (await h.request('GET', `/v1/studies/${ids[0]}`, { key: clinician })).json()) as {
      result: { model: { version: string } };
    };
    expect(detail.result.model.version).toBe('cmp-a');
    for (const [i, id] of ids.entries()) {
      expect(
        (await h.request('POST', `/v1/studies/${id}/labels`, { key: quality, json: { labels: { negative_exam_for_pe: truth[i] } } }))
          .status,
      ).toBe(200);
    }
    expect((await h.request('GET', '/v1/models/compare?a=cmp-a&b=cmp-b', { key: clinician })).status).toBe(403);
    expect((await errorOf(await h.request('GET', '/v1/models/compare?a=cmp-a&b=zzz', { key: quality }))).code).toBe('NOT_FOUND');
    const res = await h.request('GET', '/v1/models/compare?a=cmp-a&b=cmp-b', { key: quality });
    expect(res.status).toBe(200);
    const cmp = (await res.json()) as {
      studies: number;
      labels: {
        label: string;
        n: number;
        test: { aurocA: number; aurocB: number; pValue: number; ci: [number, number] } | null;
        reason?: string;
      }[];
    };
    expect(cmp.studies).toBe(10);
    expect(cmp.labels.map((l) => l.label)).toEqual([...STUDY_LABELS]);
    const neg = cmp.labels.find((l) => l.label === 'negative_exam_for_pe')!;
    expect(neg.n).toBe(10);
    expect(neg.test!.aurocA).toBe(1);
    expect(neg.test!.aurocB).toBeCloseTo(11.5 / 25, 10); // 11 pairs ranked right, one tie
    expect(neg.test!.ci[0]).toBeLessThan(neg.test!.ci[1]);
    expect(neg.test!.pValue).toBeGreaterThan(0);
    expect(neg.test!.pValue).toBeLessThan(0.05);
    expect(cmp.labels.find((l) => l.label === 'central_pe')).toMatchObject({ n: 0, test: null, reason: 'INSUFFICIENT_DATA' });
  });

  it('pins an analysis to a model version named at submit', async () => {
    const { id } = (await (await h.request('POST', '/v1/studies', { key: clinician, json: {} })).json()) as { id: string };
    const s = ctStudy(1);
    await h.request('PUT', `/v1/studies/${id}/instances/${s.slices[0]!.sop}`, {
      key: clinician,
      body: s.slices[0]!.bytes as never,
      headers: { 'content-type': 'application/dicom' },
    });
    expect((await h.request('POST', `/v1/studies/${id}/submit`, { key: clinician, json: { modelVersion: '../x' } })).status).toBe(400);
    expect((await h.request('POST', `/v1/studies/${id}/submit`, { key: clinician, json: { modelVersion: 'm-2' } })).status).toBe(202);
    const c = (await claim()) as Claim & { job: { payload: unknown } };
    expect(c.job.payload).toEqual({ studyId: id, modelVersion: 'm-2' });
    const r = {
      ...analysisResult(),
      model: { version: 'm-2', sha256: 'ab'.repeat(32), trainedOn: 'synthetic', notForClinicalUse: true as const },
    };
    expect(
      (await h.request('POST', `/v1/runner/jobs/${c.job.id}/complete`, { key: runner, json: { result: r }, headers: lease(c) })).status,
    ).toBe(200);
  });

  it('refuses a shadow result from the decision’s own version', async () => {
    await study();
    const c = await claim();
    const r = analysisResult();
    const res = await h.request('POST', `/v1/runner/jobs/${c.job.id}/complete`, {
      key: runner,
      json: { result: r, shadow: [r] },
      headers: lease(c),
    });
    expect((await errorOf(res)).code).toBe('INVALID_RESULT');
    await h.request('POST', `/v1/runner/jobs/${c.job.id}/complete`, { key: runner, json: { result: r }, headers: lease(c) });
  });

  it('serves a training job’s model files to runners, and lists the queue; release keeps the attempt', async () => {
    const job = (await (
      await h.request('POST', '/v1/jobs', { key: admin, json: { kind: 'training', payload: { dataset: { path: '/x' } } } })
    ).json()) as { id: string };
    const c = await claim();
    expect(c.job.id).toBe(job.id);
    const q = (await (await h.request('GET', '/v1/runner/queue', { key: runner })).json()) as {
      items: { kind: string; status: string; count: number }[];
    };
    expect(q.items).toContainEqual({ kind: 'training', status: 'leased', count: 1 });
    const released = await h.request('POST', `/v1/runner/jobs/${c.job.id}/release`, { key: runner, headers: lease(c) });
    expect((await released.json()) as { status: string; attempts: number }).toMatchObject({ status: 'queued', attempts: 0 });
    const c2 = await claim();
    const files: Record<string, string> = { 'manifest.json': '{"version":"t-1"}', 'phase1.onnx': 'p1', 'phase2.onnx': 'p2' };
    for (const [name, body] of Object.entries(files)) {
      const put = await h.request('PUT', `/v1/runner/jobs/${c2.job.id}/artifacts/${name}`, {
        key: runner,
        body,
        headers: { ...lease(c2), 'content-type': 'application/octet-stream' },
      });
      expect(put.status).toBe(201);
    }
    const model = { version: 't-1', sha256: 'cd'.repeat(32), trainedOn: 'synthetic phantoms', card: { validation: { auroc: 0.9 } } };
    expect(
      (await h.request('POST', `/v1/runner/jobs/${c2.job.id}/complete`, { key: runner, json: { result: { model } }, headers: lease(c2) }))
        .status,
    ).toBe(200);
    const got = await h.request('GET', '/v1/runner/models/t-1/files/phase1.onnx', { key: runner });
    expect(await got.text()).toBe('p1');
    expect((await h.request('GET', '/v1/runner/models/t-1/files/other.bin', { key: runner })).status).toBe(400);
    expect((await h.request('GET', '/v1/runner/models/m-1/files/phase1.onnx', { key: runner })).status).toBe(404);
    const m = (await (await h.request('GET', '/v1/models/t-1', { key: clinician })).json()) as { downloadable: boolean; card: unknown };
    expect(m).toMatchObject({ downloadable: true, card: { validation: { auroc: 0.9 } } });
  });
});
