/**
 * Crash leftovers, made for real in a data folder: `*.tmp` files, blobs without rows, a deleted
 * blob, a blob whose bytes changed, a damaged SQLite file. `embolus-api fsck` reports and
 * repairs them (run as a child process through the bin), and `serve` cleans old leftovers at
 * start while leaving young ones (another process may be writing them) alone.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqlite } from '@embolus/db/node';
import type { FsckReport } from '@embolus/db/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { openNodeRuntime } from '../src/node/deps';
import { startServer } from '../src/node/serve';
import { ctStudy } from '@embolus/testkit';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(root, 'bin/embolus-api.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'embolus-fsck-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HOUR = 3_600_000;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: root, env: { ...process.env, EMBOLUS_LOG_LEVEL: 'silent' } },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Writes a file and sets its modification time `ageMs` in the past. */
function fileAged(file: string, bytes: Uint8Array | string, ageMs: number): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  const t = new Date(Date.now() - ageMs);
  utimesSync(file, t, t);
}

/** A data folder with one study of `n` instances uploaded through the API. */
async function uploadedFolder(
  name: string,
  n: number,
): Promise<{ data: string; studyId: string; slices: { sop: string; bytes: Uint8Array }[]; key: string }> {
  const data = path.join(dir, name);
  const rt = openNodeRuntime(data, { env: { EMBOLUS_LOG_LEVEL: 'silent' } });
  const app = createApp(rt.deps);
  const t = await rt.deps.store.tenants.ensure('acme');
  const { key } = await rt.deps.store.keys.create({ tenantId: t.id, role: 'clinician' });
  const headers = { authorization: `Bearer ${key}` };
  const { id } = (await (await app.request('/v1/studies', { method: 'POST', headers })).json()) as { id: string };
  const s = ctStudy(n);
  for (const sl of s.slices) {
    const res = await app.request(`/v1/studies/${id}/instances/${sl.sop}`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/dicom' },
      body: sl.bytes,
    });
    expect(res.status).toBe(201);
  }
  await rt.close();
  return { data, studyId: id, slices: s.slices, key };
}

function rows(data: string, q: string, ...p: unknown[]): Record<string, unknown>[] {
  const h = openSqlite(path.join(data, 'embolus.sqlite'));
  try {
    return h.sqlite.prepare(q).all(...p) as Record<string, unknown>[];
  } finally {
    h.close();
  }
}

