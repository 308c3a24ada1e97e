/**
 * Periodic housekeeping shared by Node and Workers: audit records past their retention, the
 * worklist pages no retained record names, and dead rate-limit windows are deleted. Node runs it
 * on a timer in every serve process (the deletes are idempotent and SQLite serializes them, so
 * `serve --workers N` is safe); Workers run it from a cron trigger every five minutes.
 */
import type { PruneOutcome } from '@embolus/db';
import type { AppDeps } from './deps';

/** How often Node prunes; Workers use the `PRUNE_CRON` trigger in wrangler.toml. */
export const PRUNE_INTERVAL_MS = 3_600_000;

/**
 * The cron expression that prunes on Workers (the every-minute one retries webhooks). Every five
 * minutes, because one invocation may run only so many D1 queries (see WORKERS_PRUNE).
 */
export const PRUNE_CRON = '*/5 * * * *';

/**
 * One Workers pruning pass: 40 deletes of 5,000 records at most, under the Free plan's 50 D1
 * queries per invocation with room for the tenant list, pages and rate-limit windows; at 12
 * passes an hour that is up to 2.4 million records an hour.
 */
export const WORKERS_PRUNE = { batch: 5000, maxStatements: 40 };

/** Ended sessions are kept this long (the audit log keeps who signed in and out). */
const SESSION_KEEP_MS = 86_400_000;

/** Deletes what retention allows (`limits`: the Workers budget; Node has none); logs counts only. */
export async function pruneAudit(
  deps: Pick<AppDeps, 'store' | 'config' | 'logger'>,
  limits: { batch?: number; maxStatements?: number } = {},
): Promise<PruneOutcome> {
  const out = await deps.store.audit.prune(deps.config.auditRetentionMs, limits);
  if (out.auditRecords + out.auditPages + out.rateLimitWindows > 0 || !out.complete) deps.logger.log('info', 'audit.pruned', { ...out });
  // Dashboard sessions that ended more than a day ago are of no further use.
  const sessions = await deps.store.sessions.prune(deps.store.clock.now() - SESSION_KEEP_MS);
  if (sessions > 0) deps.logger.log('info', 'sessions.pruned', { sessions });
  return out;
}
