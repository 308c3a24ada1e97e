/**
 * Drift alert evaluation (issue 18), shared by the Node timer and the Workers cron: every enabled
 * rule of every tenant that has one is evaluated on the tenant's cohort by @embolus/metrics'
 * `evaluateAlertRule`. A breach records an event and enqueues `alert.fired` webhook deliveries in
 * one transaction (once per rule and period, see AlertRepo.fire); a rule found no longer breached
 * resolves its active event; a rule without data changes nothing. Idempotent, so several Node
 * processes may evaluate at once.
 */
import type { AlertRule, CohortColumns, Store } from '@embolus/db';
import { evaluateAlertRule, MetricsError, type AlertEvaluation, type AlertRuleSpec } from '@embolus/metrics';
import { STUDY_LABELS, type StudyLabel } from '@embolus/shared';
import type { AppDeps } from '../deps';
import { thresholdsInForce } from './thresholds';

/** How often Node evaluates alert rules; Workers use the `ALERT_CRON` trigger in wrangler.toml. */
export const ALERT_INTERVAL_MS = 15 * 60_000;

/** The Workers cron expression that evaluates alert rules (its own trigger: the D1 query budget of the pruning one is spent). */
export const ALERT_CRON = '*/15 * * * *';

/** One rule's outcome. */
export interface RuleOutcome {
  ruleId: string;
  evaluation: AlertEvaluation | { state: 'error'; code: string };
  fired: boolean;
  resolved: boolean;
}

/** The rule as @embolus/metrics takes it (ISO reference dates to epoch ms). */
export function specOf(rule: AlertRule): AlertRuleSpec {
  const p = rule.params as Record<string, unknown>;
  if (rule.kind === 'cbpe_drop') {
    return {
      kind: 'cbpe_drop',
      params: {
        drop: p['drop'] as number,
        window: p['window'] as 'week' | 'month',
        referenceFrom: Date.parse(p['referenceFrom'] as string),
        referenceTo: Date.parse(p['referenceTo'] as string),
      },
    };
  }
  return { kind: rule.kind, params: p } as AlertRuleSpec;
}

/** The `alert.fired` webhook payload. */
function payload(eventId: string, rule: AlertRule, e: AlertEvaluation): string {
  return JSON.stringify({
    event: 'alert.fired',
    alertId: eventId,
    ruleId: rule.id,
    label: rule.label,
    kind: rule.kind,
    period: e.period,
    value: e.value,
    message: e.message,
    notForClinicalUse: true,
  });
}

/** Evaluates the tenant's enabled rules (or `only`) and records what fired and what resolved. */
export async function evaluateTenantAlerts(
  deps: Pick<AppDeps, 'store' | 'cohortCache'>,
  tenantId: string,
  only?: AlertRule[],
): Promise<RuleOutcome[]> {
  const store: Store = deps.store;
  const rules = only ?? (await store.alerts.rules(tenantId, { enabledOnly: true }));
  if (rules.length === 0) return [];
  const cohort: CohortColumns = deps.cohortCache ? await deps.cohortCache.get(store, tenantId) : await store.cohort.columns(tenantId);
  const { thresholds } = await thresholdsInForce(store, tenantId);
  const out: RuleOutcome[] = [];
  for (const rule of rules) {
    if (!(STUDY_LABELS as readonly string[]).includes(rule.label)) continue;
    const label = rule.label as StudyLabel;
    let evaluation: AlertEvaluation;
    try {
      evaluation = evaluateAlertRule(
        specOf(rule),
        { time: cohort.time, probability: cohort.probability[label], truth: cohort.truth[label] },
        thresholds[label],
      );
    } catch (e) {
      // A rule whose parameters no longer fit (e.g. a reference period without studies) must not stop the others.
      if (!(e instanceof MetricsError)) throw e;
      out.push({ ruleId: rule.id, evaluation: { state: 'error', code: e.code }, fired: false, resolved: false });
      continue;
    }
    let fired = false;
    let resolved = false;
    if (evaluation.state === 'breached' && evaluation.period) {
      const event = await store.alerts.fire(tenantId, {
        ruleId: rule.id,
        label: rule.label,
        kind: rule.kind,
        period: evaluation.period,
        value: evaluation.value,
        message: evaluation.message,
        payload: (id) => payload(id, rule, evaluation),
      });
      fired = event !== null;
    } else if (evaluation.state === 'ok') {
      resolved = (await store.alerts.resolve(tenantId, rule.id)) > 0;
    }
    out.push({ ruleId: rule.id, evaluation, fired, resolved });
  }
  return out;
}

/** One pass over every tenant with enabled rules; logs counts only. */
export async function evaluateAlerts(
  deps: Pick<AppDeps, 'store' | 'cohortCache' | 'logger'>,
): Promise<{ tenants: number; fired: number; resolved: number }> {
  const tenants = await deps.store.alerts.tenantsWithRules();
  let fired = 0;
  let resolved = 0;
  for (const t of tenants) {
    try {
      const outcomes = await evaluateTenantAlerts(deps, t);
      fired += outcomes.filter((o) => o.fired).length;
      resolved += outcomes.filter((o) => o.resolved).length;
    } catch (e) {
      deps.logger.log('error', 'alerts.evaluation_failed', { tenantId: t, code: (e as { code?: string }).code ?? 'INTERNAL' });
    }
  }
  if (fired + resolved > 0) deps.logger.log('info', 'alerts.evaluated', { tenants: tenants.length, fired, resolved });
  return { tenants: tenants.length, fired, resolved };
}
