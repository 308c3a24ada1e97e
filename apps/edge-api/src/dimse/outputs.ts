/**
 * Writes the DICOM objects (SR and key images, @embolus/dicom-out) of new analysis results and
 * stores them as artifacts of the result's job (downloadable at
 * `GET /v1/studies/{id}/artifacts/dicom-sr.dcm` and `dicom-key-<n>.dcm`), queuing them for the
 * tenant's DICOM destinations in the same transaction. Node only: it decodes source slices.
 */
import { DICOM_SR_ARTIFACT, sha256Hex } from '@embolus/db';
import { buildResultObjects } from '@embolus/dicom-out';
import { AnalysisResultSchema } from '@embolus/shared';
import type { AppDeps } from '../deps';

/** Results whose objects failed here, not retried by this process (a bad CAM would fail every time). */
const failedJobs = new Set<string>();

/** The artifact name of the n-th key image (1-based). */
export const keyImageArtifact = (n: number) => `dicom-key-${n}.dcm`;

/** Timings of the last objects written (the bench reads them). */
export interface OutputTimings {
  studyId: string;
  buildMs: number;
  storeMs: number;
}

/**
 * Writes the objects of up to `limit` results that have none yet. Never throws: failures are
 * logged (codes only) and the job is skipped from then on in this process.
 */
export async function produceDicomObjects(deps: AppDeps, limit = 4, onDone?: (t: OutputTimings) => void): Promise<number> {
  const { store, blobs, logger } = deps;
  let pending;
  try {
    pending = await store.dicom.resultsWithoutObjects(limit, [...failedJobs], deps.clock.now() - deps.config.dicomOutputMaxAgeMs);
  } catch (e) {
    logger.log('error', 'dicom_out.query_failed', { code: (e as { code?: string }).code ?? 'INTERNAL' });
    return 0;
  }
  let written = 0;
  for (const p of pending) {
    const keys: string[] = [];
    try {
      const t0 = performance.now();
      const row = await store.results.get(p.tenantId, p.resultId);
      if (!row) continue;
      const result = AnalysisResultSchema.passthrough().parse(JSON.parse(row.body)) as Parameters<typeof buildResultObjects>[0]['result'];
      const rows = await store.studies.instances(p.tenantId, p.studyId);
      const blobOf = new Map(rows.map((r) => [r.sopInstanceUid, r.blobKey]));
      const camArtifact = result.artifacts?.['cam'] ? await store.results.artifact(p.tenantId, p.jobId, result.artifacts['cam']) : null;
      const cam = camArtifact ? await blobs.get(camArtifact.blobKey) : null;
      const objects = await buildResultObjects({
        result,
        instances: rows.map((r) => ({
          sopInstanceUid: r.sopInstanceUid,
          sopClassUid: r.sopClassUid ?? '1.2.840.10008.5.1.4.1.1.2',
          seriesInstanceUid: r.seriesInstanceUid,
        })),
        loadInstance: async (uid) => {
          const key = blobOf.get(uid);
          const bytes = key ? await blobs.get(key) : null;
          if (!bytes) throw new Error('a source instance blob is missing');
          return bytes;
        },
        cam,
        modelName: `Embolus PE research model ${result.model.version}`,
      });
      const t1 = performance.now();
      let n = 0;
      const stored = [];
      for (const o of objects) {
        const name = o.kind === 'sr' ? DICOM_SR_ARTIFACT : keyImageArtifact(++n);
        const blobKey = `tenants/${p.tenantId}/jobs/${p.jobId}/artifacts/${crypto.randomUUID()}`;
        await blobs.put(blobKey, o.bytes, { contentType: 'application/dicom' });
        keys.push(blobKey);
        stored.push({ name, size: o.bytes.length, sha256: await sha256Hex(o.bytes), blobKey });
      }
      const out = await store.dicom.storeObjects(p.tenantId, { studyId: p.studyId, jobId: p.jobId, objects: stored });
      if (!out.stored) {
        for (const k of keys) await blobs.delete(k).catch(() => undefined);
        continue;
      }
      written++;
      const t2 = performance.now();
      logger.log('info', 'dicom_out.written', {
        studyId: p.studyId,
        jobId: p.jobId,
        objects: objects.length,
        deliveries: out.deliveries,
        ms: Math.round(t2 - t0),
      });
      onDone?.({ studyId: p.studyId, buildMs: t1 - t0, storeMs: t2 - t1 });
    } catch (e) {
      failedJobs.add(p.jobId);
      for (const k of keys) await blobs.delete(k).catch(() => undefined);
      logger.log('error', 'dicom_out.failed', { studyId: p.studyId, jobId: p.jobId, code: (e as { code?: string }).code ?? 'INTERNAL' });
    }
  }
  return written;
}
