/**
 * One entry point for an AUROC with a confidence interval, DeLong (default) or bootstrap.
 */
import { aurocOfGroups } from './auroc';
import { bootstrapCiOfGroups } from './bootstrap-ci';
import { delongCiOfGroups, type AurocWithCi } from './delong';
import { sortedGroups } from './sorted-scores';

/** Options of {@link aurocCi}. */
export interface AurocCiOptions {
  /** Confidence level, default 0.95. */
  readonly level?: number;
  /** `'delong'` (default, Sun & Xu fast algorithm) or `'bootstrap'` (stratified percentile). */
  readonly method?: 'delong' | 'bootstrap';
  /** Bootstrap replicates, default 2000 (bootstrap only). */
  readonly replicates?: number;
  /** Seed of the bootstrap generator, default 1 (bootstrap only). */
  readonly seed?: number;
}

/**
 * AUROC with a confidence interval.
 *
 * @throws MetricsError INVALID_INPUT on bad arrays or options; INSUFFICIENT_DATA with fewer than
 *   two positives or negatives (DeLong) or none (bootstrap).
 */
export function aurocCi(scores: ArrayLike<number>, truth: ArrayLike<number>, options: AurocCiOptions = {}): AurocWithCi {
  const g = sortedGroups(scores, truth);
  if (options.method === 'bootstrap') {
    return bootstrapCiOfGroups(g, aurocOfGroups(g), options);
  }
  return delongCiOfGroups(g, options.level ?? 0.95);
}
