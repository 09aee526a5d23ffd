import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ExecutionStore } from '../../sandbox/stepfunctions/executions';
import { taskFreeStateMachine, useStoreDirectory } from './execution-store-harness';

/*
 * The execution store's memory grows with the executions in flight, not with the account's age: an ended
 * execution keeps its summary in memory, and its input, output and events are read back from its file. Opening a
 * store reads the summary files, not the records.
 */

const ECHO = taskFreeStateMachine('echo', { StartAt: 'Echo', States: { Echo: { Type: 'Pass', End: true } } });
const TYPES = ['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded'];
/** What memory keeps of an ended execution: no input, output or events. */
const SUMMARY_FIELDS = ['eventCount', 'executionArn', 'name', 'redriveCount', 'startDate', 'stateMachineArn', 'status', 'stopDate'];

function summaryIn(store: ExecutionStore, executionArn: string) {
  const summary = store.get(executionArn);
  if (summary === undefined) throw new Error(`The store has no ${executionArn}`);
  return summary;
}

describe('an ended execution in the execution store', () => {
  const storeDir = useStoreDirectory(ECHO);
  const openStore = storeDir.open;

  it('keeps its summary in memory and reads its input, output and events from its file', async () => {
    // GIVEN an execution run to its end
    const store = openStore();
    const { executionArn } = store.startChecked({ name: 'ended', input: '{"a":1}' });
    await store.settled(executionArn);
    const whole = store.recordOf(summaryIn(store, executionArn));

    // WHEN its file is removed
    rmSync(path.join(storeDir.directory, 'ended.json'));
    const fresh = openStore();

    // THEN the summary, with neither input nor output, answers from memory; they were in its file, which, no longer
    // there, is an error naming it.
    expect(Object.keys(summaryIn(store, executionArn)).sort()).toEqual(SUMMARY_FIELDS);
    expect(whole).toMatchObject({ input: '{"a":1}', output: '{"a":1}' });
    expect(() => fresh.recordOf(summaryIn(fresh, executionArn))).toThrow(path.join(storeDir.directory, 'ended.json'));
  });

  it('opens a store from the summary files, parsing no record', async () => {
    // GIVEN an execution run to its end, whose record is then damaged
    const store = openStore();
    const { executionArn } = store.startChecked({ name: 'summarized', input: '{"a":1}' });
    await store.settled(executionArn);
    writeFileSync(path.join(storeDir.directory, 'summarized.json'), '{"executionArn":');

    // WHEN a store is opened on the directory
    const reopened = openStore();

    // THEN it opens, with the summary; the damaged record is said, naming its file, when the input is asked for.
    expect(reopened.get(executionArn)).toMatchObject({ status: 'SUCCEEDED', eventCount: TYPES.length });
    expect(() => reopened.recordOf(summaryIn(reopened, executionArn))).toThrow(/summarized\.json is damaged/);
  });

  it('reads the record of an execution whose summary is behind it, and writes the summary again', async () => {
    // GIVEN an ended execution whose summary still says RUNNING (a crash between its record and its summary)
    const store = openStore();
    const { executionArn } = store.startChecked({ name: 'behind' });
    await store.settled(executionArn);
    const summaryFile = path.join(storeDir.directory, 'behind.summary');
    writeFileSync(summaryFile, JSON.stringify({ ...summaryIn(store, executionArn), status: 'RUNNING', eventCount: 1 }));

    // WHEN a store is opened on the directory
    const reopened = openStore();

    // THEN the record wins: the execution SUCCEEDED, not interrupted, and its summary says so again.
    expect(reopened.get(executionArn)).toMatchObject({ status: 'SUCCEEDED', eventCount: TYPES.length });
    expect(JSON.parse(readFileSync(summaryFile, 'utf8'))).toMatchObject({ status: 'SUCCEEDED' });
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
