import { defineConfig } from 'vitest/config';

// Node tests (route tests with app.request(), the scenario over HTTP, the CLI, the wrangler
// build) and the same scenario inside workerd through @cloudflare/vitest-pool-workers.
// ESM only: the pool refuses CommonJS configs.
export default defineConfig({
  test: {
    projects: ['./vitest.node.config.ts', './vitest.workers.config.ts'],
  },
});
