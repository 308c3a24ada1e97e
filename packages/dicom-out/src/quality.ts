/**
 * The result's `quality` section (the study-quality gates of @embolus/shared) as the SR shows it:
 * whether the study was diagnostic, one line per check with what was measured against its limit,
 * and the non-diagnostic reason. Results made before the gates carry no section: then the SR has
 * no quality container.
 */
import type { Quality } from '@embolus/shared';

/** What the SR shows of the quality gates. */
export interface QualitySummary {
  diagnostic: boolean;
  /** One line per check, `code: pass|fail - message`. */
  checks: string[];
  /** "Non-diagnostic: …" when the study failed a gate; empty otherwise. */
  reasons: string[];
}

/** The quality summary, or null when the result has no quality section. */
export function readQuality(quality: Quality | undefined): QualitySummary | null {
  if (!quality) return null;
  return {
    diagnostic: quality.diagnostic,
    checks: quality.checks.map((c) => `${c.code}: ${c.passed ? 'pass' : 'fail'} - ${c.message}`),
    reasons: quality.diagnostic ? [] : [quality.reason ?? 'Non-diagnostic'],
  };
}
