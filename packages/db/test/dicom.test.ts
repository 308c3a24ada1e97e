/**
 * DicomRepo on better-sqlite3: AE titles per tenant, result objects stored once with their
 * deliveries, and the delivery retry policy (backoff, giving up, deactivated destinations).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore, DICOM_SR_ARTIFACT } from '../src/index';
import { openSqlite } from '../src/node';
import { TestClock } from './contract/fixtures';

const dir = mkdtempSync(path.join(tmpdir(), 'embolus-db-dicom-'));
const handles: { close(): void }[] = [];
afterAll(() => {
  for (const h of handles) h.close();
  rmSync(dir, { recursive: true, force: true });
});

async function fresh(name: string) {
  const h = openSqlite(path.join(dir, `${name}.sqlite`));
  handles.push(h);
  const clock = new TestClock();
  const store = createStore(h.driver, clock);
  const tenant = await store.tenants.create({ name: 'hospital' });
  return { store, clock, tenant };
}

/** A study with one instance, submitted and leased, as a result's job would be. */
async function analysedJob(store: Awaited<ReturnType<typeof fresh>>['store'], tenantId: string) {
  const study = await store.studies.create(tenantId);
  await store.studies.addInstance(
    {
      tenantId,
      studyId: study.id,
      sopInstanceUid: '2.25.1',
      studyInstanceUid: '2.25.9',
      seriesInstanceUid: '2.25.8',
      sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      modality: 'CT',
      size: 1,
      sha256: 'a'.repeat(64),
      blobKey: 'k',
      identityRemoved: true,
      descriptors: {},
    },
    { maxStudyBytes: 1e9, maxStudyInstances: 10 },
  );
  const sub = await store.studies.submit(tenantId, study.id, { priority: 0, maxAttempts: 3 });
  if (sub.kind !== 'created') throw new Error('not submitted');
  return { studyId: study.id, jobId: sub.job.id };
}

const objects = (tag: string) => [
  { name: DICOM_SR_ARTIFACT, size: 10, sha256: 'b'.repeat(64), blobKey: `blobs/${tag}/sr` },
  { name: 'dicom-key-1.dcm', size: 20, sha256: 'c'.repeat(64), blobKey: `blobs/${tag}/k1` },
];

