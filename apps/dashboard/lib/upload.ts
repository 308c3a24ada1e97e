/**
 * The upload page's glue to @embolus/deid: files from a drop (folders walked), the controller
 * with the dashboard's CSRF header, and what each refusal code means to a clinician.
 * Only `@embolus/deid/client` is imported here; dcmjs is in the worker's bundle alone.
 */
import { UploadController, workerProcessor, type DeidErrorCode, type RefusedFile } from '@embolus/deid/client';
import { csrfHeaders, renewSession } from './api';

/** A controller whose parsing runs in Web Workers and whose requests carry the session's CSRF token. */
export function createUploadController(): UploadController {
  const processor = workerProcessor(() => new Worker(new URL('./deid.worker.ts', import.meta.url), { type: 'module' }));
  return new UploadController({ processor, headers: csrfHeaders, onUnauthorized: renewSession });
}

async function walk(entry: FileSystemEntry, out: File[]): Promise<void> {
  if (entry.isFile) {
    out.push(await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail)));
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries answers in batches (100 in chromium) until it answers an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) break;
    for (const e of batch) await walk(e, out);
  }
}

/** Every file of a drop, folders walked to any depth (zips stay files: the scan expands them). */
export async function filesOfDrop(data: DataTransfer): Promise<File[]> {
  const entries = Array.from(data.items)
    .map((i) => (i.kind === 'file' ? i.webkitGetAsEntry() : null))
    .filter((e): e is FileSystemEntry => e !== null);
  if (entries.length === 0) return Array.from(data.files);
  const out: File[] = [];
  for (const e of entries) await walk(e, out);
  return out;
}

/** What each refusal code means, in a clinician's words. */
export const REFUSAL_REASONS: Record<DeidErrorCode, string> = {
  NOT_DICOM: 'Not a DICOM file',
  NOT_CT: 'Not a CT image',
  BURNED_IN: 'Burned-in annotation (text in the pixels)',
  TOO_LARGE: 'Too large',
  NO_PIXEL_DATA: 'No image data',
  MISSING_UID: 'Missing study, series or instance UID',
  MIXED_PATIENTS: 'Study holds several patients',
  API_REFUSED: 'Refused by the server',
  UNAVAILABLE: 'Server unreachable after retries',
  UNAUTHENTICATED: 'Session ended',
  CANCELLED: 'Cancelled',
  WORKER_FAILED: 'Could not be parsed',
};

/** The reason line of a refused file: the code's meaning and the API's own code when it refused. */
export function refusalReason(r: RefusedFile): string {
  return `${REFUSAL_REASONS[r.code] ?? r.code}${r.apiCode ? ` (${r.apiCode})` : ''}`;
}

/** `12.4 MB` */
export function megabytes(bytes: number): string {
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(bytes < 1e4 ? 1 : 0)} KB`;
  return `${(bytes / 1e6).toFixed(bytes < 1e8 ? 1 : 0)} MB`;
}
