/** Wilson score interval for a binomial proportion (sensitivity, specificity, coverage). */
import { MetricsError } from './errors';
import { normalQuantile } from './normal-distribution';
import { assertLevel } from './validate';

/**
 * Wilson score interval of `successes` out of `n` at confidence `level`. Unlike the Wald
 * interval it stays inside [0, 1] and is not degenerate at 0 or n successes.
 *
 * @throws MetricsError INVALID_INPUT unless 0 ≤ successes ≤ n, both integers, n ≥ 1.
 */
export function wilsonInterval(successes: number, n: number, level = 0.95): readonly [number, number] {
  assertLevel(level);
  if (!Number.isInteger(successes) || !Number.isInteger(n) || n < 1 || successes < 0 || successes > n) {
    throw new MetricsError('INVALID_INPUT', `Wilson interval needs integers 0 ≤ successes ≤ n, n ≥ 1`);
  }
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // Exact at the ends: 0 successes has lower bound 0, n successes upper bound 1 (rounding aside).
  return [successes === 0 ? 0 : Math.max(0, centre - half), successes === n ? 1 : Math.min(1, centre + half)];
}
