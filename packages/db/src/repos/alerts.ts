/**
 * Drift alert rules and their events (issue 18). An event is one rule firing for one period; the
 * unique (rule, period) index makes a rule fire at most once per period, and an active event
 * stays active until an evaluation finds its rule no longer breached.
 */
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { run, type SqlDriver } from '../driver';
import { DbError } from '../errors';
import { newId, type Clock } from '../ids';
import { alertEvents, alertRules } from '../schema';

export type AlertKind = (typeof alertRules.$inferSelect)['kind'];
export type AlertEventRow = typeof alertEvents.$inferSelect;

/** A rule with its parameters parsed. */
export interface AlertRule {
  id: string;
  tenantId: string;
  label: string;
  kind: AlertKind;
  params: Record<string, unknown>;
  enabled: boolean;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

function parse(row: typeof alertRules.$inferSelect): AlertRule {
  try {
    return { ...row, params: JSON.parse(row.params) as Record<string, unknown> };
  } catch (e) {
    throw new DbError('CORRUPT_ROW', 'stored alert rule params are not JSON', { cause: e, details: { table: 'alert_rules' } });
  }
}

/** A firing to record: its webhook event is enqueued in the same transaction, only if the event is new. */
export interface AlertFiring {
  ruleId: string;
  label: string;
  kind: string;
  period: string;
  value: number | null;
  message: string;
  /** Webhook payload, given the event id. */
  payload: (eventId: string) => string;
}

/** Alert repository. */
export class AlertRepo {
  constructor(
    private readonly d: SqlDriver,
    private readonly clock: Clock,
  ) {}

  async createRule(
    tenantId: string,
    input: { label: string; kind: AlertKind; params: Record<string, unknown>; enabled?: boolean; createdBy: string },
  ): Promise<AlertRule> {
    const now = this.clock.now();
    const [row] = await this.d.db
      .insert(alertRules)
      .values({
        id: newId(),
        tenantId,
        label: input.label,
        kind: input.kind,
        params: JSON.stringify(input.params),
        enabled: input.enabled ?? true,
        createdBy: input.createdBy,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!row) throw new DbError('INVALID_STATE', 'insert returned no row', { details: { table: 'alert_rules' } });
    return parse(row);
  }

  async rules(tenantId: string, opts: { enabledOnly?: boolean } = {}): Promise<AlertRule[]> {
    const where = opts.enabledOnly
      ? and(eq(alertRules.tenantId, tenantId), eq(alertRules.enabled, true))
      : eq(alertRules.tenantId, tenantId);
    return (await this.d.db.select().from(alertRules).where(where).orderBy(asc(alertRules.createdAt), asc(alertRules.id))).map(parse);
  }

  async rule(tenantId: string, id: string): Promise<AlertRule | null> {
    const [row] = await this.d.db
      .select()
      .from(alertRules)
      .where(and(eq(alertRules.id, id), eq(alertRules.tenantId, tenantId)));
    return row ? parse(row) : null;
  }

  /** Changes parameters or enables/disables a rule. @returns null when no such rule. */
  async updateRule(
    tenantId: string,
    id: string,
    input: { params?: Record<string, unknown>; enabled?: boolean },
  ): Promise<AlertRule | null> {
    const [row] = await this.d.db
      .update(alertRules)
      .set({
        ...(input.params !== undefined ? { params: JSON.stringify(input.params) } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
        updatedAt: this.clock.now(),
      })
      .where(and(eq(alertRules.id, id), eq(alertRules.tenantId, tenantId)))
      .returning();
    return row ? parse(row) : null;
  }

  /** Deletes a rule and its events. @returns false when no such rule. */
  async deleteRule(tenantId: string, id: string): Promise<boolean> {
    if (!(await this.rule(tenantId, id))) return false;
    await this.d.batch([
      run(sql`DELETE FROM alert_events WHERE rule_id = ${id} AND tenant_id = ${tenantId}`),
      run(sql`DELETE FROM alert_rules WHERE id = ${id} AND tenant_id = ${tenantId}`),
    ]);
    return true;
  }

  /** Tenants with at least one enabled rule (what the scheduler evaluates). */
  async tenantsWithRules(): Promise<string[]> {
    const rows = await this.d.db.selectDistinct({ tenantId: alertRules.tenantId }).from(alertRules).where(eq(alertRules.enabled, true));
    return rows.map((r) => r.tenantId);
  }

  /**
   * Records a firing unless the rule already has an active event or already fired for that
   * period; with it, one `alert.fired` delivery per subscribed active webhook, atomically.
   * @returns the new event, or null when deduplicated.
   */
  async fire(tenantId: string, f: AlertFiring): Promise<AlertEventRow | null> {
    const id = newId();
    const now = this.clock.now();
    const inserted = sql`EXISTS (SELECT 1 FROM alert_events WHERE id = ${id})`;
    await this.d.batch([
      run(sql`INSERT INTO alert_events (id, tenant_id, rule_id, label, kind, period, state, value, message, fired_at)
        SELECT ${id}, ${tenantId}, ${f.ruleId}, ${f.label}, ${f.kind}, ${f.period}, 'active', ${f.value}, ${f.message}, ${now}
        WHERE NOT EXISTS (SELECT 1 FROM alert_events WHERE rule_id = ${f.ruleId} AND state = 'active')
        ON CONFLICT (rule_id, period) DO NOTHING`),
      run(sql`INSERT INTO webhook_deliveries (id, tenant_id, webhook_id, event, payload, status, attempts, next_attempt_at, log, created_at)
        SELECT lower(hex(randomblob(16))), tenant_id, id, 'alert.fired', ${f.payload(id)}, 'pending', 0, ${now}, '[]', ${now}
        FROM webhooks
        WHERE tenant_id = ${tenantId} AND active = 1
          AND EXISTS (SELECT 1 FROM json_each(webhooks.events) WHERE value = 'alert.fired') AND ${inserted}`),
    ]);
    const [row] = await this.d.db.select().from(alertEvents).where(eq(alertEvents.id, id));
    return row ?? null;
  }

  /** Resolves the rule's active event, if any. @returns how many were resolved. */
  async resolve(tenantId: string, ruleId: string): Promise<number> {
    const rows = await this.d.db
      .update(alertEvents)
      .set({ state: 'resolved', resolvedAt: this.clock.now() })
      .where(and(eq(alertEvents.tenantId, tenantId), eq(alertEvents.ruleId, ruleId), eq(alertEvents.state, 'active')))
      .returning({ id: alertEvents.id });
    return rows.length;
  }

  /** Events, newest first, optionally of one state. */
  async events(tenantId: string, q: { state?: 'active' | 'resolved'; limit: number; offset: number }): Promise<AlertEventRow[]> {
    const where = q.state ? and(eq(alertEvents.tenantId, tenantId), eq(alertEvents.state, q.state)) : eq(alertEvents.tenantId, tenantId);
    return this.d.db
      .select()
      .from(alertEvents)
      .where(where)
      .orderBy(desc(alertEvents.firedAt), asc(alertEvents.id))
      .limit(q.limit)
      .offset(q.offset);
  }
}
