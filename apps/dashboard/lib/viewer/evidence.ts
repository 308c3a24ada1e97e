/**
 * The model's evidence for the viewer: the CAM volume artifact read and checked against the
 * result's geometry, with the reason in words when there is no overlay to show. The images are
 * shown either way.
 */
import type { AnalysisResult } from '@embolus/shared';
import {
  camOnSlice,
  framesPerWindow,
  heatColor,
  isPlaceable,
  readNpyFloat32,
  type PlacedCam,
  type SlicePlane,
} from '@embolus/shared/evidence';
import { overlayAlpha } from './overlay-scale';

export { OVERLAY_FLOOR, overlayAlpha } from './overlay-scale';

/** The CAM ready to place, with its maximum (the overlay's scale: 1 = the study's strongest evidence). */
export type ViewerCam = PlacedCam & { max: number };

/** Either a CAM or why there is none. */
export type CamState = { cam: ViewerCam; problem: null } | { cam: null; problem: string };

/** The largest artifact the viewer reads (a 64-window CAM at 256² in float32 is 168 MB; bigger is refused before reading). */
const MAX_CAM_BYTES = 256 * 1024 * 1024;

/** Fetches `cam.npy` of the study's result and checks it; never throws. */
export async function loadCam(studyId: string, result: AnalysisResult | null): Promise<CamState> {
  if (!result) return { cam: null, problem: 'No overlay: the study has no analysis result yet.' };
  const name = result.artifacts?.['cam'];
  if (!name) return { cam: null, problem: 'No overlay: this result lists no Grad-CAM artifact.' };
  const geometry = result.camGeometry;
  if (!geometry)
    return {
      cam: null,
      problem:
        'No overlay: this result has no CAM geometry (it was made before the geometry was stored), ' +
        'so the map cannot be placed on the images.',
    };
  // Checked before the download: camOnSlice would throw on every slice (CamMismatchError).
  if (!isPlaceable(geometry))
    return {
      cam: null,
      problem: "No overlay: the result's CAM geometry cannot be placed on the images (its affine cannot be inverted).",
    };
  let bytes: Uint8Array;
  try {
    const res = await fetch(`/v1/studies/${encodeURIComponent(studyId)}/artifacts/${encodeURIComponent(name)}`, {
      credentials: 'same-origin',
    });
    if (res.status === 404) return { cam: null, problem: 'No overlay: the Grad-CAM artifact is missing from the store.' };
    if (!res.ok) return { cam: null, problem: `No overlay: the Grad-CAM artifact could not be read (HTTP ${res.status}).` };
    if (Number(res.headers.get('content-length') ?? 0) > MAX_CAM_BYTES)
      return { cam: null, problem: 'No overlay: the Grad-CAM artifact is larger than the viewer reads.' };
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch {
    return { cam: null, problem: 'No overlay: the Grad-CAM artifact could not be fetched.' };
  }
  let npy: { data: Float32Array; shape: number[] };
  try {
    npy = readNpyFloat32(bytes);
  } catch (e) {
    return { cam: null, problem: `No overlay: ${(e as Error).message}.` };
  }
  if (npy.shape.some((n, i) => n !== geometry.shape[i])) {
    return {
      cam: null,
      problem:
        `No overlay: the Grad-CAM artifact's shape (${npy.shape.join(' × ')}) ` +
        `does not match the result's CAM geometry (${geometry.shape.join(' × ')}).`,
    };
  }
  if (framesPerWindow(result.windows.length, geometry) === null) {
    return {
      cam: null,
      problem: `No overlay: the CAM's ${geometry.shape[0]} frames do not divide into the result's ${result.windows.length} windows.`,
    };
  }
  let max = 0;
  for (const v of npy.data) if (v > max) max = v;
  return { cam: { data: npy.data, shape: npy.shape, geometry, max }, problem: null };
}

/**
 * The CAM on one slice as RGBA (cols × rows): heatColor with overlayAlpha.
 * @throws CamMismatchError when the CAM cannot be placed (loadCam refuses such CAMs first).
 */
export function overlayPixels(cam: ViewerCam, plane: SlicePlane, rows: number, cols: number): ImageData {
  const values = camOnSlice(cam, plane, rows, cols);
  const img = new ImageData(cols, rows);
  const px = img.data;
  const scale = cam.max > 0 ? 1 / cam.max : 0;
  for (let i = 0; i < values.length; i++) {
    const t = values[i]! * scale;
    const a = overlayAlpha(t);
    if (a === 0) continue;
    const [r, g, b] = heatColor(t);
    px[i * 4] = r;
    px[i * 4 + 1] = g;
    px[i * 4 + 2] = b;
    px[i * 4 + 3] = a * 255;
  }
  return img;
}
