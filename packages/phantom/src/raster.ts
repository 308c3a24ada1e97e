/**
 * Painting primitives for one axial slice. Each primitive writes a HU value and a tissue class
 * into the pixels it covers, optionally only over pixels whose current class is in a mask
 * (that is how intrapulmonary vessels stay inside the lungs and emboli inside the lumen).
 * Work is bounded by each shape's box and rows are filled as spans, so a 512² slice costs a few
 * milliseconds whatever the number of shapes.
 */
import type { Tube } from './geometry';

/** Tissue classes painted alongside HU; the truth masks are read from them. */
export const TISSUE = {
  AIR: 0,
  COUCH: 1,
  FAT: 2,
  MUSCLE: 3,
  /** Soft tissue inside the thoracic cavity that is neither lung nor a named organ. */
  SOFT_TISSUE: 4,
  BONE: 5,
  LUNG: 6,
  AIRWAY: 7,
  ABDOMEN: 8,
  MYOCARDIUM: 9,
  RIGHT_HEART_BLOOD: 10,
  LEFT_HEART_BLOOD: 11,
  AORTA: 12,
  SVC: 13,
  /** Trunk, main and lobar pulmonary arteries: where emboli are placed. */
  PULMONARY_ARTERY: 14,
  /** Intrapulmonary (segmental and smaller) arteries, inside the lung mask. */
  LUNG_ARTERY: 15,
  LUNG_VEIN: 16,
  EMBOLUS: 17,
  CSF: 18,
  DISC: 19,
  /** Systemic veins without contrast (left brachiocephalic). */
  SYSTEMIC_VEIN: 20,
} as const;

/** A tissue class id. */
export type Tissue = (typeof TISSUE)[keyof typeof TISSUE];

/** Bit mask of tissue classes, for painting only over some classes. */
export const maskOf = (...classes: Tissue[]): number => classes.reduce<number>((m, c) => m | (1 << c), 0);

/** The pixel grid of a slice: n × n pixels, pixel (0, 0) centred at (x0, y0), spacing ps (mm). */
export interface SliceGrid {
  n: number;
  ps: number;
  x0: number;
  y0: number;
}

/** HU and tissue class of every pixel of one slice, row-major. */
export interface SliceBuffers {
  hu: Float32Array;
  cls: Uint8Array;
}

/** Allocates slice buffers for a grid. */
export function sliceBuffers(n: number): SliceBuffers {
  return { hu: new Float32Array(n * n), cls: new Uint8Array(n * n) };
}

/** A HU value, constant or varying with the row's y (mm). */
export type HuValue = number | ((y: number) => number);

function fillSpan(buf: SliceBuffers, grid: SliceGrid, i: number, xLo: number, xHi: number, hu: number, cls: Tissue, over: number): void {
  const j0 = Math.max(0, Math.ceil((xLo - grid.x0) / grid.ps));
  const j1 = Math.min(grid.n - 1, Math.floor((xHi - grid.x0) / grid.ps));
  if (j1 < j0) return;
  const base = i * grid.n;
  if (over === -1) {
    buf.hu.fill(hu, base + j0, base + j1 + 1);
    buf.cls.fill(cls, base + j0, base + j1 + 1);
    return;
  }
  for (let k = base + j0; k <= base + j1; k++) {
    if ((over >> buf.cls[k]!) & 1) {
      buf.hu[k] = hu;
      buf.cls[k] = cls;
    }
  }
}

function rowRange(grid: SliceGrid, yLo: number, yHi: number): [number, number] {
  return [Math.max(0, Math.ceil((yLo - grid.y0) / grid.ps)), Math.min(grid.n - 1, Math.floor((yHi - grid.y0) / grid.ps))];
}

/** Fills the axis-aligned ellipse ((x−cx)/a)² + ((y−cy)/b)² < 1. `over` = −1 paints everywhere. */
export function fillEllipse(
  buf: SliceBuffers,
  grid: SliceGrid,
  cx: number,
  cy: number,
  a: number,
  b: number,
  hu: HuValue,
  cls: Tissue,
  over = -1,
): void {
  if (!(a > 0 && b > 0)) return;
  const [i0, i1] = rowRange(grid, cy - b, cy + b);
  for (let i = i0; i <= i1; i++) {
    const y = grid.y0 + i * grid.ps;
    const d = (y - cy) / b;
    const w = 1 - d * d;
    if (w <= 0) continue;
    const half = a * Math.sqrt(w);
    fillSpan(buf, grid, i, cx - half, cx + half, typeof hu === 'number' ? hu : hu(y), cls, over);
  }
}

