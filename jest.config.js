/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // `*.slow.test.ts` runs take minutes on 2 cores (the 10,001-asset run): `npm run test:slow` runs them, `npm test` does not.
  testPathIgnorePatterns: process.env.DX_FLOW_SLOW_TESTS === '1' ? ['/node_modules/'] : ['/node_modules/', '\\.slow\\.test\\.ts$'],
  transform: {
    // tsconfig's isolatedModules makes ts-jest transpile only; type checking is `npm run typecheck`'s job.
    '^.+\\.ts$': 'ts-jest',
  },
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  testTimeout: 60000,
};
