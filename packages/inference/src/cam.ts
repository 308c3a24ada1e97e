/**
 * Grad-CAM maps from phase 1 ([W, d, h, w] at the last convolutional stage) upsampled to the
 * window's slices and the model's input size, as one uint8 volume over the cropped z range.
 */
import type { CamGeometry } from '@embolus/shared';

/** A CAM volume aligned with the preprocessed (cropped, 1 mm, resized) slices. */
export interface CamVolume {
  /** [W·windowSlices, size, size], 0..255, scaled by the study's maximum. */
  data: Uint8Array;
  shape: [number, number, number];
  /** CAM value that 255 stands for. */
  max: number;
}

function axis(nIn: number, nOut: number): { i0: Int32Array; i1: Int32Array; w: Float32Array } {
  const i0 = new Int32Array(nOut);
  const i1 = new Int32Array(nOut);
  const w = new Float32Array(nOut);
  for (let i = 0; i < nOut; i++) {
    // Half-pixel centres, like the preprocessing resize and PyTorch's align_corners=False.
    const u = Math.min(Math.max(((i + 0.5) * nIn) / nOut - 0.5, 0), nIn - 1);
    i0[i] = Math.floor(u);
    i1[i] = Math.min(i0[i]! + 1, nIn - 1);
    w[i] = u - i0[i]!;
  }
  return { i0, i1, w };
}

/**
 * Trilinear upsampling of each window's CAM to [windowSlices, size, size]. Separable: x, then y,
 * then z, into float buffers, so a 16-window study costs a few million multiply-adds (the
 * per-voxel 8-tap form took seconds on 2 cores).
 */
export function camToVolume(
  cam: Float32Array,
  camShape: readonly [number, number, number],
  windows: number,
  windowSlices: number,
  size: number,
): CamVolume {
  const [d, h, w] = camShape;
  const per = d * h * w;
  let max = 0;
  for (let i = 0; i < windows * per; i++) max = Math.max(max, cam[i]!);
  const out = new Uint8Array(windows * windowSlices * size * size);
  const az = axis(d, windowSlices);
  const ay = axis(h, size);
  const ax = axis(w, size);
  const scale = max > 0 ? 255 / max : 0;
  const bx = new Float64Array(d * h * size); // [d, h, size]
  const by = new Float64Array(d * size * size); // [d, size, size]
  const plane = size * size;
  for (let win = 0; win < windows; win++) {
    const c = cam.subarray(win * per, (win + 1) * per);
    for (let r = 0; r < d * h; r++) {
      for (let x = 0; x < size; x++) {
        const a = c[r * w + ax.i0[x]!]!;
        bx[r * size + x] = a + (c[r * w + ax.i1[x]!]! - a) * ax.w[x]!;
      }
    }
    for (let z = 0; z < d; z++) {
      for (let y = 0; y < size; y++) {
        const r0 = (z * h + ay.i0[y]!) * size;
        const r1 = (z * h + ay.i1[y]!) * size;
        const wy = ay.w[y]!;
        const o = (z * size + y) * size;
        for (let x = 0; x < size; x++) {
          const a = bx[r0 + x]!;
          by[o + x] = a + (bx[r1 + x]! - a) * wy;
        }
      }
    }
    for (let z = 0; z < windowSlices; z++) {
      const p0 = az.i0[z]! * plane;
      const p1 = az.i1[z]! * plane;
      const wz = az.w[z]!;
      const o = (win * windowSlices + z) * plane;
      for (let i = 0; i < plane; i++) {
        const a = by[p0 + i]!;
        out[o + i] = Math.round((a + (by[p1 + i]! - a) * wz) * scale);
      }
    }
  }
  return { data: out, shape: [windows * windowSlices, size, size], max };
}

/** What {@link camGeometry} reads of the preprocessed (cropped, 1 mm) volume. */
export interface CamSourceVolume {
  /** [nz, ny, nx] */
  shape: readonly [number, number, number];
  /** [z, y, x] mm */
  spacing: readonly [number, number, number];
  /** Patient position (mm) of voxel (0, 0, 0). */
  origin: readonly number[];
  direction: { x: readonly number[]; y: readonly number[]; z: readonly number[] };
}

/**
 * The affine from CAM voxel (col, row, frame) to patient mm, for a CAM volume of `shape`
 * [frames, size, size] made by {@link camToVolume} over `volume`: frame k is the volume's slice k
 * (windows are consecutive), and col/row undo the half-pixel-centred resize of nx/ny to size.
 */
export function camGeometry(volume: CamSourceVolume, shape: readonly [number, number, number]): CamGeometry {
  const [, ny, nx] = volume.shape;
  const [sz, sy, sx] = volume.spacing;
  const [, rows, cols] = shape;
  const fx = nx / cols;
  const fy = ny / rows;
  // Resized index i sits at source index (i + 0.5)·f − 0.5.
  const ox = 0.5 * fx - 0.5;
  const oy = 0.5 * fy - 0.5;
  const { x: dx, y: dy, z: dz } = volume.direction;
  const affine: number[] = [];
  for (let a = 0; a < 3; a++) {
    affine.push(fx * sx * dx[a]!, fy * sy * dy[a]!, sz * dz[a]!, volume.origin[a]! + ox * sx * dx[a]! + oy * sy * dy[a]!);
  }
  return { shape: [shape[0], shape[1], shape[2]], validFrames: Math.min(volume.shape[0], shape[0]), affine };
}
