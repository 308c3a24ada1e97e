/** Site threshold sets as the API's threshold routes give them (issue 18). */
import type { Rate } from './quality';
import type { StudyLabel } from './types';

/** How a label's threshold is chosen, as @embolus/metrics' selectThreshold takes it (or by hand). */
export type SiteRule = 'youden' | 'max-min-sens-spec' | { targetSensitivity: number } | { threshold: number };

export interface ThresholdPreview {
  rule: SiteRule;
  threshold: number;
  current: number;
  labelled: number;
  positives: number;
  negatives: number;
  sensitivity: Rate;
  specificity: Rate;
  currentSensitivity: Rate;
  currentSpecificity: Rate;
  changed: { studies: number; toPositive: number; toNegative: number; of: number };
}

export interface ThresholdSet {
  id: string;
  version: number;
  thresholds: Partial<Record<StudyLabel, number>>;
  rules: Partial<Record<StudyLabel, SiteRule | null>>;
  note: string | null;
  createdBy: string;
  createdAt: string;
}

/** GET /v1/thresholds: the sets (newest first, paged) and the thresholds in force per label. */
export interface ThresholdSets {
  items: ThresholdSet[];
  nextOffset: number | null;
  active: ThresholdSet | null;
  current: Partial<Record<StudyLabel, number>>;
}

export const THRESHOLDS_PATH = '/v1/thresholds';
export const THRESHOLDS_PREVIEW_PATH = '/v1/thresholds/preview';

export function ruleText(rule: SiteRule | null | undefined): string {
  if (!rule) return 'by hand';
  if (rule === 'youden') return 'Youden';
  if (rule === 'max-min-sens-spec') return 'max min(sens, spec)';
  if ('targetSensitivity' in rule) return `sensitivity ≥ ${rule.targetSensitivity}`;
  return `fixed ${rule.threshold}`;
}
