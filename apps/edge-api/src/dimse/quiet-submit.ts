/**
 * A study sent over DIMSE has no "done" message: a modality may send a series in several
 * associations, or several series in one. A study is taken as complete when no instance of it
 * arrived for the quiet period, and is then submitted for analysis, as `POST …/submit` does.
 */
import type { AppDeps } from '../deps';

/** Submits studies after a quiet period. */
export class QuietSubmitter {
  private readonly timers = new Map<string, { tenantId: string; timer: ReturnType<typeof setTimeout> }>();
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: AppDeps,
    private readonly quietMs: number,
    private readonly onSubmitted?: (e: { tenantId: string; studyId: string; jobId: string | null }) => void,
  ) {}

  /** An instance of the study was stored: (re)starts its quiet period. */
  touch(tenantId: string, studyId: string): void {
    const existing = this.timers.get(studyId);
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => this.fire(tenantId, studyId), this.quietMs);
    this.timers.set(studyId, { tenantId, timer });
  }

  /** Studies waiting for their quiet period to end. */
  get pending(): number {
    return this.timers.size;
  }

  private fire(tenantId: string, studyId: string): void {
    this.timers.delete(studyId);
    const p = this.submit(tenantId, studyId).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async submit(tenantId: string, studyId: string): Promise<void> {
    const { store, config, logger } = this.deps;
    try {
      const out = await store.studies.submit(tenantId, studyId, { priority: 0, maxAttempts: config.jobMaxAttempts });
      const jobId = out.kind === 'created' || out.kind === 'existing' ? out.job.id : null;
      logger.log('info', 'dimse.study_submitted', { studyId, outcome: out.kind, jobId });
      if (jobId)
        await store.audit.write({
          tenantId,
          keyId: null,
          role: null,
          action: 'study.submit',
          studyId,
          detail: { via: 'dimse', jobId, created: out.kind === 'created' },
        });
      this.onSubmitted?.({ tenantId, studyId, jobId });
    } catch (e) {
      logger.log('error', 'dimse.submit_failed', { studyId, code: (e as { code?: string }).code ?? 'INTERNAL' });
    }
  }

  /** Stops the timers (studies stay `receiving`; the next instance or a submit picks them up) and waits for submits under way. */
  async close(): Promise<void> {
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.inFlight]);
  }
}
