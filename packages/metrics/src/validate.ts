/**
 * Internal argument checks shared by the metric functions. Not exported from the package.
 */
import { MetricsError } from './errors';

/** Throws INVALID_INPUT unless `a` and `b` have the same length. */
export function assertSameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>, what: string): void {
  if (a.length !== b.length) {
    throw new MetricsError('INVALID_INPUT', `${what}: lengths differ (${a.length} vs ${b.length})`, {
      details: { lengths: [a.length, b.length] },
    });
  }
}

/** Throws INVALID_INPUT unless `level` is a confidence level strictly between 0 and 1. */
export function assertLevel(level: number): void {
  if (!(level > 0 && level < 1)) {
    throw new MetricsError('INVALID_INPUT', `confidence level must be in (0, 1), got ${level}`);
  }
}

/** Reads truth `i` as 0 or 1, throwing INVALID_INPUT on any other value. */
export function binaryAt(truth: ArrayLike<number>, i: number, what: string): 0 | 1 {
  const t = truth[i];
  if (t === 1) return 1;
  if (t === 0) return 0;
  throw new MetricsError('INVALID_INPUT', `${what}: truth[${i}] must be 0 or 1, got ${String(t)}`, {
    details: { index: i },
  });
}

/** Reads probability `i`, throwing INVALID_INPUT unless it lies in [0, 1]. */
export function probabilityAt(probability: ArrayLike<number>, i: number, what: string): number {
  const p = probability[i] as number;
  if (!(p >= 0 && p <= 1)) {
    throw new MetricsError('INVALID_INPUT', `${what}: probability[${i}] must be in [0, 1], got ${String(p)}`, {
      details: { index: i },
    });
  }
  return p;
}

/** Throws INVALID_INPUT unless `n` is an integer ≥ `min`. */
export function assertInteger(n: number, min: number, what: string): void {
  if (!Number.isInteger(n) || n < min) {
    throw new MetricsError('INVALID_INPUT', `${what} must be an integer ≥ ${min}, got ${n}`);
  }
}
