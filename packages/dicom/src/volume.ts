/**
 * Turning a planned series into a HU volume (z, y, x) with its geometry.
 */
import { decodeDicomInto, type DecodeOptions } from './decode';
import { DicomError } from './errors';
import type { Vec3 } from './instance-info';
import type { SeriesPlan, SeriesWarning } from './series';

/** A CT volume in Hounsfield units with the geometry that places it in patient space. */
export interface Volume {
  /** HU, index = (z · ny + y) · nx + x; NaN where the scanner marked padding. */
  data: Float32Array;
  /** [nz, ny, nx] */
  shape: [number, number, number];
  /** [z, y, x] spacing in mm; z is the median slice spacing. */
  spacing: [number, number, number];
  /** Patient position (mm) of voxel (0, 0, 0). */
  origin: Vec3;
  /** Unit vectors of the x (row), y (column) and z (slice) axes in patient space. */
  direction: { x: Vec3; y: Vec3; z: Vec3 };
  /** SOPInstanceUID of each z slice (with `#frame` for multi-frame instances). */
  sopInstanceUids: string[];
  /** Position of each slice along the normal (mm): the truth when spacing is irregular. */
  slicePositions: number[];
  /** ImagePositionPatient of each slice: differs from origin + z·normal under gantry tilt. */
  sliceOrigins: Vec3[];
  paddingCount: number;
  warnings: SeriesWarning[];
}

/**
 * Decodes every slice of a plan into one volume. `read` returns an instance's bytes by its
 * source name; each instance is read and decoded once even when it holds many frames.
 */
export async function assembleVolume(
  plan: SeriesPlan,
  read: (source: string) => Promise<Uint8Array>,
  options: Omit<DecodeOptions, 'source'> = {},
): Promise<Volume> {
  const ny = plan.rows;
  const nx = plan.cols;
  const sliceLen = nx * ny;
  const data = new Float32Array(plan.slices.length * sliceLen);
  let paddingCount = 0;
  for (const [source, zs] of slicesByInstance(plan)) {
    paddingCount += await decodeInstanceSlices(
      await read(source),
      source,
      zs.map((z) => plan.slices[z]!.frame),
      zs,
      ny,
      nx,
      data,
      options,
    );
  }
  return finishVolume(plan, data, paddingCount);
}

/**
 * Decodes one instance into the volume `data` (slices of rows × cols): its frame `frames[i]` becomes
 * slice `zs[i]`; frames the plan does not use are decoded and dropped. Returns the instance's
 * padding count. Throws DicomError (INCONSISTENT_SERIES when its size differs from the series').
 */
export async function decodeInstanceSlices(
  bytes: Uint8Array,
  source: string,
  frames: readonly number[],
  zs: readonly number[],
  rows: number,
  cols: number,
  data: Float32Array,
  options: Omit<DecodeOptions, 'source'> = {},
): Promise<number> {
  const { paddingCount } = await decodeDicomInto(
    bytes,
    data,
    (pixel) => {
      if (pixel.rows !== rows || pixel.cols !== cols) {
        throw new DicomError('INCONSISTENT_SERIES', `${source} is ${pixel.cols}x${pixel.rows}, the series is ${cols}x${rows}`, {
          details: { source },
        });
      }
      const offsets = new Array<number>(pixel.frames).fill(-1);
      frames.forEach((f, i) => (offsets[f] = zs[i]! * rows * cols));
      return offsets;
    },
    { ...options, source },
  );
  return paddingCount;
}

/** z indices of the plan grouped by instance: slices of one multi-frame instance share a decode. */
export function slicesByInstance(plan: SeriesPlan): Map<string, number[]> {
  const byInstance = new Map<string, number[]>();
  plan.slices.forEach((s, z) => {
    const list = byInstance.get(s.info.source);
    if (list) list.push(z);
    else byInstance.set(s.info.source, [z]);
  });
  return byInstance;
}

/** Wraps decoded HU of a plan with its geometry. */
export function finishVolume(plan: SeriesPlan, data: Float32Array, paddingCount: number): Volume {
  const [sy, sx] = plan.pixelSpacing ?? [1, 1];
  const dir = plan.direction ?? { row: [1, 0, 0] as Vec3, col: [0, 1, 0] as Vec3, normal: [0, 0, 1] as Vec3 };
  const warnings = [...plan.warnings];
  if (!plan.pixelSpacing) warnings.push({ code: 'NO_GEOMETRY', message: 'PixelSpacing missing: 1 mm assumed' });
  return {
    data,
    shape: [plan.slices.length, plan.rows, plan.cols],
    spacing: [plan.sliceSpacing ?? plan.sliceThickness ?? 1, sy, sx],
    origin: plan.origin ?? [0, 0, 0],
    direction: { x: dir.row, y: dir.col, z: dir.normal },
    sopInstanceUids: plan.slices.map((s) =>
      s.info.pixel && s.info.pixel.frames > 1 ? `${s.sopInstanceUid}#${s.frame}` : s.sopInstanceUid,
    ),
    slicePositions: plan.slices.map((s) => s.position),
    sliceOrigins: plan.slices.map((s) => s.info.planes[s.frame]?.imagePositionPatient ?? plan.origin ?? [0, 0, 0]),
    paddingCount,
    warnings,
  };
}
