/**
 * Webhooks and their delivery log. Deliveries are leased to a dispatcher like jobs, so two
 * dispatchers (two Node processes, or a cron and a `waitUntil`) never send the same one at once.
 */
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { SqlDriver } from '../driver';
import { DbError } from '../errors';
import { newId, randomToken, type Clock } from '../ids';
import { webhookDeliveries, webhooks } from '../schema';
import { backoffCap } from '@embolus/shared';
import type { Backoff } from './jobs';

export type WebhookRow = typeof webhooks.$inferSelect;
/** A webhook as listed: the secret is only shown at creation. */
export type WebhookInfo = Omit<WebhookRow, 'secret' | 'events'> & { events: string[] };
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

/** One attempt in a delivery's log. */
export interface DeliveryAttempt {
  at: number;
  status: number | null;
  error: string | null;
  ms: number;
}

/** A delivery leased for sending, with what is needed to send it. */
export interface DueDelivery {
  delivery: DeliveryRow;
  url: string;
  secret: string;
}

function info(row: WebhookRow): WebhookInfo {
  const { secret: _secret, events, ...rest } = row;
  void _secret;
  return { ...rest, events: JSON.parse(events) as string[] };
}

/** Webhooks repository. */
export class WebhookRepo {
  constructor(
    private readonly d: SqlDriver,
    private readonly clock: Clock,
  ) {}

  /** Registers a webhook; the signing secret is returned once. */
  async create(tenantId: string, input: { url: string; events: string[] }): Promise<{ webhook: WebhookInfo; secret: string }> {
    const secret = `whsec_${randomToken(24)}`;
    const [row] = await this.d.db
      .insert(webhooks)
      .values({
        id: newId(),
        tenantId,
        url: input.url,
        secret,
        events: JSON.stringify(input.events),
        active: true,
        createdAt: this.clock.now(),
      })
      .returning();
    if (!row) throw new DbError('INVALID_STATE', 'insert returned no row', { details: { table: 'webhooks' } });
    return { webhook: info(row), secret };
  }

  async list(tenantId: string): Promise<WebhookInfo[]> {
    const rows = await this.d.db.select().from(webhooks).where(eq(webhooks.tenantId, tenantId)).orderBy(asc(webhooks.createdAt));
    return rows.map(info);
  }

  async get(tenantId: string, id: string): Promise<WebhookInfo | null> {
    const [row] = await this.d.db
      .select()
      .from(webhooks)
      .where(and(eq(webhooks.id, id), eq(webhooks.tenantId, tenantId)));
    return row ? info(row) : null;
  }

  /** Deactivates a webhook (kept for its delivery log). @returns false when no such webhook. */
  async deactivate(tenantId: string, id: string): Promise<boolean> {
    const rows = await this.d.db
      .update(webhooks)
      .set({ active: false })
      .where(and(eq(webhooks.id, id), eq(webhooks.tenantId, tenantId)))
      .returning({ id: webhooks.id });
    return rows.length > 0;
  }

  /** A webhook's deliveries, newest first. */
  async deliveries(tenantId: string, webhookId: string, q: { limit: number; offset: number }): Promise<DeliveryRow[]> {
    return this.d.db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.tenantId, tenantId)))
      .orderBy(desc(webhookDeliveries.createdAt), asc(webhookDeliveries.id))
      .limit(q.limit)
      .offset(q.offset);
  }

  /**
   * Sends a delivery again: a new pending delivery of the same event and payload (the original
   * and its log stay as they were). @returns the new delivery, or null when there is no such
   * delivery of this webhook. @throws DbError INVALID_STATE when the webhook is deactivated.
   */
  async redeliver(tenantId: string, webhookId: string, deliveryId: string): Promise<DeliveryRow | null> {
    const [hook] = await this.d.db
      .select({ active: webhooks.active })
      .from(webhooks)
      .where(and(eq(webhooks.id, webhookId), eq(webhooks.tenantId, tenantId)));
    const [original] = await this.d.db
      .select()
      .from(webhookDeliveries)
      .where(
        and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.tenantId, tenantId)),
      );
    if (!hook || !original) return null;
    if (!hook.active) throw new DbError('INVALID_STATE', 'the webhook is deactivated', { details: { table: 'webhooks' } });
    const now = this.clock.now();
    const [row] = await this.d.db
      .insert(webhookDeliveries)
      .values({
        id: newId(),
        tenantId,
        webhookId,
        event: original.event,
        payload: original.payload,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        log: '[]',
        createdAt: now,
      })
      .returning();
    return row ?? null;
  }

  /**
   * Leases up to `limit` due deliveries (all tenants: the dispatcher is a system process).
   * A delivery whose lease expired mid-send (a crashed dispatcher) is due again.
   */
  async claimDue(limit: number, leaseMs: number): Promise<DueDelivery[]> {
    const now = this.clock.now();
    const due = sql`((status = 'pending' AND next_attempt_at <= ${now}) OR (status = 'sending' AND lease_expires_at <= ${now}))`;
    const claimed = await this.d.db
      .update(webhookDeliveries)
      .set({ status: 'sending', leaseExpiresAt: now + leaseMs })
      .where(
        sql`${webhookDeliveries.id} IN (SELECT id FROM webhook_deliveries WHERE ${due} ORDER BY next_attempt_at LIMIT ${limit}) AND ${due}`,
      )
      .returning();
    const out: DueDelivery[] = [];
    for (const delivery of claimed) {
      const [hook] = await this.d.db.select().from(webhooks).where(eq(webhooks.id, delivery.webhookId));
      if (hook) out.push({ delivery, url: hook.url, secret: hook.secret });
    }
    return out;
  }

  /**
   * Records one attempt. A 2xx ends the delivery; otherwise it is retried after a backoff until
   * `maxAttempts`, then marked failed. A deactivated webhook's pending deliveries fail at once.
   */
  async recordAttempt(
    id: string,
    attempt: DeliveryAttempt,
    policy: { maxAttempts: number; backoff: Backoff },
  ): Promise<DeliveryRow | null> {
    const [current] = await this.d.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
    if (!current) return null;
    const [hook] = await this.d.db.select({ active: webhooks.active }).from(webhooks).where(eq(webhooks.id, current.webhookId));
    const ok = attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
    const attempts = current.attempts + 1;
    const log = [...(JSON.parse(current.log) as DeliveryAttempt[]), attempt].slice(-50);
    const giveUp = !ok && (attempts >= policy.maxAttempts || !hook?.active);
    const [row] = await this.d.db
      .update(webhookDeliveries)
      .set({
        status: ok ? 'delivered' : giveUp ? 'failed' : 'pending',
        attempts,
        nextAttemptAt: ok || giveUp ? current.nextAttemptAt : attempt.at + backoffCap(attempts, policy.backoff),
        leaseExpiresAt: null,
        lastStatus: attempt.status,
        lastError: attempt.error,
        log: JSON.stringify(log),
        deliveredAt: ok ? attempt.at : null,
      })
      .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.attempts, current.attempts)))
      .returning();
    return row ?? null;
  }
}
