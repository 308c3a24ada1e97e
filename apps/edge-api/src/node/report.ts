/**
 * Reports on Node: the study's instances and the result's CAM are read from storage, the key
 * images rendered from the stored slices one at a time (@embolus/report/node over
 * @embolus/dicom-out), and the report rendered as PDF or HTML (@embolus/report).
 */
import { DicomOutError } from '@embolus/dicom-out';
import { buildReport, renderReportHtml, renderReportPdf } from '@embolus/report';
import { collectKeyImages, loadReportFonts } from '@embolus/report/node';
import type { ReportMaker } from '../report-maker';

/** Key images per report: bounds decoding work and memory per request. */
export const REPORT_KEY_IMAGES = 3;

/** The Node report maker. */
export function nodeReports(): ReportMaker {
  return {
    async make({ store, blobs, config }, { tenantId, study, result, jobId, format, generatedAt }) {
      const rows = await store.studies.instances(tenantId, study.id);
      const blobOf = new Map(rows.map((r) => [r.sopInstanceUid, r.blobKey]));
      const loadInstance = async (uid: string) => {
        const key = blobOf.get(uid);
        const bytes = key ? await blobs.get(key) : null;
        // A missing blob is an unreadable source: the report says so instead of failing.
        if (!bytes) throw new DicomOutError('SOURCE_UNREADABLE', 'a source instance blob is missing');
        return bytes;
      };
      let cam: Uint8Array | null = null;
      const camName = result.artifacts?.['cam'];
      if (camName && result.quality?.diagnostic !== false) {
        const a = await store.results.artifact(tenantId, jobId, camName);
        // Uploads are bounded by the artifact limit; a larger row is not read at all.
        cam = a && a.size <= config.maxArtifactBytes ? await blobs.get(a.blobKey) : null;
      }
      const { keyImages, absence } = await collectKeyImages({
        result,
        instances: rows.map((r) => ({
          sopInstanceUid: r.sopInstanceUid,
          sopClassUid: r.sopClassUid ?? '1.2.840.10008.5.1.4.1.1.2',
          seriesInstanceUid: r.seriesInstanceUid,
        })),
        loadInstance,
        cam,
        maxKeyImages: REPORT_KEY_IMAGES,
      });
      const model = buildReport({
        study: { id: study.id, studyInstanceUid: study.studyInstanceUid },
        result,
        keyImages,
        ...(absence ? { keyImageAbsence: absence } : {}),
        generatedAt,
      });
      const body = format === 'pdf' ? await renderReportPdf(model, await loadReportFonts()) : renderReportHtml(model);
      return { body, keyImages: model.keyImages.length, ...(absence ? { keyImageAbsence: absence } : {}) };
    },
  };
}
