import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // CI reads a JSON summary; people read the default reporter.
    reporters: process.env.LRSCHED_TEST_REPORT ? ['default', 'json'] : ['default'],
    outputFile: process.env.LRSCHED_TEST_REPORT ? { json: process.env.LRSCHED_TEST_REPORT } : undefined,
  },
});
