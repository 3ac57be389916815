import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // CI lists every test by name, so its log shows which suites ran (SQLite and PostgreSQL alike).
    reporters: [process.env.CI ? 'verbose' : 'default', './test/support/summary-reporter.ts'],
  },
});
