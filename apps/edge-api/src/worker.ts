/**
 * The Cloudflare Workers entry: D1 (binding DB) and R2 (binding BUCKET), configured by
 * wrangler.toml. The app is built once per isolate; webhook deliveries go out in `waitUntil`
 * after a result is stored, and a cron trigger retries the rest; another, every five minutes, prunes the audit log.
 */
import { createStore, d1Driver, R2BlobStore, systemClock, type D1DatabaseLike, type R2BucketLike } from '@embolus/db';
import { createApp } from './app';
import type { AppDeps } from './deps';
import { parseConfig } from './env';
import { consoleLogger } from './log';
import { PRUNE_CRON, pruneAudit, WORKERS_PRUNE } from './maintenance';
import { MemoryRateLimiter, StoreRateLimiter } from './middleware/rate-limit';
import { dispatchWebhooks } from './webhooks/dispatch';
import { ALERT_CRON, evaluateAlerts } from './quality/alert-scheduler';
import { CohortCache } from './quality/cohort-cache';

/** The Worker's bindings and `[vars]`. */
export interface WorkerEnv {
  DB: D1DatabaseLike;
  BUCKET: R2BucketLike;
  [variable: string]: unknown;
}

interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException?(): void;
}

const built = new WeakMap<object, { deps: AppDeps; app: ReturnType<typeof createApp> }>();

/** The dependencies for `env`, built on first use in this isolate. */
export function workerRuntime(env: WorkerEnv): { deps: AppDeps; app: ReturnType<typeof createApp> } {
  const cached = built.get(env);
  if (cached) return cached;
  // Isolates come and go, so the shared default for rate limits is the database.
  const config = parseConfig({ EMBOLUS_RATE_LIMIT_STORE: 'database', ...env });
  const store = createStore(d1Driver(env.DB), systemClock);
  const logger = consoleLogger(config.logLevel);
  const deps: AppDeps = {
    store,
    blobs: new R2BlobStore(env.BUCKET),
    config,
    clock: systemClock,
    logger,
    rateLimiter: config.rateLimitStore === 'database' ? new StoreRateLimiter(store) : new MemoryRateLimiter(systemClock),
    fetch: (input, init) => fetch(input, init),
    // No resolver: Workers have no DNS API, and their fetch() leaves from Cloudflare's network,
    // which has no route into the operator's private networks; literals and names are checked.
    // Cloudflare sets CF-Connecting-IP itself (a client cannot forge it through Cloudflare).
    clientAddress: (c) => c.req.header('cf-connecting-ip'),
    onResultStored: (c) => c.executionCtx.waitUntil(dispatchWebhooks(deps)),
    // Shared by the app and the alert cron, so both read a tenant's cohort once per change.
    cohortCache: new CohortCache(),
  };
  const entry = { deps, app: createApp(deps) };
  built.set(env, entry);
  return entry;
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContextLike): Response | Promise<Response> {
    return workerRuntime(env).app.fetch(request, env, ctx as never);
  },
  scheduled(event: { cron?: string }, env: WorkerEnv, ctx: ExecutionContextLike): void {
    const { deps } = workerRuntime(env);
    // The five-minute trigger prunes the audit log; the fifteen-minute one evaluates drift alert
    // rules (and sends what fired); the every-minute one retries webhook deliveries.
    if (event.cron === ALERT_CRON)
      ctx.waitUntil(evaluateAlerts(deps).then(async (r) => void (r.fired > 0 ? await dispatchWebhooks(deps) : undefined)));
    else ctx.waitUntil(event.cron === PRUNE_CRON ? pruneAudit(deps, WORKERS_PRUNE) : dispatchWebhooks(deps));
  },
};
