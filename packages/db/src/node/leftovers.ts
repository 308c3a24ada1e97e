/**
 * Crash leftovers in a blob folder (Node only): `*.tmp` files a killed `put` never renamed, and
 * blobs whose row was never committed. Both are cleaned only when older than a grace period, so
 * a file another process (`serve --workers N`) is writing right now is never touched.
 *
 * What happens to each (nothing acknowledged is ever deleted):
 * - a `*.tmp` file is deleted: `put` renames before any upload is acknowledged, so a tmp file
 *   holds bytes no client was told are stored;
 * - a blob without a row is moved to `<quarantine>/blobs/<key>`: normally an unacknowledged
 *   upload, but after an OS crash (WAL with synchronous=NORMAL can lose the last commits) it may
 *   be the only copy of an acknowledged one, so it is kept for the operator.
 */
import { lstat, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { walkFiles } from './walk-files';

/** One file under the blob folder. */
export interface BlobFile {
  /** Path relative to the blob folder, `/`-separated (the blob key, for non-tmp files). */
  rel: string;
  tmp: boolean;
  mtimeMs: number;
  size: number;
}

/** What a leftover cleanup found and did. */
export interface LeftoverReport {
  /** Old `*.tmp` files (relative paths); deleted when repairing. */
  tmpFiles: string[];
  /** Old blobs no row names (keys); quarantined when repairing. */
  orphanBlobs: string[];
  /** Leftover-looking files younger than the grace period, left alone. */
  young: number;
  /** Files actually deleted or moved (0 unless repairing). */
  tmpDeleted: number;
  orphansQuarantined: number;
  /** Folder the orphans were moved to, or null when none was. */
  quarantine: string | null;
}

/** Every file under `root` (missing root: none). Symlinks and other non-files are skipped. */
export async function listBlobFiles(root: string): Promise<BlobFile[]> {
  const out: BlobFile[] = [];
  for await (const f of walkFiles(root)) {
    const s = await lstat(f.full).catch(() => null);
    // Gone between readdir and lstat: another process renamed or removed it; not ours.
    if (s) out.push({ rel: f.rel, tmp: f.name.endsWith('.tmp'), mtimeMs: s.mtimeMs, size: s.size });
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** Every blob key a row names (instances and artifacts). */
export function referencedKeys(sqlite: Database.Database): Set<string> {
  const rows = sqlite.prepare('SELECT blob_key AS k FROM instances UNION SELECT blob_key FROM artifacts').pluck().all() as string[];
  return new Set(rows);
}

/** A quarantine folder for this run: `<dataDir>/quarantine/<UTC stamp>-<pid>`. */
export function quarantineFolder(dataDir: string, now: number): string {
  return path.join(dataDir, 'quarantine', `${new Date(now).toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
}

/**
 * Moves the blob `rel` into `<quarantine>/blobs/<rel>`. With a `graceMs`, a file rewritten after
 * it was judged an orphan (its mtime is now within the grace period: another process put it
 * again and is about to commit its row) is moved back; `null` moves unconditionally (corrupt
 * bytes). Returns whether it stayed in quarantine.
 */
export async function quarantineBlob(
  blobRoot: string,
  quarantine: string,
  rel: string,
  graceMs: number | null,
  now: number,
): Promise<boolean> {
  const from = path.join(blobRoot, ...rel.split('/'));
  const to = path.join(quarantine, 'blobs', ...rel.split('/'));
  await mkdir(path.dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  if (graceMs === null) return true;
  const moved = await stat(to);
  if (now - moved.mtimeMs >= graceMs) return true;
  // Rewritten in between: give it back unless a newer copy already sits at the key (blob keys
  // of instances are content addresses, so that copy holds the same bytes).
  const there = await stat(from).catch(() => null);
  if (there) await rm(to, { force: true });
  else await rename(to, from);
  return false;
}

/**
 * Finds (and with `repair`, cleans) the leftovers of `blobRoot` older than `graceMs`. The
 * referenced keys are read after the files were listed, so a blob whose row was committed in
 * between counts as referenced.
 */
export async function cleanLeftovers(options: {
  sqlite: Database.Database;
  blobRoot: string;
  dataDir: string;
  graceMs: number;
  repair: boolean;
  now?: number;
  quarantine?: string;
}): Promise<LeftoverReport> {
  const now = options.now ?? Date.now();
  const files = await listBlobFiles(options.blobRoot);
  const referenced = referencedKeys(options.sqlite);
  const report: LeftoverReport = { tmpFiles: [], orphanBlobs: [], young: 0, tmpDeleted: 0, orphansQuarantined: 0, quarantine: null };
  for (const f of files) {
    if (!f.tmp && referenced.has(f.rel)) continue;
    if (now - f.mtimeMs < options.graceMs) {
      report.young++;
      continue;
    }
    if (f.tmp) {
      report.tmpFiles.push(f.rel);
      if (options.repair) {
        await rm(path.join(options.blobRoot, ...f.rel.split('/')), { force: true });
        report.tmpDeleted++;
      }
    } else {
      report.orphanBlobs.push(f.rel);
      if (options.repair) {
        report.quarantine ??= options.quarantine ?? quarantineFolder(options.dataDir, now);
        if (await quarantineBlob(options.blobRoot, report.quarantine, f.rel, options.graceMs, now)) report.orphansQuarantined++;
      }
    }
  }
  return report;
}
