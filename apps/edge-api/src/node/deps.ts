/**
 * Node assembly: a data folder holding the SQLite file (`embolus.sqlite`, migrations applied on
 * open) and the blob folder (`blobs/`), plus timers: the webhook dispatcher and audit pruning.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createStore, systemClock, type Clock } from '@embolus/db';
import { cleanLeftovers, FolderBlobStore, openSqlite, type LeftoverReport, type SqliteHandle } from '@embolus/db/node';
import type { AppDeps } from '../deps';
import { parseConfig } from '../env';
import { consoleLogger, type Logger } from '../log';
import { PRUNE_INTERVAL_MS, pruneAudit } from '../maintenance';
import { MemoryRateLimiter, StoreRateLimiter } from '../middleware/rate-limit';
import { dispatchWebhooks } from '../webhooks/dispatch';
import { ALERT_INTERVAL_MS, evaluateAlerts } from '../quality/alert-scheduler';
import { CohortCache } from '../quality/cohort-cache';
import type { HostResolver } from '../webhooks/target';
import { pinnedFetch } from './pinned-fetch';
import { nodeClientAddress } from './client-address';
import { nodeResolver } from './resolve';
import { deliverDicom } from '../dimse/deliver';
import { produceDicomObjects, type OutputTimings } from '../dimse/outputs';
import { nodeReports } from './report';

/** Observers of the DICOM result worker (the bench times stages with these). */
export interface DicomOutputHooks {
  onObjects?: (t: OutputTimings) => void;
  onDelivered?: (e: { studyId: string; at: number }) => void;
}

/** Node dependencies and how to stop them. */
export interface NodeRuntime {
  deps: AppDeps;
  sqlite: SqliteHandle;
  /** Starts the webhook dispatcher timer (the CLI's `serve` does; tests drive it by hand). */
  startDispatcher(intervalMs?: number): void;
  /** Prunes the audit log now and every `intervalMs` (default hourly); the CLI's `serve` does. */
  startMaintenance(intervalMs?: number): void;
  /**
   * Starts the DICOM result worker: writes the SR and key images of new analysis results and
   * sends them to the tenant's destinations (the listener's processes run it).
   */
  startDicomOutput(intervalMs?: number, hooks?: DicomOutputHooks): void;
  /** One pass of the DICOM result worker: write objects of new results, then send due deliveries. */
  runDicomOutput(): Promise<void>;
  /** One pruning pass (what the timer runs). */
  runMaintenance(): Promise<void>;
  /**
   * Warms the cohort cache, then evaluates drift alert rules now and every `intervalMs` (default
   * 15 minutes); the CLI's `serve` does (issue 18).
   */
  startAlerts(intervalMs?: number): void;
  /** One alert pass (what the timer runs); deliveries of what fired are kicked. */
  runAlerts(): Promise<void>;
  /**
   * Deletes `*.tmp` files and quarantines blobs without rows, both only when older than
   * `EMBOLUS_LEFTOVER_GRACE_SECONDS` (see `@embolus/db/node` leftovers); `serve` runs it at start.
   */
  cleanLeftovers(): Promise<LeftoverReport>;
  close(): Promise<void>;
}

