/** Small vector helpers for patient-space geometry (mm, LPS). */
import { cross, dot, unit, type Vec3 } from '@embolus/shared';

export { cross, dot, norm, scale, sub, unit } from '@embolus/shared';

/** Row direction, column direction and slice normal (row × column) of an orientation. */
export function axesOf(iop: readonly number[]): { row: Vec3; col: Vec3; normal: Vec3 } {
  const row = unit([iop[0]!, iop[1]!, iop[2]!]);
  const col = unit([iop[3]!, iop[4]!, iop[5]!]);
  return { row, col, normal: unit(cross(row, col)) };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Angle in degrees between two directions, ignoring sign (0..90). */
export function angleDeg(a: Vec3, b: Vec3): number {
  const c = Math.min(1, Math.abs(dot(unit(a), unit(b))));
  return (Math.acos(c) * 180) / Math.PI;
}
