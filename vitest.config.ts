import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // CI reads a JSON summary; people read the default reporter.
    reporters: process.env.LRSCHED_TEST_REPORT ? ['default', 'json'] : ['default'],
    outputFile: process.env.LRSCHED_TEST_REPORT ? { json: process.env.LRSCHED_TEST_REPORT } : undefined,
    projects: [
      {
        extends: true,
        test: { name: 'tests', include: ['test/**/*.test.ts'], exclude: ['test/hostile/**'], sequence: { groupOrder: 0 } },
      },
      {
        // The hostile suite asserts latency bounds: it runs after every other test file and
        // one file at a time, so that the test runner's own load does not count against them.
        extends: true,
        test: { name: 'hostile', include: ['test/hostile/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
