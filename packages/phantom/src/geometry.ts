/**
 * Small vector helpers and the tube primitive. Coordinates are DICOM patient coordinates (LPS):
 * +x towards the patient's left, +y posterior, +z superior (head), in millimetres.
 */

import { add, cross, dot, norm, scale, sub, unit as unitOrZero, type Vec3 } from '@embolus/shared';

export { add, cross, dot, lerp, norm, scale, sub, type Vec3 } from '@embolus/shared';

/** `a` scaled to unit length; a zero-length direction here is a generator bug, so it throws. */
export function unit(a: Vec3): Vec3 {
  if (norm(a) === 0) throw new RangeError('zero-length vector');
  return unitOrZero(a);
}

/** A unit vector perpendicular to the unit vector `e`. */
export function perpendicular(e: Vec3): Vec3 {
  // Cross with the axis least aligned with e, so the result is never degenerate.
  const ax = Math.abs(e[0]),
    ay = Math.abs(e[1]),
    az = Math.abs(e[2]);
  const other: Vec3 = ax <= ay && ax <= az ? [1, 0, 0] : ay <= az ? [0, 1, 0] : [0, 0, 1];
  return unit(cross(e, other));
}

/** Rotates `v` about the unit axis `k` by `angle` radians (Rodrigues' formula). */
export function rotate(v: Vec3, k: Vec3, angle: number): Vec3 {
  const c = Math.cos(angle),
    s = Math.sin(angle);
  return add(add(scale(v, c), scale(cross(k, v), s)), scale(k, dot(k, v) * (1 - c)));
}

/**
 * A vessel piece: the set of points within r(t) of the segment a→b, where the radius tapers
 * linearly from `ra` at a to `rb` at b (t is the projection parameter, clamped to [0, 1]).
 * Chains of tubes sharing end points make smooth, round-jointed vessels.
 */
export interface Tube {
  a: Vec3;
  b: Vec3;
  ra: number;
  rb: number;
}

/** Lumen radius of a tube at parameter s ∈ [0, 1] along it. */
export const tubeRadiusAt = (t: Tube, s: number): number => t.ra + (t.rb - t.ra) * s;

/** Builds a chain of tubes through `points` with radii interpolated from `r0` to `r1` by arc length. */
export function chain(points: Vec3[], r0: number, r1: number): Tube[] {
  const lengths = points.slice(1).map((p, i) => norm(sub(p, points[i]!)));
  const total = lengths.reduce((s, l) => s + l, 0);
  const tubes: Tube[] = [];
  let run = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const ra = r0 + ((r1 - r0) * run) / total;
    run += lengths[i]!;
    const rb = r0 + ((r1 - r0) * run) / total;
    tubes.push({ a: points[i]!, b: points[i + 1]!, ra, rb });
  }
  return tubes;
}
