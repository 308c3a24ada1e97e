/**
 * Audit growth: each audited read writes a compact record (ids, not bodies) under a fixed byte
 * budget, and records past the retention are pruned on Node (the serve process's timer) and on
 * Workers (a cron trigger every five minutes, in bounded passes).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { studies } from '@embolus/db';
import { openSqlite } from '@embolus/db/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNodeRuntime } from '../src/node/deps';
import { PRUNE_CRON } from '../src/maintenance';
import worker from '../src/worker';
import { harness, TestClock } from './helpers/harness';

/** Bytes of audit data one read may add: a record of ids and counts, never a list or a body. */
const BYTES_PER_READ = 256;
const DAY = 86_400_000;
const READS = 20;

/** The stored values of the audit tables, in bytes (8 per integer). */
async function auditBytes(select: (q: string, p: (string | number)[]) => Promise<Record<string, unknown>[]>): Promise<number> {
  const [rows] = await select(
    `SELECT coalesce(sum(8 + length(tenant_id) + coalesce(length(key_id), 0) + coalesce(length(role), 0) + length(action)
      + coalesce(length(study_id), 0) + coalesce(length(detail), 0) + 8), 0) AS n FROM audit_log`,
    [],
  );
  const hasPages = (await select(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_pages'`, [])).length > 0;
  const [pages] = hasPages
    ? await select('SELECT coalesce(sum(length(tenant_id) + length(hash) + length(study_ids) + 8), 0) AS n FROM audit_pages', [])
    : [{ n: 0 }];
  return Number(rows?.['n']) + Number(pages?.['n']);
}

describe('audit records are compact', () => {
  const h = harness();
  afterAll(() => h.close());
  let clinician: string;
  let ids: string[];
  beforeAll(async () => {
    clinician = await h.key('compact', 'clinician');
    const t = await h.deps.store.tenants.ensure('compact');
    const now = h.clock.now();
    ids = Array.from({ length: 60 }, () => crypto.randomUUID());
    await h.deps.store.driver.db.insert(studies).values(
      ids.map((id, i) => ({
        id,
        tenantId: t.id,
        status: 'complete' as const,
        urgency: 1,
        sortProbability: i / 100,
        createdAt: now,
        updatedAt: now,
      })),
    );
  });
  const select = (q: string, p: (string | number)[]) => h.deps.store.driver.select(q, p);

  it(`a worklist read of 50 studies adds under ${BYTES_PER_READ} bytes of audit data`, async () => {
    await h.request('GET', '/v1/studies', { key: clinician });
    const before = await auditBytes(select);
    for (let i = 0; i < READS; i++) expect((await h.request('GET', '/v1/studies', { key: clinician })).status).toBe(200);
    expect((await auditBytes(select)) - before).toBeLessThan(BYTES_PER_READ * READS);
    // Even the first read of a page (which stores its ids once) writes only a small record row.
    const [last] = await select(`SELECT length(detail) AS n FROM audit_log WHERE action = 'study.list' ORDER BY id DESC LIMIT 1`, []);
    expect(Number(last?.['n'])).toBeLessThan(64);
  });

  it(`a study read adds under ${BYTES_PER_READ} bytes`, async () => {
    const before = await auditBytes(select);
    for (let i = 0; i < READS; i++) expect((await h.request('GET', `/v1/studies/${ids[i]}`, { key: clinician })).status).toBe(200);
    expect((await auditBytes(select)) - before).toBeLessThan(BYTES_PER_READ * READS);
  });
});

describe('audit retention', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'embolus-audit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the Node serve timer prunes records older than EMBOLUS_AUDIT_RETENTION_DAYS and keeps newer ones', async () => {
    const clock = new TestClock();
    const rt = openNodeRuntime(path.join(dir, 'node'), { env: { EMBOLUS_AUDIT_RETENTION_DAYS: '30', EMBOLUS_LOG_LEVEL: 'silent' }, clock });
    try {
      const { store } = rt.deps;
      const t = await store.tenants.create({ name: 'retention' });
      await store.audit.write({ tenantId: t.id, keyId: null, role: null, action: 'study.read', studyId: 'old' });
      clock.advance(20 * DAY);
      await store.audit.write({ tenantId: t.id, keyId: null, role: null, action: 'study.read', studyId: 'new' });
      clock.advance(15 * DAY);
      // 35 and 15 days old: the timer's first pass removes only the first.
      rt.startMaintenance(60_000);
      await rt.runMaintenance();
      expect((await store.audit.list(t.id, { limit: 10 })).map((r) => r.studyId)).toEqual(['new']);
    } finally {
      await rt.close();
    }
  });

  it('the Workers prune cron prunes (and wrangler.toml declares that cron)', async () => {
    expect(readFileSync(path.join(import.meta.dirname, '..', 'wrangler.toml'), 'utf8')).toContain(`"${PRUNE_CRON}"`);
    const h = openSqlite(':memory:');
    // A D1 binding over better-sqlite3, as far as pruning uses it (prepare → bind → all).
    const DB = {
      prepare: (q: string) => ({
        bind: (...v: unknown[]) => ({
          all: async () => ({ results: h.sqlite.prepare(q).all(...v) }),
          run: async () => h.sqlite.prepare(q).run(...v),
        }),
      }),
      batch: async () => [],
      exec: async () => undefined,
    };
    const now = Date.now();
    h.sqlite.prepare(`INSERT INTO tenants (id, name, created_at) VALUES ('t1', 'cron', ?)`).run(now);
    const insert = h.sqlite.prepare(`INSERT INTO audit_log (tenant_id, action, study_id, at) VALUES ('t1', 'study.read', ?, ?)`);
    insert.run('old', now - 40 * DAY);
    insert.run('new', now - DAY);
    const waits: Promise<unknown>[] = [];
    worker.scheduled(
      { cron: PRUNE_CRON },
      { DB, BUCKET: {} as never, EMBOLUS_AUDIT_RETENTION_DAYS: '30', EMBOLUS_LOG_LEVEL: 'silent' },
      { waitUntil: (p) => void waits.push(p) },
    );
    await Promise.all(waits);
    expect(h.sqlite.prepare('SELECT study_id FROM audit_log').pluck().all()).toEqual(['new']);
    h.close();
  });
});
