import { defineConfig } from 'vitest/config';

// These tests start an API and runner processes and analyse phantom studies on a shared 2-core
// machine: files run one at a time, and timeouts are generous rather than tests skipped.
export default defineConfig({
  test: { testTimeout: 180_000, hookTimeout: 120_000, fileParallelism: false },
});
