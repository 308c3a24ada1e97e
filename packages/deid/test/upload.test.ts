/**
 * The upload controller against the real API (createApp over SQLite and a blob folder, served on
 * 127.0.0.1). Failures are injected in front of the API, never by changing it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { localProcessor, memoryResumeStore, UploadController, type ControllerEvent, type UploadControllerOptions } from '../src/index';
import { startApi, type TestApi } from '@embolus/local-stack/upload-api';
import { editFile, IDENTITY, phantomFiles } from '@embolus/local-stack/identified-files';

let api: TestApi | null = null;
afterEach(async () => {
  await api?.close();
  api = null;
});

function controller(a: TestApi, extra: Partial<UploadControllerOptions> = {}) {
  const events: ControllerEvent[] = [];
  const c = new UploadController({
    baseUrl: a.base,
    processor: localProcessor(),
    headers: () => ({ authorization: `Bearer ${a.key}` }),
    resume: memoryResumeStore(),
    retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 5 },
    ...extra,
  });
  c.on((e) => events.push(e));
  return { c, events };
}

const puts = (a: TestApi) => a.seen.filter((s) => s.method === 'PUT');
const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');

async function studyOf(a: TestApi, id: string) {
  const res = await fetch(`${a.base}/v1/studies/${id}`, { headers: { authorization: `Bearer ${a.key}` } });
  return (await res.json()) as { status: string };
}
async function storedOf(a: TestApi, id: string) {
  const res = await fetch(`${a.base}/v1/studies/${id}/instances`, { headers: { authorization: `Bearer ${a.key}` } });
  return ((await res.json()) as { items: { sopInstanceUid: string }[] }).items.map((i) => i.sopInstanceUid).sort();
}

describe('UploadController against the real API', () => {
  it('uploads only de-identified bytes, reports refusals per file, and submits the study', async () => {
    api = await startApi();
    const { files, bytes, study } = phantomFiles({ seed: 31, slices: 8 });
    const burned = new File([editFile(bytes[0]!, (d) => void (d['00280301'] = { vr: 'CS', Value: ['YES'] }))], 'burned.dcm');
    const mr = new File([editFile(bytes[1]!, (d) => void (d['00080060'] = { vr: 'CS', Value: ['MR'] }))], 'mr.dcm');
    const text = new File(['hello'.repeat(100)], 'notes.txt');
    const { c, events } = controller(api, { maxInstanceBytes: 1 << 20 });
    const big = { name: 'huge.dcm', size: 2 * 1024 ** 3, slice: () => new Blob([]), arrayBuffer: async () => new ArrayBuffer(0) };
    const plan = await c.scan([...files, burned, mr, text, big]);
    expect(plan.refused.map((r) => [r.name, r.code])).toEqual([
      ['burned.dcm', 'BURNED_IN'],
      ['mr.dcm', 'NOT_CT'],
      ['notes.txt', 'NOT_DICOM'],
      ['huge.dcm', 'TOO_LARGE'],
    ]);
    const report = await c.upload(plan);
    expect(report.stopped).toBeUndefined();
    expect(report.studies).toEqual([expect.objectContaining({ studyInstanceUid: study.studyInstanceUid, state: 'submitted', stored: 8 })]);
    const id = report.studies[0]!.studyId!;
    expect(await storedOf(api, id)).toEqual(study.files.map((f) => f.sopInstanceUid).sort());
    expect((await studyOf(api, id)).status).toBe('queued');
    // Every request body: none holds an identifying value.
    expect(puts(api)).toHaveLength(8);
    for (const s of api.seen) for (const v of Object.values(IDENTITY)) expect(latin1(s.body)).not.toContain(v);
    expect(report.removed.map((r) => r.keyword)).toEqual(expect.arrayContaining(['PatientName', 'PatientID', 'PrivateAttribute']));
    const last = events.filter((e) => e.type === 'progress').at(-1);
    expect(last).toMatchObject({ instancesDone: 8, instancesTotal: 8, bytesDone: plan.studies[0]!.bytes });
    expect(report.bytesSent).toBeGreaterThan(0);
  });

  it('retries network errors, 5xx and 429 idempotently and still stores each instance once', async () => {
    api = await startApi();
    const { files } = phantomFiles({ seed: 32, slices: 8 });
    const isPut = (m: string) => m === 'PUT';
    api.faults.push(
      { match: isPut, times: 2, status: 503 },
      { match: isPut, times: 1, drop: true },
      { match: isPut, times: 1, status: 429, retryAfter: 0 },
      { match: (m, p) => m === 'POST' && p === '/v1/studies', times: 1, status: 502 },
    );
    const { c } = controller(api);
    const report = await c.upload(await c.scan(files));
    expect(report.studies[0]).toMatchObject({ state: 'submitted', stored: 8, duplicates: 0 });
    expect(puts(api).length).toBe(8 + 4);
    expect(await storedOf(api, report.studies[0]!.studyId!)).toHaveLength(8);
  });

  it('gives up on a file after the retries, keeps the study open, and a second run resumes by skipping what is stored', async () => {
    api = await startApi();
    const { files, study } = phantomFiles({ seed: 33, slices: 8 });
    const victim = study.files[5]!.sopInstanceUid;
    api.faults.push({ match: (m, p) => m === 'PUT' && p.endsWith(encodeURIComponent(victim)), times: 1000, status: 500 });
    const resume = memoryResumeStore();
    const first = controller(api, { resume, retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    const r1 = await first.c.upload(await first.c.scan(files));
    expect(r1.studies[0]).toMatchObject({ state: 'incomplete', stored: 7 });
    expect(r1.refused).toEqual([expect.objectContaining({ code: 'UNAVAILABLE' })]);
    expect((await studyOf(api, r1.studies[0]!.studyId!)).status).toBe('receiving');
    api.faults.length = 0;
    const putsBefore = puts(api).length;
    // A reload: a new controller, the same resume store, a fresh scan of the same files.
    const second = controller(api, { resume });
    const r2 = await second.c.upload(await second.c.scan(files));
    expect(r2.studies[0]).toMatchObject({ studyId: r1.studies[0]!.studyId, state: 'submitted', skipped: 7, stored: 1 });
    expect(puts(api).length - putsBefore).toBe(1);
    expect(api.seen.filter((s) => s.method === 'POST' && s.path === '/v1/studies')).toHaveLength(1);
  });

  it('cancels mid-upload, and resumes after a reload without sending stored instances again', async () => {
    api = await startApi();
    const { files } = phantomFiles({ seed: 34, slices: 12 });
    const resume = memoryResumeStore();
    const first = controller(api, { resume, concurrency: 2 });
    const plan = await first.c.scan(files);
    first.c.on((e) => {
      if (e.type === 'file' && e.status === 'stored') first.c.cancel();
    });
    const r1 = await first.c.upload(plan);
    expect(r1.stopped?.code).toBe('CANCELLED');
    const held = r1.studies[0]!.stored;
    expect(held).toBeGreaterThanOrEqual(1);
    expect(held).toBeLessThan(12);
    const id = r1.studies[0]!.studyId!;
    await api.idle();
    expect((await studyOf(api, id)).status).toBe('receiving');
    const stored = await storedOf(api, id);
    const putsBefore = puts(api).length;
    const second = controller(api, { resume });
    const r2 = await second.c.upload(await second.c.scan(files));
    expect(r2.studies[0]).toMatchObject({ studyId: id, state: 'submitted', skipped: stored.length, stored: 12 - stored.length });
    expect(puts(api).length - putsBefore).toBe(12 - stored.length);
    // None of the instances stored before was sent again.
    const again = puts(api)
      .slice(putsBefore)
      .map((p) => decodeURIComponent(p.path.split('/').at(-1)!));
    for (const sop of stored) expect(again).not.toContain(sop);
  });

  it('reports 409 (other bytes under a stored SOP Instance UID) and 200 (same bytes) per file', async () => {
    api = await startApi();
    const { files, bytes } = phantomFiles({ seed: 35, slices: 8 });
    const otherPixels = editFile(bytes[2]!, (d) => void (d['00281050'] = { vr: 'DS', Value: [123] }));
    const copy = new File([bytes[4]!], 'copy-of-4.dcm');
    const { c } = controller(api);
    const report = await c.upload(await c.scan([...files, new File([otherPixels], 'conflict.dcm'), copy]));
    expect(report.studies[0]).toMatchObject({ state: 'submitted', stored: 8, duplicates: 1, refused: 1 });
    expect(report.refused).toEqual([expect.objectContaining({ name: 'conflict.dcm', code: 'API_REFUSED', apiCode: 'CONFLICT' })]);
  });

  it('shows the API’s own refusal code and message per file', async () => {
    api = await startApi({ env: { EMBOLUS_MAX_INSTANCE_BYTES: '2000' } });
    const { files } = phantomFiles({ seed: 36, slices: 8 });
    const { c } = controller(api);
    const report = await c.upload(await c.scan(files));
    expect(report.refused).toHaveLength(8);
    expect(report.refused[0]).toMatchObject({ code: 'API_REFUSED', apiCode: 'PAYLOAD_TOO_LARGE' });
    expect(report.studies[0]!.state).toBe('incomplete');
  });

  it('stops cleanly when the session expires, or goes on when onUnauthorized renews it', async () => {
    api = await startApi();
    const { files } = phantomFiles({ seed: 37, slices: 8 });
    const a = api;
    a.unauthorized.on = true;
    const stop = controller(a);
    const r1 = await stop.c.upload(await stop.c.scan(files));
    expect(r1.stopped?.code).toBe('UNAUTHENTICATED');
    let renewals = 0;
    const renew = controller(a, {
      onUnauthorized: async () => {
        renewals++;
        a.unauthorized.on = false;
        return true;
      },
    });
    a.unauthorized.on = true;
    const r2 = await renew.c.upload(await renew.c.scan(files));
    expect(renewals).toBe(1);
    expect(r2.studies[0]).toMatchObject({ state: 'submitted', stored: 8 });
  });
});
