/** Small vector helpers for patient-space geometry (mm, LPS). */
import type { Vec3 } from './instance-info';

export const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
export const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
export const norm = (a: Vec3): number => Math.hypot(a[0], a[1], a[2]);
export const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
export function unit(a: Vec3): Vec3 {
  const n = norm(a);
  return n === 0 ? [0, 0, 0] : scale(a, 1 / n);
}

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
