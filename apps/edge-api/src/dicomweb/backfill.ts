/**
 * Search attributes for instances stored before DICOMweb search existed (migration 0008): each
 * such blob is parsed once, here, so that searches never parse blobs. Idempotent and resumable
 * (only instances without attributes are read). An instance that cannot be indexed (blob gone,
 * no Study or Series Instance UID) is counted and left as it is.
 */
import type { BlobStore, Store } from '@embolus/db';
import { DicomError, readDicomInfo } from '@embolus/dicom';
import { searchAttributesOf } from '../upload/inspect';

/** What a backfill did. */
export interface BackfillReport {
  indexed: number;
  /** Not indexed, by reason code (never UIDs). */
  skipped: Record<string, number>;
}

/** Indexes every instance of every tenant that has no search attributes yet. */
export async function backfillSearchAttributes(
  deps: { store: Store; blobs: BlobStore; maxInflatedBytes: number },
  batch = 100,
): Promise<BackfillReport> {
  const report: BackfillReport = { indexed: 0, skipped: {} };
  const skip = (code: string) => void (report.skipped[code] = (report.skipped[code] ?? 0) + 1);
  let after = '';
  for (;;) {
    const rows = await deps.store.dicomweb.unindexed(batch, after);
    if (!rows.length) return report;
    after = rows[rows.length - 1]!.instanceId;
    for (const row of rows) {
      const bytes = await deps.blobs.get(row.blobKey);
      if (!bytes) {
        skip('BLOB_MISSING');
        continue;
      }
      try {
        const { parsed, info } = readDicomInfo(bytes, {
          source: 'instance',
          parseLimits: { maxInflatedBytes: deps.maxInflatedBytes, maxSequenceDepth: 64 },
        });
        if (!info.studyInstanceUid || !info.seriesInstanceUid) {
          skip('NO_STUDY_OR_SERIES_UID');
          continue;
        }
        await deps.store.dicomweb.index(
          row,
          { studyInstanceUid: info.studyInstanceUid, seriesInstanceUid: info.seriesInstanceUid },
          searchAttributesOf(parsed.dataSet, info),
        );
        report.indexed++;
      } catch (e) {
        if (!(e instanceof DicomError)) throw e;
        skip(e.code);
      }
    }
  }
}
