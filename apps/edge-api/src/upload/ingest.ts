/**
 * Storing one uploaded instance: size check, hash, inspection, blob write, then the atomic
 * database insert. Every path ends in `stored`, `duplicate` or `refused` with a reason; a blob
 * that ends up unreferenced (refused after writing) is deleted again.
 */
import { sha256Hex, type Principal } from '@embolus/db';
import type { AppDeps } from '../deps';
import { compilePseudonym, inspectInstance, maxInflatedBytes, type InstanceFacts, type Refusal } from './inspect';

/** The outcome for one instance. */
export type IngestOutcome =
  | {
      status: 'stored' | 'duplicate';
      sopInstanceUid: string;
      sopClassUid: string | null;
      seriesInstanceUid: string | null;
      size: number;
      sha256: string;
      studyId?: string;
    }
  | ({ status: 'refused' } & Refusal);

/** Where an instance goes. */
export interface IngestTarget {
  principal: Principal;
  /**
   * The study, or how to find it from the accepted instance's facts (the DICOM listener files
   * instances by Study Instance UID): called only after every check passed, so a refused
   * instance never creates a study.
   */
  studyId: string | ((facts: InstanceFacts) => Promise<string>);
  /** From the URL of a single-instance PUT. */
  expectedSopUid?: string;
  /** The tenant's compiled pseudonym pattern (see {@link tenantPseudonym}). */
  pseudonym: RegExp | null;
  /** A label for messages; never a file name a user chose. */
  source: string;
}

/** The tenant's PatientID pseudonym pattern, compiled; null when none is set. */
export async function tenantPseudonym(deps: AppDeps, tenantId: string): Promise<RegExp | null> {
  const tenant = await deps.store.tenants.get(tenantId);
  if (!tenant?.pseudonymRegex) return null;
  const re = compilePseudonym(tenant.pseudonymRegex);
  return typeof re === 'string' ? null : re;
}

/** Stores one instance into a study of the principal's tenant. */
export async function ingestInstance(deps: AppDeps, target: IngestTarget, bytes: Uint8Array): Promise<IngestOutcome> {
  const { store, blobs, config } = deps;
  const tenantId = target.principal.tenantId;
  if (bytes.length === 0) return { status: 'refused', code: 'NOT_DICOM', message: 'empty body', details: {} };
  if (bytes.length > config.maxInstanceBytes) {
    return {
      status: 'refused',
      code: 'INSTANCE_TOO_LARGE',
      message: `instance is larger than ${config.maxInstanceBytes} bytes`,
      details: { size: bytes.length, limit: config.maxInstanceBytes },
    };
  }
  const sha256 = await sha256Hex(bytes);
  // Retries of a PUT that already succeeded skip parsing and rewriting.
  if (target.expectedSopUid !== undefined && typeof target.studyId === 'string') {
    const existing = await store.studies.instance(tenantId, target.studyId, target.expectedSopUid);
    if (existing) return existingOutcome(existing, sha256);
  }
  const inspected = inspectInstance(bytes, {
    pseudonym: target.pseudonym,
    maxInflatedBytes: maxInflatedBytes(config),
    source: target.source,
    ...(target.expectedSopUid !== undefined ? { expectedSopUid: target.expectedSopUid } : {}),
  });
  if (!inspected.ok) return { status: 'refused', ...inspected.refusal };
  const f = inspected.facts;
  const studyId = typeof target.studyId === 'string' ? target.studyId : await target.studyId(f);
  const blobKey = `tenants/${tenantId}/studies/${studyId}/instances/${sha256}.dcm`;
  await blobs.put(blobKey, bytes, { contentType: 'application/dicom' });
  const outcome = await store.studies.addInstance(
    {
      tenantId,
      studyId,
      sopInstanceUid: f.sopInstanceUid,
      studyInstanceUid: f.studyInstanceUid,
      seriesInstanceUid: f.seriesInstanceUid,
      sopClassUid: f.sopClassUid,
      modality: f.modality,
      size: bytes.length,
      sha256,
      blobKey,
      identityRemoved: f.identityRemoved,
      descriptors: f.descriptors,
      dicomAttributes: f.search,
    },
    { maxStudyBytes: config.maxStudyBytes, maxStudyInstances: config.maxStudyInstances },
  );
  const ids = { sopInstanceUid: f.sopInstanceUid, sopClassUid: f.sopClassUid };
  if (outcome.kind === 'created' || outcome.kind === 'duplicate') {
    return {
      status: outcome.kind === 'created' ? 'stored' : 'duplicate',
      ...ids,
      seriesInstanceUid: f.seriesInstanceUid,
      size: bytes.length,
      sha256,
      studyId,
    };
  }
  // No row references this blob: the same SOP UID with these bytes would have been a duplicate.
  await blobs.delete(blobKey).catch((e) => deps.logger.log('warn', 'blob.cleanup_failed', { code: (e as { code?: string }).code }));
  switch (outcome.kind) {
    case 'conflict':
      return existingOutcome(outcome.instance, sha256);
    case 'not_found':
      return { status: 'refused', ...ids, code: 'NOT_FOUND', message: 'no such study', details: {} };
    case 'study_locked':
      return {
        status: 'refused',
        ...ids,
        code: 'STUDY_LOCKED',
        message: `the study is ${outcome.status}; instances can only be added before submit`,
        details: { status: outcome.status },
      };
    case 'study_too_large':
      return {
        status: 'refused',
        ...ids,
        code: 'STUDY_TOO_LARGE',
        message: `the study would exceed ${outcome.limit} bytes`,
        details: { limit: outcome.limit, totalBytes: outcome.totalBytes },
      };
    case 'too_many_instances':
      return {
        status: 'refused',
        ...ids,
        code: 'TOO_MANY_INSTANCES',
        message: `the study already has ${outcome.count} instances`,
        details: { limit: outcome.limit },
      };
    case 'study_uid_mismatch':
      return {
        status: 'refused',
        ...ids,
        code: 'STUDY_UID_MISMATCH',
        message: 'the Study Instance UID (0020,000D) differs from the study’s other instances',
        details: {},
      };
  }
}

function existingOutcome(
  existing: { sopInstanceUid: string; sopClassUid: string | null; seriesInstanceUid: string | null; size: number; sha256: string },
  sha256: string,
): IngestOutcome {
  if (existing.sha256 === sha256) {
    return {
      status: 'duplicate',
      sopInstanceUid: existing.sopInstanceUid,
      sopClassUid: existing.sopClassUid,
      seriesInstanceUid: existing.seriesInstanceUid,
      size: existing.size,
      sha256,
    };
  }
  return {
    status: 'refused',
    code: 'CONFLICT',
    message: 'a different instance with this SOP Instance UID is already stored',
    details: { storedSha256: existing.sha256, sha256 },
    sopInstanceUid: existing.sopInstanceUid,
    ...(existing.sopClassUid ? { sopClassUid: existing.sopClassUid } : {}),
  };
}
