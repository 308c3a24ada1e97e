/**
 * From the cropped 1 mm volume to model input: windows of 10 slices, each slice resized to
 * S×S (bilinear, half-pixel centres like PyTorch's align_corners=False), three CT windows.
 */
import type { PipelineVolume } from './volume';

/** (level, width) of the paper's three channels: lung, mediastinum/contrast (PE), soft tissue. */
export const PAPER_CHANNELS: readonly (readonly [number, number])[] = [
  [-600, 1500],
  [100, 700],
  [40, 400],
];

export interface WindowConfig {
  /** Output slice size: 192 for serving, 224 for the training variant. */
  size: number;
  windowSlices: number;
  channels: readonly (readonly [number, number])[];
}

export const SERVE_WINDOWS: WindowConfig = { size: 192, windowSlices: 10, channels: PAPER_CHANNELS };
export const TRAIN_WINDOWS: WindowConfig = { size: 224, windowSlices: 10, channels: PAPER_CHANNELS };

/** A source slice a window covers and the share of the window it fills (sums to ≤ 1). */
export interface WindowSource {
  sopInstanceUid: string;
  fraction: number;
}

/** The model input and where each window comes from. */
export interface WindowTensor {
  /** [W, C, D, S, S] (N, C, D, H, W), values in [0, 1]. */
  data: Float32Array;
  shape: [number, number, number, number, number];
  windows: { index: number; zStart: number; zEnd: number; slices: WindowSource[] }[];
}

function resizeAxis(nIn: number, nOut: number): { i0: Int32Array; i1: Int32Array; w: Float32Array } {
  const i0 = new Int32Array(nOut);
  const i1 = new Int32Array(nOut);
  const w = new Float32Array(nOut);
  const scale = nIn / nOut;
  for (let i = 0; i < nOut; i++) {
    const u = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), nIn - 1);
    const f = Math.floor(u);
    i0[i] = f;
    i1[i] = Math.min(f + 1, nIn - 1);
    w[i] = u - f;
  }
  return { i0, i1, w };
}

/** Clip to level ± width/2, then scale to [0, 1]. */
export function windowValue(hu: number, level: number, width: number): number {
  const lo = level - width / 2;
  const v = (hu - lo) / width;
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** Splits the volume into windows and builds the channel tensor. The last window is zero-padded. */
export function makeWindows(v: PipelineVolume, config: WindowConfig = SERVE_WINDOWS): WindowTensor {
  const [nz, ny, nx] = v.shape;
  const { size: S, windowSlices: D, channels } = config;
  const C = channels.length;
  const W = Math.max(1, Math.ceil(nz / D));
  const data = new Float32Array(W * C * D * S * S);
  const ax = resizeAxis(nx, S);
  const ay = resizeAxis(ny, S);
  const resized = new Float32Array(S * S);
  const plane = S * S;
  for (let z = 0; z < nz; z++) {
    const src = v.data.subarray(z * ny * nx, (z + 1) * ny * nx);
    for (let y = 0; y < S; y++) {
      const r0 = ay.i0[y]! * nx;
      const r1 = ay.i1[y]! * nx;
      const wy = ay.w[y]!;
      for (let x = 0; x < S; x++) {
        const x0 = ax.i0[x]!;
        const x1 = ax.i1[x]!;
        const wx = ax.w[x]!;
        const top = src[r0 + x0]! + (src[r0 + x1]! - src[r0 + x0]!) * wx;
        const bottom = src[r1 + x0]! + (src[r1 + x1]! - src[r1 + x0]!) * wx;
        resized[y * S + x] = top + (bottom - top) * wy;
      }
    }
    const w = Math.floor(z / D);
    const d = z % D;
    for (let c = 0; c < C; c++) {
      const [level, width] = channels[c]!;
      const lo = level - width / 2;
      const inv = 1 / width;
      const out = data.subarray(((w * C + c) * D + d) * S * S, ((w * C + c) * D + d) * S * S + plane);
      for (let i = 0; i < plane; i++) {
        const t = (resized[i]! - lo) * inv;
        out[i] = t < 0 ? 0 : t > 1 ? 1 : t;
      }
    }
  }
  const windows = Array.from({ length: W }, (_, index) => {
    const zStart = index * D;
    const zEnd = Math.min(nz, zStart + D);
    const acc = new Map<number, number>();
    for (let z = zStart; z < zEnd; z++) for (const s of v.zSources[z] ?? []) acc.set(s.source, (acc.get(s.source) ?? 0) + s.weight / D);
    const slices = [...acc]
      .sort((a, b) => a[0] - b[0])
      .map(([source, f]) => ({ sopInstanceUid: v.sources[source]!, fraction: Math.round(f * 1e6) / 1e6 }));
    return { index, zStart, zEnd, slices };
  });
  return { data, shape: [W, C, D, S, S], windows };
}

/** Window labels from slice labels: a window is positive if any slice it covers is. */
export function windowLabelsFromSlices(windows: WindowTensor['windows'], positive: ReadonlySet<string>): number[] {
  return windows.map((w) => (w.slices.some((s) => s.fraction > 0 && positive.has(s.sopInstanceUid)) ? 1 : 0));
}

/** Slice probabilities from window probabilities: each slice takes the max over windows covering it. */
export function sliceProbabilities(windows: WindowTensor['windows'], windowProbabilities: readonly number[]): Map<string, number> {
  const out = new Map<string, number>();
  windows.forEach((w, i) => {
    const p = windowProbabilities[i] ?? 0;
    for (const s of w.slices) if (s.fraction > 0) out.set(s.sopInstanceUid, Math.max(out.get(s.sopInstanceUid) ?? 0, p));
  });
  return out;
}
