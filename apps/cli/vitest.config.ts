import { defineConfig } from 'vitest/config';

// CI is a 2-core machine running two packages' tests at once: volume-sized tests that take
// 2 s when idle can pass 5 s there, so the default timeout is raised rather than tests skipped.
export default defineConfig({
  test: { testTimeout: 30_000 },
});
