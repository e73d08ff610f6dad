import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Three projects: every test on SQLite; the route suite, the live routes, keys and projects, and the store's
 * own tests (with the PostgreSQL-only tests) again on PostgreSQL, against a server the run starts itself unless
 * TEST_DATABASE_URL names one (test/support/postgres-global-setup.ts); and the hostile suite last, on its own.
 */
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
        test: {
          name: 'sqlite',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/postgres/**', 'test/hostile/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: [
            'test/routes/**/*.test.ts',
            'test/live/**/*.test.ts',
            'test/access/**/*.test.ts',
            'test/store/session-store.test.ts',
            'test/postgres/**/*.test.ts',
          ],
          globalSetup: ['test/support/postgres-global-setup.ts'],
          env: { LRSCHED_TEST_STORE: 'postgres' },
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The "contract tests through 3 replicas, round-robin": the route suite again, each
        // file's requests spread over three service processes on one PostgreSQL database
        // (test/support/replicas.ts). Left out: health.test.ts and history-downsampling.test.ts
        // build their own in-process app or store, which replicas would not change; security.test.ts
        // checks the in-process app's headers and /docs in Chromium, nothing a replica does differently.
        extends: true,
        test: {
          name: 'postgres-replicas',
          include: [
            'test/routes/{sessions,steps,errors,state-dict,range-test,preview,limits,problem-types,query-strings,golden-http}.test.ts',
          ],
          globalSetup: ['test/support/postgres-global-setup.ts'],
          env: { LRSCHED_TEST_STORE: 'postgres', LRSCHED_TEST_REPLICAS: '3' },
          sequence: { groupOrder: 0 },
        },
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
