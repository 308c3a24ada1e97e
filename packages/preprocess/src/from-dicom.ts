/**
 * Entry into the pipeline from an assembled DICOM series, and the first two steps: order the
 * volume bottom to top, and turn padding into air.
 */
import type { Volume } from '@embolus/dicom';
import { dot, sub, type Vec3 } from '@embolus/shared';
import type { Step } from './compose';
import type { PipelineVolume } from './volume';

function offsets(origins: Vec3[], origin: Vec3, x: Vec3, y: Vec3): [number, number][] {
  return origins.map((o) => [dot(sub(o, origin), x), dot(sub(o, origin), y)]);
}

/**
 * Data arrays whose owner handed them to the pipeline to overwrite (see `fromConsumedDicomVolume`).
 * Module-private, so only code in this package can hand data over.
 */
const consumable = new WeakSet<Float32Array>();

/**
 * Like `fromDicomVolume`, for a caller that drops `vol` afterwards (it loaded the series itself):
 * fillPadding then turns padding into air in place, without a copy of the whole volume (a third
 * of a second and 256 MiB at 256 × 512²). Not exported from the package: steps never mutate a
 * volume anyone else can still see.
 */
export function fromConsumedDicomVolume(vol: Volume): PipelineVolume {
  consumable.add(vol.data);
  return fromDicomVolume(vol);
}

/** Wraps a series volume (HU, geometry, source slices) for the pipeline. Copies nothing. */
export function fromDicomVolume(vol: Volume): PipelineVolume {
  const { x, y } = vol.direction;
  return {
    data: vol.data,
    shape: vol.shape,
    spacing: vol.spacing,
    origin: vol.origin,
    direction: vol.direction,
    sources: vol.sopInstanceUids,
    zSources: vol.sopInstanceUids.map((_, i) => [{ source: i, weight: 1 }]),
    zPositions: vol.slicePositions,
    sliceOffsets: offsets(vol.sliceOrigins, vol.sliceOrigins[0] ?? vol.origin, x, y),
    paddingCount: vol.paddingCount,
    warnings: vol.warnings.map((w) => `${w.code}: ${w.message}`),
    record: [],
  };
}

/**
 * Makes z ascend from feet to head. Series assembly sorts along the slice normal, which points
 * down when a scanner writes row × column = −z; the model was trained on feet-to-head windows.
 */
export function orderBottomToTop(): Step {
  return {
    name: 'orderBottomToTop',
    apply(v) {
      if (v.direction.z[2] >= 0) return { volume: v, record: { flipped: false } };
      const [nz, ny, nx] = v.shape;
      const plane = ny * nx;
      const data = new Float32Array(v.data.length);
      for (let z = 0; z < nz; z++) data.set(v.data.subarray((nz - 1 - z) * plane, (nz - z) * plane), z * plane);
      const last = nz - 1;
      const lastOffset = v.sliceOffsets?.[last] ?? [0, 0];
      const zDir: Vec3 = [-v.direction.z[0], -v.direction.z[1], -v.direction.z[2]];
      const origin: Vec3 = [0, 1, 2].map(
        (i) =>
          v.origin[i]! +
          lastOffset[0] * v.direction.x[i]! +
          lastOffset[1] * v.direction.y[i]! +
          (v.zPositions[last]! - v.zPositions[0]!) * v.direction.z[i]!,
      ) as Vec3;
      return {
        volume: {
          ...v,
          data,
          origin,
          direction: { ...v.direction, z: zDir },
          zSources: [...v.zSources].reverse(),
          zPositions: v.zPositions.map((p) => -p).reverse(),
          ...(v.sliceOffsets
            ? { sliceOffsets: [...v.sliceOffsets].reverse().map(([a, b]) => [a - lastOffset[0], b - lastOffset[1]] as [number, number]) }
            : {}),
        },
        record: { flipped: true },
      };
    },
  };
}

/**
 * Copies `src` into `data` (a new array by default; `src` itself fills in place) with NaN replaced
 * by `hu`; returns the array and how many NaN it replaced. One pass, writing each voxel once:
 * copying first and then scanning the copy for NaN cost twice the memory traffic.
 */
function copyFillingNaN(
  src: Float32Array,
  hu: number,
  data: Float32Array = new Float32Array(src.length),
): { data: Float32Array; count: number } {
  let count = 0;
  if (data === src) {
    // In place: only the padding voxels are written.
    for (let i = 0; i < src.length; i++) {
      // x !== x only for NaN.
      if (src[i] !== src[i]) {
        data[i] = hu;
        count++;
      }
    }
    return { data, count };
  }
  for (let i = 0; i < src.length; i++) {
    const x = src[i]!;
    if (x !== x) {
      data[i] = hu;
      count++;
    } else data[i] = x;
  }
  return { data, count };
}

/** Replaces padding voxels (NaN from the decoder) with `hu`, air by default: they lie outside the body. */
export function fillPadding(hu = -1024): Step {
  return {
    name: 'fillPadding',
    apply(v) {
      // Copying a 256-slice volume costs a third of a second: skip it when the decoder saw no padding.
      if (v.paddingCount === 0) return { volume: v, record: { filled: 0, value: hu } };
      const { data, count } = copyFillingNaN(v.data, hu, consumable.has(v.data) ? v.data : undefined);
      return { volume: { ...v, data, paddingCount: 0 }, record: { filled: count, value: hu } };
    },
  };
}
