/**
 * A coarser grid for the lung mask: mean-pooling a volume by integer factors, and bringing a
 * mask on that grid back to full resolution. Each coarse voxel covers a block of `f` voxels per
 * axis (partial blocks at the far edges), so sizes and boxes of the full-resolution mask follow
 * from the coarse one by arithmetic, without visiting every full-resolution voxel.
 */

export type Shape3 = [number, number, number];

/** How many full voxels coarse index `c` covers along an axis of `n` voxels pooled by `f`. */
const extent = (c: number, f: number, n: number) => Math.min(f, n - c * f);

/**
 * Mean-pools `data` of `shape` by `f` per axis. Sums are float32 and accumulate voxel by voxel in
 * memory order, so the result is bit-identical to a straightforward per-voxel loop; the block
 * sizes are counted per axis rather than per voxel.
 */
export function meanPool(data: Float32Array, shape: Shape3, f: Shape3): { data: Float32Array; shape: Shape3 } {
  const [nz, ny, nx] = shape;
  const [fz, fy, fx] = f;
  const out: Shape3 = [Math.ceil(nz / fz), Math.ceil(ny / fy), Math.ceil(nx / fx)];
  const [, cny, cnx] = out;
  const sum = new Float32Array(out[0] * cny * cnx);
  for (let z = 0; z < nz; z++) {
    const oz = Math.floor(z / fz) * cny;
    for (let y = 0; y < ny; y++) {
      const row = (oz + Math.floor(y / fy)) * cnx;
      const src = (z * ny + y) * nx;
      poolRow(sum.subarray(row, row + cnx), data.subarray(src, src + nx), fx);
    }
  }
  for (let cz = 0, j = 0; cz < out[0]; cz++) {
    const ez = extent(cz, fz, nz);
    for (let cy = 0; cy < cny; cy++) {
      const ezy = ez * extent(cy, fy, ny);
      for (let cx = 0; cx < cnx; cx++, j++) sum[j] = sum[j]! / (ezy * extent(cx, fx, nx));
    }
  }
  return { data: sum, shape: out };
}

/** Adds one source row into its row of block sums, `fx` voxels per block, in order, rounding to float32 after each add. */
function poolRow(acc: Float32Array, src: Float32Array, fx: number): void {
  const fround = Math.fround;
  const whole = Math.floor(src.length / fx);
  let i = 0;
  let cx = 0;
  if (fx === 2) {
    // The 1 mm → 2 mm case, unrolled.
    for (; cx < whole; cx++, i += 2) acc[cx] = fround(fround(acc[cx]! + src[i]!) + src[i + 1]!);
  } else {
    for (; cx < whole; cx++) {
      let s = acc[cx]!;
      for (let k = 0; k < fx; k++, i++) s = fround(s + src[i]!);
      acc[cx] = s;
    }
  }
  if (i < src.length) {
    let s = acc[cx]!;
    for (; i < src.length; i++) s = fround(s + src[i]!);
    acc[cx] = s;
  }
}

/** Nearest-neighbour upsampling of a coarse mask to `full`: each row is built once, repeats are copied. */
export function upsampleMask(m: Uint8Array, coarse: Shape3, full: Shape3, f: Shape3): Uint8Array {
  const [nz, ny, nx] = full;
  const [, cny, cnx] = coarse;
  const plane = ny * nx;
  const out = new Uint8Array(nz * plane);
  for (let z = 0; z < nz; z++) {
    const o = z * plane;
    if (z % f[0] !== 0) {
      out.copyWithin(o, o - plane, o);
      continue;
    }
    const cz = z / f[0];
    for (let y = 0; y < ny; y++) {
      const r = o + y * nx;
      if (y % f[1] !== 0) {
        out.copyWithin(r, r - nx, r);
        continue;
      }
      const src = (cz * cny + y / f[1]) * cnx;
      for (let cx = 0, x = 0; cx < cnx; cx++) {
        const v = m[src + cx]!;
        for (const end = Math.min(nx, x + f[2]); x < end; x++) out[r + x] = v;
      }
    }
  }
  return out;
}

/** Number of full-resolution voxels the set voxels of a coarse mask cover. */
export function coveredVoxels(m: Uint8Array, coarse: Shape3, full: Shape3, f: Shape3): number {
  const [cnz, cny, cnx] = coarse;
  let total = 0;
  for (let cz = 0, j = 0; cz < cnz; cz++) {
    let plane = 0;
    for (let cy = 0; cy < cny; cy++) {
      let row = 0;
      for (let cx = 0; cx < cnx; cx++, j++) if (m[j]) row += extent(cx, f[2], full[2]);
      plane += row * extent(cy, f[1], full[1]);
    }
    total += plane * extent(cz, f[0], full[0]);
  }
  return total;
}

/** A box on the coarse grid as the box of the full-resolution voxels it covers. */
export function boxToFull(b: { start: Shape3; end: Shape3 }, full: Shape3, f: Shape3): { start: Shape3; end: Shape3 } {
  return { start: b.start.map((s, i) => s * f[i]!) as Shape3, end: b.end.map((e, i) => Math.min(full[i]!, e * f[i]!)) as Shape3 };
}
