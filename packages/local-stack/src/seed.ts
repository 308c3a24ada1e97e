/**
 * Data for the server benches, written straight into a data folder's SQLite before the server
 * starts: the benchmark tenant with a key, and worklist rows as they look after analysis.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createStore, newId, type Role, type Store, type Tenant } from '@embolus/db';
import { openSqlite } from '@embolus/db/node';

/**
 * Opens (creating) `dataDir`/embolus.sqlite and creates the tenant `bench` with a `role` key.
 * The caller adds what else it needs through `store` or `sqlite`, then calls `close()` before a
 * server opens the folder.
 */
export async function seedBenchTenant(
  dataDir: string,
  role: Role = 'clinician',
): Promise<{ sqlite: ReturnType<typeof openSqlite>; store: Store; tenant: Tenant; key: string; close(): void }> {
  mkdirSync(dataDir, { recursive: true });
  const sqlite = openSqlite(path.join(dataDir, 'embolus.sqlite'));
  const store = createStore(sqlite.driver);
  const tenant = await store.tenants.create({ name: 'bench' });
  const { key } = await store.keys.create({ tenantId: tenant.id, role });
  return { sqlite, store, tenant, key, close: () => sqlite.close() };
}

/**
 * `count` complete studies as the worklist sees them after analysis, newest first, one a minute:
 * the probability of study i is ((i × 7919) mod `buckets`) / `buckets`, positive above 0.5, and
 * every `urgentEvery`-th study is urgent. Rows for the `studies` table (camelCase, as drizzle and
 * named SQLite parameters take them).
 */
export function analysedStudyRows(tenantId: string, count: number, o: { buckets: number; urgentEvery: number; id?: () => string }) {
  const now = Date.now();
  const id = o.id ?? newId;
  return Array.from({ length: count }, (_, i) => {
    const p = ((i * 7919) % o.buckets) / o.buckets;
    return {
      id: id(),
      tenantId,
      status: 'complete' as const,
      studyInstanceUid: `2.25.${i}`,
      instanceCount: 300,
      totalBytes: 300 * 524_288,
      urgency: i % o.urgentEvery === 0 ? 0 : 1,
      sortProbability: p,
      decision: (p > 0.5 ? 'positive' : 'negative') as 'positive' | 'negative',
      createdAt: now - i * 60_000,
      updatedAt: now,
      submittedAt: now - i * 60_000,
      completedAt: now - i * 60_000 + 30_000,
    };
  });
}
