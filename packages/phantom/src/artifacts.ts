/**
 * What turns the painted anatomy into a CT image: the scanner's point-spread function, quantum
 * noise, and, for non-diagnostic studies, patient motion.
 */

/**
 * The [1 2 1]/4 kernel applied along rows then columns: a small PSF that softens the painted
 * edges the way reconstruction does. It also scales white noise by 0.375 (√(6/16) per axis),
 * which {@link addNoise} compensates.
 */
export function blur121(img: Float32Array, n: number, tmp: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const b = i * n;
    tmp[b] = (3 * img[b]! + img[b + 1]!) / 4;
    for (let j = 1; j < n - 1; j++) tmp[b + j] = (img[b + j - 1]! + 2 * img[b + j]! + img[b + j + 1]!) / 4;
    tmp[b + n - 1] = (img[b + n - 2]! + 3 * img[b + n - 1]!) / 4;
  }
  for (let j = 0; j < n; j++) img[j] = (3 * tmp[j]! + tmp[n + j]!) / 4;
  for (let i = 1; i < n - 1; i++) {
    const b = i * n;
    for (let j = 0; j < n; j++) img[b + j] = (tmp[b - n + j]! + 2 * tmp[b + j]! + tmp[b + n + j]!) / 4;
  }
  const last = (n - 1) * n;
  for (let j = 0; j < n; j++) img[last + j] = (tmp[last - n + j]! + 3 * tmp[last + j]!) / 4;
}

/** Noise gain of {@link blur121} away from the borders. */
export const BLUR_NOISE_GAIN = 0.375;

/**
 * Adds white Gaussian noise of standard deviation `sigma` (drawn from a precomputed table by a
 * xorshift32 stream seeded with `state`, which must be non-zero). Returns the next state.
 */
export function addNoise(img: Float32Array, sigma: number, table: Float32Array, state: number): number {
  let x = state >>> 0 || 1;
  for (let k = 0; k < img.length; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    img[k] = img[k]! + sigma * table[(x >>> 16) & 0xffff]!;
  }
  return x >>> 0;
}

/** How one slice moved during the acquisition. */
export interface SliceMotion {
  /** Through-plane displacement of the anatomy (mm): breathing moves the chest along z. */
  dz: number;
  /** In-plane shift of the ghost image (pixels). */
  ghostDx: number;
  ghostDy: number;
  /** Weight of the ghost (0–0.5): a doubled contour. */
  ghost: number;
}

/** Blends a shifted copy into the slice (doubling), then smears it with an extra blur pass. */
export function applyMotion(img: Float32Array, n: number, m: SliceMotion, tmp: Float32Array): void {
  tmp.set(img);
  for (let i = 0; i < n; i++) {
    const si = Math.min(n - 1, Math.max(0, i - m.ghostDy));
    for (let j = 0; j < n; j++) {
      const sj = Math.min(n - 1, Math.max(0, j - m.ghostDx));
      img[i * n + j] = (1 - m.ghost) * tmp[i * n + j]! + m.ghost * tmp[si * n + sj]!;
    }
  }
  blur121(img, n, tmp);
  blur121(img, n, tmp);
}
