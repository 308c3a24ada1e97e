/** How CAM values become overlay opacity (DOM-free, so the browser tests compute the expected colour with it). */

/** CAM values below this share of the maximum are not drawn, so the anatomy stays readable (as in the DICOM key images). */
export const OVERLAY_FLOOR = 0.3;

/** Overlay opacity for a CAM value t (share of the study's maximum), before the user's opacity. */
export function overlayAlpha(t: number): number {
  return t <= OVERLAY_FLOOR ? 0 : Math.min(1, (t - OVERLAY_FLOOR) / 0.5);
}
