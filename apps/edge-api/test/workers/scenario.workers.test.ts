/**
 * The scenario suite inside workerd: the Worker entry (src/worker.ts) with D1 and R2 bindings
 * from wrangler.toml, migrations from packages/db/drizzle.
 */
import { applyD1Migrations, env, SELF } from 'cloudflare:test';
import { createStore, d1Driver } from '@embolus/db';
import { scenarioSuite } from '../scenario/scenario';

scenarioSuite('workerd (D1 + R2)', async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  const store = createStore(d1Driver(env.DB));
  return {
    fetch: (p, init) => SELF.fetch(p.startsWith('http') ? p : `https://embolus.test${p}`, init),
    async key(tenant, role) {
      const t = await store.tenants.ensure(tenant);
      return (await store.keys.create({ tenantId: t.id, role })).key;
    },
  };
});
