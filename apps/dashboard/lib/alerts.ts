/** Drift alert rules and events as the API's alert routes give them. */
import type { StudyLabel } from './types';

/** The rule kinds the API evaluates, with what the quality team reads. */
export const ALERT_KINDS = {
  auroc_lower_ci_below: { name: 'AUROC lower 95% CI bound below', param: 'below', initial: 0.8 },
  cbpe_drop: { name: 'CBPE estimated AUROC fell, against the reference period, by more than', param: 'drop', initial: 0.05 },
  coverage_below: { name: 'Ground-truth coverage below', param: 'below', initial: 0.2 },
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

export const ALERT_RULES_PATH = '/v1/alerts/rules';
export const ALERT_EVENTS_PATH = '/v1/alerts';
export const ALERT_EVALUATE_PATH = '/v1/alerts/evaluate';
/** Active alert events (the banner's poll). */
export const ALERTS_ACTIVE_PATH = '/v1/alerts?state=active&limit=20';

/** POST /v1/alerts/evaluate: what each rule found. */
export interface Evaluation {
  items: {
    ruleId: string;
    state: string;
    period: string | null;
    value: number | null;
    message: string | null;
    fired: boolean;
    resolved: boolean;
  }[];
}

/** A rule in words: "AUROC lower 95% CI bound below 0.8 (month)". */
export function ruleSummary(r: Pick<AlertRule, 'kind' | 'params'>): string {
  const k = ALERT_KINDS[r.kind];
  if (!k) return r.kind;
  const v = r.params[k.param];
  const w = typeof r.params['window'] === 'string' ? ` per ${r.params['window']}` : '';
  const ref =
    r.kind === 'cbpe_drop' && typeof r.params['referenceFrom'] === 'string' && typeof r.params['referenceTo'] === 'string'
      ? `; reference ${r.params['referenceFrom'].slice(0, 10)} to ${r.params['referenceTo'].slice(0, 10)}`
      : '';
  return `${k.name} ${typeof v === 'number' ? v : '?'}${w}${ref}`;
}
