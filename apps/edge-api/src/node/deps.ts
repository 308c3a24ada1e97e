/**
 * Node assembly: a data folder holding the SQLite file (`embolus.sqlite`, migrations applied on
 * open) and the blob folder (`blobs/`), plus a webhook dispatcher on a timer.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createStore, systemClock, type Clock } from '@embolus/db';
import { FolderBlobStore, openSqlite, type SqliteHandle } from '@embolus/db/node';
import type { AppDeps } from '../deps';
import { parseConfig } from '../env';
import { consoleLogger, type Logger } from '../log';
import { MemoryRateLimiter, StoreRateLimiter } from '../middleware/rate-limit';
import { dispatchWebhooks } from '../webhooks/dispatch';
import type { HostResolver } from '../webhooks/target';
import { pinnedFetch } from './pinned-fetch';
import { nodeClientAddress } from './client-address';
import { nodeResolver } from './resolve';

/** Node dependencies and how to stop them. */
export interface NodeRuntime {
  deps: AppDeps;
  sqlite: SqliteHandle;
  /** Starts the webhook dispatcher timer (the CLI's `serve` does; tests drive it by hand). */
  startDispatcher(intervalMs?: number): void;
  close(): Promise<void>;
}

/** Opens `dataDir` (created if missing) and builds the app's dependencies. */
export function openNodeRuntime(
  dataDir: string,
  options: { env?: Record<string, string | undefined>; clock?: Clock; fetch?: typeof fetch; logger?: Logger; resolveHost?: HostResolver } = {},
): NodeRuntime {
  mkdirSync(dataDir, { recursive: true });
  const config = parseConfig(options.env ?? process.env);
  const sqlite = openSqlite(path.join(dataDir, 'embolus.sqlite'));
  const clock = options.clock ?? systemClock;
  const store = createStore(sqlite.driver, clock);
  const logger =
    options.logger ?? consoleLogger(config.logLevel, { out: (l) => void process.stdout.write(l), err: (l) => void process.stderr.write(l) });
  let timer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let again = false;
  // One dispatch at a time; a kick during a dispatch schedules exactly one more.
  const kick = () => {
    if (again) return;
    again = true;
    running = running
      .then(async () => {
        again = false;
        await dispatchWebhooks(deps);
      })
      .catch((e) => logger.log('error', 'webhook.dispatch_failed', { error: (e as Error).message }));
  };
  const deps: AppDeps = {
    store,
    blobs: new FolderBlobStore(path.join(dataDir, 'blobs')),
    config,
    clock,
    logger,
    rateLimiter: config.rateLimitStore === 'database' ? new StoreRateLimiter(store) : new MemoryRateLimiter(clock),
    // Deliveries connect only where the connection's own DNS answer is checked (rebinding).
    fetch: options.fetch ?? pinnedFetch(config.webhookAllowInternal),
    resolveHost: options.resolveHost ?? nodeResolver,
    clientAddress: nodeClientAddress(config.trustedProxies),
    onResultStored: () => kick(),
  };
  return {
    deps,
    sqlite,
    startDispatcher(intervalMs = 5_000) {
      timer ??= setInterval(kick, intervalMs);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      await running.catch(() => undefined);
      sqlite.close();
    },
  };
}
