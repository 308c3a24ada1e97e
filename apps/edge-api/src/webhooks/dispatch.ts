/**
 * Webhook delivery: HMAC-SHA256 signed POSTs, retried with exponential backoff, every attempt
 * written to the delivery log. Runs from a timer on Node and from `waitUntil`/cron on Workers;
 * deliveries are leased, so overlapping dispatchers never double-send.
 */
import { toHex } from '@embolus/db';
import type { AppDeps } from '../deps';
import { checkTarget, WebhookTargetError } from './target';

/** The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SIGNATURE_HEADER = 'Embolus-Signature';

async function hmacKey(secret: string): Promise<Awaited<ReturnType<typeof crypto.subtle.importKey>>> {
  return crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

/** `t=…,v1=…` for `body` sent at `timestampSeconds`. */
export async function sign(secret: string, timestampSeconds: number, body: string): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), new TextEncoder().encode(`${timestampSeconds}.${body}`));
  return `t=${timestampSeconds},v1=${toHex(new Uint8Array(mac))}`;
}

/**
 * Verifies a signature header as a partner would: the HMAC matches (constant time) and the
 * timestamp is within `toleranceSeconds` of `nowSeconds` (replay protection).
 */
export async function verifySignature(
  secret: string,
  header: string,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): Promise<boolean> {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts['t']);
  const v1 = parts['v1'] ?? '';
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds || !/^[0-9a-f]{64}$/.test(v1)) return false;
  const mac = new Uint8Array(v1.length / 2).map((_, i) => parseInt(v1.slice(i * 2, i * 2 + 2), 16));
  return crypto.subtle.verify('HMAC', await hmacKey(secret), mac, new TextEncoder().encode(`${t}.${body}`));
}

/** Sends due deliveries once. Never throws: failures are recorded on the deliveries and logged. */
export async function dispatchWebhooks(deps: AppDeps, limit = 25): Promise<{ attempted: number; delivered: number }> {
  const { store, config, clock, logger } = deps;
  let due;
  try {
    due = await store.webhooks.claimDue(limit, config.webhookTimeoutMs * 3);
  } catch (e) {
    logger.log('error', 'webhook.claim_failed', { error: (e as Error).message });
    return { attempted: 0, delivered: 0 };
  }
  let delivered = 0;
  await Promise.all(
    due.map(async ({ delivery, url, secret }) => {
      const started = clock.now();
      let status: number | null = null;
      let error: string | null = null;
      try {
        // Checked again at every attempt: the name may point elsewhere since registration.
        const target = await checkTarget(new URL(url), {
          resolve: deps.resolveHost,
          allow: config.webhookAllowInternal,
          timeoutMs: config.webhookTimeoutMs,
        });
        if (!target.ok) throw new WebhookTargetError(target.reason, target.message);
        const body = delivery.payload;
        const res = await deps.fetch(url, {
          method: 'POST',
          redirect: 'manual',
          signal: AbortSignal.timeout(config.webhookTimeoutMs),
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Embolus-Webhooks/1',
            'embolus-event': delivery.event,
            'embolus-delivery': delivery.id,
            [SIGNATURE_HEADER.toLowerCase()]: await sign(secret, Math.floor(started / 1000), body),
          },
          body,
        });
        status = res.status;
        await res.body?.cancel().catch(() => undefined);
        // Redirects are never followed (they could lead anywhere, internal hosts included).
        if (status >= 300 && status < 400) error = `HTTP ${status}: redirect not followed`;
        else if (status < 200 || status >= 300) error = `HTTP ${status}`;
      } catch (e) {
        // Also thrown by Node's fetch when its own connection resolves inside (node/pinned-fetch.ts).
        if (e instanceof WebhookTargetError) error = `target refused: ${e.code}`;
        else error = e instanceof Error && e.name === 'TimeoutError' ? 'timeout' : 'network error';
      }
      try {
        const row = await store.webhooks.recordAttempt(
          delivery.id,
          { at: clock.now(), status, error, ms: clock.now() - started },
          {
            maxAttempts: config.webhookMaxAttempts,
            backoff: config.webhookBackoff,
          },
        );
        if (row?.status === 'delivered') delivered++;
        logger.log(error ? 'warn' : 'info', 'webhook.attempt', {
          deliveryId: delivery.id,
          webhookId: delivery.webhookId,
          status,
          error,
          outcome: row?.status,
        });
      } catch (e) {
        logger.log('error', 'webhook.record_failed', { deliveryId: delivery.id, error: (e as Error).message });
      }
    }),
  );
  return { attempted: due.length, delivered };
}
