/**
 * Placing the CAM on a source slice by patient coordinates. The geometry lives in
 * `@embolus/shared/evidence` (the browser viewer uses the same code); this module keeps the
 * package's error type at its boundary.
 */
import type { FramePlane } from '@embolus/dicom';
import { camOnSlice as placeOnSlice, slicePlane as planeOf, type PlacedCam, type SlicePlane } from '@embolus/shared/evidence';
import { DicomOutError } from './errors';

export type { PlacedCam } from '@embolus/shared/evidence';

/** The plane of a source slice, when its header has all three attributes. */
export function slicePlane(plane: FramePlane | undefined): SlicePlane | null {
  return planeOf(plane);
}

/**
 * The CAM sampled at every pixel of a rows × cols source slice.
 * @throws DicomOutError CAM_MISMATCH when the artifact's shape is not the geometry's or the affine is singular.
 */
export function camOnSlice(cam: PlacedCam, plane: SlicePlane, rows: number, cols: number): Float32Array {
  try {
    return placeOnSlice(cam, plane, rows, cols);
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'CAM_MISMATCH')
      throw new DicomOutError('CAM_MISMATCH', e.message, {
        cause: e,
        details: { ...(e as { details?: Record<string, unknown> }).details },
      });
    throw e;
  }
}
