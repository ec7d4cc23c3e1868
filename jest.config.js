// Native ESM: run through `node --experimental-vm-modules` (see package.json scripts).
const tsJest = ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }];

// @fastify/static (CommonJS) requires content-disposition 3, which is ESM-only: Node loads that with
// require(esm), Jest's module registry cannot, so Jest compiles that one package to CommonJS.
const esmOnlyDependencies = ['content-disposition'];
const toCommonJs = ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022' } }];

const shared = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': tsJest,
    [`/node_modules/(${esmOnlyDependencies.join('|')})/.+\\.js$`]: toCommonJs,
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyDependencies.join('|')})/)`],
  testEnvironment: 'node',
};

const integration = {
  ...shared,
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
};

/** @type {import('jest').Config} */
export default {
  // Integration tests talk to real Postgres, Redis and server processes: a loaded CI machine needs more than
  // Jest's 5 s default (a 10,000-item import alone takes seconds). Jest reads this option only at the root.
  testTimeout: 30_000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...integration, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'] },
    { ...integration, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
