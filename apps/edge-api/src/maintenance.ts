/**
 * Periodic housekeeping shared by Node and Workers: audit records past their retention, the
 * worklist pages no retained record names, and dead rate-limit windows are deleted. Node runs it
 * on a timer in every serve process (the deletes are idempotent and SQLite serializes them, so
 * `serve --workers N` is safe); Workers run it from the hourly cron trigger.
 */
import type { PruneOutcome } from '@embolus/db';
import type { AppDeps } from './deps';

/** How often Node prunes; Workers use the `0 * * * *` cron in wrangler.toml. */
export const PRUNE_INTERVAL_MS = 3_600_000;

/** The cron expression that prunes on Workers (the every-minute one retries webhooks). */
export const PRUNE_CRON = '0 * * * *';

/** Ended sessions are kept this long (the audit log keeps who signed in and out). */
const SESSION_KEEP_MS = 86_400_000;

/** Deletes what retention allows; logs counts only. */
export async function pruneAudit(deps: Pick<AppDeps, 'store' | 'config' | 'logger'>): Promise<PruneOutcome> {
  const out = await deps.store.audit.prune(deps.config.auditRetentionMs);
  if (out.auditRecords + out.auditPages + out.rateLimitWindows > 0) deps.logger.log('info', 'audit.pruned', { ...out });
  // Dashboard sessions (issue 16) that ended more than a day ago are of no further use.
  const sessions = await deps.store.sessions.prune(deps.store.clock.now() - SESSION_KEEP_MS);
  if (sessions > 0) deps.logger.log('info', 'sessions.pruned', { sessions });
  return out;
}
