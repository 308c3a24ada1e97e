/** Site threshold sets as the API's threshold routes give them (issue 18). */
import type { Rate } from './quality';
import type { StudyLabel } from './types';

/** How a label's threshold is chosen (POST /v1/thresholds/preview and /v1/thresholds). */
export type SiteRule =
  | { kind: 'target-sensitivity'; sensitivity: number }
  | { kind: 'youden' }
  | { kind: 'max-min-sens-spec' }
  | { kind: 'fixed'; threshold: number };

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
  /** The rule per label; `copyOf`: the version this set re-applied. */
  rules: Partial<Record<StudyLabel, SiteRule | null>> & { copyOf?: number };
  note: string | null;
  createdBy: string;
  createdAt: string;
}

/** GET /v1/thresholds: the sets (newest first, paged) and the thresholds in force per label. */
export interface ThresholdSets {
  items: ThresholdSet[];
  active: ThresholdSet | null;
  inForce: Partial<Record<StudyLabel, number>>;
}

/** POST /v1/thresholds/preview. */
export interface PreviewResponse {
  studies: number;
  activeVersion: number | null;
  labels: Partial<Record<StudyLabel, ThresholdPreview>>;
}

/** POST /v1/thresholds (201). */
export interface Applied {
  set: ThresholdSet;
  labels: Partial<Record<StudyLabel, ThresholdPreview>>;
}

export const THRESHOLDS_PATH = '/v1/thresholds';
export const THRESHOLDS_PREVIEW_PATH = '/v1/thresholds/preview';

export function ruleText(rule: SiteRule | null | undefined): string {
  if (!rule || typeof rule !== 'object') return 'model default';
  switch (rule.kind) {
    case 'youden':
      return 'Youden';
    case 'max-min-sens-spec':
      return 'max min(sens, spec)';
    case 'target-sensitivity':
      return `sensitivity ≥ ${rule.sensitivity}`;
    case 'fixed':
      return `fixed ${rule.threshold}`;
    default:
      return 'unknown rule';
  }
}
