import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineProject } from 'vitest/config';

// Keep wrangler and miniflare off the network (TOOLCHAIN.md §3).
process.env['WRANGLER_SEND_METRICS'] = 'false';
process.env['CLOUDFLARE_CF_FETCH_ENABLED'] = 'false';

export default defineProject({
  plugins: [
    cloudflareTest(async () => ({
      main: './src/worker.ts',
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        cf: false,
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(path.join(import.meta.dirname, '../../packages/db/drizzle')),
          EMBOLUS_LOG_LEVEL: 'warn',
        },
      },
    })),
  ],
  test: { name: 'workers', include: ['test/workers/*.test.ts'], testTimeout: 30_000 },
});
