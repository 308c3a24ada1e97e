/**
 * The volume that flows through the pipeline: HU voxels plus the geometry that places them in
 * patient space, plus a record of what each step did. Steps never mutate their input
 * (one exception: fillPadding fills data handed over with `fromConsumedDicomVolume` in place).
 */
import type { Vec3 } from '@embolus/dicom';

/** A 3-D box in voxel indices, inclusive start, exclusive end, [z, y, x]. */
export interface Box {
  start: [number, number, number];
  end: [number, number, number];
}

/** What one step did, for meta.json and for drawing overlays back on the source slices. */
export interface StepRecord {
  step: string;
  ms: number;
  shapeIn: [number, number, number];
  shapeOut: [number, number, number];
  spacingIn: [number, number, number];
  spacingOut: [number, number, number];
  [key: string]: unknown;
}

/** A source slice contributing to a z index, with its interpolation weight. */
export interface SliceWeight {
  /** Index into `sources`. */
  source: number;
  weight: number;
}

/** A CT volume in the pipeline. Index = (z · ny + y) · nx + x; z ascends from feet to head. */
export interface PipelineVolume {
  data: Float32Array;
  /** [nz, ny, nx] */
  shape: [number, number, number];
  /** [z, y, x] mm */
  spacing: [number, number, number];
  /** Patient position (mm) of voxel (0,0,0). */
  origin: Vec3;
  /** Unit vectors of x (row), y (column) and z axes in patient space. */
  direction: { x: Vec3; y: Vec3; z: Vec3 };
  /** Source slices (SOPInstanceUIDs), as acquired. */
  sources: string[];
  /** For each z index, the source slices it was interpolated from. */
  zSources: SliceWeight[][];
  /** Position of each z index along the z direction (mm), relative to nothing in particular: patient space dot z. */
  zPositions: number[];
  /**
   * In-plane offset (mm along x, y) of each z slice's first voxel from `origin`. Non-zero under
   * gantry tilt, where each slice is shifted; resampling removes it.
   */
  sliceOffsets?: [number, number][];
  /** Voxels the scanner marked as padding (NaN in `data`); 0 lets fillPadding skip its pass. */
  paddingCount?: number;
  warnings: string[];
  record: StepRecord[];
  /** Set by the lung-mask step. */
  lungMask?: Uint8Array;
}

export const voxelCount = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
