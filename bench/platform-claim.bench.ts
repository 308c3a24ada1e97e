/**
 * Cost of a job claim with a long job history, on Node with a real SQLite file (WAL):
 *  - `claimAcrossTenants` (platform runners, round-robin by tenant) and `claim` (one tenant);
 *  - the tenant-choosing and job-choosing SELECTs alone, with the eligibility condition as it
 *    was (`(queued AND due) OR (leased AND expired)`) and as it is (the same, behind
 *    `status IN ('queued', 'leased')`, which lets the jobs_queue index skip finished jobs).
 * TENANTS tenants; one has HISTORY finished jobs and BACKLOG queued ones, the others a tenth of
 * the history and 10 queued each. Prints medians (ms) and writes bench/results/platform-claim.json.
 *
 * Run: npx tsx bench/platform-claim.bench.ts   (EMBOLUS_BENCH_TENANTS, _HISTORY, _BACKLOG, _CLAIMS)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createStore, newId } from '@embolus/db';
import { openSqlite } from '@embolus/db/node';
import { upperMedian as median, writeBenchResult } from '@embolus/local-stack/stats';

const env = (name: string, d: number) => Number(process.env[`EMBOLUS_BENCH_${name}`] ?? d);
const TENANTS = env('TENANTS', 50);
const HISTORY = env('HISTORY', 50_000);
const BACKLOG = env('BACKLOG', 5_000);
const CLAIMS = env('CLAIMS', 300);

const round = (x: number) => Math.round(x * 1000) / 1000;

const dir = mkdtempSync(path.join(tmpdir(), 'embolus-bench-claim-'));
const h = openSqlite(path.join(dir, 'embolus.sqlite'));
try {
  const now = Date.UTC(2026, 0, 1);
  const clock = {
    t: now,
    now() {
      return this.t;
    },
  };
  const store = createStore(h.driver, clock);
  const tenants: string[] = [];
  for (let i = 0; i < TENANTS; i++) tenants.push((await store.tenants.create({ name: `bench-${i}` })).id);
  const bulk = tenants[0] as string;
  const insert = h.sqlite.prepare(
    `INSERT INTO jobs (id, tenant_id, kind, status, priority, payload, attempts, max_attempts, available_at, created_at, updated_at)
     VALUES (?, ?, 'analysis', ?, 0, '{}', ?, 3, ?, ?, ?)`,
  );
  h.sqlite.transaction(() => {
    let t = now - 10_000_000;
    for (const tenant of tenants) {
      const history = tenant === bulk ? HISTORY : Math.floor(HISTORY / 10);
      const queued = tenant === bulk ? BACKLOG : 10;
      for (let i = 0; i < history; i++) insert.run(newId(), tenant, 'done', 1, t, t, t), t++;
      for (let i = 0; i < queued; i++) insert.run(newId(), tenant, 'queued', 0, t, t, t), t++;
    }
  })();
  h.sqlite.exec('ANALYZE');

  const time = async (n: number, f: () => unknown) => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await f();
      xs.push(performance.now() - t0);
    }
    return round(median(xs));
  };

  const OLD = `((status = 'queued' AND available_at <= @now) OR
    (status = 'leased' AND lease_expires_at <= @now AND attempts < max_attempts))`;
  const NEW = `(status IN ('queued', 'leased') AND ${OLD})`;
  const chooseTenant = (e: string) =>
    h.sqlite.prepare(
      `SELECT t.id FROM tenants t WHERE EXISTS (SELECT 1 FROM jobs WHERE tenant_id = t.id AND kind IN ('analysis') AND ${e})
       ORDER BY t.claim_seq, t.id LIMIT 1`,
    );
  const chooseJob = (e: string) =>
    h.sqlite.prepare(
      `SELECT id FROM jobs WHERE tenant_id = @tenant AND kind IN ('analysis') AND ${e}
       ORDER BY CASE kind WHEN 'analysis' THEN 0 ELSE 1 END, priority DESC, created_at, id LIMIT 1`,
    );
  const selects = {
    chooseTenantBefore: await time(50, () => chooseTenant(OLD).get({ now })),
    chooseTenantAfter: await time(50, () => chooseTenant(NEW).get({ now })),
    chooseJobBulkTenantBefore: await time(50, () => chooseJob(OLD).get({ now, tenant: bulk })),
    chooseJobBulkTenantAfter: await time(50, () => chooseJob(NEW).get({ now, tenant: bulk })),
  };
  const claims = {
    claimAcrossTenants: await time(CLAIMS, () => store.jobs.claimAcrossTenants('bench', { leaseMs: 3_600_000 })),
    claimBulkTenant: await time(CLAIMS, () => store.jobs.claim(bulk, 'bench', { leaseMs: 3_600_000 })),
  };
  const out = { tenants: TENANTS, history: HISTORY, backlog: BACKLOG, claims: CLAIMS, medianMs: { ...selects, ...claims } };
  console.log(JSON.stringify(out, null, 2));
  writeBenchResult('platform-claim', { at: new Date().toISOString(), ...out });
} finally {
  h.close();
  rmSync(dir, { recursive: true, force: true });
}
