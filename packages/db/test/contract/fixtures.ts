/**
 * Helpers shared by the contract suites. Runs under Node and inside workerd, so WebCrypto only.
 */
import { newId, type Clock, type NewInstance, type Store } from '../../src/index';

/** A clock the tests move by hand. */
export class TestClock implements Clock {
  constructor(public t = Date.UTC(2026, 0, 5, 12)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** What a contract suite needs from a driver under test. */
export interface StoreUnderTest {
  store: Store;
  clock: TestClock;
}

export const LIMITS = { maxStudyBytes: 10_000, maxStudyInstances: 5 };
export const BACKOFF = { baseMs: 1_000, maxMs: 60_000 };

/** A fresh tenant: contract suites never share rows between tests, whatever the driver isolates. */
export async function tenant(store: Store): Promise<string> {
  return (await store.tenants.create({ name: `tenant-${newId()}` })).id;
}

/** A made-up instance of `studyId` (the blob itself is not needed for repository tests). */
export function instance(tenantId: string, studyId: string, over: Partial<NewInstance> = {}): NewInstance {
  const sop = over.sopInstanceUid ?? `1.2.826.0.1.${Math.floor(Math.random() * 1e9)}`;
  return {
    tenantId,
    studyId,
    sopInstanceUid: sop,
    studyInstanceUid: '1.2.826.0.1.1',
    seriesInstanceUid: '1.2.826.0.1.1.1',
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    modality: 'CT',
    size: 1_000,
    sha256: 'a'.repeat(64),
    blobKey: `t/${tenantId}/s/${studyId}/${sop}`,
    identityRemoved: true,
    descriptors: { manufacturer: 'ACME', sliceThickness: 1 },
    ...over,
  };
}

/** A study with `n` instances, submitted. Returns the study id and job id. */
export async function submittedStudy(store: Store, tenantId: string, n = 1, priority = 0): Promise<{ studyId: string; jobId: string }> {
  const s = await store.studies.create(tenantId);
  for (let i = 0; i < n; i++) await store.studies.addInstance(instance(tenantId, s.id), LIMITS);
  const out = await store.studies.submit(tenantId, s.id, { priority, maxAttempts: 3 });
  if (out.kind !== 'created') throw new Error(`submit: ${out.kind}`);
  return { studyId: s.id, jobId: out.job.id };
}
