/**
 * The DICOM objects of one analysis result: key images (Secondary Capture with the Grad-CAM
 * overlay) and the Comprehensive SR referencing them, all in the analysed study.
 */
import type { AnalysisResult } from '@embolus/shared';
import { keyWindows } from '@embolus/shared/evidence';
import { DicomOutError } from './errors';
import { SECONDARY_CAPTURE_STORAGE, STRETCHED_NOTE, writeKeyImageWithPlacement, type CamPlacement } from './key-image';
import { readNpyFloat32 } from './npy';
import { COMPREHENSIVE_SR_STORAGE, writeSr, type InstanceRef } from './sr';
import { studyAttributesOf } from './source';
import { newUid } from './write';

/** A stored instance of the study. */
export interface SourceInstance extends InstanceRef {
  seriesInstanceUid: string | null;
}

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

/** Mean CAM over a window's frames (the runner writes 10 frames per window). */
function windowCam(cam: { data: Float32Array; shape: number[] }, windowIndex: number, framesPerWindow: number) {
  const [, rows, cols] = cam.shape as [number, number, number];
  const plane = rows * cols;
  const out = new Float32Array(plane);
  for (let f = 0; f < framesPerWindow; f++) {
    const base = (windowIndex * framesPerWindow + f) * plane;
    for (let i = 0; i < plane; i++) out[i]! += cam.data[base + i]! / framesPerWindow;
  }
  return { data: out, rows, cols };
}

/** Writes the key images and the SR of a result. */
export async function buildResultObjects(input: ResultObjectsInput): Promise<WrittenObject[]> {
  const { result } = input;
  const now = input.now ?? new Date();
  const modelName = input.modelName ?? 'Embolus PE research model';
  const seriesUid = result.seriesInstanceUid ?? input.instances.find((i) => i.seriesInstanceUid)?.seriesInstanceUid ?? null;
  const series = input.instances.filter((i) => i.seriesInstanceUid === seriesUid);
  if (!seriesUid || series.length === 0) throw new DicomOutError('INCOMPLETE_RESULT', 'the analysed series is not among the stored instances');
  const bySop = new Map(series.map((i) => [i.sopInstanceUid, i]));
  const study = studyAttributesOf(await input.loadInstance(series[0]!.sopInstanceUid));

  const keySeriesUid = newUid();
  const keyImages: { seriesInstanceUid: string; image: InstanceRef; source: InstanceRef }[] = [];
  const objects: WrittenObject[] = [];
  const placements: CamPlacement[] = [];
  if (input.cam) {
    const cam = readNpyFloat32(input.cam);
    const framesPerWindow = result.windows.length > 0 ? cam.shape[0]! / result.windows.length : 0;
    if (!Number.isInteger(framesPerWindow) || framesPerWindow < 1) throw new DicomOutError('CAM_MISMATCH', 'the CAM frames do not divide into the result windows', { details: { frames: cam.shape[0], windows: result.windows.length } });
    const placedCam = result.camGeometry ? { data: cam.data, shape: cam.shape, geometry: result.camGeometry } : undefined;
    for (const w of keyWindows(result, input.maxKeyImages ?? 3)) {
      const slice = [...w.slices].sort((a, b) => b.fraction - a.fraction).find((s) => bySop.has(s.sopInstanceUid));
      if (!slice) continue;
      const source = bySop.get(slice.sopInstanceUid)!;
      const sopInstanceUid = newUid();
      const caption = `EMBOLUS ${result.model.version} WINDOW ${w.index} P=${w.probability.toFixed(2)}`.toUpperCase().replace(/[^A-Z0-9 .:=/%-]/g, '-');
      const { bytes, placement } = await writeKeyImageWithPlacement({
        study,
        source: { bytes: await input.loadInstance(source.sopInstanceUid), sopInstanceUid: source.sopInstanceUid, sopClassUid: source.sopClassUid },
        cam: windowCam(cam, result.windows.indexOf(w), framesPerWindow),
        ...(placedCam ? { placedCam } : {}),
        seriesInstanceUid: keySeriesUid,
        sopInstanceUid,
        seriesNumber: KEY_IMAGE_SERIES_NUMBER,
        instanceNumber: keyImages.length + 1,
        caption,
        now,
      });
      placements.push(placement);
      const image = { sopClassUid: SECONDARY_CAPTURE_STORAGE, sopInstanceUid };
      keyImages.push({ seriesInstanceUid: keySeriesUid, image, source: { sopClassUid: source.sopClassUid, sopInstanceUid: source.sopInstanceUid } });
      objects.push({ kind: 'key-image', ...image, seriesInstanceUid: keySeriesUid, bytes });
    }
  }
  const srUid = newUid();
  const srSeries = newUid();
  const sr = writeSr({
    result,
    study,
    sourceSeries: { seriesInstanceUid: seriesUid, instances: series.map((i) => ({ sopClassUid: i.sopClassUid, sopInstanceUid: i.sopInstanceUid })) },
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
