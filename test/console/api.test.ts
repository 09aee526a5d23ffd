import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { chainsOf, ConsoleApi } from '../../console/api';

/*
 * What the console's server asks Step Functions, and what it makes of the answers. GIVEN the API's answers,
 * WHEN the page asks, THEN it gets them shaped for the page, from the calls an operator's console would make.
 */

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:111111111111:stateMachine:publish';
const arn = (name: string) => `arn:aws:states:us-east-1:111111111111:execution:publish:${name}`;

describe('ConsoleApi', () => {
  const sfn = mockClient(SFNClient);
  const api = () => new ConsoleApi(new SFNClient({}), STATE_MACHINE_ARN);

  beforeEach(() => sfn.reset());

  it('lists executions newest first across pages, with the runId and revision their input and output hold', async () => {
    // GIVEN two pages, the older execution first
    sfn
      .on(ListExecutionsCommand)
      .resolvesOnce({ executions: [{ executionArn: arn('old'), name: 'old', status: 'FAILED', startDate: new Date(1000), stateMachineArn: STATE_MACHINE_ARN }], nextToken: 't' })
      .resolvesOnce({ executions: [{ executionArn: arn('new'), name: 'new', status: 'SUCCEEDED', startDate: new Date(2000), stateMachineArn: STATE_MACHINE_ARN }] });
    sfn.on(DescribeExecutionCommand, { executionArn: arn('new') }).resolves({ input: '{"runId":"r-new"}', output: '{"revisionId":"rev1"}' });
    sfn.on(DescribeExecutionCommand, { executionArn: arn('old') }).resolves({ input: '{"runId":"r-old"}', output: 'not json' });

    // WHEN
    const rows = await api().listExecutions('FAILED');

    // THEN
    expect(rows.map((row) => [row.name, row.runId, row.revisionId])).toEqual([
      ['new', 'r-new', 'rev1'],
      ['old', 'r-old', undefined],
    ]);
    expect(sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { stateMachineArn: STATE_MACHINE_ARN, statusFilter: 'FAILED' });
  });

  it("draws an execution's own state machine once, and reads its states from the whole history", async () => {
    // GIVEN
    sfn.on(DescribeExecutionCommand).resolves({ executionArn: arn('e'), stateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:other', status: 'RUNNING' });
    sfn.on(DescribeStateMachineCommand).resolves({ definition: JSON.stringify({ StartAt: 'Only', States: { Only: { Type: 'Pass', End: true } } }) });
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: [{ id: 1, previousEventId: 0, type: 'ExecutionStarted', timestamp: new Date() }], nextToken: 't' })
      .resolvesOnce({ events: [{ id: 2, previousEventId: 1, type: 'PassStateEntered', timestamp: new Date(), stateEnteredEventDetails: { name: 'Only' } }] });
    const console = api();

    // WHEN
    const view = await console.execution(arn('e'));
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    await console.execution(arn('e'));

    // THEN
    expect(view.flowchart).toContain('Only("Only")');
    expect(view.states).toEqual([{ name: 'Only', status: 'running', entered: 1 }]);
    expect(sfn).toHaveReceivedCommandTimes(DescribeStateMachineCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(DescribeStateMachineCommand, { stateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:other' });
  });

  it('redrives, and stops with an error that says the console stopped the run', async () => {
    // GIVEN
    sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date(3000) });
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date(4000) });

    // WHEN
    const redriven = await api().redrive(arn('e'));
    const stopped = await api().stop(arn('e'));

    // THEN
    expect([redriven, stopped]).toEqual([{ redriveDate: new Date(3000).toISOString() }, { stopDate: new Date(4000).toISOString() }]);
    expect(sfn).toHaveReceivedCommandWith(RedriveExecutionCommand, { executionArn: arn('e') });
    expect(sfn).toHaveReceivedCommandWith(StopExecutionCommand, { executionArn: arn('e'), error: 'StoppedFromConsole' });
  });
});

describe('chainsOf', () => {
  it('links each part of a run of several parts to its part 1, and leaves other executions alone', () => {
    // GIVEN part 1 named in full, and parts 2 and 3 named after it cut to fit; a rerun of the same name prefix
    // after the chain; and a lone execution.
    const rows = [
      { executionArn: 'a1', name: 'run-long-name', startDate: '2026-01-01T00:00:00Z' },
      { executionArn: 'a2', name: 'run-long-na-part-2', startDate: '2026-01-01T00:01:00Z' },
      { executionArn: 'a3', name: 'run-long-na-part-3', startDate: '2026-01-01T00:02:00Z' },
      { executionArn: 'later', name: 'run-long-name-again', startDate: '2026-01-01T00:05:00Z' },
      { executionArn: 'lone', name: 'other', startDate: '2026-01-01T00:00:30Z' },
    ];

    // WHEN
    const chains = chainsOf(rows);

    // THEN
    expect(Object.fromEntries(chains)).toEqual({
      a1: { part: 1, first: 'run-long-name' },
      a2: { part: 2, first: 'run-long-name' },
      a3: { part: 3, first: 'run-long-name' },
    });
  });
});
