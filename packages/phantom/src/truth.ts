/**
 * Ground truth of a generated study, for tests of the other packages: geometry of the voxel
 * grid, the emboli, the heart measurements, and tissue masks re-rendered on demand (noiseless)
 * in the DICOM grid.
 */
import type { Anatomy, TissueHu } from './anatomy';
import type { Chronicity, Embolus } from './emboli';
import type { Vec3 } from './geometry';
import type { StudyKind } from './options';
import { TISSUE, maskOf, sliceBuffers, type SliceGrid } from './raster';
import { renderSlice } from './render-slice';
import type { Artery } from './vessels';

/** Ground truth of one study. Volumes are `[slices, rows, cols]`, slices by ascending z. */
export interface StudyTruth {
  kind: StudyKind;
  /** Chronicity of the emboli; null when the study is not positive. */
  chronicity: Chronicity | null;
  /** [slices, rows, cols] */
  shape: [number, number, number];
  /** [slice spacing, row spacing, column spacing] in mm. */
  spacing: [number, number, number];
  /** Patient position (mm) of the centre of voxel [0, 0, 0]; columns run +x, rows +y, slices +z. */
  origin: Vec3;
  /** z (mm) of every slice centre, ascending: ImagePositionPatient[2] of each file. */
  sliceZ: number[];
  sliceThicknessMm: number;
  emboli: Embolus[];
  rvDiameterMm: number;
  lvDiameterMm: number;
  rvLvRatio: number;
  /** HU of every tissue and blood compartment before noise. */
  hu: TissueHu;
  /** Trunk, main and lobar pulmonary arteries (centre lines and radii). */
  arteries: Artery[];
  /** Slices degraded by motion (indeterminate studies with qa_motion). */
  motionSlices: number[];
  /** The whole synthetic patient. */
  anatomy: Anatomy;
  /** Nearest voxel [slice, row, col] of a patient-space point (may fall outside the grid). */
  voxelOf(p: Vec3): [number, number, number];
  /** Tissue class (see TISSUE) of every pixel of slice k, rendered without noise. */
  tissueSlice(k: number): Uint8Array;
  /** 1 inside the lungs (parenchyma and intrapulmonary vessels), else 0; `[slices, rows, cols]`. */
  lungMask(): Uint8Array;
  /** 1 where an embolus covers the slice centre, else 0; `[slices, rows, cols]`. */
  embolusMask(): Uint8Array;
}

/** What the truth needs from the generator. */
export interface TruthInput {
  kind: StudyKind;
  chronicity: Chronicity | null;
  anatomy: Anatomy;
  grid: SliceGrid;
  sliceZ: number[];
  /** z at which each slice's anatomy was rendered (differs from sliceZ under motion). */
  renderZ: number[];
  sliceSpacingMm: number;
  sliceThicknessMm: number;
  emboli: Embolus[];
  motionSlices: number[];
  couchTopY: number;
}

const LUNG = maskOf(TISSUE.LUNG, TISSUE.LUNG_ARTERY, TISSUE.LUNG_VEIN);

/** Builds the truth object; masks are computed only when asked for. */
export function buildTruth(t: TruthInput): StudyTruth {
  const { grid, anatomy } = t;
  const n = grid.n;
  const origin: Vec3 = [grid.x0, grid.y0, t.sliceZ[0]!];
  const tissueSlice = (k: number): Uint8Array => {
    const z = t.renderZ[k];
    if (z === undefined) throw new RangeError(`slice ${k} is outside 0..${t.renderZ.length - 1}`);
    const buf = sliceBuffers(n);
    renderSlice(buf, grid, anatomy, z, t.emboli, t.sliceThicknessMm, t.couchTopY);
    return buf.cls;
  };
  const mask = (classes: number): Uint8Array => {
    const out = new Uint8Array(t.sliceZ.length * n * n);
    for (let k = 0; k < t.sliceZ.length; k++) {
      const cls = tissueSlice(k);
      const base = k * n * n;
      for (let p = 0; p < cls.length; p++) out[base + p] = (classes >> cls[p]!) & 1;
    }
    return out;
  };
  const heart = anatomy.heart;
  return {
    kind: t.kind,
    chronicity: t.chronicity,
    shape: [t.sliceZ.length, n, n],
    spacing: [t.sliceSpacingMm, grid.ps, grid.ps],
    origin,
    sliceZ: [...t.sliceZ],
    sliceThicknessMm: t.sliceThicknessMm,
    emboli: t.emboli,
    rvDiameterMm: heart.rvDiameterMm,
    lvDiameterMm: heart.lvDiameterMm,
    rvLvRatio: heart.rvDiameterMm / heart.lvDiameterMm,
    hu: anatomy.hu,
    arteries: anatomy.arteries,
    motionSlices: [...t.motionSlices],
    anatomy,
    voxelOf: (p) => [
      Math.round((p[2] - origin[2]) / t.sliceSpacingMm),
      Math.round((p[1] - grid.y0) / grid.ps),
      Math.round((p[0] - grid.x0) / grid.ps),
    ],
    tissueSlice,
    lungMask: () => mask(LUNG),
    embolusMask: () => mask(maskOf(TISSUE.EMBOLUS)),
  };
}
