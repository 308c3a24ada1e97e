/**
 * Image measurements for the study-quality gates (@embolus/shared `qualityChecks` turns them
 * into pass/fail): the attenuation of the pulmonary trunk / main pulmonary arteries, and how much
 * lung the first and last slices cut.
 *
 * Finding the pulmonary arteries from what the lung mask already gives us, as a reader would
 * place an ROI (no vessel segmentation, no network):
 *
 * 1. Level. The trunk and its bifurcation lie at the level of T5–T6, a little above the middle of
 *    the lungs' craniocaudal extent; the heart lies below, the aortic arch and the brachiocephalic
 *    veins (undiluted contrast from an arm injection) above. We search the slices between 20% and
 *    65% of the lung extent (slices holding ≥ 5% of the largest lung cross-section): trunk and
 *    right-ventricular outflow, which carry the same contrast, but not the arch or the veins above.
 * 2. Side. The trunk and the left pulmonary artery run on the patient's left of the midline (the
 *    midline here is the x-centroid of the lungs on that slice); the superior vena cava, which in
 *    a CTPA holds undiluted contrast far brighter than the arteries, and the ascending aorta are on
 *    the right. Only the left half is searched.
 * 3. Depth. The trunk is anterior; the spine and descending aorta are posterior. Only rows in
 *    front of the lungs' y-centroid are searched.
 * 4. Between the lungs. A voxel counts only if lung lies both further left and on the right half
 *    of its row: mediastinum, not chest wall.
 * 5. Compact, homogeneous region. A square ROI of about 1.5 × 1.5 cm (a reader's 1–2 cm² circle)
 *    must lie wholly in that mediastinal region, on non-lung voxels above −50 HU (no fat, no lung
 *    edge), with a standard deviation under 80 HU: a blood pool, as a reader places an ROI in the
 *    lumen. That rejects ROIs straddling bone and soft tissue (sternum, costal cartilage, spine),
 *    calcified plaque, contrast streaks and vessel walls; a 2–3 cm trunk holds it easily.
 * The measurement is the highest ROI mean over those positions and slices: in a pulmonary-arterial
 * phase the brightest large blood pool in the left anterior mediastinum is the trunk (or the
 * right-ventricular outflow, which feeds it). Taking the maximum over slices keeps a central
 * embolus from lowering it (some level shows patent lumen). Known limit: a late (systemic) phase
 * with a dense aortic root left of the midline could pass with poorly opacified arteries.
 */
import type { PipelineVolume } from './volume';

/** Settings of the pulmonary-artery measurement. */
export interface ArteryMeasureConfig {
  /** Lung-extent fractions (from the lowest lung slice) between which levels are searched. */
  levels: [number, number];
  /** Side of the square ROI (mm). */
  roiMm: number;
  /** Every ROI voxel must be above this (HU): excludes fat and lung partial volume. */
  minVoxelHu: number;
  /** Distance between the slices searched (mm): the trunk is 2–3 cm long and wide, 3 mm steps find it. */
  levelStepMm: number;
  /** Largest standard deviation (HU) within the ROI: image noise passes, a bone edge does not. */
  maxStdHu: number;
}

export const DEFAULT_ARTERY_MEASURE: ArteryMeasureConfig = {
  levels: [0.2, 0.65],
  roiMm: 15,
  minVoxelHu: -50,
  levelStepMm: 3,
  maxStdHu: 80,
};

/** What was measured; `hu` is undefined when no ROI fitted (with `note` saying why). */
export interface ArteryMeasurement {
  hu?: number;
  note?: string;
  /** Where the ROI was: slice index and in-plane centre (voxels of the volume measured). */
  at?: { z: number; y: number; x: number };
  /** Slices searched. */
  levels: [number, number];
}

/** Lung cross-section on the first and last slice, as a share of the largest (0–1). */
export interface LungCut {
  first: number;
  last: number;
}

/** Per-slice lung area (voxels) of the volume's lung mask. */
export function lungAreas(v: PipelineVolume): Float64Array {
  const [nz, ny, nx] = v.shape;
  const plane = ny * nx;
  const areas = new Float64Array(nz);
  const m = v.lungMask!;
  for (let z = 0; z < nz; z++) {
    let a = 0;
    for (let i = z * plane, e = i + plane; i < e; i++) a += m[i]!;
    areas[z] = a;
  }
  return areas;
}

/** How much lung the first and last slices hold (undefined without a lung mask). */
export function measureLungCut(v: PipelineVolume, areas?: Float64Array): LungCut | undefined {
  if (!v.lungMask) return undefined;
  const a = areas ?? lungAreas(v);
  const max = a.reduce((m, x) => Math.max(m, x), 0);
  if (max === 0) return undefined;
  return { first: a[0]! / max, last: a[a.length - 1]! / max };
}

/**
 * Measures the attenuation of the pulmonary trunk / main pulmonary arteries (see the file
 * comment). `allLevels` searches every slice: for a single slice, where there is no lung extent
 * to place the level in.
 */