describe('embolus-api fsck', () => {
  let data: string;
  let studyId: string;
  let slices: { sop: string; bytes: Uint8Array }[];
  let key: string;
  let blobs: string;
  let inst: { id: string; sop_instance_uid: string; blob_key: string; size: number }[];
  const made: Record<string, string> = {};
  beforeAll(async () => {
    ({ data, studyId, slices, key } = await uploadedFolder('fsck', 4));
    blobs = path.join(data, 'blobs');
    inst = rows(data, 'SELECT id, sop_instance_uid, blob_key, size FROM instances ORDER BY sop_instance_uid') as typeof inst;
    const folder = path.dirname(path.join(blobs, inst[0]?.blob_key as string));
    made['oldTmp'] = path.join(folder, 'deadbeef.dcm.0123456789ab.tmp');
    made['youngTmp'] = path.join(folder, 'cafe.dcm.ba9876543210.tmp');
    made['oldOrphan'] = path.join(folder, `${'a'.repeat(64)}.dcm`);
    made['youngOrphan'] = path.join(folder, `${'b'.repeat(64)}.dcm`);
    fileAged(made['oldTmp'], 'half a blob', 2 * HOUR);
    fileAged(made['youngTmp'], 'being written', 0);
    fileAged(made['oldOrphan'], slices[0]?.bytes as Uint8Array, 2 * HOUR);
    fileAged(made['youngOrphan'], 'just put, row not yet committed', 0);
    // The first instance loses its blob; the second's bytes change (one byte flipped).
    rmSync(path.join(blobs, inst[0]?.blob_key as string));
    const corrupt = path.join(blobs, inst[1]?.blob_key as string);
    const bytes = readFileSync(corrupt);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    writeFileSync(corrupt, bytes);
  });

  it('reports every problem and exits 3 without touching anything', async () => {
    const out = await cli(['fsck', '--data', data, '--json']);
    expect(out.code, out.stderr).toBe(3);
    const r = JSON.parse(out.stdout) as FsckReport;
    expect(r.integrity).toEqual({ ok: true, messages: [] });
    const rel = (f: string) => path.relative(blobs, f).split(path.sep).join('/');
    expect(r.leftovers.tmpFiles).toEqual([rel(made['oldTmp'] as string)]);
    expect(r.leftovers.orphanBlobs).toEqual([rel(made['oldOrphan'] as string)]);
    expect(r.leftovers.young).toBe(2);
    expect(r.rowsChecked).toBe(4);
    expect(r.badRows.map((b) => [b.id, b.problem])).toEqual([
      [inst[0]?.id, 'missing'],
      [inst[1]?.id, 'sha256_mismatch'],
    ]);
    expect(r.problems).toBe(4);
    expect(r.rowsRemoved + r.leftovers.tmpDeleted + r.leftovers.orphansQuarantined).toBe(0);
    for (const f of Object.values(made)) expect(existsSync(f)).toBe(true);
    const human = await cli(['fsck', '--data', data]);
    expect(human.code).toBe(3);
    expect(human.stdout).toContain('sqlite integrity_check: ok');
    expect(human.stdout).toContain(`instances ${inst[0]?.id} (study ${studyId}): blob missing`);
    expect(human.stdout).toContain(`instances ${inst[1]?.id} (study ${studyId}): sha256 differs`);
    expect(human.stdout).toContain('4 problem(s); run with --repair to fix');
  });

  it('--repair deletes old tmp files, quarantines orphan and corrupt blobs, removes lost rows (audited); then clean', async () => {
    const out = await cli(['fsck', '--data', data, '--repair', '--json']);
    expect(out.code, out.stderr).toBe(0);
    const r = JSON.parse(out.stdout) as FsckReport;
    expect(r).toMatchObject({
      problems: 0,
      rowsRemoved: 2,
      affectedStudies: [studyId],
      leftovers: { tmpDeleted: 1, orphansQuarantined: 1, young: 2 },
    });
    const q = r.quarantine as string;
    expect(path.dirname(q)).toBe(path.join(data, 'quarantine'));
    // Old tmp gone; young files untouched; the orphan and the corrupt bytes kept in quarantine.
    expect(existsSync(made['oldTmp'] as string)).toBe(false);
    expect(existsSync(made['youngTmp'] as string)).toBe(true);
    expect(existsSync(made['youngOrphan'] as string)).toBe(true);
    expect(existsSync(made['oldOrphan'] as string)).toBe(false);
    expect(readFileSync(path.join(q, 'blobs', path.relative(blobs, made['oldOrphan'] as string)))).toEqual(
      Buffer.from(slices[0]?.bytes as Uint8Array),
    );
    expect(existsSync(path.join(q, 'blobs', inst[1]?.blob_key as string))).toBe(true);
    expect(existsSync(path.join(blobs, inst[1]?.blob_key as string))).toBe(false);
    const saved = readFileSync(path.join(q, 'rows.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { table: string; problem: string; row: { id: string } });
    expect(saved.map((s) => [s.table, s.row.id, s.problem])).toEqual([
      ['instances', inst[0]?.id, 'missing'],
      ['instances', inst[1]?.id, 'sha256_mismatch'],
    ]);
    // The study shows what it really holds, and the removals are in its audit trail.
    expect(rows(data, 'SELECT id FROM instances ORDER BY sop_instance_uid').map((x) => x['id'])).toEqual([inst[2]?.id, inst[3]?.id]);
    expect(rows(data, 'SELECT instance_count, total_bytes FROM studies WHERE id = ?', studyId)).toEqual([
      { instance_count: 2, total_bytes: (inst[2]?.size ?? 0) + (inst[3]?.size ?? 0) },
    ]);
    expect(rows(data, `SELECT action, detail FROM audit_log WHERE study_id = ? AND action LIKE 'fsck.%' ORDER BY id`, studyId)).toEqual([
      { action: 'fsck.instance_removed', detail: JSON.stringify({ id: inst[0]?.id, problem: 'missing' }) },
      { action: 'fsck.instance_removed', detail: JSON.stringify({ id: inst[1]?.id, problem: 'sha256_mismatch' }) },
    ]);
    const again = await cli(['fsck', '--data', data]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('clean');
  });

  it('after repair the lost instances can be uploaded again', async () => {
    const rt = openNodeRuntime(data, { env: { EMBOLUS_LOG_LEVEL: 'silent' } });
    try {
      const app = createApp(rt.deps);
      const lost = slices.find((s) => s.sop === inst[0]?.sop_instance_uid) as { sop: string; bytes: Uint8Array };
      const res = await app.request(`/v1/studies/${studyId}/instances/${lost.sop}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/dicom' },
        body: lost.bytes,
      });
      expect(res.status).toBe(201);
    } finally {
      await rt.close();
    }
    expect((await cli(['fsck', '--data', data])).code).toBe(0);
  });

  it('reports a damaged SQLite file (integrity_check) and exits 3 even with --repair', async () => {
    const { data: broken } = await uploadedFolder('broken', 2);
    const file = path.join(broken, 'embolus.sqlite');
    const h = openSqlite(file);
    h.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    h.close();
    // Overwrite the last pages (table and index b-trees), leaving the header readable.
    const bytes = readFileSync(file);
    const page = 4096;
    for (let i = bytes.length - 3 * page; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
    writeFileSync(file, bytes);
    const out = await cli(['fsck', '--data', broken, '--repair', '--json']);
    expect(out.code, out.stderr).toBe(3);
    const r = JSON.parse(out.stdout) as FsckReport;
    expect(r.integrity.ok).toBe(false);
    expect(r.integrity.messages.length).toBeGreaterThan(0);
    expect(r.rowsRemoved).toBe(0);
  });

  it('refuses a folder without a database (exit 2) and a missing --data (exit 1)', async () => {
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    const out = await cli(['fsck', '--data', empty]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('error NOT_FOUND');
    expect(readdirSync(empty)).toEqual([]);
    expect((await cli(['fsck'])).code).toBe(1);
  });
});

describe('start-up cleanup', () => {
  it('serve removes tmp files and quarantines orphan blobs older than the grace period, and keeps young ones', async () => {
    const { data, studyId } = await uploadedFolder('startup', 2);
    const blobs = path.join(data, 'blobs');
    const keys = rows(data, 'SELECT blob_key FROM instances').map((r) => r['blob_key'] as string);
    const folder = path.join(blobs, 'tenants', 'x', 'studies', studyId, 'instances');
    const oldTmp = path.join(folder, 'a.dcm.000000000000.tmp');
    const youngTmp = path.join(folder, 'b.dcm.111111111111.tmp');
    const oldOrphan = path.join(folder, 'c.dcm');
    const youngOrphan = path.join(folder, 'd.dcm');
    // Grace 10 minutes: 11 minutes is old, 9 minutes is young.
    fileAged(oldTmp, 'x', 11 * 60_000);
    fileAged(youngTmp, 'y', 9 * 60_000);
    fileAged(oldOrphan, 'z', 11 * 60_000);
    fileAged(youngOrphan, 'w', 9 * 60_000);
    for (const k of keys) {
      const t = new Date(Date.now() - 24 * HOUR);
      utimesSync(path.join(blobs, k), t, t);
    }
    const server = await startServer({
      dataDir: data,
      port: 0,
      dispatcher: false,
      env: { EMBOLUS_LEFTOVER_GRACE_SECONDS: '600', EMBOLUS_LOG_LEVEL: 'silent' },
    });
    try {
      const report = await server.leftovers;
      expect(report).toMatchObject({ tmpDeleted: 1, orphansQuarantined: 1, young: 2 });
      expect(existsSync(oldTmp)).toBe(false);
      expect(existsSync(youngTmp)).toBe(true);
      expect(existsSync(oldOrphan)).toBe(false);
      expect(existsSync(youngOrphan)).toBe(true);
      expect(readFileSync(path.join(report?.quarantine as string, 'blobs', path.relative(blobs, oldOrphan)), 'utf8')).toBe('z');
      // Blobs with rows are never touched, however old.
      for (const k of keys) expect(statSync(path.join(blobs, k)).isFile()).toBe(true);
    } finally {
      await server.close();
    }
  });
});
