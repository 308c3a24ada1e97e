import { defineConfig } from 'vitest/config';

// Browser tests against the real stack: one file at a time, generous timeouts for a loaded 2-core machine.
export default defineConfig({
  test: { include: ['test/*.test.ts'], environment: 'node', testTimeout: 60_000, hookTimeout: 240_000, fileParallelism: false },
});