/** The key in `<dataDir>/secrets.key` (mode 0600), made on first use. */
function secretsKeyIn(dataDir: string): string {
  const file = path.join(dataDir, 'secrets.key');
  if (!existsSync(file)) {
    try {
      writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      // Another process of the cluster made it first: read theirs.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return readFileSync(file, 'utf8').trim();
}

/** Opens `dataDir` (created if missing) and builds the app's dependencies. */
export function openNodeRuntime(
  dataDir: string,
  options: {
    env?: Record<string, string | undefined>;
    clock?: Clock;
    fetch?: typeof fetch;
    logger?: Logger;
    resolveHost?: HostResolver;
  } = {},
): NodeRuntime {
  mkdirSync(dataDir, { recursive: true });
  const config = parseConfig(options.env ?? process.env);
  // Secrets at rest need a key that outlives the process: one is made in the data folder.
  config.secretsKey ??= secretsKeyIn(dataDir);
  const sqlite = openSqlite(path.join(dataDir, 'embolus.sqlite'));
  const clock = options.clock ?? systemClock;
  const store = createStore(sqlite.driver, clock);
  const logger =
    options.logger ??
    consoleLogger(config.logLevel, { out: (l) => void process.stdout.write(l), err: (l) => void process.stderr.write(l) });
  let timer: ReturnType<typeof setInterval> | undefined;
  let pruneTimer: ReturnType<typeof setInterval> | undefined;
  let alertTimer: ReturnType<typeof setInterval> | undefined;
  let alerting: Promise<void> = Promise.resolve();
  let pruning: Promise<void> = Promise.resolve();
  let running: Promise<unknown> = Promise.resolve();
  let again = false;
  let dicomTimer: ReturnType<typeof setInterval> | undefined;
  let dicomHooks: DicomOutputHooks = {};
  let dicomRunning: Promise<unknown> = Promise.resolve();
  let dicomAgain = false;
  // Same pattern as webhooks: one pass at a time, a kick during a pass schedules one more.
  const kickDicom = () => {
    if (!dicomTimer || dicomAgain) return dicomRunning;
    dicomAgain = true;
    dicomRunning = dicomRunning
      .then(async () => {
        dicomAgain = false;
        while ((await produceDicomObjects(deps, 4, dicomHooks.onObjects)) > 0);
        await deliverDicom(deps, 8, dicomHooks.onDelivered);
      })
      .catch((e) => logger.log('error', 'dicom_out.pass_failed', { error: (e as Error).message }));
    return dicomRunning;
  };
  // One dispatch at a time; a kick during a dispatch schedules exactly one more.
  const kick = () => {
    void kickDicom();
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
    // Study reports (issue 17): made here, where stored slices can be decoded.
    reports: nodeReports(),
    // Shared by the app and the alert timer, so both read a tenant's cohort once per change.
    cohortCache: new CohortCache(),
  };
  // One alert pass at a time in this process; concurrent passes elsewhere are deduplicated by the store.
  const runAlerts = (): Promise<void> =>
    (alerting = alerting.then(async () => {
      try {
        if ((await evaluateAlerts(deps)).fired > 0) kick();
      } catch (e) {
        logger.log('error', 'alerts.pass_failed', { code: (e as { code?: string }).code ?? 'INTERNAL' });
      }
    }));
  // One pruning pass at a time in this process; other processes may prune concurrently (idempotent deletes).
  const runMaintenance = (): Promise<void> =>
    (pruning = pruning.then(async () => {
      try {
        await pruneAudit(deps);
      } catch (e) {
        logger.log('error', 'audit.prune_failed', { code: (e as { code?: string }).code ?? 'INTERNAL' });
      }
    }));
  return {
    deps,
    sqlite,
    startDispatcher(intervalMs = 5_000) {
      timer ??= setInterval(kick, intervalMs);
      timer.unref();
    },
    startMaintenance(intervalMs = PRUNE_INTERVAL_MS) {
      if (pruneTimer) return;
      void runMaintenance();
      pruneTimer = setInterval(() => void runMaintenance(), intervalMs);
      pruneTimer.unref();
    },
    runMaintenance,
    startAlerts(intervalMs = ALERT_INTERVAL_MS) {
      if (alertTimer) return;
      // Read the busiest cohorts into the cache first, then evaluate (which reads the same cohorts).
      alerting = alerting.then(() =>
        (deps.cohortCache as CohortCache).warm(store).then(
          () => undefined,
          (e) => logger.log('error', 'cohort.warm_failed', { code: (e as { code?: string }).code ?? 'INTERNAL' }),
        ),
      );
      void runAlerts();
      alertTimer = setInterval(() => void runAlerts(), intervalMs);
      alertTimer.unref();
    },
    runAlerts,
    startDicomOutput(intervalMs = 1_000, hooks = {}) {
      dicomHooks = hooks;
      dicomTimer ??= setInterval(() => void kickDicom(), intervalMs);
      dicomTimer.unref();
      void kickDicom();
    },
    async runDicomOutput() {
      while ((await produceDicomObjects(deps, 4, dicomHooks.onObjects)) > 0);
      await deliverDicom(deps, 8, dicomHooks.onDelivered);
    },
    async cleanLeftovers() {
      const report = await cleanLeftovers({
        sqlite: sqlite.sqlite,
        blobRoot: path.join(dataDir, 'blobs'),
        dataDir,
        graceMs: config.leftoverGraceMs,
        repair: true,
        now: clock.now(),
      });
      const { tmpDeleted, orphansQuarantined, young } = report;
      if (tmpDeleted + orphansQuarantined > 0) logger.log('warn', 'leftovers.cleaned', { tmpDeleted, orphansQuarantined, young });
      return report;
    },
    async close() {
      if (timer) clearInterval(timer);
      if (pruneTimer) clearInterval(pruneTimer);
      if (alertTimer) clearInterval(alertTimer);
      if (dicomTimer) clearInterval(dicomTimer);
      dicomTimer = undefined;
      await dicomRunning.catch(() => undefined);
      await running.catch(() => undefined);
      await pruning;
      await alerting;
      sqlite.close();
    },
  };
}
