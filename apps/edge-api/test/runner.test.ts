/**
 * The runner protocol over HTTP: concurrent claims, lease expiry (injected clock), heartbeats,
 * retries with backoff, result validation, artifacts, training and evaluation jobs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctStudy } from '@embolus/testkit';
import { errorOf, harness } from './helpers/harness';
import { analysisResult } from './helpers/result';

const h = harness({ EMBOLUS_LEASE_SECONDS: '60', EMBOLUS_JOB_BACKOFF_BASE_SECONDS: '30' });
afterAll(() => h.close());

let clinician: string;
let runner: string;
let admin: string;
beforeAll(async () => {
  clinician = await h.key('lab', 'clinician');
  runner = await h.key('lab', 'runner');
  admin = await h.key('lab', 'admin');
});

type Claim = {
  job: { id: string; kind: string; studyId: string | null; attempts: number; payload: unknown };
  leaseToken: string;
  leaseExpiresAt: string;
};

async function submittedStudy(
  priority: 'routine' | 'urgent' | 'stat' = 'routine',
  n = 1,
): Promise<{ id: string; jobId: string; studyUid: string }> {
  const { id } = (await (await h.request('POST', '/v1/studies', { key: clinician, json: { priority } })).json()) as { id: string };
  const s = ctStudy(n);
  for (const x of s.slices)
    await h.request('PUT', `/v1/studies/${id}/instances/${x.sop}`, {
      key: clinician,
      body: x.bytes as never,
      headers: { 'content-type': 'application/dicom' },
    });
  const sub = (await (await h.request('POST', `/v1/studies/${id}/submit`, { key: clinician })).json()) as { job: { id: string } };
  return { id, jobId: sub.job.id, studyUid: s.study };
}

/** Claims not yet completed by a test; drain() finishes them so tests start from an empty queue. */
const outstanding: Claim[] = [];

async function claim(body: unknown = {}): Promise<Claim | null> {
  const res = await h.request('POST', '/v1/runner/jobs/claim', { key: runner, json: body });
  if (res.status === 204) return null;
  expect(res.status).toBe(200);
  const c = (await res.json()) as Claim;
  outstanding.push(c);
  return c;
}

const lease = (c: Claim) => ({ 'embolus-lease-token': c.leaseToken });
const complete = (c: Claim, result: unknown, token = c.leaseToken) =>
  h.request('POST', `/v1/runner/jobs/${c.job.id}/complete`, { key: runner, json: { result }, headers: { 'embolus-lease-token': token } });

async function drain(): Promise<void> {
  for (let c = outstanding.pop() ?? (await claim()); c; c = outstanding.pop() ?? (await claim())) {
    await complete(c, c.job.kind === 'analysis' ? analysisResult() : {});
  }
}

