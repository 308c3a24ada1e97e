/**
 * Where files are parsed: in Web Workers (the page never freezes), or in the calling thread
 * (`localProcessor`, for Node and tests). Both answer the same {@link DicomProcessor}.
 */
import { DeidError, type DeidErrorCode } from './errors';
import type { DeidentifiedInstance, InstanceHeader, RemovedAttribute } from './deidentify';
import type { FileLike, FileOptions } from './read-file';

/** What a scan of one file returns. */
export interface ScanResult {
  header: InstanceHeader;
  removed: RemovedAttribute[];
}

/** Parses and de-identifies files. Methods reject with a {@link DeidError}. */
export interface DicomProcessor {
  scan(file: FileLike, options?: FileOptions): Promise<ScanResult>;
  deidentify(file: FileLike, options?: FileOptions): Promise<DeidentifiedInstance>;
  /** Stops the workers; further calls reject. */
  close(): void;
}

/** A message to the worker (see `worker.ts`). */
export interface WorkerRequest {
  id: number;
  op: 'scan' | 'deidentify';
  file: FileLike;
  options: FileOptions;
}

/** The worker's answer. `result.bytes` of a de-identification is transferred, not copied. */
export type WorkerResponse =
  | { id: number; ok: true; result: ScanResult | DeidentifiedInstance }
  | { id: number; ok: false; error: { code: DeidErrorCode; message: string; details: Record<string, unknown> } };

/** The part of a browser Worker the pool uses. */
export interface WorkerLike {
  postMessage(message: WorkerRequest): void;
  addEventListener(type: 'message', listener: (event: { data: WorkerResponse }) => void): void;
  addEventListener(type: 'error', listener: (event: { message?: string }) => void): void;
  terminate(): void;
}

/**
 * A pool of workers. `createWorker` makes one, e.g.
 * `() => new Worker(new URL('./deid.worker.ts', import.meta.url), { type: 'module' })` where
 * that file is `import '@embolus/deid/worker'`.
 * @param size workers in the pool (default: 2, at most hardwareConcurrency − 1 where known)
 */
export function workerProcessor(createWorker: () => WorkerLike, size?: number): DicomProcessor {
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 2;
  const n = Math.max(1, size ?? Math.min(2, Math.max(1, cores - 1)));
  type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void; worker: number };
  const pending = new Map<number, Pending>();
  const load = new Array<number>(n).fill(0);
  let nextId = 1;
  let closed = false;
  const workers = Array.from({ length: n }, (_, w) => {
    const worker = createWorker();
    worker.addEventListener('message', (event) => {
      const msg = event.data;
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      load[p.worker]!--;
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new DeidError(msg.error.code, msg.error.message, msg.error.details));
    });
    worker.addEventListener('error', (event) => {
      // A crashed worker fails what it holds; the others keep going.
      for (const [id, p] of pending) {
        if (p.worker !== w) continue;
        pending.delete(id);
        load[w]!--;
        p.reject(new DeidError('WORKER_FAILED', `the parsing worker failed${event.message ? `: ${event.message}` : ''}`));
      }
    });
    return worker;
  });
  const call = <T>(op: WorkerRequest['op'], file: FileLike, options: FileOptions = {}): Promise<T> => {
    if (closed) return Promise.reject(new DeidError('WORKER_FAILED', 'the processor is closed'));
    let w = 0;
    for (let i = 1; i < n; i++) if (load[i]! < load[w]!) w = i;
    const id = nextId++;
    load[w]!++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, worker: w });
      workers[w]!.postMessage({ id, op, file, options });
    });
  };
  return {
    scan: (file, options) => call<ScanResult>('scan', file, options),
    deidentify: (file, options) => call<DeidentifiedInstance>('deidentify', file, options),
    close() {
      closed = true;
      for (const w of workers) w.terminate();
      for (const p of pending.values()) p.reject(new DeidError('CANCELLED', 'the processor was closed'));
      pending.clear();
    },
  };
}