describe('DicomRepo', () => {
  it('maps AE titles to one tenant each and refuses malformed ones', async () => {
    const { store, tenant } = await fresh('ae');
    const other = await store.tenants.create({ name: 'other' });
    expect(await store.dicom.setAeTitles(tenant.id, [' CT1 ', 'CT2', 'CT1'])).toEqual(['CT1', 'CT2']);
    expect(await store.dicom.tenantForAe('CT1')).toBe(tenant.id);
    await expect(store.dicom.setAeTitles(other.id, ['CT2'])).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(store.dicom.setAeTitles(other.id, ['TOO_LONG_FOR_AN_AE'])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(store.dicom.setAeTitles(other.id, ['A\\B'])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await store.dicom.aeTitles(other.id)).toEqual([]);
    await store.dicom.setAeTitles(tenant.id, []);
    expect(await store.dicom.tenantForAe('CT1')).toBeNull();
  });

  it('stores a result’s objects once with one delivery per active destination; a second writer stores nothing', async () => {
    const { store, tenant } = await fresh('objects');
    const a = await store.dicom.createDestination(tenant.id, {
      name: 'pacs',
      kind: 'dimse',
      host: '127.0.0.1',
      port: 104,
      calledAe: 'PACS',
    });
    const b = await store.dicom.createDestination(tenant.id, {
      name: 'web',
      kind: 'stow-rs',
      url: 'https://pacs.example/dicom-web/studies',
    });
    await store.dicom
      .createDestination(tenant.id, { name: 'old', kind: 'stow-rs', url: 'https://old.example/studies' })
      .then((d) => store.dicom.deactivateDestination(tenant.id, d.id));
    const { studyId, jobId } = await analysedJob(store, tenant.id);
    expect(await store.dicom.storeObjects(tenant.id, { studyId, jobId, objects: objects('first') })).toEqual({
      stored: true,
      deliveries: 2,
    });
    expect(await store.dicom.storeObjects(tenant.id, { studyId, jobId, objects: objects('second') })).toEqual({
      stored: false,
      deliveries: 0,
    });
    const arts = await store.results.artifacts(tenant.id, jobId);
    expect(arts.map((x) => [x.name, x.blobKey])).toEqual([
      ['dicom-key-1.dcm', 'blobs/first/k1'],
      [DICOM_SR_ARTIFACT, 'blobs/first/sr'],
    ]);
    const deliveries = await store.dicom.deliveriesForStudy(tenant.id, studyId);
    expect(deliveries.map((d) => d.destinationId).sort()).toEqual([a.id, b.id].sort());
    expect(JSON.parse(deliveries[0]!.artifacts)).toEqual([DICOM_SR_ARTIFACT, 'dicom-key-1.dcm']);
  });

  it('lists current analysis results without objects, only those newer than the bound', async () => {
    const { store, clock, tenant } = await fresh('pending');
    const completed = async () => {
      const { studyId, jobId } = await analysedJob(store, tenant.id);
      const job = await store.jobs.claim(tenant.id, 'runner', { leaseMs: 60_000 });
      const out = await store.results.complete(tenant.id, jobId, job?.leaseToken ?? '', {
        body: '{}',
        summary: { urgency: 1, peProbability: 0.1, decision: 'negative', probabilities: {} },
      });
      expect(out.kind).toBe('ok');
      return { studyId, jobId };
    };
    const old = await completed();
    clock.advance(48 * 3_600_000);
    const recent = await completed();
    const since = clock.now() - 24 * 3_600_000;
    expect((await store.dicom.resultsWithoutObjects(10, [], since)).map((r) => r.jobId)).toEqual([recent.jobId]);
    expect((await store.dicom.resultsWithoutObjects(10, [], 0)).map((r) => r.jobId)).toEqual([old.jobId, recent.jobId]);
    expect((await store.dicom.resultsWithoutObjects(10, [old.jobId], 0)).map((r) => r.jobId)).toEqual([recent.jobId]);
    await store.dicom.storeObjects(tenant.id, { ...recent, objects: objects('p') });
    expect(await store.dicom.resultsWithoutObjects(10, [], since)).toEqual([]);
  });

  it('retries a failed delivery with exponential backoff, logs every attempt, and gives up after the last', async () => {
    const { store, clock, tenant } = await fresh('retry');
    await store.dicom.createDestination(tenant.id, { name: 'pacs', kind: 'dimse', host: '127.0.0.1', port: 104, calledAe: 'PACS' });
    const { studyId, jobId } = await analysedJob(store, tenant.id);
    await store.dicom.storeObjects(tenant.id, { studyId, jobId, objects: objects('r') });
    const policy = { maxAttempts: 3, backoff: { baseMs: 1000, maxMs: 10_000 } };
    const [first] = await store.dicom.claimDue(10, 60_000);
    expect(first).toBeDefined();
    expect(await store.dicom.claimDue(10, 60_000)).toEqual([]);
    let row = await store.dicom.recordAttempt(
      first!.delivery.id,
      { at: clock.now(), ok: false, error: 'network error ECONNREFUSED', ms: 3 },
      policy,
    );
    expect(row).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: clock.now() + 1000 });
    expect(await store.dicom.claimDue(10, 60_000)).toEqual([]);
    clock.advance(1000);
    const [second] = await store.dicom.claimDue(10, 60_000);
    row = await store.dicom.recordAttempt(second!.delivery.id, { at: clock.now(), ok: false, error: 'timeout', ms: 5 }, policy);
    expect(row).toMatchObject({ status: 'pending', attempts: 2, nextAttemptAt: clock.now() + 2000 });
    clock.advance(2000);
    const [third] = await store.dicom.claimDue(10, 60_000);
    row = await store.dicom.recordAttempt(third!.delivery.id, { at: clock.now(), ok: false, error: 'timeout', ms: 5 }, policy);
    expect(row).toMatchObject({ status: 'failed', attempts: 3 });
    expect((JSON.parse(row!.log) as unknown[]).length).toBe(3);
    // Objects stay: the artifacts are untouched by delivery failures.
    expect((await store.results.artifacts(tenant.id, jobId)).length).toBe(2);
  });

  it('delivers on success, and fails at once for a deactivated destination', async () => {
    const { store, clock, tenant } = await fresh('deliver');
    const d = await store.dicom.createDestination(tenant.id, {
      name: 'pacs',
      kind: 'dimse',
      host: '127.0.0.1',
      port: 104,
      calledAe: 'PACS',
    });
    const one = await analysedJob(store, tenant.id);
    await store.dicom.storeObjects(tenant.id, { studyId: one.studyId, jobId: one.jobId, objects: objects('d1') });
    const [due] = await store.dicom.claimDue(10, 60_000);
    expect(
      await store.dicom.recordAttempt(
        due!.delivery.id,
        { at: clock.now(), ok: true, error: null, ms: 4 },
        { maxAttempts: 3, backoff: { baseMs: 1, maxMs: 1 } },
      ),
    ).toMatchObject({ status: 'delivered', deliveredAt: clock.now() });
    const two = await analysedJob(store, tenant.id);
    await store.dicom.storeObjects(tenant.id, { studyId: two.studyId, jobId: two.jobId, objects: objects('d2') });
    const [due2] = await store.dicom.claimDue(10, 60_000);
    await store.dicom.deactivateDestination(tenant.id, d.id);
    expect(
      await store.dicom.recordAttempt(
        due2!.delivery.id,
        { at: clock.now(), ok: false, error: 'destination deactivated', ms: 0 },
        { maxAttempts: 8, backoff: { baseMs: 1, maxMs: 1 } },
      ),
    ).toMatchObject({ status: 'failed', attempts: 1 });
  });
});