describe('claims', () => {
  it('never gives one job to two of many concurrent claims', async () => {
    await drain();
    const jobs = [await submittedStudy(), await submittedStudy(), await submittedStudy()].map((s) => s.jobId);
    const results = await Promise.all(Array.from({ length: 10 }, () => h.request('POST', '/v1/runner/jobs/claim', { key: runner })));
    const claims = await Promise.all(results.filter((r) => r.status === 200).map(async (r) => (await r.json()) as Claim));
    expect(results.filter((r) => r.status === 204)).toHaveLength(7);
    expect(claims.map((c) => c.job.id).sort()).toEqual([...jobs].sort());
    for (const c of claims) expect((await complete(c, analysisResult())).status).toBe(200);
  });

  it('serves stat before routine and analysis before training', async () => {
    await drain();
    const training = (await (
      await h.request('POST', '/v1/jobs', { key: admin, json: { kind: 'training', payload: { epochs: 2 }, priority: 100 } })
    ).json()) as { id: string };
    const routine = await submittedStudy('routine');
    const stat = await submittedStudy('stat');
    expect((await claim())?.job.id).toBe(stat.jobId);
    expect((await claim())?.job.id).toBe(routine.jobId);
    const t = await claim();
    expect(t?.job).toMatchObject({ id: training.id, kind: 'training', payload: { epochs: 2 } });
    await drain();
  });

  it('returns an expired lease to the queue and refuses the old holder', async () => {
    await drain();
    const s = await submittedStudy();
    const first = (await claim()) as Claim;
    expect((await h.request('GET', `/v1/studies/${s.id}`, { key: clinician }).then((r) => r.json())) as object).toMatchObject({
      status: 'processing',
    });
    h.clock.advance(59_000);
    const hb = await h.request('POST', `/v1/runner/jobs/${first.job.id}/heartbeat`, {
      key: runner,
      headers: lease(first),
      json: { leaseSeconds: 60 },
    });
    expect(hb.status).toBe(200);
    h.clock.advance(59_000);
    expect(await claim()).toBeNull();
    h.clock.advance(2_000);
    const second = (await claim()) as Claim;
    expect(second.job).toMatchObject({ id: first.job.id, attempts: 2 });
    const stale = await h.request('POST', `/v1/runner/jobs/${first.job.id}/heartbeat`, { key: runner, headers: lease(first) });
    expect(stale.status).toBe(409);
    expect((await errorOf(stale)).code).toBe('LEASE_LOST');
    expect((await complete(first, analysisResult())).status).toBe(409);
    expect((await h.request('GET', `/v1/runner/jobs/${first.job.id}/instances`, { key: runner, headers: lease(first) })).status).toBe(409);
    expect((await complete(second, analysisResult())).status).toBe(200);
  });

  it('retries a retryable failure after the backoff', async () => {
    await drain();
    await submittedStudy();
    const c1 = (await claim()) as Claim;
    const f = await h.request('POST', `/v1/runner/jobs/${c1.job.id}/fail`, {
      key: runner,
      headers: lease(c1),
      json: { error: { code: 'OOM', message: 'out of GPU memory' } },
    });
    expect(f.status).toBe(200);
    const job = (await f.json()) as { status: string; availableAt: string; lastError: { code: string } };
    expect(job).toMatchObject({ status: 'queued', lastError: { code: 'OOM' } });
    expect(Date.parse(job.availableAt) - h.clock.now()).toBe(30_000);
    expect(await claim()).toBeNull();
    h.clock.advance(30_000);
    const c2 = (await claim()) as Claim;
    expect(c2.job).toMatchObject({ id: c1.job.id, attempts: 2 });
    await complete(c2, analysisResult());
  });
});

