/**
 * The Grad-CAM overlay canvas over the stack viewport. Each slice's map is computed once (in the
 * slice's own pixel grid, by camOnSlice through the CAM affine) and drawn with the 2-D transform
 * that takes the slice's pixel grid to canvas pixels: pixel (c, r) → patient (pixelToPatient) →
 * viewport.worldToCanvas. So it stays on the anatomy through zoom and pan.
 */
import type { Types } from '@cornerstonejs/core';
import { CamMismatchError, pixelToPatient, type SlicePlane } from '@embolus/shared/evidence';
import { overlayPixels, type ViewerCam } from './evidence';

type Plane = SlicePlane & { rows: number; cols: number };

/** The map's grid side at most: the CAM holds about 192 columns over the lung box, so a finer grid adds nothing but time. */
const MAX_GRID = 256;

/** Slice pixels per map pixel along each side. */
export function coarseStep(plane: { rows: number; cols: number }): number {
  return Math.ceil(Math.max(plane.rows, plane.cols) / MAX_GRID);
}

/**
 * The grid the map is computed on: the slice's own for matrices up to 256², else blocks of
 * `step` × `step` pixels (a 512² slice: 256², a quarter of the sampling work per slice while
 * scrolling). Each block's plane position is its centre, so drawing stays exact.
 */
export function coarse(plane: Plane): Plane {
  const step = coarseStep(plane);
  if (step <= 1) return plane;
  const centre = pixelToPatient(plane, (step - 1) / 2, (step - 1) / 2);
  return {
    imagePositionPatient: centre,
    imageOrientationPatient: plane.imageOrientationPatient,
    pixelSpacing: [plane.pixelSpacing[0] * step, plane.pixelSpacing[1] * step],
    rows: Math.ceil(plane.rows / step),
    cols: Math.ceil(plane.cols / step),
  };
}

/**
 * A small cache of rendered slice maps (a 512² map is 1 MB as RGBA). A CAM that cannot be placed
 * (CamMismatchError) gives no map and is reported once through `onMismatch`, never thrown: it is
 * called from effects and thumbnail painting, where a throw would unmount the viewer.
 */
export class OverlayCache {
  private readonly maps = new Map<string, HTMLCanvasElement>();
  private mismatch = false;
  constructor(
    private readonly cam: ViewerCam,
    private readonly onMismatch: (message: string) => void,
    private readonly limit = 48,
  ) {}

  /** The slice's map as a canvas, on `coarse(plane)`'s grid; null when the CAM cannot be placed. */
  get(imageId: string, plane: Plane): HTMLCanvasElement | null {
    if (this.mismatch) return null;
    let c = this.maps.get(imageId);
    if (c) {
      this.maps.delete(imageId);
      this.maps.set(imageId, c);
      return c;
    }
    const grid = coarse(plane);
    let pixels: ImageData;
    try {
      pixels = overlayPixels(this.cam, grid, grid.rows, grid.cols);
    } catch (e) {
      if (!(e instanceof CamMismatchError)) throw e;
      this.mismatch = true;
      this.onMismatch(e.message);
      return null;
    }
    c = document.createElement('canvas');
    c.width = grid.cols;
    c.height = grid.rows;
    c.getContext('2d')!.putImageData(pixels, 0, 0);
    this.maps.set(imageId, c);
    if (this.maps.size > this.limit) this.maps.delete(this.maps.keys().next().value as string);
    return c;
  }
}

/** Draws a slice's map on the overlay canvas (or clears it when `map` is null). */
export function drawOverlay(
  canvas: HTMLCanvasElement,
  viewport: Types.IStackViewport,
  plane: Plane | null,
  map: HTMLCanvasElement | null,
  opacity: number,
): void {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.round(canvas.clientWidth * dpr);
  const h = Math.round(canvas.clientHeight * dpr);
  if (canvas.width !== w || canvas.height !== h) (canvas.width = w), (canvas.height = h);
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, w, h);
  if (!plane || !map || opacity <= 0) return;
  plane = coarse(plane);
  const at = (c: number, r: number) => viewport.worldToCanvas(pixelToPatient(plane, c, r) as Types.Point3);
  const o = at(0, 0);
  const x = at(1, 0);
  const y = at(0, 1);
  const a = x[0] - o[0];
  const b = x[1] - o[1];
  const c = y[0] - o[0];
  const d = y[1] - o[1];
  // The map's pixel (i, j) covers [i, i+1] × [j, j+1]; its centre is the slice pixel's centre.
  ctx.setTransform(a * dpr, b * dpr, c * dpr, d * dpr, (o[0] - (a + c) / 2) * dpr, (o[1] - (b + d) / 2) * dpr);
  ctx.globalAlpha = opacity;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(map, 0, 0);
  ctx.globalAlpha = 1;
}
