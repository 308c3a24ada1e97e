/**
 * Which key images a result gets, shared by the DICOM key images (outputs.ts) and the printable
 * report (@embolus/report), so both show the same slices with the same overlay: the windows from
 * `keyWindows` (@embolus/shared/evidence), the source slice filling most of each, the CAM of that
 * window (placed by patient coordinates when the result has `camGeometry`) and the burned-in caption.
 */
import type { AnalysisResult } from '@embolus/shared';
import { keyWindows, type PlacedCam } from '@embolus/shared/evidence';
import { DicomOutError } from './errors';
import { renderKeyImage, type KeyImageRaster } from './key-image';
import { readNpyFloat32 } from './npy';
import type { InstanceRef } from './sr';

/** A stored instance of the study. */
export interface SourceInstance extends InstanceRef {
  seriesInstanceUid: string | null;
}

/** One planned key image. */
export interface KeyImagePlan {
  window: AnalysisResult['windows'][number];
  /** Index of the window in `result.windows` (its frames in the CAM volume). */
  position: number;
  source: SourceInstance;
  /** The burned-in second line: model, window and probability, upper-case ASCII. */
  caption: string;
}

/** The CAM artifact read and checked against the result. */
export interface PreparedCam {
  data: Float32Array;
  shape: number[];
  framesPerWindow: number;
  /** Present when the result has `camGeometry` (exact placement). */
  placedCam?: PlacedCam;
}

/** The analysed series' instances: the result's series, or the first series when the result names none. */
export function analysedSeries(
  result: AnalysisResult,
  instances: SourceInstance[],
): { seriesInstanceUid: string; series: SourceInstance[] } {
  const seriesUid = result.seriesInstanceUid ?? instances.find((i) => i.seriesInstanceUid)?.seriesInstanceUid ?? null;
  const series = instances.filter((i) => i.seriesInstanceUid === seriesUid);
  if (!seriesUid || series.length === 0)
    throw new DicomOutError('INCOMPLETE_RESULT', 'the analysed series is not among the stored instances');
  return { seriesInstanceUid: seriesUid, series };
}

/**
 * Reads `cam.npy` and checks it against the result: its frames divide into the windows, and its
 * shape is `camGeometry.shape` when the result has one.
 * @throws DicomOutError CAM_MISMATCH otherwise.
 */
export function prepareCam(result: AnalysisResult, bytes: Uint8Array): PreparedCam {
  const cam = readNpyFloat32(bytes);
  const framesPerWindow = result.windows.length > 0 ? cam.shape[0]! / result.windows.length : 0;
  if (!Number.isInteger(framesPerWindow) || framesPerWindow < 1)
    throw new DicomOutError('CAM_MISMATCH', 'the CAM frames do not divide into the result windows', {
      details: { frames: cam.shape[0], windows: result.windows.length },
    });
  const g = result.camGeometry;
  if (g?.shape.some((n, i) => n !== cam.shape[i]))
    throw new DicomOutError('CAM_MISMATCH', 'the CAM artifact shape differs from the result camGeometry shape', {
      details: { artifact: cam.shape, geometry: g.shape },
    });
  return { ...cam, framesPerWindow, ...(g ? { placedCam: { data: cam.data, shape: cam.shape, geometry: g } } : {}) };
}

/** Mean CAM over a window's frames (the fallback when the result has no geometry). */
export function windowCam(cam: PreparedCam, position: number): { data: Float32Array; rows: number; cols: number } {
  const [, rows, cols] = cam.shape as [number, number, number];
  const plane = rows * cols;
  const out = new Float32Array(plane);
  for (let f = 0; f < cam.framesPerWindow; f++) {
    const base = (position * cam.framesPerWindow + f) * plane;
    for (let i = 0; i < plane; i++) out[i]! += cam.data[base + i]! / cam.framesPerWindow;
  }
  return { data: out, rows, cols };
}

/** The key images of `result` over the analysed series, at most `max`, most probable first. */
export function planKeyImages(result: AnalysisResult, series: SourceInstance[], max: number): KeyImagePlan[] {
  const bySop = new Map(series.map((i) => [i.sopInstanceUid, i]));
  const plans: KeyImagePlan[] = [];
  for (const w of keyWindows(result, max)) {
    const slice = [...w.slices].sort((a, b) => b.fraction - a.fraction).find((s) => bySop.has(s.sopInstanceUid));
    if (!slice) continue;
    // What a reader needs first (window, probability) leads, so a narrow image never cuts it off.
    const caption = `WINDOW ${w.index} P=${w.probability.toFixed(2)} EMBOLUS ${result.model.version}`
      .toUpperCase()
      .replace(/[^A-Z0-9 .:=/%-]/g, '-');
    plans.push({ window: w, position: result.windows.indexOf(w), source: bySop.get(slice.sopInstanceUid)!, caption });
  }
  return plans;
}

/** What {@link keyImageRasters} needs. */
export interface KeyImageRastersInput {
  result: AnalysisResult;
  instances: SourceInstance[];
  loadInstance(sopInstanceUid: string): Promise<Uint8Array>;
  /** The runner's `cam.npy`. */
  cam: Uint8Array;
  /** At most this many (default 3). */
  maxKeyImages?: number;
}

/**
 * The key images as RGB rasters, one source slice loaded and decoded at a time (a consumer that
 * encodes each before asking for the next holds one slice at most).
 * @throws DicomOutError CAM_MISMATCH (before the first image), SOURCE_UNREADABLE, INCOMPLETE_RESULT.
 */
export async function* keyImageRasters(input: KeyImageRastersInput): AsyncGenerator<{ plan: KeyImagePlan; raster: KeyImageRaster }> {
  const { series } = analysedSeries(input.result, input.instances);
  const cam = prepareCam(input.result, input.cam);
  for (const plan of planKeyImages(input.result, series, input.maxKeyImages ?? 3)) {
    const raster = await renderKeyImage({
      source: await input.loadInstance(plan.source.sopInstanceUid),
      cam: windowCam(cam, plan.position),
      ...(cam.placedCam ? { placedCam: cam.placedCam } : {}),
      caption: plan.caption,
    });
    yield { plan, raster };
  }
}
