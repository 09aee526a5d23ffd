import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ExecutionRecord } from '../../sandbox/stepfunctions/executions';
import { taskFreeStateMachine, useStoreDirectory } from './execution-store-harness';

/*
 * A running execution's history on disk: its record is written whole when the run begins and ends, and its new
 * events in between go to its log (`<name>.events`), so a long run does not rewrite its history at every save. An
 * interrupted execution's history is its record's and its log's, but for a line a crash tore.
 */

const WAIT_THEN_PASS = taskFreeStateMachine('waiter', {
  StartAt: 'Hold',
  States: { Hold: { Type: 'Wait', Seconds: 1, Next: 'Done' }, Done: { Type: 'Pass', End: true } },
});

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as ExecutionRecord;

describe("a running execution's event log", () => {
  // The Wait state lasts 800 ms: past the store's first save of a running execution, 250 ms after its first event.
  const storeDir = useStoreDirectory(WAIT_THEN_PASS, 800);
  const openStore = storeDir.open;

  it('takes the events of a running execution, its record left as it began, and goes once the record holds them', async () => {
    // GIVEN an execution in its Wait state, past its first save
    const store = openStore();
    const { executionArn } = store.startChecked({ name: 'waiting' });
    await new Promise((resolve) => setTimeout(resolve, 500));

    // WHEN its files are read mid-run, and after its end
    const recordMidRun = readJson(path.join(storeDir.directory, 'waiting.json'));
    const logMidRun = readFileSync(path.join(storeDir.directory, 'waiting.events'), 'utf8');
    await store.settled(executionArn);
    const ended = readJson(path.join(storeDir.directory, 'waiting.json'));

    // THEN the record held the opening event and the log the next ones; the ended record holds all, and the log is gone.
    expect(recordMidRun.events.map((event) => event.type)).toEqual(['ExecutionStarted']);
    expect(logMidRun.trimEnd().split('\n').map((line) => (JSON.parse(line) as { type: string }).type)).toEqual(['WaitStateEntered']);
    expect(ended.events.map((event) => event.type)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'WaitStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
    expect(existsSync(path.join(storeDir.directory, 'waiting.events'))).toBe(false);
  });

  it('gives an interrupted execution its record and log events, without the line a crash tore', () => {
    // GIVEN a RUNNING record, and a log of one whole event and one torn (a sandbox killed mid-append)
    const started = { id: 1, previousEventId: 0, timestamp: 1, type: 'ExecutionStarted' };
    const entered = { id: 2, previousEventId: 1, timestamp: 2, type: 'WaitStateEntered' };
    const arn = `${WAIT_THEN_PASS.arn.replace(':stateMachine:', ':execution:')}:cut`;
    const record = { executionArn: arn, stateMachineArn: WAIT_THEN_PASS.arn, name: 'cut', status: 'RUNNING', startDate: 1000, input: '{}', redriveCount: 0, events: [started] };
    writeFileSync(path.join(storeDir.directory, 'cut.json'), JSON.stringify(record));
    writeFileSync(path.join(storeDir.directory, 'cut.events'), `${JSON.stringify(entered)}\n{"id":3,"previousEve`);

    // WHEN a store opens the directory
    const store = openStore();
    const summary = store.get(arn);

    // THEN the execution is ABORTED after its last whole event, which its history and its record keep; the log is gone.
    expect(summary).toMatchObject({ status: 'ABORTED', error: 'SandboxStopped', stopDate: 2000, eventCount: 3 });
    const types = ['ExecutionStarted', 'WaitStateEntered', 'ExecutionAborted'];
    expect(summary === undefined ? [] : store.eventsOf(summary).map((event) => event.type)).toEqual(types);
    expect(readJson(path.join(storeDir.directory, 'cut.json')).events.map((event) => event.type)).toEqual(types);
    expect(existsSync(path.join(storeDir.directory, 'cut.events'))).toBe(false);
  });
});
