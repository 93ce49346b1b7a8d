// Three tiers, named for what they are:
// - unit: fast tests of pure code and services (src/**/*.spec.ts, web/src/**/*.spec.ts);
// - integration: the real app over HTTP against a real PostgreSQL (embedded, or DATABASE_URL),
//   migrated once in globalSetup (test/integration/*.integration-spec.ts);
// `npm test` runs these two (`npm run test:unit`, `npm run test:integration`: one of them);
// - browser: the calendar page in Debian's Chromium (test/browser/*.browser-spec.ts,
//   `npm run test:browser`, not in `npm test`).
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
      testMatch: ['<rootDir>/test/**/*.integration-spec.ts'],
      transform,
      setupFiles: ['<rootDir>/test/support/fast-check.setup.ts'],
      globalSetup: '<rootDir>/test/global-setup.mjs',
      globalTeardown: '<rootDir>/test/global-teardown.mjs',
      setupFilesAfterEnv: ['<rootDir>/test/support/jest.setup.ts'],
    },
    {
      // The calendar page in Debian's Chromium (npm run test:browser, which builds web/ first).
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
