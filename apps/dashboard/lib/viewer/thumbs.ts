/**
 * Key-image thumbnails: the slice in the CTPA window with the Grad-CAM overlay, drawn from the
 * decoded image in cornerstone's cache (the same pixels the stack shows).
 */
import { loadImage, pixelsOf } from './engine';
import { coarseStep, type OverlayCache } from './overlay';
import type { Plane } from './useStack';

const PE = { width: 700, center: 100 };

/** Paints `imageId` with its overlay into `canvas` (scaled to fit). */
export async function paintThumb(canvas: HTMLCanvasElement, imageId: string, plane: Plane, overlay: OverlayCache | null): Promise<void> {
  await loadImage(imageId);
  const px = pixelsOf(imageId);
  if (!px) return;
  const full = document.createElement('canvas');
  full.width = px.cols;
  full.height = px.rows;
  const ctx = full.getContext('2d')!;
  const img = ctx.createImageData(px.cols, px.rows);
  const lo = PE.center - PE.width / 2;
  for (let i = 0; i < px.rows * px.cols; i++) {
    const hu = px.hu[i]! * px.slope + px.intercept;
    const g = Math.max(0, Math.min(255, ((hu - lo) / PE.width) * 255));
    img.data[i * 4] = img.data[i * 4 + 1] = img.data[i * 4 + 2] = g;
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  const map = overlay?.get(imageId, plane) ?? null;
  if (map) {
    ctx.globalAlpha = 0.7;
    const step = coarseStep(plane);
    ctx.drawImage(map, 0, 0, map.width * step, map.height * step);
    ctx.globalAlpha = 1;
  }
  const out = canvas.getContext('2d')!;
  out.fillStyle = '#000';
  out.fillRect(0, 0, canvas.width, canvas.height);
  const s = Math.min(canvas.width / px.cols, canvas.height / px.rows);
  out.imageSmoothingEnabled = true;
  out.drawImage(full, (canvas.width - px.cols * s) / 2, (canvas.height - px.rows * s) / 2, px.cols * s, px.rows * s);
}
