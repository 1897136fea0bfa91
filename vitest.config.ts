import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Vite would resolve `graphql` to index.mjs while yoga and Pothos (loaded by Node) get index.js:
    // two graphql copies, and our GraphQLErrors masked as "Unexpected error." only in tests.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    // Embedded PostgreSQL and migrations run in hooks on a cold machine.
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // `npm test` (scripts/run-tests.mjs) prints the tally after vitest exits; run directly,
    // the tally reporter prints it itself, after the default summary.
    reporters: ['default', './test/reporter/tally-reporter.ts'],
  },
});
