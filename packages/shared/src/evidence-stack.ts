/**
 * The CAM's windows against a stack of source slices, for the viewer's z-strip and key images:
 * window → CAM frames → patient position (through the result's CAM affine) → nearest source
 * slice, and back from a slice to the window whose frames it lies in. Pure functions over
 * geometry; no index guesswork between windows and slices.
 */
import type { AnalysisResult, CamGeometry } from './result';
import type { SlicePlane } from './evidence';

type V3 = [number, number, number];

/** Inverse of a 3×3 row-major matrix, or null when singular. */
export function invert3(m: readonly number[]): number[] | null {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) return null;
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ];
}

/**
 * Whether the CAM can be placed on source images through its geometry: every affine entry is
 * finite and the affine's 3×3 linear part can be inverted (placing goes patient → CAM index).
 * camOnSlice throws CamMismatchError for a geometry that is not; check this first to show a reason instead.
 */
export function isPlaceable(geometry: Pick<CamGeometry, 'affine'>): boolean {
  const a = geometry.affine;
  if (a.length < 12 || !a.slice(0, 12).every(Number.isFinite)) return false;
  return invert3([a[0]!, a[1]!, a[2]!, a[4]!, a[5]!, a[6]!, a[8]!, a[9]!, a[10]!]) !== null;
}

/** Patient position (mm) of the centre of CAM voxel (col, row, frame). */
export function camVoxelToPatient(geometry: CamGeometry, col: number, row: number, frame: number): V3 {
  const a = geometry.affine;
  return [0, 1, 2].map((r) => a[r * 4]! * col + a[r * 4 + 1]! * row + a[r * 4 + 2]! * frame + a[r * 4 + 3]!) as V3;
}

/** CAM index (col, row, frame), fractional, of a patient position; null when the affine is singular. */
export function patientToCamIndex(geometry: CamGeometry, p: readonly number[]): V3 | null {
  const a = geometry.affine;
  const inv = invert3([a[0]!, a[1]!, a[2]!, a[4]!, a[5]!, a[6]!, a[8]!, a[9]!, a[10]!]);
  if (!inv) return null;
  const d = [p[0]! - a[3]!, p[1]! - a[7]!, p[2]! - a[11]!];
  return [0, 1, 2].map((r) => inv[r * 3]! * d[0]! + inv[r * 3 + 1]! * d[1]! + inv[r * 3 + 2]! * d[2]!) as V3;
}

/** Unit normal of a slice plane (row direction × column direction). */
function normalOf(plane: SlicePlane): V3 {
  const [a, b, c, d, e, f] = plane.imageOrientationPatient;
  const n: V3 = [b * f - c * e, c * d - a * f, a * e - b * d];
  const len = Math.hypot(...n) || 1;
  return [n[0] / len, n[1] / len, n[2] / len];
}

/** Patient position (mm) of the centre of pixel (col, row) of a slice. */
export function pixelToPatient(plane: SlicePlane, col: number, row: number): V3 {
  const [x, y, z] = plane.imagePositionPatient;
  const o = plane.imageOrientationPatient;
  const [rowSpacing, colSpacing] = plane.pixelSpacing;
  return [
    x + o[0] * col * colSpacing + o[3] * row * rowSpacing,
    y + o[1] * col * colSpacing + o[4] * row * rowSpacing,
    z + o[2] * col * colSpacing + o[5] * row * rowSpacing,
  ];
}

/** Index of the slice whose plane lies nearest to a patient position (distance along each plane's normal); -1 for no slices. */
export function nearestSlice(planes: readonly SlicePlane[], p: readonly number[]): number {
  let best = -1;
  let bestDist = Infinity;
  planes.forEach((plane, i) => {
    const n = normalOf(plane);
    const o = plane.imagePositionPatient;
    const d = Math.abs((p[0]! - o[0]) * n[0] + (p[1]! - o[1]) * n[1] + (p[2]! - o[2]) * n[2]);
    if (d < bestDist) (bestDist = d), (best = i);
  });
  return best;
}

