/**
 * Bytes of audit data written per audited read, on Node with a real SQLite file (WAL):
 *  - worklist reads (`GET /v1/studies`, 50 studies a page) and study reads (`GET /v1/studies/{id}`);
 *  - two measures: the sum of the stored values of the audit tables (rows and, where it exists,
 *    the deduplicated page table), and the growth of the database file after a checkpoint.
 * N reads per run, several runs; prints medians and writes bench/results/audit.json.
 * In process, through `app.request()`: no sockets, so the numbers are storage only.
 *
 * Run: npm run bench:audit   (EMBOLUS_BENCH_READS=n to change N)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { studies } from '@embolus/db';
import { createApp } from '../apps/edge-api/src/app';
import { openNodeRuntime } from '../apps/edge-api/src/node/deps';
import { round, upperMedian as median, writeBenchResult } from '@embolus/local-stack/stats';

const RUNS = 3;
const READS = Number(process.env['EMBOLUS_BENCH_READS'] ?? 2000);
const STUDIES = 200;

/** Sum of the stored values' lengths in the audit tables (8 bytes per integer column). */
function auditBytes(sqlite: import('better-sqlite3').Database): number {
  const row = sqlite
    .prepare(
      `SELECT coalesce(sum(8 + length(tenant_id) + coalesce(length(key_id), 0) + coalesce(length(role), 0) + length(action)
        + coalesce(length(study_id), 0) + coalesce(length(detail), 0) + 8), 0) AS n FROM audit_log`,
    )
    .get() as { n: number };
  const hasPages = sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_pages'`).get();
  const pages = hasPages
    ? (
        sqlite.prepare(`SELECT coalesce(sum(length(tenant_id) + length(hash) + length(study_ids) + 8), 0) AS n FROM audit_pages`).get() as {
          n: number;
        }
      ).n
    : 0;
  return row.n + pages;
}

function fileBytes(sqlite: import('better-sqlite3').Database, file: string): number {
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  return statSync(file).size;
}

async function run(kind: 'worklist' | 'study'): Promise<{ rowBytesPerRead: number; fileBytesPerRead: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'embolus-audit-bench-'));
  try {
    const rt = openNodeRuntime(dir, { env: { EMBOLUS_RATE_LIMIT_PER_MINUTE: '0', EMBOLUS_LOG_LEVEL: 'silent' } });
    const { store } = rt.deps;
    const tenant = await store.tenants.create({ name: 'bench' });
    const { key } = await store.keys.create({ tenantId: tenant.id, role: 'clinician' });
    const now = Date.now();
    const ids = Array.from({ length: STUDIES }, () => crypto.randomUUID());
    await rt.deps.store.driver.db.insert(studies).values(
      ids.map((id, i) => ({
        id,
        tenantId: tenant.id,
        status: 'complete' as const,
        urgency: 1,
        sortProbability: (i % 100) / 100,
        decision: 'negative' as const,
        createdAt: now - i,
        updatedAt: now,
      })),
    );
    const app = createApp(rt.deps);
    const file = path.join(dir, 'embolus.sqlite');
    const headers = { authorization: `Bearer ${key}` };
    // One warm-up read, so the first page of the file and the statement caches are not counted.
    await app.request(kind === 'worklist' ? '/v1/studies' : `/v1/studies/${ids[0]}`, { headers });
    const bytes0 = auditBytes(rt.sqlite.sqlite);
    const size0 = fileBytes(rt.sqlite.sqlite, file);
    for (let i = 0; i < READS; i++) {
      const res = await app.request(kind === 'worklist' ? '/v1/studies' : `/v1/studies/${ids[i % STUDIES]}`, { headers });
      if (res.status !== 200) throw new Error(`read answered ${res.status}`);
      await res.arrayBuffer();
    }
    const out = {
      rowBytesPerRead: (auditBytes(rt.sqlite.sqlite) - bytes0) / READS,
      fileBytesPerRead: (fileBytes(rt.sqlite.sqlite, file) - size0) / READS,
    };
    await rt.close();
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results: Record<
  string,
  { rowBytesPerRead: number; fileBytesPerRead: number; runs: { rowBytesPerRead: number; fileBytesPerRead: number }[] }
> = {};
for (const kind of ['worklist', 'study'] as const) {
  const runs = [];
  for (let r = 0; r < RUNS; r++) runs.push(await run(kind));
  results[kind] = {
    rowBytesPerRead: round(median(runs.map((x) => x.rowBytesPerRead))),
    fileBytesPerRead: round(median(runs.map((x) => x.fileBytesPerRead))),
    runs,
  };
  process.stdout.write(
    `${kind} read: ${results[kind].rowBytesPerRead} B of audit values, ${results[kind].fileBytesPerRead} B of database file per read ` +
      `(median of ${RUNS} × ${READS} reads)\n`,
  );
}
writeBenchResult('audit', { reads: READS, runs: RUNS, studies: STUDIES, pageSize: 50, results, at: new Date().toISOString() });
process.stdout.write('wrote bench/results/audit.json\n');
