/**
 * The job loop: `concurrency` workers claim jobs, keep their leases alive, run them and complete
 * or fail them. While the API cannot be reached the workers back off exponentially with jitter.
 * `stop()` drains: no new claims, running jobs get a grace period to finish, then are cancelled
 * and their leases released (not counted as attempts) for another runner to take.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { LoadOptions } from '@embolus/inference';
import { DEFAULT_MAX_STUDY_BYTES, runAnalysis } from './analysis';
import { ApiClient, type ClaimedJob } from './api';
import { backoffDelay, DEFAULT_BACKOFF, sleep, type BackoffPolicy } from './backoff';
import { classifyError, RunnerError } from './errors';
import { runEvaluation } from './evaluation';
import { serveHealth } from './health';
import { LeaseKeeper } from './lease';
import type { Logger } from './log';
import { ModelStore } from './models';
import { runTraining } from './training';

type Kind = ClaimedJob['job']['kind'];

/** Everything the runner is configured with (the CLI fills it from flags). */
export interface RunnerOptions {
  api: string;
  key: string;
  concurrency: number;
  kinds: Kind[];
  leaseSeconds: number;
  pollMs: number;
  graceMs: number;
  modelDirs: string[];
  workDir: string;
  dataRoot: string;
  minSlices: number;
  cam: boolean;
  /** Memory bound of one analysed study (instances, and the series as a volume); default 2 GiB. */
  maxStudyBytes?: number;
  healthPort?: number;
  healthHost?: string;
  backoff?: BackoffPolicy;
  load?: LoadOptions;
  logger: Logger;
}

