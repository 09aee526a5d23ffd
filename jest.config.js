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
  // One worker per core: jest's default leaves one for itself, which on a 2-core machine is a single worker, while
  // most suites wait on sockets, child processes and timers. Measured on 2 cores: 464 s with one worker, 278 s with two.
  maxWorkers: '100%',
};
