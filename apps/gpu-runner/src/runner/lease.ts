/**
 * Keeping a job's lease alive: a heartbeat every third of the lease carries the latest progress.
 * When the API says the lease is lost (expired and reclaimed), the job is aborted at once and
 * reports nothing: the job now belongs to another runner. The keeper also knows until when the
 * lease surely holds (the last renewal plus the lease, by this runner's clock): the job's API
 * calls wait out an unreachable API until then (`ApiClient.forJob`).
 */
import type { ApiClient, ClaimedJob } from './api';
import { RunnerError } from './errors';
import type { Logger } from './log';

/** Margin before the lease's end at which the job stops waiting for the API (the last call's own time). */
const DEADLINE_MARGIN_MS = 2_000;

/** What a job handler gets: the claim, the API, a cancellation signal and a progress reporter. */
export interface JobContext {
  claim: ClaimedJob;
  /** Scoped to the job: waits out an unreachable API while the lease holds; cancelled with the job. */
  api: ApiClient;
  signal: AbortSignal;
  log: Logger;
  /** Records progress (sent with the next heartbeat) and the stage shown on the health page. */
  progress(stage: string, extra?: Record<string, unknown>): void;
  /** Throws the abort reason if the job was cancelled (lease lost, shutdown). */
  check(): void;
}

/** Heartbeats for one claim until stopped. */
export class LeaseKeeper {
  readonly controller = new AbortController();
  stage = 'claimed';
  private latest: Record<string, unknown> = { stage: 'claimed' };
  private dirty = true;
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  /** When the lease was last granted or extended (local clock, taken before the request was sent). */
  private renewedAt: number;
  /** The API for calls about this job after it ran (complete, fail, release): waits out outages, not cancelled. */
  readonly reportApi: ApiClient;

  constructor(
    private readonly claim: ClaimedJob,
    private readonly api: ApiClient,
    private readonly leaseSeconds: number,
    private readonly log: Logger,
    claimSentAt = Date.now(),
  ) {
    this.renewedAt = claimSentAt;
    this.reportApi = api.forJob({ deadline: () => this.deadline() });
  }

  /** Until when (epoch ms) the job's calls retry an unreachable API: just before the lease surely ends. */
  deadline(): number {
    return this.renewedAt + this.leaseSeconds * 1000 - DEADLINE_MARGIN_MS;
  }

  start(): void {
    const every = Math.max(1000, (this.leaseSeconds * 1000) / 3);
    this.timer = setInterval(() => void (this.beating = this.beat()), every);
  }

  /** Sets the progress sent with the next heartbeat (immediately for stage changes). */
  progress(stage: string, extra: Record<string, unknown> = {}): void {
    const changed = stage !== this.stage;
    this.stage = stage;
    this.latest = { stage, ...extra };
    this.dirty = true;
    if (changed) this.log.log('info', 'job.stage', { jobId: this.claim.job.id, stage });
  }

  private async beat(): Promise<void> {
    if (this.controller.signal.aborted) return;
    try {
      const sentAt = Date.now();
      await this.api.heartbeat(this.claim.job.id, this.claim.leaseToken, this.leaseSeconds, this.dirty ? this.latest : undefined);
      this.dirty = false;
      this.renewedAt = Math.max(this.renewedAt, sentAt);
    } catch (e) {
      if (e instanceof RunnerError && e.code === 'LEASE_LOST') {
        this.log.log('warn', 'job.lease_lost', { jobId: this.claim.job.id, stage: this.stage });
        this.controller.abort(e);
      } else {
        // The API may be down for a moment; the lease lasts three beats, so keep going.
        this.log.log('warn', 'job.heartbeat_failed', { jobId: this.claim.job.id, code: e instanceof RunnerError ? e.code : 'INTERNAL' });
      }
    }
  }

  /** Cancels the job with `reason` (a RunnerError). */
  abort(reason: RunnerError): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** Stops the heartbeats; progress not yet sent goes out in a last one (the API shows it). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    if (this.dirty && !this.controller.signal.aborted) await this.beat();
  }

  /** The context handed to the job handler. */
  context(log: Logger): JobContext {
    const signal = this.controller.signal;
    return {
      claim: this.claim,
      api: this.api.forJob({ deadline: () => this.deadline(), signal }),
      signal,
      log,
      progress: (stage, extra) => this.progress(stage, extra),
      check: () => {
        if (signal.aborted)
          throw signal.reason instanceof RunnerError ? signal.reason : new RunnerError('SHUTDOWN', 'cancelled', { retryable: true });
      },
    };
  }
}
