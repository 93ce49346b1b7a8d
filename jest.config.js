// Three tiers: fast unit tests of pure code (src/**/*.spec.ts) and integration tests that
// talk to a real PostgreSQL (test/**/*.e2e-spec.ts), migrated once in globalSetup; and
// browser tests of the calendar page (test/browser, `npm run test:e2e`, not in `npm test`).
// Type checking is `npm run check`; ts-jest only transpiles, which keeps the suite fast.
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }],
};

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/web/src/**/*.spec.ts'],
      transform,
      setupFiles: ['<rootDir>/test/support/fast-check.setup.ts'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform,
      setupFiles: ['<rootDir>/test/support/fast-check.setup.ts'],
      globalSetup: '<rootDir>/test/global-setup.mjs',
      globalTeardown: '<rootDir>/test/global-teardown.mjs',
      setupFilesAfterEnv: ['<rootDir>/test/support/jest.setup.ts'],
    },
    {
      // The calendar page in Debian's Chromium (npm run test:e2e, which builds web/ first).
      displayName: 'browser',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      transform,
      globalSetup: '<rootDir>/test/global-setup.mjs',
      globalTeardown: '<rootDir>/test/global-teardown.mjs',
      setupFilesAfterEnv: ['<rootDir>/test/support/jest.setup.ts'],
    },
  ],
};
