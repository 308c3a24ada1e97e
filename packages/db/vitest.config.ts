import { defineConfig } from 'vitest/config';

// Two projects: the contract suites under Node (better-sqlite3, folder) and inside workerd
// (D1, R2) through @cloudflare/vitest-pool-workers. ESM only: the pool refuses CommonJS configs.
export default defineConfig({
  test: {
    projects: ['./vitest.node.config.ts', './vitest.workers.config.ts'],
  },
});
