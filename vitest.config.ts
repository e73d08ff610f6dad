import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Two projects: every test on SQLite, and the route suite, the live routes and the store's own tests (with
 * the PostgreSQL-only tests) again on PostgreSQL, against a server the run starts itself unless TEST_DATABASE_URL
 * names one (test/support/postgres-global-setup.ts).
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
        test: { name: 'sqlite', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/postgres/**'] },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['test/routes/**/*.test.ts', 'test/live/**/*.test.ts', 'test/store/session-store.test.ts', 'test/postgres/**/*.test.ts'],
          globalSetup: ['test/support/postgres-global-setup.ts'],
          env: { LRSCHED_TEST_STORE: 'postgres' },
        },
      },
    ],
  },
});
