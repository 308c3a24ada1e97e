/**
 * Scans a list of files (a dropped folder can hold 10,000): headers only, a bounded number at a
 * time, each refusal with its reason, then grouped into the plan the page shows.
 */
import { DeidError, type DeidErrorCode } from './errors';
import { buildPlan, type RefusedFile, type ScannedFile, type UploadPlan } from './plan';
import type { DicomProcessor } from './processor';
import type { FileLike, FileOptions } from './read-file';

/** Options of {@link scanFiles}. */
export interface ScanOptions extends FileOptions {
  /** Files read at once (default 8): enough to keep the workers busy, few enough to bound memory. */
  parallel?: number;
  signal?: AbortSignal;
  onProgress?: (scanned: number, total: number) => void;
}

/** The refusal of a file from an error (messages never carry values; unknown errors name the file only). */
export function refusalOf(index: number, file: FileLike, e: unknown): RefusedFile {
  if (e instanceof DeidError) return { index, name: file.name, size: file.size, code: e.code, message: e.message };
  const code: DeidErrorCode = 'NOT_DICOM';
  return { index, name: file.name, size: file.size, code, message: `${file.name}: could not be read as DICOM` };
}

/**
 * Scans every file and builds the upload plan.
 * @throws DeidError CANCELLED when `signal` aborts
 */
export async function scanFiles(files: readonly FileLike[], processor: DicomProcessor, options: ScanOptions = {}): Promise<UploadPlan> {
  const { parallel = 8, signal, onProgress, ...fileOptions } = options;
  const scanned: ScannedFile[] = [];
  const refused: RefusedFile[] = [];
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < files.length) {
      if (signal?.aborted) throw new DeidError('CANCELLED', 'the scan was cancelled');
      const index = next++;
      const file = files[index]!;
      try {
        const r = await processor.scan(file, fileOptions);
        scanned.push({ index, file, header: r.header, removed: r.removed });
      } catch (e) {
        if (e instanceof DeidError && e.code === 'CANCELLED') throw e;
        refused.push(refusalOf(index, file, e));
      }
      onProgress?.(++done, files.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, files.length)) }, lane));
  scanned.sort((a, b) => a.index - b.index);
  return buildPlan(scanned, refused);
}
