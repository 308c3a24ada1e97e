/**
 * `fsck` of a Node data folder (`embolus.sqlite` + `blobs/`): SQLite's integrity check, crash
 * leftovers (see leftovers.ts), and every row's blob (present, and its SHA-256 the one stored).
 *
 * What `repair` does, chosen so that nothing recoverable is lost and no study is silently wrong:
 * - `*.tmp` older than the grace period: deleted (never acknowledged);
 * - blob without a row, older than the grace period: moved to `quarantine/<run>/blobs/<key>`;
 * - row whose blob is missing or whose bytes no longer match its SHA-256: the corrupt bytes (if
 *   any) are moved to `quarantine/<run>/blobs/<key>`, the row is written to
 *   `quarantine/<run>/rows.jsonl` and deleted. An instance's study counters are decremented in
 *   the same transaction, so the study shows what it really holds and the instance can be
 *   uploaded again (a PUT of the same SOP Instance UID would otherwise answer "already stored"
 *   without storing anything); an artifact can be produced again by re-running the job. Each
 *   removal writes an audit record (`fsck.instance_removed` / `fsck.artifact_removed`) on the
 *   study, readable with `GET /v1/audit?studyId=…`.
 * - a failed integrity check is reported and never "repaired" here: restore from a backup or
 *   use `sqlite3 .recover`; fsck stops before touching rows of a damaged database.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DbError } from '../errors';
import { cleanLeftovers, quarantineBlob, quarantineFolder, type LeftoverReport } from './leftovers';

/** A row whose blob is missing or differs from its SHA-256. */
export interface BadRow {
  table: 'instances' | 'artifacts';
  id: string;
  tenantId: string;
  studyId: string | null;
  key: string;
  problem: 'missing' | 'sha256_mismatch';
}

/** Everything fsck found, and what it repaired. */
export interface FsckReport {
  dataDir: string;
  repair: boolean;
  /** `PRAGMA integrity_check`: `ok`, or SQLite's messages (at most 100). */
  integrity: { ok: boolean; messages: string[] };
  leftovers: LeftoverReport;
  rowsChecked: number;
  badRows: BadRow[];
  rowsRemoved: number;
  /** Studies that lost an instance or artifact in this repair. */
  affectedStudies: string[];
  quarantine: string | null;
  /** Problems still present after this run (all found ones when not repairing). */
  problems: number;
}

async function fileSha256(file: string): Promise<string | null> {
  try {
    const h = createHash('sha256');
    for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
    return h.digest('hex');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR') return null;
    throw e;
  }
}

interface RowFacts {
  id: string;
  tenant_id: string;
  study_id: string | null;
  blob_key: string;
  sha256: string;
  size: number;
  [column: string]: unknown;
}

/** Checks (and with `repair`, reconciles) the data folder. Throws DbError NOT_FOUND without a database. */
export async function fsck(options: { dataDir: string; repair: boolean; graceMs: number; now?: number }): Promise<FsckReport> {
  const dataDir = path.resolve(options.dataDir);
  const file = path.join(dataDir, 'embolus.sqlite');
  if (!existsSync(file)) throw new DbError('NOT_FOUND', 'no embolus.sqlite in the data folder', { details: { option: 'data' } });
  const now = options.now ?? Date.now();
  const blobRoot = path.join(dataDir, 'blobs');
  // No migrations: fsck reports on the database as it is and never changes its schema.
  const sqlite = new Database(file, { fileMustExist: true });
  try {
    sqlite.pragma('busy_timeout = 5000');
    const integrity = integrityCheck(sqlite);
    const quarantine = quarantineFolder(dataDir, now);
    const report: FsckReport = {
      dataDir,
      repair: options.repair,
      integrity,
      leftovers: { tmpFiles: [], orphanBlobs: [], young: 0, tmpDeleted: 0, orphansQuarantined: 0, quarantine: null },
      rowsChecked: 0,
      badRows: [],
      rowsRemoved: 0,
      affectedStudies: [],
      quarantine: null,
      problems: 0,
    };
    if (!integrity.ok) {
      report.problems = 1;
      return report;
    }
    report.leftovers = await cleanLeftovers({
      sqlite,
      blobRoot,
      dataDir,
      graceMs: options.graceMs,
      repair: options.repair,
      now,
      quarantine,
    });
    const rows: (RowFacts & { table: BadRow['table'] })[] = [
      ...(sqlite.prepare('SELECT * FROM instances ORDER BY rowid').all() as RowFacts[]).map((r) => ({ ...r, table: 'instances' as const })),
      ...(sqlite.prepare('SELECT * FROM artifacts ORDER BY rowid').all() as RowFacts[]).map((r) => ({ ...r, table: 'artifacts' as const })),
    ];
    const affected = new Set<string>();
    for (const row of rows) {
      report.rowsChecked++;
      const blob = path.join(blobRoot, ...row.blob_key.split('/'));
      const sha = await fileSha256(blob);
      if (sha === row.sha256) continue;
      const bad: BadRow = {
        table: row.table,
        id: row.id,
        tenantId: row.tenant_id,
        studyId: row.study_id,
        key: row.blob_key,
        problem: sha === null ? 'missing' : 'sha256_mismatch',
      };
      report.badRows.push(bad);
      if (!options.repair) continue;
      await mkdir(quarantine, { recursive: true });
      // The corrupt bytes go to quarantine whatever their age: they are damaged, not in flight.
      if (sha !== null) await quarantineBlob(blobRoot, quarantine, row.blob_key, null, now);
      const { table: _t, ...columns } = row;
      await appendFile(
        path.join(quarantine, 'rows.jsonl'),
        `${JSON.stringify({ table: row.table, problem: bad.problem, row: columns })}\n`,
      );
      if (removeRow(sqlite, row, bad.problem, now)) {
        report.rowsRemoved++;
        if (row.study_id) affected.add(row.study_id);
      }
    }
    report.affectedStudies = [...affected].sort();
    report.quarantine = report.leftovers.quarantine ?? (report.rowsRemoved > 0 ? quarantine : null);
    const leftoverProblems =
      report.leftovers.tmpFiles.length -
      report.leftovers.tmpDeleted +
      report.leftovers.orphanBlobs.length -
      report.leftovers.orphansQuarantined;
    report.problems = leftoverProblems + report.badRows.length - report.rowsRemoved;
    return report;
  } finally {
    sqlite.close();
  }
}

