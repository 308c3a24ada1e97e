/**
 * The upload page's controller: scan, then upload, with one cancel for both.
 */
import { DeidError } from './errors';
import type { UploadPlan } from './plan';
import type { DicomProcessor } from './processor';
import type { FileLike } from './read-file';
import { scanFiles } from './scan';
import { expandArchives } from './zip';
import { uploadPlan, type UploadEvent, type UploadOptions, type UploadReport } from './upload';

/** Options of {@link UploadController}: the upload's, without the per-call signal and listener. */
export type UploadControllerOptions = Omit<UploadOptions, 'signal' | 'onEvent'>;

/** Events of {@link UploadController}: the upload's, plus scan progress. */
export type ControllerEvent = UploadEvent | { type: 'scan'; scanned: number; total: number };

/**
 * Scan, then upload, with one cancel for both. Listeners get every event; nothing in an event
 * is an attribute value.
 */
export class UploadController {
  private readonly listeners = new Set<(e: ControllerEvent) => void>();
  private abort: AbortController | null = null;

  constructor(private readonly options: UploadControllerOptions) {}

  /** The processor files are parsed with. */
  get processor(): DicomProcessor {
    return this.options.processor;
  }

  /** Adds a listener; returns the function that removes it. */
  on(listener: (e: ControllerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: ControllerEvent): void {
    for (const l of this.listeners) l(e);
  }

  private begin(): AbortSignal {
    if (this.abort) throw new DeidError('CANCELLED', 'a scan or upload is already running; cancel it first');
    this.abort = new AbortController();
    return this.abort.signal;
  }

  /**
   * Expands zip archives, reads every file's header (in the processor's workers) and groups
   * them. Refusals index the expanded list; an archive's own refusals come last.
   * @throws DeidError CANCELLED when cancelled
   */
  async scan(files: readonly FileLike[]): Promise<UploadPlan> {
    const signal = this.begin();
    try {
      const limit = this.options.maxInstanceBytes ? { maxInstanceBytes: this.options.maxInstanceBytes } : {};
      const expanded = await expandArchives(files, limit);
      const plan = await scanFiles(expanded.files, this.options.processor, {
        signal,
        ...limit,
        onProgress: (scanned, total) => this.emit({ type: 'scan', scanned, total }),
      });
      const extra = expanded.refused.map((r, i) => ({ ...r, index: plan.files + i }));
      return { ...plan, refused: [...plan.refused, ...extra], files: plan.files + extra.length };
    } finally {
      this.abort = null;
    }
  }

  /** De-identifies and uploads a plan; resolves with the report also when cancelled or stopped. */
  async upload(plan: UploadPlan): Promise<UploadReport> {
    const signal = this.begin();
    try {
      return await uploadPlan(plan, { ...this.options, signal, onEvent: (e) => this.emit(e) });
    } finally {
      this.abort = null;
    }
  }

  /** Cancels the running scan or upload (in-flight requests are aborted). */
  cancel(): void {
    this.abort?.abort();
  }
}
