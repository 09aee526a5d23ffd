/* eslint-disable @typescript-eslint/no-require-imports -- see below */
import type * as BuildApp from '../infra/build-app';
import type * as Sandbox from '../sandbox/sandbox';

/*
 * What only some commands need, loaded on first use: the CDK app (aws-cdk-lib) and the sandbox's servers.
 * `dx-flow status <arn>` against AWS, or any `--help`, pays for neither.
 *
 * `require` rather than `import()`: the CLI runs its sources under tsx's CommonJS hook (cli/dx-flow.js), and
 * `import()` would go through Node's ESM loader, which that hook does not cover.
 */

export const loadSandbox = (): typeof Sandbox => require('../sandbox/sandbox');

export const loadApp = (): typeof BuildApp => require('../infra/build-app');