/** CAM frames per result window (the CAM holds windows × frames), or null when they do not divide. */
export function framesPerWindow(windowCount: number, geometry: CamGeometry): number | null {
  const f = windowCount > 0 ? geometry.shape[0] / windowCount : 0;
  return Number.isInteger(f) && f >= 1 ? f : null;
}

/** The source slices a window's frames land on: first, centre and last, as stack indices (ascending). */
export interface WindowSlices {
  first: number;
  centre: number;
  last: number;
}

/**
 * Where result window `windowIndex` lies in the stack: its first, centre and last valid CAM frames
 * (frame centres at the CAM's in-plane centre) through the affine, each to the nearest slice.
 * Null when the window holds no valid frame or the geometry does not divide into windows.
 */
export function windowToSlices(
  geometry: CamGeometry,
  windowCount: number,
  windowIndex: number,
  planes: readonly SlicePlane[],
): WindowSlices | null {
  const per = framesPerWindow(windowCount, geometry);
  if (per === null || planes.length === 0) return null;
  const start = windowIndex * per;
  const end = Math.min(start + per, geometry.validFrames, geometry.shape[0]) - 1;
  if (start > end) return null;
  const [, h, w] = geometry.shape;
  const at = (frame: number) => nearestSlice(planes, camVoxelToPatient(geometry, (w - 1) / 2, (h - 1) / 2, frame));
  const ends = [at(start), at(end)].sort((a, b) => a - b) as [number, number];
  return { first: ends[0], centre: at((start + end) / 2), last: ends[1] };
}

/**
 * The window a slice lies in: the slice centre through the inverse affine to a CAM frame, and
 * that frame's window. Null outside the CAM's valid frames (beyond the lung crop or the scan).
 */
export function sliceToWindow(geometry: CamGeometry, windowCount: number, plane: SlicePlane, rows: number, cols: number): number | null {
  const per = framesPerWindow(windowCount, geometry);
  const idx = patientToCamIndex(geometry, pixelToPatient(plane, (cols - 1) / 2, (rows - 1) / 2));
  if (per === null || !idx) return null;
  const frame = Math.round(idx[2]);
  if (frame < 0 || frame >= Math.min(geometry.validFrames, geometry.shape[0])) return null;
  return Math.floor(frame / per);
}

/** A key image: a window chosen by keyWindows and the stack slice at that window's CAM maximum. */
export interface KeySlice {
  windowIndex: number;
  probability: number;
  slice: number;
  /** Patient position (mm) of the CAM maximum. */
  point: V3;
}

/**
 * The slice at the CAM maximum within each given window (the voxel of highest CAM among the
 * window's valid frames, through the affine to the nearest slice). Windows without a valid frame
 * are left out.
 */
export function keySlices(
  windows: AnalysisResult['windows'],
  windowCount: number,
  cam: { data: Float32Array; geometry: CamGeometry },
  planes: readonly SlicePlane[],
): KeySlice[] {
  const per = framesPerWindow(windowCount, cam.geometry);
  if (per === null || planes.length === 0) return [];
  const [frames, h, w] = cam.geometry.shape;
  const valid = Math.min(cam.geometry.validFrames, frames);
  const out: KeySlice[] = [];
  for (const win of windows) {
    const start = win.index * per;
    const end = Math.min(start + per, valid);
    let best = -Infinity;
    let at = -1;
    for (let i = start * h * w; i < end * h * w; i++) if (cam.data[i]! > best) (best = cam.data[i]!), (at = i);
    if (at < 0) continue;
    const frame = Math.floor(at / (h * w));
    const point = camVoxelToPatient(cam.geometry, at % w, Math.floor(at / w) % h, frame);
    out.push({ windowIndex: win.index, probability: win.probability, slice: nearestSlice(planes, point), point });
  }
  return out;
}

/** Stack order of slices: ascending position along the first plane's normal (feet to head for axial). */
export function stackOrder(planes: readonly SlicePlane[]): number[] {
  if (planes.length === 0) return [];
  const n = normalOf(planes[0]!);
  const pos = planes.map((p) => p.imagePositionPatient[0] * n[0] + p.imagePositionPatient[1] * n[1] + p.imagePositionPatient[2] * n[2]);
  return pos.map((_, i) => i).sort((a, b) => pos[a]! - pos[b]! || a - b);
}