describe('results', () => {
  it('validates analysis results against AnalysisResultSchema and the uploaded artifacts', async () => {
    await drain();
    const s = await submittedStudy();
    const c = (await claim()) as Claim;
    const bad = await complete(c, { ...analysisResult(), schemaVersion: 2 });
    expect(bad.status).toBe(422);
    expect(await errorOf(bad)).toMatchObject({ code: 'INVALID_RESULT' });
    const missing = await complete(c, analysisResult({ artifacts: { cam: 'cam.npy' } }));
    expect(await errorOf(missing)).toMatchObject({ code: 'INVALID_RESULT', details: { missing: ['cam.npy'] } });
    const wrongStudy = await complete(c, analysisResult({ studyInstanceUid: '1.2.3.999' }));
    expect(wrongStudy.status).toBe(422);
    expect(
      (await h.request('PUT', `/v1/runner/jobs/${c.job.id}/artifacts/.hidden`, { key: runner, headers: lease(c), body: 'x' })).status,
    ).toBe(400);
    const cam = new Uint8Array(1000).map((_, i) => i % 251);
    const up = await h.request('PUT', `/v1/runner/jobs/${c.job.id}/artifacts/cam.npy`, {
      key: runner,
      headers: { ...lease(c), 'content-type': 'application/octet-stream' },
      body: cam as never,
    });
    expect(up.status).toBe(201);
    const good = analysisResult({ artifacts: { cam: 'cam.npy' }, studyInstanceUid: s.studyUid });
    const ok = await complete(c, { ...good, extra: 'dropped' });
    expect(ok.status).toBe(200);
    const replay = await complete(c, good);
    expect((await replay.json()) as object).toMatchObject({ replay: true });
    const study = (await (await h.request('GET', `/v1/studies/${s.id}`, { key: clinician })).json()) as { result: Record<string, unknown> };
    expect(study.result).toEqual(good);
    const list = (await (await h.request('GET', `/v1/studies/${s.id}/artifacts`, { key: clinician })).json()) as {
      items: { name: string; size: number }[];
    };
    expect(list.items).toEqual([expect.objectContaining({ name: 'cam.npy', size: 1000, contentType: 'application/octet-stream' })]);
    const dl = await h.request('GET', `/v1/studies/${s.id}/artifacts/cam.npy`, { key: clinician });
    expect(new Uint8Array(await dl.arrayBuffer())).toEqual(cam);
    expect((await h.request('GET', `/v1/studies/${s.id}/artifacts/other.npy`, { key: clinician })).status).toBe(404);
  });

  it('registers models from training jobs and stores evaluation results', async () => {
    await drain();
    const t = (await (await h.request('POST', '/v1/jobs', { key: admin, json: { kind: 'training', payload: { seed: 1 } } })).json()) as {
      id: string;
    };
    const e = (await (
      await h.request('POST', '/v1/jobs', { key: admin, json: { kind: 'evaluation', payload: { model: 'v2' } } })
    ).json()) as { id: string };
    const ct = (await claim({ kinds: ['training'] })) as Claim;
    expect(ct.job.id).toBe(t.id);
    expect((await complete(ct, { model: { version: 'v2', sha256: 'not-hex', trainedOn: 'phantoms' } })).status).toBe(422);
    expect(
      (
        await complete(ct, {
          model: { version: 'v2', sha256: 'c'.repeat(64), trainedOn: 'synthetic phantoms', card: { auroc: 0.91 } },
          metrics: { loss: 0.2 },
        })
      ).status,
    ).toBe(200);
    const models = (await (await h.request('GET', '/v1/models', { key: clinician })).json()) as {
      items: { version: string; card: unknown; notForClinicalUse: boolean }[];
    };
    expect(models.items.find((m) => m.version === 'v2')).toMatchObject({ card: { auroc: 0.91 }, notForClinicalUse: true });
    const ce = (await claim({ kinds: ['evaluation'] })) as Claim;
    expect(ce.job.id).toBe(e.id);
    expect((await complete(ce, { auroc: { central_pe: 0.9 } })).status).toBe(200);
    const job = (await (await h.request('GET', `/v1/jobs/${e.id}`, { key: admin })).json()) as { job: { status: string }; result: unknown };
    expect(job).toEqual({ job: expect.objectContaining({ status: 'done' }), result: { auroc: { central_pe: 0.9 } } });
    const listed = (await (await h.request('GET', '/v1/jobs?kind=evaluation&status=done', { key: admin })).json()) as {
      items: { id: string }[];
    };
    expect(listed.items.map((j) => j.id)).toContain(e.id);
  });

  it('lets runners read instances only under a live lease', async () => {
    await drain();
    const s = await submittedStudy('routine', 2);
    const c = (await claim()) as Claim;
    const list = (await (await h.request('GET', `/v1/runner/jobs/${c.job.id}/instances`, { key: runner, headers: lease(c) })).json()) as {
      items: { url: string; size: number }[];
    };
    expect(list.items).toHaveLength(2);
    const one = await h.request('GET', list.items[0]?.url as string, { key: runner, headers: lease(c) });
    expect(one.headers.get('content-type')).toBe('application/dicom');
    expect((await one.arrayBuffer()).byteLength).toBe(list.items[0]?.size);
    expect(
      (await h.request('GET', list.items[0]?.url as string, { key: runner, headers: { 'embolus-lease-token': 'wrong' } })).status,
    ).toBe(409);
    expect((await h.request('GET', list.items[0]?.url as string, { key: runner })).status).toBe(400);
    await complete(c, analysisResult());
    expect((await h.request('GET', list.items[0]?.url as string, { key: runner, headers: lease(c) })).status).toBe(409);
    const audit = (await (await h.request('GET', `/v1/audit?studyId=${s.id}&action=instance.read`, { key: admin })).json()) as {
      items: { role: string }[];
    };
    expect(audit.items.map((a) => a.role)).toEqual(['runner']);
  });
});
