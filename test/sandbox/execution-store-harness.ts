import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SANDBOX_REGION } from '../../sandbox/accounts';
import { ExecutionStore, type StateMachineInfo } from '../../sandbox/stepfunctions/executions';
import type { AslDefinition } from '../../workflows/asl';
import type { TaskHandlers } from '../../workflows/local-runner';

/*
 * An execution store on its own, for the tests of its files: a state machine of task-free states, and a fresh
 * directory per test.
 */

/** A state machine named `name` whose definition needs no task handler. */
export function taskFreeStateMachine(name: string, definition: AslDefinition): StateMachineInfo {
  return {
    name,
    arn: `arn:aws:states:${SANDBOX_REGION}:000000000000:stateMachine:${name}`,
    roleArn: `arn:aws:iam::000000000000:role/${name}`,
    region: SANDBOX_REGION,
    asl: { definition, stateMachineLogicalId: name, stateMachineName: name, taskOfState: {}, startsStateMachines: [] },
    creationDate: 0,
  };
}

/** A fresh directory for each test of the describe block it is called in; `open()` starts a store on it. */
export function useStoreDirectory(stateMachine: StateMachineInfo, waitMsPerSecond = 0) {
  const shared = {
    directory: '',
    open: () => new ExecutionStore({ directory: shared.directory, stateMachines: [stateMachine], handlers: {} as TaskHandlers, waitMsPerSecond, retryMs: 0 }),
  };
  beforeEach(() => {
    shared.directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-executions-'));
  });
  afterEach(() => rmSync(shared.directory, { recursive: true, force: true }));
  return shared;
}
