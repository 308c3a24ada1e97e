/**
 * What the app is built from: storage, configuration, a clock and the outside world (fetch,
 * logs, the webhook kick). Node and Workers entry points assemble these; tests inject fakes.
 */
import type { BlobStore, Clock, Principal, Store } from '@embolus/db';
import type { Context } from 'hono';
import type { Config } from './env';
import type { Logger } from './log';
import type { RateLimiter } from './rate-limiter';
import type { HostResolver } from './webhooks/target';
import type { WorklistCache } from './worklist-cache';
import type { CohortCache } from './quality/cohort-cache';

/** The app's dependencies. */
export interface AppDeps {
  store: Store;
  blobs: BlobStore;
  config: Config;
  clock: Clock;
  logger: Logger;
  rateLimiter: RateLimiter;
  /** Used for webhook deliveries; tests pass a fake. */
  fetch: typeof fetch;
  /**
   * Resolves webhook host names (node:dns on Node; tests pass a table). Absent (Workers):
   * names are checked by rule only, see src/webhooks/target.ts.
   */
  resolveHost?: HostResolver;
  /**
   * The client's network address, for limits on failed authentication: the socket's peer on
   * Node, CF-Connecting-IP on Workers. Undefined: one shared bucket.
   */
  clientAddress?: (c: Context) => string | undefined;
  /** Called after a job completes so pending webhook deliveries go out promptly. */
  onResultStored?: (c: Context) => void;
  /** Serialized worklist pages; createApp makes one when absent. */
  worklistCache?: WorklistCache;
  /** Tenants' cohorts for the quality routes (issue 18); createApp makes one when absent. */
  cohortCache?: CohortCache;
}

/** Hono environment of every route. */
export interface AppEnv {
  Variables: {
    deps: AppDeps;
    principal: Principal;
    requestId: string;
  };
}
