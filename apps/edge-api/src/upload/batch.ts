/**
 * Batch uploads: a zip archive or a multipart body, one outcome per file. Files are handled one
 * at a time, so memory holds the request body plus one inflated entry; extraction pauses for
 * the event loop as it goes (see zip.ts), so other requests keep being answered.
 */
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { ingestInstance, type IngestOutcome, type IngestTarget } from './ingest';
import { MultipartError, parseMultipart } from './multipart';
import { extractEntry, readZipDirectory, unsafeName, ZipReadError } from './zip';

/** One file's outcome in a batch response. */
export type FileOutcome = { index: number; name?: string } & (
  | IngestOutcome
  | { status: 'skipped'; code: string; message: string; details: Record<string, unknown> }
);

/** Counts and per-file outcomes. */
export interface BatchResult {
  stored: number;
  duplicates: number;
  refused: number;
  skipped: number;
  files: FileOutcome[];
}

function tally(files: FileOutcome[]): BatchResult {
  const count = (s: string) => files.filter((f) => f.status === s).length;
  return { stored: count('stored'), duplicates: count('duplicate'), refused: count('refused'), skipped: count('skipped'), files };
}

const ZIP_STATUS: Partial<Record<string, 'PAYLOAD_TOO_LARGE' | 'BAD_REQUEST'>> = {
  TOO_MANY_ENTRIES: 'PAYLOAD_TOO_LARGE',
  ENTRY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
};

/**
 * Stores the DICOM entries of a zip archive. An archive that cannot be read safely is refused
 * whole (nothing stored); entries that cannot be read are refused one by one.
 */
export async function ingestZip(
  deps: AppDeps,
  target: Omit<IngestTarget, 'source' | 'expectedSopUid'>,
  body: Uint8Array,
): Promise<BatchResult> {
  const { config } = deps;
  let entries;
  try {
    entries = readZipDirectory(body, { maxEntries: config.maxZipEntries, maxTotalBytes: config.maxZipInflatedBytes });
  } catch (e) {
    if (!(e instanceof ZipReadError)) throw e;
    throw new ApiError(ZIP_STATUS[e.problem] ?? 'BAD_REQUEST', `the archive cannot be read: ${e.message}`, {
      details: { problem: e.problem },
    });
  }
  const files: FileOutcome[] = [];
  let inflated = 0;
  for (const entry of entries) {
    const base = { index: entry.index, name: entry.name };
    if (entry.isDirectory && entry.uncompressedSize === 0) {
      files.push({ ...base, status: 'skipped', code: 'DIRECTORY', message: 'a folder entry holds no data', details: {} });
      continue;
    }
    const unsafe = unsafeName(entry.name);
    if (unsafe) {
      files.push({
        ...base,
        name: undefined,
        status: 'refused',
        code: 'UNSAFE_PATH',
        message: `unsafe entry name: ${unsafe}`,
        details: {},
      });
      continue;
    }
    let bytes: Uint8Array;
    try {
      bytes = await extractEntry(body, entry, Math.min(config.maxInstanceBytes, config.maxZipInflatedBytes - inflated));
    } catch (e) {
      if (!(e instanceof ZipReadError)) throw e;
      const code = e.problem === 'ENTRY_TOO_LARGE' ? 'INSTANCE_TOO_LARGE' : e.problem;
      files.push({ ...base, status: 'refused', code, message: e.message, details: { declaredSize: entry.uncompressedSize } });
      continue;
    }
    inflated += bytes.length;
    files.push({ ...base, ...(await ingestInstance(deps, { ...target, source: `entry ${entry.index}` }, bytes)) });
  }
  return tally(files);
}

/** Stores every part of a multipart body (form-data files or multipart/related parts). */
export async function ingestMultipart(
  deps: AppDeps,
  target: Omit<IngestTarget, 'source' | 'expectedSopUid'>,
  body: Uint8Array,
  boundary: string,
): Promise<BatchResult> {
  let parts;
  try {
    parts = parseMultipart(body, boundary, deps.config.maxZipEntries);
  } catch (e) {
    if (!(e instanceof MultipartError)) throw e;
    throw new ApiError('BAD_REQUEST', `the multipart body cannot be read: ${e.message}`);
  }
  const files: FileOutcome[] = [];
  for (const part of parts) {
    const base = { index: part.index, ...(part.filename ? { name: part.filename } : {}) };
    files.push({ ...base, ...(await ingestInstance(deps, { ...target, source: `part ${part.index}` }, part.body)) });
  }
  return tally(files);
}
