/**
 * The model's evidence laid on source images, shared by every place that shows it (key images in
 * DICOM, the report, the browser viewer). Imports no zod at run time, so the dashboard can load it.
 *
 * Placing the CAM on a source slice goes by patient coordinates: each pixel's position (from the
 * slice's ImagePositionPatient, ImageOrientationPatient and PixelSpacing) goes through the inverse
 * of the result's CAM affine to a CAM index, sampled trilinearly. Outside the CAM volume (beyond
 * the lung crop, or in the padding frames of the last window) the map is 0.
 */
import { EmbolusError } from './errors';
import { invert3 } from './evidence-stack';
import type { AnalysisResult, CamGeometry } from './result';

export { readNpyFloat32, NpyFormatError } from './npy';
export {
  camVoxelToPatient,
  patientToCamIndex,
  pixelToPatient,
  nearestSlice,
  framesPerWindow,
  isPlaceable,
  windowToSlices,
  sliceToWindow,
  keySlices,
  stackOrder,
  type WindowSlices,
  type KeySlice,
} from './evidence-stack';

/** The CAM artifact's shape differs from the result's geometry, or the geometry is unusable. */
export class CamMismatchError extends EmbolusError {
  constructor(message: string, details: Record<string, unknown>) {
    super('CAM_MISMATCH', message, { details });
  }
}

/** The CAM volume artifact with its geometry. */
export interface PlacedCam {
  data: Float32Array;
  /** [frames, rows, cols] */
  shape: readonly number[];
  geometry: CamGeometry;
}

/** A source slice's plane: where it lies in patient space (DICOM LPS, mm). */
export interface SlicePlane {
  imagePositionPatient: readonly [number, number, number];
  /** Row direction cosines then column direction cosines. */
  imageOrientationPatient: readonly [number, number, number, number, number, number];
  /** Spacing between rows, then between columns (PS3.3 order). */
  pixelSpacing: readonly [number, number];
}

/** The plane of a source slice, when its header has all three attributes. */
export function slicePlane(plane: Partial<SlicePlane> | undefined): SlicePlane | null {
  const { imagePositionPatient, imageOrientationPatient, pixelSpacing } = plane ?? {};
  return imagePositionPatient && imageOrientationPatient && pixelSpacing
    ? { imagePositionPatient, imageOrientationPatient, pixelSpacing }
    : null;
}

/**
 * The CAM sampled at every pixel of a rows × cols source slice.
 * @throws CamMismatchError (code CAM_MISMATCH) when the artifact's shape is not the geometry's or the affine is singular.
 */
export function camOnSlice(cam: PlacedCam, plane: SlicePlane, rows: number, cols: number): Float32Array {
  const { shape, validFrames, affine } = cam.geometry;
  if (cam.shape.length !== 3 || shape.some((n, i) => n !== cam.shape[i]))
    throw new CamMismatchError('the CAM artifact shape differs from the result camGeometry shape', {
      artifact: [...cam.shape],
      geometry: shape,
    });
  const inv = invert3([affine[0]!, affine[1]!, affine[2]!, affine[4]!, affine[5]!, affine[6]!, affine[8]!, affine[9]!, affine[10]!]);
  if (!inv) throw new CamMismatchError('the result camGeometry affine is singular', {});
  const t = [affine[3]!, affine[7]!, affine[11]!];
  const toIndex = (p: readonly number[]) => [0, 1, 2].map((r) => inv[r * 3]! * p[0]! + inv[r * 3 + 1]! * p[1]! + inv[r * 3 + 2]! * p[2]!);
  const ipp = plane.imagePositionPatient;
  const iop = plane.imageOrientationPatient;
  const [rowSpacing, colSpacing] = plane.pixelSpacing;
  // CAM index is affine in (row, col): base + col·dc + row·dr.
  const base = toIndex([ipp[0] - t[0]!, ipp[1] - t[1]!, ipp[2] - t[2]!]);
  const dc = toIndex([iop[0] * colSpacing, iop[1] * colSpacing, iop[2] * colSpacing]);
  const dr = toIndex([iop[3] * rowSpacing, iop[4] * rowSpacing, iop[5] * rowSpacing]);
  const [, h, w] = shape;
  const frames = Math.min(validFrames, shape[0]);
  const out = new Float32Array(rows * cols);
  const at = (f: number, y: number, x: number) => cam.data[(f * h + y) * w + x]!;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = base[0]! + c * dc[0]! + r * dr[0]!;
      const y = base[1]! + c * dc[1]! + r * dr[1]!;
      const z = base[2]! + c * dc[2]! + r * dr[2]!;
      // Half a voxel beyond the outer centres still belongs to the volume (clamped there).
      if (x < -0.5 || y < -0.5 || z < -0.5 || x > w - 0.5 || y > h - 0.5 || z > frames - 0.5) continue;
      const xc = Math.min(Math.max(x, 0), w - 1);
      const yc = Math.min(Math.max(y, 0), h - 1);
      const zc = Math.min(Math.max(z, 0), frames - 1);
      const x0 = Math.floor(xc),
        y0 = Math.floor(yc),
        z0 = Math.floor(zc);
      const x1 = Math.min(x0 + 1, w - 1),
        y1 = Math.min(y0 + 1, h - 1),
        z1 = Math.min(z0 + 1, frames - 1);
      const fx = xc - x0,
        fy = yc - y0,
        fz = zc - z0;
      const plane2 = (f: number) => {
        const a = at(f, y0, x0) + (at(f, y0, x1) - at(f, y0, x0)) * fx;
        const b = at(f, y1, x0) + (at(f, y1, x1) - at(f, y1, x0)) * fx;
        return a + (b - a) * fy;
      };
      const p0 = plane2(z0);
      out[r * cols + c] = p0 + (plane2(z1) - p0) * fz;
    }
  }
  return out;
}

/** Windows shown as key images: those the decision reports PE on, most probable first; else the most probable window. */
export function keyWindows(result: Pick<AnalysisResult, 'windows'>, max: number): AnalysisResult['windows'] {
  const byProb = [...result.windows].sort((a, b) => b.probability - a.probability);
  const reported = byProb.filter((w) => w.decision === true);
  return (reported.length > 0 ? reported : byProb).slice(0, max);
}

/** The overlay colour map: a blue → cyan → yellow → red ramp for t in [0, 1], as 0–255 RGB. */
export function heatColor(t: number): [number, number, number] {
  const r = Math.min(1, Math.max(0, 1.5 * t - 0.25));
  const g = Math.min(1, Math.max(0, t < 0.6 ? 2 * t : 2.2 - 2 * t));
  const b = Math.min(1, Math.max(0, 1 - 2 * t));
  return [r * 255, g * 255, b * 255];
}
