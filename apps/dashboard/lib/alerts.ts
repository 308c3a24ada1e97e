/** Drift alert rules and events as the API's alert routes give them. */
import type { StudyLabel } from './types';

/** The rule kinds the API evaluates, with what the quality team reads. */
export const ALERT_KINDS = {
  auroc_lower_ci_below: { name: 'AUROC lower 95% CI bound below', param: 'threshold', unit: '', min: 0, max: 1, step: 0.01, initial: 0.7 },
  cbpe_drop: { name: 'CBPE estimated AUROC fell by more than', param: 'drop', unit: '', min: 0, max: 1, step: 0.01, initial: 0.05 },
  coverage_below: { name: 'Ground-truth coverage below', param: 'share', unit: '', min: 0, max: 1, step: 0.01, initial: 0.2 },
} as const;
export type AlertKind = keyof typeof ALERT_KINDS;

export interface AlertRule {
  id: string;
  label: StudyLabel;
  kind: AlertKind;
  params: Record<string, unknown>;
  enabled: boolean;
  createdBy: string;
  createdAt: string;
}

export interface AlertEvent {
  id: string;
  ruleId: string;
  label: string;
  kind: string;
  period: string;
  state: 'active' | 'resolved';
  value: number | null;
  message: string;
  firedAt: string;
  resolvedAt: string | null;
}

/** Active alert events (the banner's poll). */
export const ALERTS_ACTIVE_PATH = '/v1/alerts/events?state=active';
