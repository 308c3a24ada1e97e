import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineProject } from 'vitest/config';

// Keep miniflare off the network (TOOLCHAIN.md §3): no metrics, no cf.json fetch.
process.env['WRANGLER_SEND_METRICS'] = 'false';
process.env['CLOUDFLARE_CF_FETCH_ENABLED'] = 'false';

export default defineProject({
  plugins: [
    cloudflareTest(async () => ({
      miniflare: {
        compatibilityDate: '2026-04-01',
        compatibilityFlags: ['nodejs_compat'],
        d1Databases: ['DB'],
        r2Buckets: ['BUCKET'],
        cf: false,
        bindings: { TEST_MIGRATIONS: await readD1Migrations(path.join(import.meta.dirname, 'drizzle')) },
      },
    })),
  ],
  test: { name: 'workers', include: ['test/workers/*.test.ts'] },
});
