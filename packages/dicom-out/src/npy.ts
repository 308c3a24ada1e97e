/**
 * The CAM artifact reader lives in @embolus/shared/evidence (the browser viewer reads cam.npy
 * too); here its error becomes this package's own type at the boundary.
 */
import { readNpyFloat32 as readNpy } from '@embolus/shared/evidence';
import { DicomOutError } from './errors';

/** The values (as float32) and shape of .npy bytes. @throws DicomOutError CAM_MISMATCH for any other layout. */
export function readNpyFloat32(bytes: Uint8Array): { data: Float32Array; shape: number[] } {
  try {
    return readNpy(bytes);
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'CAM_MISMATCH')
      throw new DicomOutError('CAM_MISMATCH', e.message, {
        cause: e,
        details: { ...(e as { details?: Record<string, unknown> }).details },
      });
    throw e;
  }
}