/** `PRAGMA integrity_check`; a file too damaged to run it counts as failed, with SQLite's code. */
function integrityCheck(sqlite: Database.Database): FsckReport['integrity'] {
  try {
    const messages = (sqlite.pragma('integrity_check(100)') as { integrity_check: string }[]).map((r) => r.integrity_check);
    const ok = messages.length === 1 && messages[0] === 'ok';
    return { ok, messages: ok ? [] : messages };
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) return { ok: false, messages: [code] };
    throw e;
  }
}

/** Deletes one bad row (and fixes its study's counters) with an audit record, in one transaction. */
function removeRow(
  sqlite: Database.Database,
  row: RowFacts & { table: BadRow['table'] },
  problem: BadRow['problem'],
  now: number,
): boolean {
  return sqlite.transaction(() => {
    // The instance's QIDO-RS attributes reference it; they go with it.
    if (row.table === 'instances')
      sqlite
        .prepare(
          'DELETE FROM dicom_instance_attributes WHERE instance_id = ? AND EXISTS (SELECT 1 FROM instances WHERE id = ? AND blob_key = ?)',
        )
        .run(row.id, row.id, row.blob_key);
    const gone = sqlite.prepare(`DELETE FROM ${row.table} WHERE id = ? AND blob_key = ?`).run(row.id, row.blob_key).changes === 1;
    if (!gone) return false;
    if (row.table === 'instances' && row.study_id) {
      sqlite
        .prepare(
          'UPDATE studies SET instance_count = max(instance_count - 1, 0), total_bytes = max(total_bytes - ?, 0), ' +
            'updated_at = ? WHERE id = ?',
        )
        .run(row.size, now, row.study_id);
    }
    const action = row.table === 'instances' ? 'fsck.instance_removed' : 'fsck.artifact_removed';
    sqlite
      .prepare('INSERT INTO audit_log (tenant_id, key_id, role, action, study_id, detail, at) VALUES (?, NULL, NULL, ?, ?, ?, ?)')
      .run(row.tenant_id, action, row.study_id, JSON.stringify({ id: row.id, problem }), now);
    return true;
  })();
}

/** The report as lines for people (ids and keys only, never file contents). */
export function formatFsckReport(r: FsckReport): string {
  const l: string[] = [`fsck ${r.dataDir}${r.repair ? ' (repair)' : ''}`];
  l.push(`sqlite integrity_check: ${r.integrity.ok ? 'ok' : 'FAILED'}`);
  for (const m of r.integrity.messages) l.push(`  ${m}`);
  if (!r.integrity.ok) l.push('  rows and blobs not checked: restore a backup or recover the database (sqlite3 .recover) first');
  const lo = r.leftovers;
  l.push(`tmp files older than the grace period: ${lo.tmpFiles.length}${r.repair ? ` (deleted ${lo.tmpDeleted})` : ''}`);
  for (const f of lo.tmpFiles) l.push(`  ${f}`);
  l.push(`blobs without a row: ${lo.orphanBlobs.length}${r.repair ? ` (quarantined ${lo.orphansQuarantined})` : ''}`);
  for (const k of lo.orphanBlobs) l.push(`  ${k}`);
  if (lo.young > 0) l.push(`younger than the grace period, left alone: ${lo.young}`);
  l.push(
    `rows checked: ${r.rowsChecked}; blob missing or SHA-256 mismatch: ${r.badRows.length}${r.repair ? ` (removed ${r.rowsRemoved})` : ''}`,
  );
  for (const b of r.badRows)
    l.push(`  ${b.table} ${b.id} (study ${b.studyId ?? '-'}): ${b.problem === 'missing' ? 'blob missing' : 'sha256 differs'}`);
  if (r.affectedStudies.length > 0) l.push(`studies that lost data (re-upload or re-run): ${r.affectedStudies.join(', ')}`);
  if (r.quarantine) l.push(`quarantine: ${r.quarantine}`);
  l.push(r.problems === 0 ? 'clean' : `${r.problems} problem(s)${r.repair ? ' remain' : '; run with --repair to fix'}`);
  return `${l.join('\n')}\n`;
}