export function measurePulmonaryArtery(
  v: PipelineVolume,
  config: Partial<ArteryMeasureConfig> & { allLevels?: boolean } = {},
  areasIn?: Float64Array,
): ArteryMeasurement {
  const c = { ...DEFAULT_ARTERY_MEASURE, ...config };
  const [nz, ny, nx] = v.shape;
  if (!v.lungMask) return { note: 'no lung mask', levels: [0, -1] };
  // Patient left is +x in DICOM's LPS frame, posterior is +y.
  const dx = v.direction.x,
    dy = v.direction.y;
  if (Math.abs(dx[0]) < 0.7 || Math.abs(dy[1]) < 0.7) return { note: 'rows and columns are not along the patient axes', levels: [0, -1] };
  const leftIsUp = dx[0] > 0; // increasing x index goes to the patient's left
  const anteriorIsDown = dy[1] > 0; // increasing y index goes posterior, so anterior is lower y
  const areas = areasIn ?? lungAreas(v);
  const maxArea = areas.reduce((m, x) => Math.max(m, x), 0);
  if (maxArea === 0) return { note: 'no lungs found', levels: [0, -1] };
  let lo = 0,
    hi = nz - 1;
  if (!config.allLevels) {
    let first = -1,
      last = -1;
    for (let z = 0; z < nz; z++) if (areas[z]! >= 0.05 * maxArea) first < 0 && (first = z), (last = z);
    const span = last - first;
    lo = Math.round(first + c.levels[0] * span);
    hi = Math.round(first + c.levels[1] * span);
  }
  const half = Math.max(1, Math.round(c.roiMm / 2 / v.spacing[1]));
  const halfX = Math.max(1, Math.round(c.roiMm / 2 / v.spacing[2]));
  const plane = ny * nx;
  const w = nx + 1;
  // Summed-area tables (HU, HU², allowed voxels) over the searched quadrant, reused for every slice.
  const sum = new Float64Array((ny + 1) * w);
  const sq = new Float64Array((ny + 1) * w);
  const ok = new Int32Array((ny + 1) * w);
  const allowed = new Uint8Array(plane);
  let best: ArteryMeasurement = { note: 'no region of the left anterior mediastinum fits the ROI', levels: [lo, hi] };
  let bestHu = -Infinity;
  const m = v.lungMask;
  const d = v.data;
  const step = config.allLevels ? 1 : Math.max(1, Math.round(c.levelStepMm / v.spacing[0]));
  for (let z = lo; z <= hi; z += step) {
    const o = z * plane;
    if (areas[z] === 0) continue;
    // Lung centroid of this slice: the midline (x) and the front/back divide (y).
    let sx = 0,
      sy = 0,
      n = 0;
    for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) if (m[o + y * nx + x]) (sx += x), (sy += y), n++;
    const cx = sx / n,
      cy = sy / n;
    // The searched quadrant, as index ranges: left of the midline, in front of the divide.
    const x0 = leftIsUp ? Math.floor(cx) + 1 : 0,
      x1 = leftIsUp ? nx : Math.ceil(cx);
    const y0 = anteriorIsDown ? 0 : Math.floor(cy) + 1,
      y1 = anteriorIsDown ? Math.ceil(cy) : ny;
    if (x1 - x0 <= 2 * halfX || y1 - y0 <= 2 * half) continue;
    const qw = x1 - x0 + 1;
    // Row 0 and column 0 of the tables are the zero border; earlier slices may have used them.
    sum.fill(0, 0, qw), sq.fill(0, 0, qw), ok.fill(0, 0, qw);
    for (let y = y0; y < y1; y++) {
      const row = o + y * nx;
      // Lung on the right half of this row, and the most lateral lung voxel on the left half.
      let right = false,
        lateral = -1;
      for (let x = 0; x < nx; x++) {
        if (!m[row + x]) continue;
        const left = leftIsUp ? x > cx : x < cx;
        if (!left) right = true;
        else if (lateral < 0 || (leftIsUp ? x > lateral : x < lateral)) lateral = x;
      }
      let rs = 0,
        rq = 0,
        ro = 0;
      const q = (y - y0 + 1) * qw,
        qp = (y - y0) * qw;
      (sum[q] = 0), (sq[q] = 0), (ok[q] = 0);
      for (let x = x0; x < x1; x++) {
        const i = row + x;
        const hu = d[i]!;
        const inside = right && lateral >= 0 && (leftIsUp ? lateral > x : lateral < x) && !m[i] && hu > c.minVoxelHu;
        allowed[(y - y0) * qw + x - x0] = inside ? 1 : 0;
        if (inside) (rs += hu), (rq += hu * hu), ro++;
        const k = x - x0 + 1;
        sum[q + k] = sum[qp + k]! + rs;
        sq[q + k] = sq[qp + k]! + rq;
        ok[q + k] = ok[qp + k]! + ro;
      }
    }
    const full = (2 * half + 1) * (2 * halfX + 1);
    const qh = y1 - y0;
    for (let y = half; y < qh - half; y++) {
      for (let x = halfX; x < qw - 1 - halfX; x++) {
        if (!allowed[y * qw + x]) continue;
        const a = (y - half) * qw + (x - halfX),
          b = (y - half) * qw + (x + halfX + 1);
        const cc = (y + half + 1) * qw + (x - halfX),
          dd = (y + half + 1) * qw + (x + halfX + 1);
        if (ok[dd]! - ok[b]! - ok[cc]! + ok[a]! !== full) continue;
        const mean = (sum[dd]! - sum[b]! - sum[cc]! + sum[a]!) / full;
        if (mean <= bestHu) continue;
        const variance = (sq[dd]! - sq[b]! - sq[cc]! + sq[a]!) / full - mean * mean;
        if (variance > c.maxStdHu * c.maxStdHu) continue;
        bestHu = mean;
        best = { hu: mean, at: { z, y: y + y0, x: x + x0 }, levels: [lo, hi] };
      }
    }
  }
  return best;
}
