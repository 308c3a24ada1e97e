/**
 * What the dashboard's worklist needs from GET /v1/studies: each row's model version and its
 * central-PE and RV/LV ≥ 1 flags, the urgent filter and the prefix search, with server paging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctStudy } from '@embolus/testkit';
import { harness } from './helpers/harness';
import { analysisResult } from './helpers/result';

const h = harness();
afterAll(() => h.close());

let clinician: string;
let runner: string;
const ids: Record<string, string> = {};

async function analysed(opts: Parameters<typeof analysisResult>[0] | null): Promise<string> {
  const { id } = (await (await h.request('POST', '/v1/studies', { key: clinician })).json()) as { id: string };
  const s = ctStudy(1);
  await h.request('PUT', `/v1/studies/${id}/instances/${s.slices[0]?.sop}`, {
    key: clinician,
    body: s.slices[0]?.bytes as never,
    headers: { 'content-type': 'application/dicom' },
  });
  if (!opts) return id;
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

type Item = {
  id: string;
  urgent: boolean;
  modelVersion: string | null;
  centralPe: boolean | null;
  rvLvGte1: boolean | null;
  studyInstanceUid: string | null;
};
const list = async (query: string) => {
  const res = await h.request('GET', `/v1/studies${query}`, { key: clinician });
  expect(res.status).toBe(200);
  return (await res.json()) as { items: Item[]; nextOffset: number | null };
};

beforeAll(async () => {
  clinician = await h.key('dash', 'clinician');
  runner = await h.key('dash', 'runner');
  ids['both'] = await analysed({ pNegative: 0.05, central: true, rvlv: true });
  h.clock.advance(1000);
  ids['central'] = await analysed({ pNegative: 0.1, central: true });
  h.clock.advance(1000);
  ids['rvlv'] = await analysed({ pNegative: 0.2, rvlv: true });
  h.clock.advance(1000);
  ids['pending'] = await analysed(null);
});

describe('worklist rows for the dashboard', () => {
  it('carry the model version and both flags (null before a result)', async () => {
    const { items } = await list('');
    const by = Object.fromEntries(items.map((i) => [i.id, i]));
    expect(by[ids['both'] as string]).toMatchObject({ urgent: true, modelVersion: 'test-1', centralPe: true, rvLvGte1: true });
    expect(by[ids['central'] as string]).toMatchObject({ urgent: false, modelVersion: 'test-1', centralPe: true, rvLvGte1: false });
    expect(by[ids['rvlv'] as string]).toMatchObject({ urgent: false, centralPe: false, rvLvGte1: true });
    expect(by[ids['pending'] as string]).toMatchObject({ modelVersion: null, centralPe: null, rvLvGte1: null });
  });

  it('filter to urgent studies and search by a prefix of the id or the Study Instance UID', async () => {
    expect((await list('?urgent=true')).items.map((i) => i.id)).toEqual([ids['both']]);
    const id = ids['rvlv'] as string;
    expect((await list(`?q=${id.slice(0, 8)}`)).items.map((i) => i.id)).toEqual([id]);
    const all = await list('');
    const uid = all.items.find((i) => i.id === id)?.studyInstanceUid as string;
    expect((await list(`?q=${uid}`)).items.map((i) => i.id)).toEqual([id]);
    // LIKE wildcards never reach the query: the pattern refuses them.
    for (const q of ['%25', '_', '1%25']) expect((await h.request('GET', `/v1/studies?q=${q}`, { key: clinician })).status).toBe(400);
    expect((await list('?q=zzz')).items).toEqual([]);
  });

  it('show the stage a runner reports while a study is processing, fresh on every read', async () => {
    const id = ids['pending'] as string;
    await h.request('POST', `/v1/studies/${id}/submit`, { key: clinician });
    const c = (await (await h.request('POST', '/v1/runner/jobs/claim', { key: runner })).json()) as {
      job: { id: string };
      leaseToken: string;
    };
    const stage = async () => (await list('')).items.find((i) => i.id === id) as Item & { stage: string | null; status: string };
    expect(await stage()).toMatchObject({ status: 'processing', stage: null });
    const beat = (s: string) =>
      h.request('POST', `/v1/runner/jobs/${c.job.id}/heartbeat`, {
        key: runner,
        json: { leaseSeconds: 60, progress: { stage: s } },
        headers: { 'embolus-lease-token': c.leaseToken },
      });
    expect((await beat('preprocess')).status).toBe(200);
    expect((await stage()).stage).toBe('preprocess');
    expect((await beat('inference')).status).toBe(200);
    expect((await stage()).stage).toBe('inference');
    const done = await h.request('POST', `/v1/runner/jobs/${c.job.id}/complete`, {
      key: runner,
      json: { result: analysisResult({ pNegative: 0.9 }) },
      headers: { 'embolus-lease-token': c.leaseToken },
    });
    expect(done.status).toBe(200);
    expect(await stage()).toMatchObject({ status: 'complete', stage: null });
  });

  it('page on the server with limit and offset in urgency order', async () => {
    const first = await list('?limit=2');
    expect(first.items.map((i) => i.id)).toEqual([ids['both'], ids['central']]);
    expect(first.nextOffset).toBe(2);
    const second = await list('?limit=2&offset=2');
    expect(second.items.map((i) => i.id)).toEqual([ids['rvlv'], ids['pending']]);
  });
});
