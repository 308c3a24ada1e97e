/**
 * The DICOM objects of one analysis result: key images (Secondary Capture with the Grad-CAM
 * overlay) and the Comprehensive SR referencing them, all in the analysed study.
 */
import type { AnalysisResult } from '@embolus/shared';
import { SECONDARY_CAPTURE_STORAGE, STRETCHED_NOTE, writeKeyImageWithPlacement, type CamPlacement } from './key-image';
import { analysedSeries, planKeyImages, prepareCam, windowCam, type SourceInstance } from './key-plan';
import { COMPREHENSIVE_SR_STORAGE, writeSr, type InstanceRef } from './sr';
import { studyAttributesOf } from './source';
import { newUid } from './write';

export type { SourceInstance } from './key-plan';

/** What {@link buildResultObjects} needs. */
export interface ResultObjectsInput {
  result: AnalysisResult;
  /** Every stored instance of the study (the analysed series is picked by the result's UID). */
  instances: SourceInstance[];
  /** Reads one stored instance's bytes. */
  loadInstance(sopInstanceUid: string): Promise<Uint8Array>;
  /** The runner's `cam.npy`, or null (then no key images are written). */
  cam: Uint8Array | null;
  modelName?: string;
  maxKeyImages?: number;
  now?: Date;
}

/** One written object. */
export interface WrittenObject {
  kind: 'sr' | 'key-image';
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  bytes: Uint8Array;
}

/** Series numbers of the output series (high, so they sort after the acquired series). */
export const SR_SERIES_NUMBER = 9901;
export const KEY_IMAGE_SERIES_NUMBER = 9902;

/** Writes the key images and the SR of a result. */
export async function buildResultObjects(input: ResultObjectsInput): Promise<WrittenObject[]> {
  const { result } = input;
  const now = input.now ?? new Date();
  const modelName = input.modelName ?? 'Embolus PE research model';
  const { seriesInstanceUid: seriesUid, series } = analysedSeries(result, input.instances);
  const study = studyAttributesOf(await input.loadInstance(series[0]!.sopInstanceUid));

  const keySeriesUid = newUid();
  const keyImages: { seriesInstanceUid: string; image: InstanceRef; source: InstanceRef }[] = [];
  const objects: WrittenObject[] = [];
  const placements: CamPlacement[] = [];
  if (input.cam) {
    const cam = prepareCam(result, input.cam);
    for (const plan of planKeyImages(result, series, input.maxKeyImages ?? 3)) {
      const { source } = plan;
      const sopInstanceUid = newUid();
      const { bytes, placement } = await writeKeyImageWithPlacement({
        study,
        source: {
          bytes: await input.loadInstance(source.sopInstanceUid),
          sopInstanceUid: source.sopInstanceUid,
          sopClassUid: source.sopClassUid,
        },
        cam: windowCam(cam, plan.position),
        ...(cam.placedCam ? { placedCam: cam.placedCam } : {}),
        seriesInstanceUid: keySeriesUid,
        sopInstanceUid,
        seriesNumber: KEY_IMAGE_SERIES_NUMBER,
        instanceNumber: keyImages.length + 1,
        caption: plan.caption,
        now,
      });
      placements.push(placement);
      const image = { sopClassUid: SECONDARY_CAPTURE_STORAGE, sopInstanceUid };
      keyImages.push({
        seriesInstanceUid: keySeriesUid,
        image,
        source: { sopClassUid: source.sopClassUid, sopInstanceUid: source.sopInstanceUid },
      });
      objects.push({ kind: 'key-image', ...image, seriesInstanceUid: keySeriesUid, bytes });
    }
  }
  const srUid = newUid();
  const srSeries = newUid();
  const sr = writeSr({
    result,
    study,
    sourceSeries: {
      seriesInstanceUid: seriesUid,
      instances: series.map((i) => ({ sopClassUid: i.sopClassUid, sopInstanceUid: i.sopInstanceUid })),
    },
    keyImages,
    seriesInstanceUid: srSeries,
    sopInstanceUid: srUid,
    seriesNumber: SR_SERIES_NUMBER,
    modelName,
    now,
    ...(placements.includes('stretched') ? { keyImageNote: STRETCHED_NOTE } : {}),
  });
  return [{ kind: 'sr', sopClassUid: COMPREHENSIVE_SR_STORAGE, sopInstanceUid: srUid, seriesInstanceUid: srSeries, bytes: sr }, ...objects];
}
