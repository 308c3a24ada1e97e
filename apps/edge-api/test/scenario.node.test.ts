/**
 * The scenario suite against the Node server: real HTTP on loopback, SQLite file and blob
 * folder in a temporary data directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createStore } from '@embolus/db';
import { afterAll } from 'vitest';
import { startServer, type RunningServer } from '../src/node/serve';
import { scenarioSuite } from './scenario/scenario';

const dir = mkdtempSync(path.join(tmpdir(), 'embolus-api-'));
let server: RunningServer | undefined;
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

scenarioSuite('node (better-sqlite3 + folder, HTTP)', async () => {
  server = await startServer({ dataDir: dir, port: 0, env: { EMBOLUS_LOG_LEVEL: 'silent' }, dispatcher: false });
  const base = `http://127.0.0.1:${server.port}`;
  const store = createStore(server.runtime.sqlite.driver);
  return {
    fetch: (p, init) => fetch(p.startsWith('http') ? p : base + p, init),
    async key(tenant, role) {
      const t = await store.tenants.ensure(tenant);
      return (await store.keys.create({ tenantId: t.id, role })).key;
    },
  };
});