/** Fills the rectangle [xLo, xHi] × [yLo, yHi]. */
export function fillRect(
  buf: SliceBuffers,
  grid: SliceGrid,
  xLo: number,
  xHi: number,
  yLo: number,
  yHi: number,
  hu: number,
  cls: Tissue,
  over = -1,
): void {
  const [i0, i1] = rowRange(grid, yLo, yHi);
  for (let i = i0; i <= i1; i++) fillSpan(buf, grid, i, xLo, xHi, hu, cls, over);
}

/**
 * Fills an ellipse with half-axis `p` along u = (cos θ, −sin θ) and `q` along v = (sin θ, cos θ).
 * Each row is the interval where a quadratic in x is negative.
 */
export function fillRotatedEllipse(
  buf: SliceBuffers,
  grid: SliceGrid,
  cx: number,
  cy: number,
  p: number,
  q: number,
  angle: number,
  hu: number,
  cls: Tissue,
  over = -1,
): void {
  if (!(p > 0 && q > 0)) return;
  const c = Math.cos(angle),
    s = Math.sin(angle);
  const ip = 1 / (p * p),
    iq = 1 / (q * q);
  const alpha = c * c * ip + s * s * iq;
  const reach = Math.max(p, q);
  const [i0, i1] = rowRange(grid, cy - reach, cy + reach);
  for (let i = i0; i <= i1; i++) {
    const dy = grid.y0 + i * grid.ps - cy;
    const beta = 2 * dy * c * s * (iq - ip);
    const gamma = dy * dy * (s * s * ip + c * c * iq) - 1;
    const disc = beta * beta - 4 * alpha * gamma;
    if (disc <= 0) continue;
    const root = Math.sqrt(disc);
    fillSpan(buf, grid, i, cx + (-beta - root) / (2 * alpha), cx + (-beta + root) / (2 * alpha), hu, cls, over);
  }
}

/**
 * Fills the cross-section of a tapered tube with the plane at height z: pixels whose 3-D distance
 * to the segment is below the local radius.
 */
export function fillTube(buf: SliceBuffers, grid: SliceGrid, t: Tube, z: number, hu: number, cls: Tissue, over = -1): void {
  const rMax = Math.max(t.ra, t.rb);
  const dx = t.b[0] - t.a[0],
    dy = t.b[1] - t.a[1],
    dz = t.b[2] - t.a[2];
  // Part of the axis within rMax of the plane bounds the pixels that can be inside.
  let s0 = 0,
    s1 = 1;
  if (dz !== 0) {
    const u = (z - rMax - t.a[2]) / dz,
      v = (z + rMax - t.a[2]) / dz;
    s0 = Math.max(0, Math.min(u, v));
    s1 = Math.min(1, Math.max(u, v));
    if (s0 > s1) return;
  } else if (Math.abs(z - t.a[2]) > rMax) return;
  const xLo = Math.min(t.a[0] + dx * s0, t.a[0] + dx * s1) - rMax,
    xHi = Math.max(t.a[0] + dx * s0, t.a[0] + dx * s1) + rMax;
  const yLo = Math.min(t.a[1] + dy * s0, t.a[1] + dy * s1) - rMax,
    yHi = Math.max(t.a[1] + dy * s0, t.a[1] + dy * s1) + rMax;
  const [i0, i1] = rowRange(grid, yLo, yHi);
  const j0 = Math.max(0, Math.ceil((xLo - grid.x0) / grid.ps));
  const j1 = Math.min(grid.n - 1, Math.floor((xHi - grid.x0) / grid.ps));
  const len2 = dx * dx + dy * dy + dz * dz;
  const inv = len2 > 0 ? 1 / len2 : 0;
  const pz = z - t.a[2];
  for (let i = i0; i <= i1; i++) {
    const py = grid.y0 + i * grid.ps - t.a[1];
    const base = i * grid.n;
    for (let j = j0; j <= j1; j++) {
      const k = base + j;
      if (over !== -1 && !((over >> buf.cls[k]!) & 1)) continue;
      const px = grid.x0 + j * grid.ps - t.a[0];
      let s = (px * dx + py * dy + pz * dz) * inv;
      s = s < 0 ? 0 : s > 1 ? 1 : s;
      const ex = px - s * dx,
        ey = py - s * dy,
        ez = pz - s * dz;
      const r = t.ra + (t.rb - t.ra) * s;
      if (ex * ex + ey * ey + ez * ez < r * r) {
        buf.hu[k] = hu;
        buf.cls[k] = cls;
      }
    }
  }
}
