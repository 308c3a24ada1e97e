/**
 * Trilinear resampling to isotropic spacing (1 mm in the paper).
 *
 * Separable: each needed source slice is resampled in-plane (bilinear) once, then output slices
 * interpolate linearly between the two source slices that bracket them. Along z the true slice
 * positions are used, so irregular spacing stays correct; each slice's in-plane offset is
 * subtracted, so a gantry-tilted (sheared) series lands on an orthogonal grid.
 */
import type { Step } from './compose';
import type { PipelineVolume, SliceWeight } from './volume';

const AIR = -1024;

interface Axis {
  i0: Int32Array;
  i1: Int32Array;
  w: Float32Array;
  /** 1 inside the source, 0 outside (filled with air). */
  inside: Uint8Array;
}

/** Sample positions `start + k·step` (mm) against a source axis of `n` voxels at `spacing`. */
function axis(n: number, count: number, spacing: number, offset: number): Axis {
  const a: Axis = { i0: new Int32Array(count), i1: new Int32Array(count), w: new Float32Array(count), inside: new Uint8Array(count) };
  for (let k = 0; k < count; k++) {
    const u = (k - offset) / spacing;
    const inside = u >= -0.5 && u <= n - 0.5;
    const uc = Math.min(Math.max(u, 0), n - 1);
    const f = Math.floor(uc);
    a.i0[k] = f;
    a.i1[k] = Math.min(f + 1, n - 1);
    a.w[k] = uc - f;
    a.inside[k] = inside ? 1 : 0;
  }
  return a;
}

function resamplePlane(src: Float32Array, nx: number, ax: Axis, ay: Axis, out: Float32Array): void {
  const nxo = ax.i0.length;
  for (let y = 0; y < ay.i0.length; y++) {
    const o = y * nxo;
    if (!ay.inside[y]) {
      out.fill(AIR, o, o + nxo);
      continue;
    }
    const r0 = ay.i0[y]! * nx;
    const r1 = ay.i1[y]! * nx;
    resampleRow(src.subarray(r0, r0 + nx), src.subarray(r1, r1 + nx), ay.w[y]!, ax, out.subarray(o, o + nxo));
  }
}

/** One output row from its two source rows (bilinear); views indexed from 0 keep offsets out of the loop. */
function resampleRow(top: Float32Array, bottom: Float32Array, wy: number, ax: Axis, out: Float32Array): void {
  const { i0, i1, w, inside } = ax;
  for (let x = 0; x < out.length; x++) {
    const x0 = i0[x]!;
    const x1 = i1[x]!;
    const wx = w[x]!;
    const t = top[x0]! + (top[x1]! - top[x0]!) * wx;
    const b = bottom[x0]! + (bottom[x1]! - bottom[x0]!) * wx;
    out[x] = inside[x] ? t + (b - t) * wy : AIR;
  }
}

/** out = a + (b − a)·w, voxel by voxel (linear interpolation between two planes); a small function V8 optimizes on its own. */
function lerpPlanes(a: Float32Array, b: Float32Array, w: number, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) {
    const x = a[i]!;
    out[i] = x + (b[i]! - x) * w;
  }
}

/** Resamples to `spacing` mm in every axis. Config in the factory, data in the call. */
export function resampleIsotropic(spacing = 1): Step {
  return {
    name: 'resampleIsotropic',
    apply(v: PipelineVolume) {
      const [nz, ny, nx] = v.shape;
      const [, sy, sx] = v.spacing;
      const pos = v.zPositions;
      const nxo = Math.max(1, Math.floor(((nx - 1) * sx) / spacing + 1e-6) + 1);
      const nyo = Math.max(1, Math.floor(((ny - 1) * sy) / spacing + 1e-6) + 1);
      const extent = nz > 1 ? pos[nz - 1]! - pos[0]! : 0;
      const nzo = Math.max(1, Math.floor(extent / spacing + 1e-6) + 1);
      const plane = nyo * nxo;
      const data = new Float32Array(nzo * plane);
      const zSources: SliceWeight[][] = [];
      const zPositions: number[] = [];
      const cache = new Map<number, Float32Array>();
      const planeOf = (k: number): Float32Array => {
        let p = cache.get(k);
        if (!p) {
          const [ox, oy] = v.sliceOffsets?.[k] ?? [0, 0];
          p = new Float32Array(plane);
          resamplePlane(
            v.data.subarray(k * ny * nx, (k + 1) * ny * nx),
            nx,
            axis(nx, nxo, sx / spacing, ox / spacing),
            axis(ny, nyo, sy / spacing, oy / spacing),
            p,
          );
          // Output slices ascend, so only the two most recent source slices are ever needed.
          if (cache.size >= 2) cache.delete(Math.min(...cache.keys()));
          cache.set(k, p);
        }
        return p;
      };
      let k = 0;
      for (let z = 0; z < nzo; z++) {
        const p = pos[0]! + z * spacing;
        while (k < nz - 2 && pos[k + 1]! <= p) k++;
        const k1 = Math.min(k + 1, nz - 1);
        const gap = pos[k1]! - pos[k]!;
        const w = gap > 0 ? Math.min(Math.max((p - pos[k]!) / gap, 0), 1) : 0;
        const a = planeOf(k);
        const out = data.subarray(z * plane, (z + 1) * plane);
        if (w === 0 || k1 === k) out.set(a);
        else lerpPlanes(a, planeOf(k1), w, out);
        const weights = new Map<number, number>();
        for (const s of v.zSources[k] ?? []) weights.set(s.source, (weights.get(s.source) ?? 0) + s.weight * (1 - w));
        if (w > 0) for (const s of v.zSources[k1] ?? []) weights.set(s.source, (weights.get(s.source) ?? 0) + s.weight * w);
        zSources.push([...weights].filter(([, wt]) => wt > 1e-6).map(([source, weight]) => ({ source, weight })));
        zPositions.push(p);
      }
      const { sliceOffsets: _drop, ...rest } = v;
      return {
        volume: { ...rest, data, shape: [nzo, nyo, nxo], spacing: [spacing, spacing, spacing], zSources, zPositions },
        record: {
          irregularZ: new Set(pos.slice(1).map((q, i) => (q - pos[i]!).toFixed(3))).size > 1,
          shearCorrected: (v.sliceOffsets ?? []).some(([a, b]) => Math.abs(a) > 1e-3 || Math.abs(b) > 1e-3),
        },
      };
    },
  };
}
