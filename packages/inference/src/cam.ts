/**
 * Grad-CAM maps from phase 1 ([W, d, h, w] at the last convolutional stage) upsampled to the
 * window's slices and the model's input size, as one uint8 volume over the cropped z range.
 */

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

/** Trilinear upsampling of each window's CAM to [windowSlices, size, size]. */
export function camToVolume(cam: Float32Array, camShape: readonly [number, number, number], windows: number, windowSlices: number, size: number): CamVolume {
  const [d, h, w] = camShape;
  const per = d * h * w;
  let max = 0;
  for (let i = 0; i < windows * per; i++) max = Math.max(max, cam[i]!);
  const out = new Uint8Array(windows * windowSlices * size * size);
  const az = axis(d, windowSlices);
  const ay = axis(h, size);
  const ax = axis(w, size);
  const scale = max > 0 ? 255 / max : 0;
  for (let win = 0; win < windows; win++) {
    const c = cam.subarray(win * per, (win + 1) * per);
    for (let z = 0; z < windowSlices; z++) {
      const z0 = az.i0[z]! * h * w;
      const z1 = az.i1[z]! * h * w;
      const wz = az.w[z]!;
      for (let y = 0; y < size; y++) {
        const y0 = ay.i0[y]! * w;
        const y1 = ay.i1[y]! * w;
        const wy = ay.w[y]!;
        const o = ((win * windowSlices + z) * size + y) * size;
        for (let x = 0; x < size; x++) {
          const x0 = ax.i0[x]!;
          const x1 = ax.i1[x]!;
          const wx = ax.w[x]!;
          const lerp = (zz: number) => {
            const a = c[zz + y0 + x0]! + (c[zz + y0 + x1]! - c[zz + y0 + x0]!) * wx;
            const b = c[zz + y1 + x0]! + (c[zz + y1 + x1]! - c[zz + y1 + x0]!) * wx;
            return a + (b - a) * wy;
          };
          const v0 = lerp(z0);
          out[o + x] = Math.round((v0 + (lerp(z1) - v0) * wz) * scale);
        }
      }
    }
  }
  return { data: out, shape: [windows * windowSlices, size, size], max };
}
