import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SANDBOX_REGION } from '../../sandbox/accounts';
import { ExecutionStore, type StateMachineInfo } from '../../sandbox/stepfunctions/executions';
import type { TaskHandlers } from '../../workflows/local-runner';

/*
 * The execution store's memory grows with the executions in flight, not with the account's age: an ended
 * execution keeps its summary in memory, and its events are read back from its file.
 */

const ECHO: StateMachineInfo = {
  name: 'echo',
  arn: `arn:aws:states:${SANDBOX_REGION}:000000000000:stateMachine:echo`,
  roleArn: 'arn:aws:iam::000000000000:role/echo',
  region: SANDBOX_REGION,
  asl: { definition: { StartAt: 'Echo', States: { Echo: { Type: 'Pass', End: true } } }, stateMachineLogicalId: 'Echo', stateMachineName: 'echo', taskOfState: {}, startsStateMachines: [] },
  creationDate: 0,
};
const TYPES = ['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded'];

function summaryIn(store: ExecutionStore, executionArn: string) {
  const summary = store.get(executionArn);
  if (summary === undefined) throw new Error(`The store has no ${executionArn}`);
  return summary;
}

describe('an ended execution in the execution store', () => {
  let directory: string;
  const openStore = () => new ExecutionStore({ directory, stateMachines: [ECHO], handlers: {} as TaskHandlers, waitMsPerSecond: 0, retryMs: 0 });
  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-executions-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('keeps its summary in memory and reads its events from its file', async () => {
    // GIVEN an execution run to its end
    const store = openStore();
    const { executionArn } = store.startChecked({ name: 'ended', input: '{"a":1}' });
    await store.settled(executionArn);

    // WHEN its file is removed
    rmSync(path.join(directory, 'ended.json'));

    // THEN the summary answers from memory, and the history, no longer there, is an error naming the file.
    expect(store.get(executionArn)).toMatchObject({ status: 'SUCCEEDED', input: '{"a":1}', output: '{"a":1}', eventCount: TYPES.length });
    expect(() => store.eventsOf(summaryIn(store, executionArn))).toThrow(path.join(directory, 'ended.json'));
  });

  it('reads back the history it saved, in this store and in the next one on the directory', async () => {
    // GIVEN an execution run to its end
    const store = openStore();
    const { executionArn } = store.startChecked({ name: 'kept' });
    await store.settled(executionArn);

    // WHEN its history is read, here and after a restart
    const here = store.eventsOf(summaryIn(store, executionArn));
    const reopened = openStore();
    const restarted = reopened.get(executionArn);

    // THEN both are the whole history, and the summary counts it.
    expect(here.map((event) => event.type)).toEqual(TYPES);
    expect(restarted?.eventCount).toBe(TYPES.length);
    expect(restarted === undefined ? undefined : reopened.eventsOf(restarted)).toEqual(here);
  });
});
