/**
 * Binary-mask operations on typed arrays: flood fill, 3-D connected components, per-slice hole
 * filling. Written here because no maintained npm package does 3-D labelling on flat typed
 * arrays; each is a breadth-first search with an Int32Array queue (no per-voxel allocation).
 */

/** Marks (value 1 in `out`) every voxel with mask=1 reachable from `seeds` by 6-connectivity. */
export function floodFill3d(
  mask: Uint8Array,
  shape: readonly [number, number, number],
  seeds: Iterable<number>,
  out: Uint8Array,
  queue: Int32Array,
): number {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  let head = 0;
  let tail = 0;
  for (const s of seeds) {
    if (mask[s] && !out[s]) {
      out[s] = 1;
      queue[tail++] = s;
    }
  }
  while (head < tail) {
    const i = queue[head++]!;
    const x = i % nx;
    const y = ((i - x) / nx) % ny;
    const z = Math.floor(i / plane);
    let j = i - 1;
    if (x > 0 && mask[j] && !out[j]) (out[j] = 1), (queue[tail++] = j);
    j = i + 1;
    if (x < nx - 1 && mask[j] && !out[j]) (out[j] = 1), (queue[tail++] = j);
    j = i - nx;
    if (y > 0 && mask[j] && !out[j]) (out[j] = 1), (queue[tail++] = j);
    j = i + nx;
    if (y < ny - 1 && mask[j] && !out[j]) (out[j] = 1), (queue[tail++] = j);
    j = i - plane;
    if (z > 0 && mask[j] && !out[j]) (out[j] = 1), (queue[tail++] = j);
    j = i + plane;
    if (z < nz - 1 && mask[j] && !out[j]) (out[j] = 1), (queue[tail++] = j);
  }
  return tail;
}

/** Indices of voxels on the in-plane border (x or y edge) of every slice. */
export function* inPlaneBorder(shape: readonly [number, number, number]): Generator<number> {
  const [nz, ny, nx] = shape;
  for (let z = 0; z < nz; z++) {
    const o = z * ny * nx;
    for (let x = 0; x < nx; x++) {
      yield o + x;
      yield o + (ny - 1) * nx + x;
    }
    for (let y = 1; y < ny - 1; y++) {
      yield o + y * nx;
      yield o + y * nx + nx - 1;
    }
  }
}

/** Connected components (6-connectivity) of a mask: a label per voxel (0 = background) and sizes. */
export function components3d(
  mask: Uint8Array,
  shape: readonly [number, number, number],
  queue: Int32Array,
): { labels: Int32Array; sizes: number[] } {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const labels = new Int32Array(mask.length);
  const sizes: number[] = [0];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const label = sizes.length;
    let head = 0;
    let tail = 0;
    labels[start] = label;
    queue[tail++] = start;
    while (head < tail) {
      const i = queue[head++]!;
      const x = i % nx;
      const y = ((i - x) / nx) % ny;
      const z = Math.floor(i / plane);
      // Six neighbours, unrolled: this loop runs once per voxel of a 20-million-voxel volume.
      let j = i - 1;
      if (x > 0 && mask[j] && !labels[j]) (labels[j] = label), (queue[tail++] = j);
      j = i + 1;
      if (x < nx - 1 && mask[j] && !labels[j]) (labels[j] = label), (queue[tail++] = j);
      j = i - nx;
      if (y > 0 && mask[j] && !labels[j]) (labels[j] = label), (queue[tail++] = j);
      j = i + nx;
      if (y < ny - 1 && mask[j] && !labels[j]) (labels[j] = label), (queue[tail++] = j);
      j = i - plane;
      if (z > 0 && mask[j] && !labels[j]) (labels[j] = label), (queue[tail++] = j);
      j = i + plane;
      if (z < nz - 1 && mask[j] && !labels[j]) (labels[j] = label), (queue[tail++] = j);
    }
    sizes.push(tail);
  }
  return { labels, sizes };
}

/**
 * Fills holes slice by slice: background regions of an axial slice that do not touch its border
 * become foreground. Closes the vessels and airways that the air threshold leaves inside lungs.
 */
export function fillHolesPerSlice(mask: Uint8Array, shape: readonly [number, number, number]): void {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const outside = new Uint8Array(plane);
  const queue = new Int32Array(plane);
  for (let z = 0; z < nz; z++) {
    const m = mask.subarray(z * plane, (z + 1) * plane);
    outside.fill(0);
    let head = 0;
    let tail = 0;
    const seed = (i: number) => {
      if (!m[i] && !outside[i]) {
        outside[i] = 1;
        queue[tail++] = i;
      }
    };
    for (let x = 0; x < nx; x++) seed(x), seed((ny - 1) * nx + x);
    for (let y = 0; y < ny; y++) seed(y * nx), seed(y * nx + nx - 1);
    while (head < tail) {
      const i = queue[head++]!;
      const x = i % nx;
      const y = (i - x) / nx;
      if (x > 0) seed(i - 1);
      if (x < nx - 1) seed(i + 1);
      if (y > 0) seed(i - nx);
      if (y < ny - 1) seed(i + nx);
    }
    for (let i = 0; i < plane; i++) if (!m[i] && !outside[i]) m[i] = 1;
  }
}

/** Bounding box [start, end) of a mask's foreground, or undefined when empty. */
export function boundingBox(
  mask: Uint8Array,
  shape: readonly [number, number, number],
): { start: [number, number, number]; end: [number, number, number] } | undefined {
  const [nz, ny, nx] = shape;
  let z0 = nz,
    y0 = ny,
    x0 = nx,
    z1 = -1,
    y1 = -1,
    x1 = -1;
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        if (!mask[i]) continue;
        if (z < z0) z0 = z;
        if (z > z1) z1 = z;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
      }
    }
  }
  return z1 < 0 ? undefined : { start: [z0, y0, x0], end: [z1 + 1, y1 + 1, x1 + 1] };
}