/** A long-lived worker over one API. */
export class Runner {
  readonly id = `runner-${os.hostname().slice(0, 32)}-${randomUUID().slice(0, 8)}`;
  readonly api: ApiClient;
  readonly models: ModelStore;
  state: 'starting' | 'idle' | 'working' | 'backoff' | 'draining' | 'stopped' = 'starting';
  readonly counters = { claimed: 0, completed: 0, failed: 0, released: 0, leaseLost: 0 };
  readonly apiState = { consecutiveFailures: 0, lastOkAt: null as string | null, nextRetryAt: null as string | null };
  healthPort: number | null = null;
  /** Set when the runner stopped because it can never work (a bad key): the CLI's exit code. */
  fatal: RunnerError | null = null;
  private readonly active = new Map<string, { kind: Kind; keeper: LeaseKeeper; startedAt: string }>();
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];
  private health: { close(): void } | null = null;
  private queueCache: { at: number; value: unknown } | null = null;

  constructor(private readonly o: RunnerOptions) {
    this.api = new ApiClient(o.api, o.key);
    this.models = new ModelStore(o.modelDirs, path.join(o.workDir, 'models'), o.load ?? {});
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown> = {}): void {
    this.o.logger.log(level, event, { runnerId: this.id, ...fields });
  }

  /** Loads model manifests, opens the health endpoint and starts the workers. */
  async start(): Promise<void> {
    await this.models.init();
    if (this.o.healthPort !== undefined) {
      const h = await serveHealth(this.o.healthPort, this.o.healthHost ?? '127.0.0.1', () => this.snapshot());
      this.health = h.server;
      this.healthPort = h.port;
    }
    this.log('info', 'runner.started', {
      concurrency: this.o.concurrency,
      port: this.healthPort ?? undefined,
      modelVersion: this.models.fallback ?? undefined,
    });
    this.state = 'idle';
    this.loops = Array.from({ length: this.o.concurrency }, () => this.loop());
  }

  /** What the health endpoint shows. */
  async snapshot(): Promise<Record<string, unknown> & { status: string }> {
    if (!this.queueCache || Date.now() - this.queueCache.at > 5000) {
      const value = await this.api
        .queue()
        .then((q) => q.items)
        .catch(() => null);
      this.queueCache = { at: Date.now(), value };
    }
    const status = this.state === 'starting' ? 'starting' : this.state;
    return {
      status,
      runnerId: this.id,
      uptimeSeconds: Math.round(process.uptime()),
      concurrency: this.o.concurrency,
      kinds: this.o.kinds,
      jobs: {
        active: [...this.active].map(([id, a]) => ({ id, kind: a.kind, stage: a.keeper.stage, startedAt: a.startedAt })),
        ...this.counters,
      },
      api: { ...this.apiState },
      queue: this.queueCache.value,
      models: { default: this.models.fallback, loaded: await this.models.loadedModels() },
    };
  }

  private async loop(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      let claim: ClaimedJob | null;
      const sentAt = Date.now();
      try {
        claim = await this.api.claim(this.o.kinds, this.o.leaseSeconds, signal);
        this.apiState.consecutiveFailures = 0;
        this.apiState.lastOkAt = new Date().toISOString();
        this.apiState.nextRetryAt = null;
      } catch (e) {
        if (signal.aborted) break;
        const err = classifyError(e);
        if (err.code === 'UNAUTHORIZED') {
          this.log('error', 'runner.unauthorized', { code: err.code });
          this.fatal = err;
          void this.stop(0);
          break;
        }
        const n = ++this.apiState.consecutiveFailures;
        const delay = backoffDelay(n, this.o.backoff ?? DEFAULT_BACKOFF);
        this.apiState.nextRetryAt = new Date(Date.now() + delay).toISOString();
        if (this.active.size === 0) this.state = 'backoff';
        this.log(n === 1 ? 'warn' : 'debug', 'api.unreachable', { code: err.code, failures: n, delayMs: delay });
        await sleep(delay, signal);
        continue;
      }
      if (!claim) {
        if (this.active.size === 0) this.state = 'idle';
        await sleep(this.o.pollMs / 2 + Math.random() * this.o.pollMs, signal);
        continue;
      }
      await this.process(claim, sentAt);
    }
  }

  private async process(claim: ClaimedJob, claimSentAt: number): Promise<void> {
    const { job } = claim;
    const keeper = new LeaseKeeper(claim, this.api, this.o.leaseSeconds, this.o.logger, claimSentAt);
    this.active.set(job.id, { kind: job.kind, keeper, startedAt: new Date().toISOString() });
    this.state = 'working';
    this.counters.claimed++;
    this.log('info', 'job.claimed', { jobId: job.id, studyId: job.studyId ?? undefined, kind: job.kind, attempt: job.attempts });
    keeper.start();
    const t0 = performance.now();
    const ctx = keeper.context(this.o.logger);
    try {
      const o = this.o;
      let body: { result: unknown; shadow?: unknown[] };
      if (job.kind === 'analysis') {
        const out = await runAnalysis(ctx, {
          models: this.models,
          minSlices: o.minSlices,
          cam: o.cam,
          downloads: 8,
          maxStudyBytes: o.maxStudyBytes ?? DEFAULT_MAX_STUDY_BYTES,
        });
        body = { result: out.result, ...(out.shadow.length ? { shadow: out.shadow } : {}) };
      } else if (job.kind === 'training') body = { result: await runTraining(ctx, { workDir: o.workDir, dataRoot: o.dataRoot }) };
      else body = { result: await runEvaluation(ctx, { dataRoot: o.dataRoot, models: this.models }) };
      ctx.check();
      await keeper.stop();
      const done = await keeper.reportApi.complete(job.id, claim.leaseToken, body);
      this.counters.completed++;
      this.log('info', 'job.completed', {
        jobId: job.id,
        kind: job.kind,
        ms: Math.round(performance.now() - t0),
        status: done.replay ? 'replay' : 'stored',
      });
    } catch (e) {
      await keeper.stop();
      await this.report(claim, keeper.reportApi, classifyError(e), Math.round(performance.now() - t0));
    } finally {
      this.active.delete(job.id);
      if (this.active.size === 0 && this.state === 'working') this.state = 'idle';
    }
  }

  /**
   * Tells the API how the job ended badly: nothing (lease lost), released (shutdown, or the API
   * stayed unreachable for the whole lease: neither is the job's fault, so the attempt is not
   * spent), or failed (the job's own failure, counted).
   */
  private async report(claim: ClaimedJob, api: ApiClient, err: RunnerError, ms: number): Promise<void> {
    const { job } = claim;
    try {
      if (err.code === 'LEASE_LOST') {
        this.counters.leaseLost++;
        this.log('warn', 'job.abandoned', { jobId: job.id, code: err.code, ms });
      } else if (err.code === 'SHUTDOWN' || err.code === 'API_UNAVAILABLE') {
        await api.release(job.id, claim.leaseToken);
        this.counters.released++;
        this.log('info', 'job.released', { jobId: job.id, kind: job.kind, code: err.code, ms });
      } else {
        await api.fail(job.id, claim.leaseToken, { code: err.code, message: err.message.slice(0, 1000) }, err.retryable);
        this.counters.failed++;
        this.log(err.retryable ? 'warn' : 'info', 'job.failed', {
          jobId: job.id,
          kind: job.kind,
          code: err.code,
          retryable: err.retryable,
          ms,
        });
      }
    } catch (e) {
      // The lease will expire (or has: an outage as long as the lease) and the API requeue the job; nothing else to do here.
      this.log('error', 'job.report_failed', { jobId: job.id, code: classifyError(e).code, reason: err.code });
    }
  }

  /**
   * Drains: stops claiming, waits up to `graceMs` for running jobs, then cancels them (their
   * leases are released). Resolves when every worker has returned.
   */
  async stop(graceMs = this.o.graceMs): Promise<void> {
    if (!this.stopping.signal.aborted) {
      this.state = 'draining';
      this.log('info', 'runner.draining', { active: this.active.size, ms: graceMs });
      this.stopping.abort();
    }
    const all = Promise.all(this.loops);
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
    if ((await Promise.race([all.then(() => 'done' as const), timer])) === 'timeout') {
      for (const a of this.active.values()) a.keeper.abort(new RunnerError('SHUTDOWN', 'the runner is shutting down', { retryable: true }));
      await all;
    }
    this.health?.close();
    this.health = null;
    await this.models.close();
    this.state = 'stopped';
    this.log('info', 'runner.stopped', { count: this.counters.completed });
  }
}
