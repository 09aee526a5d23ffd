// Mutation testing for the Lambda code (issue 22): `npm run mutation`. A measurement like the bench, not part of `npm test`.
// The HTML report lands in reports/mutation/ (git-ignored). A full run of its 2,797 mutants took 116 minutes on this
// machine's 2 cores with nothing else running (2026-12-01); `npm run mutation -- --incremental` then retests only what
// changed, and `npx stryker run --mutate tasks/start-import/core.ts` measures one file.
import os from 'node:os';
import path from 'node:path';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  mutate: ['tasks/**/*.ts', 'shared/**/*.ts', 'generators/**/*.ts'],
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    // Only the unit suites of the code under mutation: the sandbox, infra, CLI and workflow suites are slow and cover it
    // only incidentally. This overrides jest.config.js's roots for Stryker alone.
    config: {
      // tasks/ and shared/ hold no tests, but jest finds a mutated file's tests (findRelatedTests) only through
      // modules inside its roots: without them a shared/ file that tests reach only through a task looks untested.
      roots: ['<rootDir>/test/tasks', '<rootDir>/test/shared', '<rootDir>/test/generators', '<rootDir>/tasks', '<rootDir>/shared', '<rootDir>/generators'],
      // Stryker reruns, for each mutant, every test that ran its code. `*.large.test.ts` (8 MiB uploads, 100,000-asset
      // plans) and `*.property.test.ts` (random inputs, so a kill would depend on the seed) cover most of shared/ and
      // take 70 s together: they would stretch a run past five hours. `npm test` still runs them.
      testPathIgnorePatterns: ['/node_modules/', '\\.slow\\.test\\.ts$', '\\.large\\.test\\.ts$', '\\.property\\.test\\.ts$'],
    },
  },
  coverageAnalysis: 'perTest',
  // A static mutant (a zod schema, a constant table: code run once at module load) cannot be traced to the tests that
  // cover it, so each one runs every related suite: the 449 of them took 3/4 of a 5-hour run on 2 cores. They are left
  // out of the score and shown as Ignored in the report; `DX_FLOW_MUTATE_STATIC=1 npm run mutation` measures them too.
  ignoreStatic: process.env.DX_FLOW_MUTATE_STATIC !== '1',
  // The machine has 2 cores shared with other work.
  concurrency: 2,
  // A loaded machine slows a test run; a mutant that only times out because of that would count as killed.
  timeoutMS: 10000,
  // ts-jest only transpiles (tsconfig's isolatedModules), so a mutant that would not type-check still runs; no checker.
  disableTypeChecks: '{tasks,shared,test}/**/*.ts',
  // The sandbox copies live outside the work tree, so that `eslint .`, jest's roots and tsc never see them during a run.
  tempDirName: path.join(os.tmpdir(), 'dx-flow-stryker'),
  ignorePatterns: ['cdk.out', '.sandbox', 'coverage', 'reports'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // `npm run mutation -- --incremental` tests again only the mutants whose code or tests changed since the last run.
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  thresholds: { high: 90, low: 80, break: null },
};
